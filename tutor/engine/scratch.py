"""From-scratch NumPy recurrent cells with full backpropagation through time: ``SimpleRNN``, ``LSTM``, ``GRU``.

Weights use exactly the layout of ``layer.get_weights()`` of the Keras layers with default settings, so a Keras
layer's weights load unchanged and ours load back into Keras:

- SimpleRNN: kernel (F, U), recurrent_kernel (U, U), bias (U,);  h_t = tanh(x_t W + h_{t-1} R + b)
- LSTM: kernel (F, 4U), recurrent_kernel (U, 4U), bias (4U,), gate order i, f, c, o;
  c_t = f ⊙ c_{t-1} + i ⊙ tanh(z_c),  h_t = o ⊙ tanh(c_t)
- GRU (reset_after=True): kernel (F, 3U), recurrent_kernel (U, 3U), bias (2, 3U) — row 0 for the input
  projection, row 1 for the recurrent one; gate order z, r, h;
  h̃_t = tanh(x W_h + b_h + r ⊙ (h_{t-1} R_h + b'_h)),  h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃_t

``step(x_t, state)`` is one step of the cell, as lesson 7 writes it: x_t (batch, features) and the state before
it (h, or the pair (h, c) for the LSTM) give (h_t, the state after it). ``forward(x)`` runs that step over a
sequence (batch, time, features), from zeros or from ``initial_state``, and returns every hidden state (batch,
time, units); only the input projection x_t W + b, which does not depend on the state, is computed for all
steps at once before the loop. ``backward(dh)`` takes ∂L/∂h_t for every step (the direct part) and returns the
gradients of L = Σ h · dh with respect to ``inputs``, ``kernel``, ``recurrent_kernel`` and ``bias``; it keeps
that of the initial state in ``d_initial_state``. Its loop over time runs only what the recurrence makes
sequential, the gradient carried to the step before: every step's local derivatives are computed before the
loop and the weight gradients after it, each in one vectorised operation over all steps. After a pass,
``internals`` holds the per-step quantities the lessons draw (gates, cell state, pre-activations, and, after
``backward``, ∂L/∂h_t including the recurrent path).

Speed: ``tests/bench_scratch.py`` holds one training step of these cells to Keras's time. Inside the loops over
time that means few and large NumPy calls (the GRU's two gates in one sigmoid,
a step's gate blocks multiplied by broadcasting rather than concatenated), results written where they are kept
(``out=``, ``+=``), and no fresh large array for a value no caller sees, but a buffer the cell keeps
(``_buffer``): a fresh one costs page faults whenever the allocator has handed its memory back to the system, and
those can cost more than the arithmetic. Each such place is marked "speed" in a comment.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

State = Any  # h (batch, units), or (h, c) for the LSTM


def sigmoid(a: np.ndarray) -> np.ndarray:
    # The same function as 1 / (1 + e^-a), written with tanh: no
    # overflow for any a, and one vectorised call.
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _check_shape(name: str, array: np.ndarray, expected: tuple) -> None:
    """``expected`` may hold None for a free dimension."""
    ok = array.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, array.shape))
    if not ok:
        shown = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ")"
        raise ValueError(f"{name} must have shape {shown}, got {tuple(array.shape)}")


def _rows(a: np.ndarray) -> np.ndarray:
    """(batch, time, n) → (batch·time, n): every step of every sequence as one row of a matrix product."""
    return a.reshape(-1, a.shape[-1])


def _previous(first: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """(batch, time, ·): the value before each step — ``first`` before step 0, then seq[:, t − 1]."""
    return np.concatenate([first[:, None], seq[:, :-1]], axis=1)


class _Cell:
    """What the three cells share: weights and shape checks, the loop over time, and the weight gradients.
    A cell adds ``_step`` (one step from the input projection) and ``_backward`` (BPTT's per-step part)."""

    gates = 1  # blocks of ``units`` columns in the kernel

    def __init__(self, kernel: Any, recurrent_kernel: Any, bias: Any, dtype: Any = np.float64) -> None:
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        kernel = np.asarray(kernel, dtype=self.dtype)
        recurrent_kernel = np.asarray(recurrent_kernel, dtype=self.dtype)
        if kernel.ndim != 2:
            raise ValueError(f"kernel must have shape (features, {self.gates}·units), got {kernel.shape}")
        units = kernel.shape[1] // self.gates
        if units * self.gates != kernel.shape[1] or units == 0:
            raise ValueError(f"kernel must have shape (features, {self.gates}·units), got {kernel.shape}")
        self.units, self.features = units, kernel.shape[0]
        _check_shape("recurrent_kernel", recurrent_kernel, (units, self.gates * units))
        bias = np.asarray(bias, dtype=self.dtype)
        _check_shape("bias", bias, self.bias_shape)
        self.kernel, self.recurrent_kernel, self.bias = kernel, recurrent_kernel, bias
        self.internals: dict[str, np.ndarray] = {}
        self._x: np.ndarray | None = None
        self._initial_state: State = None
        self.d_initial_state: State = None  # after backward: ∂L/∂(the initial state)
        self._buffers: dict[str, np.ndarray] = {}  # see _buffer

    def _buffer(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """An array of ``shape`` kept from one call to the next, for a large value no caller sees. Speed: a fresh
        large array on every call costs page faults whenever the allocator has handed that memory back."""
        buffer = self._buffers.get(name)
        if buffer is None or buffer.shape != shape:
            buffer = self._buffers[name] = np.empty(shape, self.dtype)
        return buffer

    @property
    def bias_shape(self) -> tuple[int, ...]:
        return (self.gates * self.units,)

    @property
    def input_bias(self) -> np.ndarray:
        """The bias added to the input projection x_t W (the GRU has a second one, inside its step)."""
        return self.bias

    @property
    def weights(self) -> list[np.ndarray]:
        """In ``layer.set_weights`` order."""
        return [self.kernel, self.recurrent_kernel, self.bias]

    def _array(self, name: str, value: Any, shape: tuple) -> np.ndarray:
        value = np.asarray(value, dtype=self.dtype)
        _check_shape(name, value, shape)
        return value

    def _state(self, state: State | None, batch: int, name: str = "state") -> State:
        """``state`` checked and in the cell's dtype; zeros for None."""
        if state is None:
            return np.zeros((batch, self.units), self.dtype)
        return self._array(name, state, (batch, self.units))

    def _step(self, xw_t: np.ndarray, state: State) -> tuple[np.ndarray, State, dict[str, np.ndarray]]:
        """One step from its input projection xw_t = x_t W + b: (h_t, the state after it, the step's
        ``internals``)."""
        raise NotImplementedError

    def _backward(self, x: np.ndarray, dh: np.ndarray, carry: State,
                  truncate: int | None) -> dict[str, np.ndarray]:
        """BPTT from the gradient ``carry`` reaching the final state; sets ``d_initial_state``."""
        raise NotImplementedError

    def step(
        self, x_t: Any, state: State | None = None
    ) -> tuple[np.ndarray, State]:
        """One step from ``state`` (zeros for None): x_t (batch,
        features) → (h_t, the state after it)."""
        x_t = self._array("x_t", x_t, (None, self.features))
        xw_t = x_t @ self.kernel + self.input_bias
        state = self._state(state, x_t.shape[0])
        h, state, _ = self._step(xw_t, state)
        return h, state

    def forward(
        self, x: Any, initial_state: State | None = None
    ) -> np.ndarray:
        """Every hidden state (batch, time, units) of the sequence x
        (batch, time, features)."""
        x = self._array("x", x, (None, None, self.features))
        if x.shape[1] == 0:
            raise ValueError("x must have at least one time step, "
                             f"got shape {tuple(x.shape)}")
        state = self._initial_state = self._state(
            initial_state, x.shape[0], "initial_state")
        self._x = x
        batch, steps = x.shape[:2]
        # The input projection of every step at once, into a kept
        # buffer and with the bias added in place (speed, as every
        # `out=`, `*=` and `+=` in this file: no second array of
        # that size).
        shape = (batch, steps, self.kernel.shape[1])
        xw = np.matmul(x, self.kernel, out=self._buffer("xw", shape))
        xw += self.input_bias
        for t in range(steps):
            _, state, record = self._step(xw[:, t], state)
            if t == 0:
                # Speed: one array per quantity for all steps,
                # filled as the loop goes (not stacked after).
                self.internals = {
                    k: np.empty((batch, steps, *v.shape[1:]),
                                self.dtype)
                    for k, v in record.items()}
            for k, v in record.items():
                self.internals[k][:, t] = v
        return self.internals["h"]

    def backward(self, dh: Any, truncate: int | None = None,
                 d_final_state: State | None = None) -> dict[str, np.ndarray]:
        """Gradients of L = Σ h·dh, plus final state · ``d_final_state`` when given (the gradient reaching the
        last state from beyond the sequence). ``truncate`` = k cuts the recurrent gradient every k steps (from
        the end). Afterwards ``d_initial_state`` holds the gradient of the initial state, shaped like it."""
        if self._x is None:
            raise ValueError("backward() needs a forward() pass first")
        x = self._x
        dh = self._array("dh", dh, (x.shape[0], x.shape[1], self.units))
        if truncate is not None and truncate < 1:
            raise ValueError(f"truncate must be at least 1 step, got {truncate}")
        carry = self._state(d_final_state, x.shape[0], "d_final_state")
        return self._backward(x, dh, carry, truncate)

    @staticmethod
    def _cut(t: int, steps: int, truncate: int | None) -> bool:
        # Truncated BPTT: no carry from step t to t − 1 at t = T − k,
        # T − 2k, …, so the blocks of k steps count from the end.
        if truncate is None:
            return False
        return (steps - 1 - t) % truncate == truncate - 1

    def _h_prev(self) -> np.ndarray:
        """h_{t−1} of every step of the last forward pass (batch,
        time, units): before step 0, the initial state's h (zeros
        unless one was given)."""
        h0 = self._initial_state
        if isinstance(h0, tuple):  # the LSTM's (h, c)
            h0 = h0[0]
        return _previous(h0, self.internals["h"])

    def _input_gradients(
        self, x: np.ndarray, d_input: np.ndarray
    ) -> dict[str, np.ndarray]:
        """From the gradient at every step's input projection
        x_t W + b (batch, time, gates·U) to those of the inputs, the
        kernel and the bias: one matrix product (or sum) each, over
        all steps at once."""
        return {"inputs": d_input @ self.kernel.T,
                "kernel": _rows(x).T @ _rows(d_input),
                "bias": d_input.sum(axis=(0, 1))}

    def _weight_gradients(
        self,
        x: np.ndarray,
        h_prev: np.ndarray,
        d_pre: np.ndarray,
        total: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Every gradient, for a cell whose input and recurrent
        projections are summed into one pre-activation (the vanilla
        cell, the LSTM): the gradient at that sum ``d_pre`` (batch,
        time, gates·U) is the gradient at both. ``total``
        (∂L/∂h_t) is kept in ``internals``."""
        self.internals["dh"] = total
        grads = self._input_gradients(x, d_pre)
        d_recurrent = _rows(h_prev).T @ _rows(d_pre)
        return {"inputs": grads["inputs"],
                "kernel": grads["kernel"],
                "recurrent_kernel": d_recurrent,
                "bias": grads["bias"]}


class SimpleRNN(_Cell):
    gates = 1

    def _step(
        self, xw_t: np.ndarray, h: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        pre = xw_t + h @ self.recurrent_kernel
        h = np.tanh(pre)
        return h, h, {"h": h, "pre_activation": pre}

    def _backward(
        self,
        x: np.ndarray,
        dh: np.ndarray,
        carry: np.ndarray,
        truncate: int | None,
    ) -> dict[str, np.ndarray]:
        steps = x.shape[1]
        # ∂h_t/∂pre_t = 1 − h_t², tanh' of every step
        dh_dpre = 1.0 - self.internals["h"] ** 2
        # ∂L/∂h_t: direct, and through h_{t+1}
        total = np.empty_like(dh)
        for t in range(steps - 1, -1, -1):
            # Speed: out= writes straight into the kept array.
            d = np.add(dh[:, t], carry, out=total[:, t])
            carry = (d * dh_dpre[:, t]) @ self.recurrent_kernel.T
            if self._cut(t, steps, truncate):
                carry = np.zeros_like(carry)
        d_pre = total * dh_dpre
        h_prev = self._h_prev()
        grads = self._weight_gradients(x, h_prev, d_pre, total)
        self.d_initial_state = carry
        return grads


class LSTM(_Cell):
    gates = 4

    def _state(self, state: State | None, batch: int, name: str = "state") -> State:
        h, c = (None, None) if state is None else state
        return super()._state(h, batch, name + "[0] (h)"), super()._state(c, batch, name + "[1] (c)")

    def _step(
        self, xw_t: np.ndarray, state: State
    ) -> tuple[np.ndarray, State, dict[str, np.ndarray]]:
        h, c = state
        u = self.units
        # (batch, 4U): the blocks i, f, c, o
        z = xw_t + h @ self.recurrent_kernel
        i, f = sigmoid(z[:, :u]), sigmoid(z[:, u: 2 * u])
        g, o = np.tanh(z[:, 2 * u: 3 * u]), sigmoid(z[:, 3 * u:])
        c = f * c + i * g
        h = o * np.tanh(c)
        return h, (h, c), {
            "h": h, "c": c, "input_gate": i, "forget_gate": f,
            "candidate": g, "output_gate": o, "pre_activation": z}

    def _backward(
        self,
        x: np.ndarray,
        dh: np.ndarray,
        carry: State,
        truncate: int | None,
    ) -> dict[str, np.ndarray]:
        names = ("input_gate", "forget_gate", "candidate",
                 "output_gate", "c")
        i, f, g, o, c = (self.internals[k] for k in names)
        batch, steps, u = dh.shape
        # Every step's local derivatives, before the loop. With
        # d = ∂L/∂h_t and dc = ∂L/∂c_t:
        #   dc = (dc carried from c_{t+1}) + d ⊙ o ⊙ (1 − tanh²c_t)
        #   dz_i = dc ⊙ g ⊙ i(1 − i)
        #   dz_f = dc ⊙ c_{t−1} ⊙ f(1 − f)
        #   dz_c = dc ⊙ i ⊙ (1 − g²)
        #   dz_o = d ⊙ tanh c_t ⊙ o(1 − o)
        tanh_c = np.tanh(c)
        # ∂h_t/∂c_t = o ⊙ (1 − tanh²c_t)
        dh_dc = o * (1.0 - tanh_c ** 2)
        c_prev = _previous(self._initial_state[1], c)
        # (batch, time, 4, U): the blocks i, f, c, o on their own
        # axis, so that dc and d multiply them by broadcasting.
        # Speed: the loop turns these local derivatives into dz in
        # place, step by step (no second array of this size).
        kept = self._buffer("dz", (batch, steps, 4, u))
        dz = np.stack([g * i * (1.0 - i), c_prev * f * (1.0 - f),
                       i * (1.0 - g ** 2), tanh_c * o * (1.0 - o)],
                      axis=2, out=kept)
        total = np.empty_like(dh)
        recurrent_t = self.recurrent_kernel.T
        carry_h, carry_c = carry
        for t in range(steps - 1, -1, -1):
            # Speed: out= writes straight into the kept array.
            d = np.add(dh[:, t], carry_h, out=total[:, t])
            dc = carry_c + d * dh_dc[:, t]
            # (batch, 4, U), until now the local derivatives
            dz_t = dz[:, t]
            dz_t[:, :3] *= dc[:, None]  # i, f, c: times dc
            dz_t[:, 3] *= d  # o: times d
            carry_h = dz_t.reshape(batch, 4 * u) @ recurrent_t
            carry_c = dc * f[:, t]
            if self._cut(t, steps, truncate):
                carry_h = np.zeros_like(carry_h)
                carry_c = np.zeros_like(carry_c)
        dz = dz.reshape(batch, steps, 4 * u)
        h_prev = self._h_prev()
        grads = self._weight_gradients(x, h_prev, dz, total)
        self.d_initial_state = (carry_h, carry_c)
        return grads


class GRU(_Cell):
    gates = 3

    @property
    def bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units)

    @property
    def input_bias(self) -> np.ndarray:
        return self.bias[0]

    def _step(
        self, xw_t: np.ndarray, h: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        u = self.units
        # (batch, 3U): the blocks z, r, h
        rec = h @ self.recurrent_kernel + self.bias[1]
        # Speed: both gates in one call over (batch, 2U).
        zr = sigmoid(xw_t[:, :2 * u] + rec[:, :2 * u])
        z, r = zr[:, :u], zr[:, u:]
        cand = np.tanh(xw_t[:, 2 * u:] + r * rec[:, 2 * u:])
        # = z ⊙ h + (1 − z) ⊙ h̃, with one product fewer
        h = cand + z * (h - cand)
        return h, h, {"h": h, "update_gate": z, "reset_gate": r,
                      "candidate": cand,
                      "recurrent_candidate": rec[:, 2 * u:]}

    def _backward(self, x: np.ndarray, dh: np.ndarray, carry: np.ndarray,
                  truncate: int | None) -> dict[str, np.ndarray]:
        inn = self.internals
        z, r, cand, rec_h = (inn[k] for k in ("update_gate", "reset_gate", "candidate", "recurrent_candidate"))
        batch, steps, u = dh.shape
        # Every step's local derivatives, before the loop: with d = ∂L/∂h_t, the gradients at the
        # pre-activations of z, r and h̃ are d times these. At the recurrent projection the h̃ block is also
        # scaled by r (the reset gate multiplies h_{t−1} R_h + b'_h); the input projection's is not.
        h_prev = self._h_prev()
        d_cand = (1.0 - z) * (1.0 - cand ** 2)
        # (batch, time, 3, U): the local derivatives of the blocks z, r, h̃ on their own axis, so that d (batch, U)
        # multiplies all three by broadcasting instead of being concatenated three times at every step. Speed: the
        # loop turns them into the gradients in place, step by step (no second array of this size).
        d_recurrent = np.stack([(h_prev - cand) * z * (1.0 - z), d_cand * rec_h * r * (1.0 - r), d_cand * r],
                               axis=2, out=self._buffer("d_recurrent", (batch, steps, 3, u)))
        total = np.empty_like(dh)
        recurrent_t = self.recurrent_kernel.T
        for t in range(steps - 1, -1, -1):
            d = np.add(dh[:, t], carry, out=total[:, t])  # speed: out= writes straight into the kept array
            d_rec = d_recurrent[:, t]  # (batch, 3, U)
            d_rec *= d[:, None]
            carry = d_rec.reshape(batch, 3 * u) @ recurrent_t  # through the recurrent projection,
            carry += d * z[:, t]  # and through z ⊙ h_{t−1}
            if self._cut(t, steps, truncate):
                carry = np.zeros_like(carry)
        d_recurrent = d_recurrent.reshape(batch, steps, 3 * u)
        d_recurrent_kernel, d_recurrent_bias = _rows(h_prev).T @ _rows(d_recurrent), d_recurrent.sum(axis=(0, 1))
        # At the input projection the z and r blocks are the same, and the h̃ block lacks the factor r. Speed: that
        # block is overwritten in place, now that the recurrent projection's gradients have been taken.
        d_input = d_recurrent
        np.multiply(total, d_cand, out=d_input[..., 2 * u:])
        grads = self._input_gradients(x, d_input)
        self.internals["dh"] = total
        self.d_initial_state = carry
        return {"inputs": grads["inputs"], "kernel": grads["kernel"], "recurrent_kernel": d_recurrent_kernel,
                "bias": np.stack([grads["bias"], d_recurrent_bias])}  # the input row, the recurrent row


CELL_CLASSES = {"simple_rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}  # by the names of tutor.engine.models.CELLS


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Keras's default Dense kernel initialisation (Glorot uniform), in NumPy."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out))


def weight_shapes(cell: str, features: int, units: int) -> list[tuple[int, ...]]:
    """Shapes of kernel, recurrent_kernel and bias, as Keras creates them for the cell (defaults)."""
    gates = CELL_CLASSES[cell].gates
    bias = (2, gates * units) if cell == "gru" else (gates * units,)  # GRU: reset_after's second bias row
    return [(features, gates * units), (units, gates * units), bias]


def init_weights(cell: str, features: int, units: int, rng: np.random.Generator,
                 dtype: Any = np.float64) -> list[np.ndarray]:
    """Keras's default initialisation, in NumPy: Glorot-uniform kernel, orthogonal recurrent kernel, zero bias
    — with the LSTM's forget-gate bias at 1 (``unit_forget_bias``).

    The recurrent kernel is built as Keras 3's ``Orthogonal`` builds it: one QR of a (gates·U × U) normal
    matrix, signs fixed by diag(R), transposed to (U, gates·U). For the vanilla cell that is an orthogonal
    U×U matrix; for the LSTM and GRU the *whole* kernel has orthonormal rows, so each gate's U×U block is
    not orthogonal (its singular values lie below 1)."""
    gates = CELL_CLASSES[cell].gates
    kernel_shape, recurrent_shape, bias_shape = weight_shapes(cell, features, units)
    limit = np.sqrt(6.0 / (features + gates * units))
    kernel = rng.uniform(-limit, limit, kernel_shape)
    q, r = np.linalg.qr(rng.standard_normal((gates * units, units)))
    recurrent = (q * np.sign(np.diag(r))).T  # (U, gates·U): orthonormal rows, as in Keras
    assert recurrent.shape == recurrent_shape
    bias = np.zeros(bias_shape)
    if cell == "lstm":
        bias[units: 2 * units] = 1.0
    return [w.astype(dtype) for w in (kernel, recurrent, bias)]


GATE_NAMES = {"simple_rnn": ("W_hh",), "lstm": ("i", "f", "c", "o"), "gru": ("z", "r", "h")}


def recurrent_block_spectra(cell: str, recurrent: np.ndarray) -> list[dict[str, float | str]]:
    """For each gate's U×U block of a recurrent kernel (U, gates·U): its largest and smallest singular value
    and its spectral radius (largest |eigenvalue|). The block is the matrix that acts on h_{t-1} for that
    gate, so these — not the singular values of the whole non-square kernel — describe the recurrence."""
    recurrent = np.asarray(recurrent, dtype=np.float64)
    units = recurrent.shape[0]
    rows: list[dict[str, float | str]] = []
    for k, name in enumerate(GATE_NAMES[cell]):
        block = recurrent[:, k * units: (k + 1) * units]
        sv = np.linalg.svd(block, compute_uv=False)
        rows.append({"gate": name, "largest_sv": float(sv.max()), "smallest_sv": float(sv.min()),
                     "spectral_radius": float(np.abs(np.linalg.eigvals(block)).max())})
    return rows


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖): 0 when equal, at most 1 (when
    a = −b), and 0 when both are all zeros. How a gradient check
    compares BPTT with finite differences (the gradient-check lab
    and exercise grad_check)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    if scale == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / scale)


def numerical_gradient(
    f: Callable[[np.ndarray], Any],
    x: np.ndarray,
    eps: float = 1e-5,
) -> np.ndarray:
    """Central differences (f(x + ε·e_k) − f(x − ε·e_k)) / 2ε for
    every entry k of x (float64): the gradient a gradient check
    compares BPTT with. x is nudged in place one entry at a time,
    in its own dtype, and each entry is put back, so x ends as it
    began; f(x) returns a number."""
    grad = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        kept = x[k]
        x[k] = kept + eps
        up = f(x)
        x[k] = kept - eps
        down = f(x)
        x[k] = kept
        grad[k] = (float(up) - float(down)) / (2 * float(eps))
    return grad
