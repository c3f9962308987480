"""From-scratch NumPy recurrent cells with full backpropagation through time: ``SimpleRNN``, ``LSTM``, ``GRU``.

Weights use exactly the layout of ``layer.get_weights()`` of the Keras layers with default settings, so a Keras
layer's weights load unchanged and ours load back into Keras:

- SimpleRNN: kernel (F, U), recurrent_kernel (U, U), bias (U,);  h_t = tanh(x_t W + h_{t-1} R + b)
- LSTM: kernel (F, 4U), recurrent_kernel (U, 4U), bias (4U,), gate order i, f, c, o;
  c_t = f ⊙ c_{t-1} + i ⊙ tanh(z_c),  h_t = o ⊙ tanh(c_t)
- GRU (reset_after=True): kernel (F, 3U), recurrent_kernel (U, 3U), bias (2, 3U) — row 0 for the input
  projection, row 1 for the recurrent one; gate order z, r, h;
  h̃_t = tanh(x W_h + b_h + r ⊙ (h_{t-1} R_h + b'_h)),  h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃_t

``forward(x)`` takes (batch, time, features) and returns every hidden state (batch, time, units), starting from
zeros. ``backward(dh)`` takes ∂L/∂h_t for every step (the direct part) and returns the gradients of
L = Σ h · dh with respect to ``inputs``, ``kernel``, ``recurrent_kernel`` and ``bias``. Everything is vectorised
over the batch; the only Python loop is over time, which the recurrence makes sequential. After a pass,
``internals`` holds the per-step quantities the lessons draw (gates, cell state, pre-activations, and, after
``backward``, ∂L/∂h_t including the recurrent path).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def sigmoid(a: np.ndarray) -> np.ndarray:
    # The same function as 1 / (1 + e^-a), written with tanh: stable for any |a| and one vectorised call.
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _check_shape(name: str, array: np.ndarray, expected: tuple) -> None:
    """``expected`` may hold None for a free dimension."""
    ok = array.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, array.shape))
    if not ok:
        shown = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ")"
        raise ValueError(f"{name} must have shape {shown}, got {tuple(array.shape)}")


class _Cell:
    """Shared weight handling, shape checks and the backward driver."""

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

    @property
    def bias_shape(self) -> tuple[int, ...]:
        return (self.gates * self.units,)

    @property
    def weights(self) -> list[np.ndarray]:
        """In ``layer.set_weights`` order."""
        return [self.kernel, self.recurrent_kernel, self.bias]

    def _inputs(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=self.dtype)
        _check_shape("x", x, (None, None, self.features))
        if x.shape[1] == 0:
            raise ValueError("x must have at least one time step, got shape " + str(tuple(x.shape)))
        return x

    def forward(self, x: Any) -> np.ndarray:
        x = self._inputs(x)
        self._x = x
        return self._forward(x)

    def backward(self, dh: Any, truncate: int | None = None) -> dict[str, np.ndarray]:
        """Gradients of L = Σ h·dh. ``truncate`` = k cuts the recurrent gradient every k steps (from the end)."""
        if self._x is None:
            raise ValueError("backward() needs a forward() pass first")
        x = self._x
        dh = np.asarray(dh, dtype=self.dtype)
        _check_shape("dh", dh, (x.shape[0], x.shape[1], self.units))
        if truncate is not None and truncate < 1:
            raise ValueError(f"truncate must be at least 1 step, got {truncate}")
        return self._backward(x, dh, truncate)

    @staticmethod
    def _cut(t: int, steps: int, truncate: int | None) -> bool:
        return truncate is not None and (steps - 1 - t) % truncate == truncate - 1

    def _weight_gradients(self, x: np.ndarray, hs: np.ndarray, d_input: np.ndarray, d_recurrent: np.ndarray,
                          total: np.ndarray) -> dict[str, np.ndarray]:
        """From the gradients at every step's input and recurrent projections to the four gradients."""
        h_prev = np.concatenate([np.zeros_like(hs[:, :1]), hs[:, :-1]], axis=1)
        self.internals["dh"] = total
        return {
            "inputs": d_input @ self.kernel.T,
            "kernel": np.einsum("btf,btg->fg", x, d_input),
            "recurrent_kernel": np.einsum("btv,btg->vg", h_prev, d_recurrent),
            "bias": d_input.sum(axis=(0, 1)),
        }


class SimpleRNN(_Cell):
    gates = 1

    def _forward(self, x: np.ndarray) -> np.ndarray:
        batch, steps, _ = x.shape
        pre_x = x @ self.kernel + self.bias  # the input projection of every step at once
        h = np.zeros((batch, self.units), self.dtype)
        hs = np.empty((batch, steps, self.units), self.dtype)
        pre = np.empty_like(hs)
        for t in range(steps):
            pre[:, t] = pre_x[:, t] + h @ self.recurrent_kernel
            h = np.tanh(pre[:, t])
            hs[:, t] = h
        self.internals = {"h": hs, "pre_activation": pre}
        return hs

    def _backward(self, x: np.ndarray, dh: np.ndarray, truncate: int | None) -> dict[str, np.ndarray]:
        hs = self.internals["h"]
        batch, steps, _ = x.shape
        da = np.empty_like(hs)
        total = np.empty_like(hs)
        carry = np.zeros((batch, self.units), self.dtype)
        for t in range(steps - 1, -1, -1):
            total[:, t] = dh[:, t] + carry
            da[:, t] = total[:, t] * (1.0 - hs[:, t] ** 2)
            carry = da[:, t] @ self.recurrent_kernel.T
            if self._cut(t, steps, truncate):
                carry = np.zeros_like(carry)
        return self._weight_gradients(x, hs, da, da, total)


class LSTM(_Cell):
    gates = 4

    def _forward(self, x: np.ndarray) -> np.ndarray:
        batch, steps, _ = x.shape
        u = self.units
        pre_x = x @ self.kernel + self.bias
        h = np.zeros((batch, u), self.dtype)
        c = np.zeros((batch, u), self.dtype)
        hs = np.empty((batch, steps, u), self.dtype)
        cs = np.empty_like(hs)
        z = np.empty((batch, steps, 4 * u), self.dtype)
        acts = np.empty_like(z)
        for t in range(steps):
            z[:, t] = pre_x[:, t] + h @ self.recurrent_kernel
            acts[:, t, : 2 * u] = sigmoid(z[:, t, : 2 * u])  # i, f
            acts[:, t, 2 * u: 3 * u] = np.tanh(z[:, t, 2 * u: 3 * u])  # candidate
            acts[:, t, 3 * u:] = sigmoid(z[:, t, 3 * u:])  # o
            i, f, g, o = np.split(acts[:, t], 4, axis=-1)
            c = f * c + i * g
            h = o * np.tanh(c)
            hs[:, t], cs[:, t] = h, c
        i, f, g, o = np.split(acts, 4, axis=-1)
        self.internals = {"h": hs, "c": cs, "input_gate": i, "forget_gate": f, "candidate": g, "output_gate": o,
                          "pre_activation": z}
        return hs

    def _backward(self, x: np.ndarray, dh: np.ndarray, truncate: int | None) -> dict[str, np.ndarray]:
        inn = self.internals
        hs, cs = inn["h"], inn["c"]
        i_all, f_all, g_all, o_all = inn["input_gate"], inn["forget_gate"], inn["candidate"], inn["output_gate"]
        batch, steps, _ = x.shape
        u = self.units
        dz = np.empty((batch, steps, 4 * u), self.dtype)
        total = np.empty_like(hs)
        carry_h = np.zeros((batch, u), self.dtype)
        carry_c = np.zeros((batch, u), self.dtype)
        zeros = np.zeros((batch, u), self.dtype)
        for t in range(steps - 1, -1, -1):
            i, f, g, o = i_all[:, t], f_all[:, t], g_all[:, t], o_all[:, t]
            c_prev = cs[:, t - 1] if t > 0 else zeros
            tc = np.tanh(cs[:, t])
            total[:, t] = d = dh[:, t] + carry_h
            dc = carry_c + d * o * (1.0 - tc ** 2)
            dz[:, t, :u] = dc * g * i * (1.0 - i)
            dz[:, t, u: 2 * u] = dc * c_prev * f * (1.0 - f)
            dz[:, t, 2 * u: 3 * u] = dc * i * (1.0 - g ** 2)
            dz[:, t, 3 * u:] = d * tc * o * (1.0 - o)
            carry_h = dz[:, t] @ self.recurrent_kernel.T
            carry_c = dc * f
            if self._cut(t, steps, truncate):
                carry_h, carry_c = zeros.copy(), zeros.copy()
        return self._weight_gradients(x, hs, dz, dz, total)


class GRU(_Cell):
    gates = 3

    @property
    def bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units)

    def _forward(self, x: np.ndarray) -> np.ndarray:
        batch, steps, _ = x.shape
        u = self.units
        xp = x @ self.kernel + self.bias[0]  # input projections of z, r, h for every step
        h = np.zeros((batch, u), self.dtype)
        hs = np.empty((batch, steps, u), self.dtype)
        z_all, r_all, cand, rec_h = (np.empty_like(hs) for _ in range(4))
        for t in range(steps):
            rec = h @ self.recurrent_kernel + self.bias[1]
            zr = sigmoid(xp[:, t, : 2 * u] + rec[:, : 2 * u])
            z, r = zr[:, :u], zr[:, u:]
            hh = np.tanh(xp[:, t, 2 * u:] + r * rec[:, 2 * u:])
            h = z * h + (1.0 - z) * hh
            hs[:, t], z_all[:, t], r_all[:, t], cand[:, t], rec_h[:, t] = h, z, r, hh, rec[:, 2 * u:]
        self.internals = {"h": hs, "update_gate": z_all, "reset_gate": r_all, "candidate": cand,
                          "recurrent_candidate": rec_h}
        return hs

    def _backward(self, x: np.ndarray, dh: np.ndarray, truncate: int | None) -> dict[str, np.ndarray]:
        inn = self.internals
        hs, z_all, r_all, cand, rec_h = (inn[k] for k in ("h", "update_gate", "reset_gate", "candidate",
                                                          "recurrent_candidate"))
        batch, steps, _ = x.shape
        u = self.units
        dxp = np.empty((batch, steps, 3 * u), self.dtype)  # gradient at the input projections
        drec = np.empty_like(dxp)  # gradient at the recurrent projections (before the reset gate)
        total = np.empty_like(hs)
        carry = np.zeros((batch, u), self.dtype)
        zeros = np.zeros((batch, u), self.dtype)
        for t in range(steps - 1, -1, -1):
            z, r, hh = z_all[:, t], r_all[:, t], cand[:, t]
            h_prev = hs[:, t - 1] if t > 0 else zeros
            total[:, t] = d = dh[:, t] + carry
            da_h = d * (1.0 - z) * (1.0 - hh ** 2)
            da_z = d * (h_prev - hh) * z * (1.0 - z)
            da_r = da_h * rec_h[:, t] * r * (1.0 - r)
            dxp[:, t, :u], dxp[:, t, u: 2 * u], dxp[:, t, 2 * u:] = da_z, da_r, da_h
            drec[:, t, :u], drec[:, t, u: 2 * u], drec[:, t, 2 * u:] = da_z, da_r, da_h * r
            carry = d * z + drec[:, t] @ self.recurrent_kernel.T
            if self._cut(t, steps, truncate):
                carry = zeros.copy()
        grads = self._weight_gradients(x, hs, dxp, drec, total)
        grads["bias"] = np.stack([grads["bias"], drec.sum(axis=(0, 1))])  # input row, recurrent row
        return grads


CELL_CLASSES = {"simple_rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}  # by the names of tutor.engine.models.CELLS
CELLS = CELL_CLASSES  # the former name, kept while code written against it is merged


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
    rows = []
    for k, name in enumerate(GATE_NAMES[cell]):
        block = recurrent[:, k * units: (k + 1) * units]
        sv = np.linalg.svd(block, compute_uv=False)
        rows.append({"gate": name, "largest_sv": float(sv.max()), "smallest_sv": float(sv.min()),
                     "spectral_radius": float(np.abs(np.linalg.eigvals(block)).max())})
    return rows


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖): 0 when equal, 1 when unrelated of equal size; 0 when both are all zeros. How a
    gradient check compares BPTT with finite differences (the gradient-check lab and exercise grad_check)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)
