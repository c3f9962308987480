"""The one Keras path of the labs: the cell vocabulary, a model builder, one trainer, and BPTT probes.

- :data:`CELLS` / :data:`CELL_NAMES` — the cell names every experiment accepts, and how the learner reads them.
- :func:`recurrent_layer` / :func:`build_model` — input → recurrent layer → read-out, with the recurrent
  kernel's scale as an argument.
- :class:`Trainer` — a compiled step (the loss and the optimizer as arguments, clipping by global norm) that
  returns the loss and the gradient norm of every step; :meth:`Trainer.fit` runs it through the one training
  loop (:mod:`tutor.engine.training`): cancellation every step, the time limit every chunk, one callback per
  chunk, a stop on a NaN or infinite loss, and the reason it stopped in the history. Every experiment that
  trains a Keras network goes through it, once per run.

Everything here runs inside a worker thread and reaches Keras through :mod:`tutor.engine.runtime`.
"""

from __future__ import annotations

from typing import Any, Callable, Literal, Sequence, Union

import numpy as np

from tutor.engine import runtime
from tutor.engine.experiment import CELL_NAMES, CELLS, Cancelled, RunContext
from tutor.engine.limits import Deadline
from tutor.engine.training import DEFAULT_ADVICE, TrainHistory, check_cancelled, recorded, train_steps

__all__ = ["CELLS", "CELL_NAMES", "LossName", "TrainHistory", "Trainer", "build_model", "chunk_means",
           "hidden_state_gradients", "kernel_in_use", "layer_class", "recurrent_layer", "seed_everything"]


def seed_everything(seed: int) -> None:
    """Python, NumPy and TensorFlow seeds, set in the calling thread (Keras keeps its state per thread)."""
    runtime.keras().utils.set_random_seed(seed)


def recurrent_layer(cell: str, units: int, recurrent_scale: float = 1.0, **kwargs: Any) -> Any:
    """A Keras recurrent layer with its default settings, whose recurrent kernel is scaled once built.

    Keras initialises the whole recurrent kernel orthogonally, times ``recurrent_scale``. For the vanilla
    cell that kernel is W_hh (U×U), so every singular value of W_hh equals the scale. For the LSTM (U×4U) and
    GRU (U×3U) the kernel gets orthonormal *rows*; each gate's U×U block is then not orthogonal (largest
    singular value about 0.8–0.95 × scale, spectral radius about 0.5–0.65 × scale at 32 units):
    :func:`tutor.engine.scratch.recurrent_block_spectra` measures them.
    """
    keras = runtime.keras()
    init = keras.initializers.Orthogonal(gain=float(recurrent_scale))
    return layer_class(cell)(units, recurrent_initializer=init, **kwargs)


def layer_class(cell: str) -> Any:
    """The Keras class of a cell name in :data:`CELLS`."""
    keras = runtime.keras()
    return {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]


def build_model(cell: str, units: int, *, input_dim: int, output_dim: int, seq_len: int | None = None,
                recurrent_scale: float = 1.0, return_sequences: bool = False,
                output_activation: str | None = None, **layer_kwargs: Any) -> Any:
    """``Input((seq_len, input_dim))`` → :func:`recurrent_layer` → ``Dense(output_dim)``, as a Sequential.

    ``seq_len=None`` accepts sequences of any length. The recurrent layer is ``model.layers[0]`` and the
    read-out ``model.layers[-1]``. Models that need more (an embedding, an encoder and a decoder) are built
    by the experiment from :func:`recurrent_layer` and still trained by :class:`Trainer`.
    """
    keras = runtime.keras()
    layer = recurrent_layer(cell, units, recurrent_scale, return_sequences=return_sequences, **layer_kwargs)
    return keras.Sequential([keras.Input((seq_len, input_dim)), layer,
                             keras.layers.Dense(output_dim, activation=output_activation)])


def hidden_state_gradients(layer: Any, readout: Any, x: np.ndarray, y: np.ndarray, ctx: RunContext) -> np.ndarray:
    """‖∂L/∂h_t‖ for every step t, by stepping the layer's cell under a GradientTape.

    L is the mean squared error of ``readout(h_T)`` against ``y``. Because each h_t is an input of step t+1,
    the tape's gradient with respect to h_t is the full backpropagation-through-time gradient. (Asking for
    the gradient of a ``return_sequences`` output instead would give only the direct, one-step term.)
    Returns one norm per step (Frobenius over the batch), t = 0 first.
    """
    tf = runtime.tensorflow()
    cell = layer.cell
    batch, steps, _ = x.shape
    inputs = tf.constant(x)
    state_size = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    with tf.GradientTape() as tape:
        states = [tf.zeros((batch, int(size))) for size in state_size]
        hidden = []
        for t in range(steps):
            ctx.check()
            out, states = cell(inputs[:, t, :], states)
            states = list(states) if isinstance(states, (list, tuple)) else [states]
            hidden.append(out)
        loss = tf.reduce_mean(tf.square(readout(hidden[-1]) - y))
    grads = tape.gradient(loss, hidden)
    return np.array([float(tf.norm(g)) if g is not None else 0.0 for g in grads])


def kernel_in_use(layer: Any) -> str:
    """Which implementation Keras runs for a recurrent layer: the fused cuDNN kernel or the generic loop.

    Keras (TensorFlow backend) picks cuDNN for an LSTM or GRU when a GPU is visible and the layer keeps the
    settings cuDNN implements: tanh and sigmoid activations, no recurrent dropout, unroll off, a bias, and
    (GRU) reset_after. This restates those rules from the layer's public config so the lab can say why.
    """
    config = layer.get_config()
    kind = type(layer).__name__
    if kind not in ("LSTM", "GRU"):
        return f"generic kernel (cuDNN has no {kind})"
    blockers = []
    if config.get("activation") != "tanh":
        blockers.append(f"activation={config.get('activation')}")
    if config.get("recurrent_activation") != "sigmoid":
        blockers.append(f"recurrent_activation={config.get('recurrent_activation')}")
    if config.get("recurrent_dropout", 0):
        blockers.append("recurrent_dropout > 0")
    if config.get("unroll"):
        blockers.append("unroll=True")
    if not config.get("use_bias", True):
        blockers.append("use_bias=False")
    if kind == "GRU" and not config.get("reset_after", True):
        blockers.append("reset_after=False")
    if config.get("use_cudnn", "auto") is False:
        blockers.append("use_cudnn=False")
    if blockers:
        return "generic kernel (cuDNN ruled out by " + ", ".join(blockers) + ")"
    if not runtime.device_description().startswith("GPU"):
        return "generic kernel (no GPU; by Keras's rules these settings would select cuDNN on one)"
    return "fused cuDNN kernel, as Keras's rules select it for these settings"


LossName = Literal["mse", "bce_logits", "sparse_ce_logits"]


def chunk_means(losses: Sequence[float], size: int = 25) -> tuple[list[float], list[float]]:
    """A loss curve averaged over blocks of ``size`` steps: (step at the block's end, mean loss)."""
    xs, ys = [], []
    for start in range(0, len(losses), size):
        block = losses[start: start + size]
        xs.append(float(start + len(block)))
        ys.append(sum(block) / len(block))
    return xs, ys


def _loss_fn(loss: LossName | Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """The loss as a function of (y_true, y_pred) tensors that returns a scalar."""
    if callable(loss):
        return loss
    tf = runtime.tensorflow()
    if loss == "mse":
        return lambda y, out: tf.reduce_mean(tf.square(out - y))
    if loss == "bce_logits":  # binary labels in {0, 1}, one logit per example
        return lambda y, out: tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=out))
    if loss == "sparse_ce_logits":  # integer class ids, logits over the classes (last axis)
        return lambda y, out: tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.cast(y, tf.int32), logits=out))
    raise ValueError(f"unknown loss {loss!r}; use 'mse', 'bce_logits', 'sparse_ce_logits' or a function")


Batches = Union[tuple[Any, np.ndarray], Callable[[], tuple[Any, Any]]]  # (x, y), or the next mini-batch


def _take(x: Any, idx: Any) -> Any:
    return tuple(a[idx] for a in x) if isinstance(x, tuple) else x[idx]


def _length(x: Any) -> int:
    return len(x[0]) if isinstance(x, tuple) else len(x)


class Trainer:
    """One Keras model trained by one compiled step: the loss and the optimizer (Adam or SGD) as arguments,
    clipping by global norm, the loss and the gradient norm returned for every step.

    ``fit`` draws seeded, shuffled mini-batches and can be called again to continue with the same model,
    optimizer and data order; ``history`` grows across calls. Labs that step several networks on the same
    batches (the race) call ``step`` for each inside one :func:`~tutor.engine.training.train_steps` loop.
    """

    def __init__(self, model: Any, *, loss: LossName | Callable[[Any, Any], Any] = "mse", optimizer: str = "adam",
                 learning_rate: float = 1e-2, clip_norm: float = 1.0, seed: int = 0,
                 clip_per_variable: bool = False) -> None:
        """``clip_norm`` caps the global gradient norm (0: no clipping). ``clip_per_variable`` caps each
        variable's gradient norm separately instead: Keras's own ``clipnorm``, what ``Adam(clipnorm=1.0)``
        in a learner's Keras code does. The LSTM and GRU labs train with it, and their lessons' figures were
        measured with it; lesson 3 and the ``clip_norm`` exercise teach the global norm."""
        tf, keras = runtime.tensorflow(), runtime.keras()
        per_variable = {"clipnorm": clip_norm} if clip_per_variable and clip_norm > 0 else {}
        if optimizer == "adam":
            opt = keras.optimizers.Adam(learning_rate, **per_variable)
        elif optimizer == "sgd":
            opt = keras.optimizers.SGD(learning_rate, **per_variable)
        else:
            raise ValueError(f"unknown optimizer {optimizer!r}; use 'adam' or 'sgd'")
        self.model, self.optimizer, self.clip_norm = model, opt, float(clip_norm)
        self.loss_fn = _loss_fn(loss)
        self.loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", "custom")
        self.history = TrainHistory()
        self._rng = np.random.default_rng(seed)
        self._order: np.ndarray | None = None
        self._at = 0
        loss_fn, clip = self.loss_fn, 0.0 if per_variable else self.clip_norm  # global clipping, in the step

        def compiled_step() -> Any:
            # check_cancelled runs only while the step is traced (Python runs then, not in the graph): the first
            # call takes about a second per network, and a stop waits for a part of that, not all of it. None
            # after apply_gradients, whose first trace makes the optimizer's variables.
            @tf.function
            def step(xb: Any, yb: Any) -> Any:
                check_cancelled()
                with tf.GradientTape() as tape:
                    value = loss_fn(yb, model(xb, training=True))
                check_cancelled()
                grads = tape.gradient(value, model.trainable_variables)
                check_cancelled()
                norm = tf.linalg.global_norm(grads)
                if clip > 0:
                    grads, _ = tf.clip_by_global_norm(grads, clip, use_norm=norm)
                opt.apply_gradients(zip(grads, model.trainable_variables))
                return value, norm

            return step

        @tf.function
        def predict(xb: Any) -> Any:
            return model(xb, training=False)

        self._compiled_step = compiled_step
        self._step, self._predict = compiled_step(), predict

    def step(self, x: Any, y: Any) -> tuple[float, float]:
        """One update on this batch (``x`` an array or a tuple of arrays); returns (loss, gradient norm).

        The history records it; a non-finite loss is returned, not raised (``fit`` raises it).
        """
        try:
            loss, norm = self._step(x, y)
        except Cancelled:
            # Raised only while the step is traced. A tf.function whose first trace was stopped would refuse
            # the optimizer's variables at its next call (a kept network trained again): a new one traces anew.
            self._step = self._compiled_step()
            raise
        loss, norm = float(loss), float(norm)
        self.history.losses.append(loss)
        self.history.grad_norms.append(norm)
        return loss, norm

    def _batch(self, n: int, batch_size: int, shuffle: bool) -> np.ndarray:
        if self._order is None or len(self._order) != n:
            self._order, self._at = (self._rng.permutation(n) if shuffle else np.arange(n)), 0
        if self._at + batch_size > n:  # a new pass; every batch is full (a partial one would retrace)
            self._order, self._at = (self._rng.permutation(n) if shuffle else self._order), 0
        idx = self._order[self._at: self._at + batch_size]
        self._at += batch_size
        return idx

    def fit(self, data: Batches, steps: int, ctx: RunContext, *, batch_size: int = 64,
            deadline: Deadline | None = None, chunk: int = 25,
            on_chunk: Callable[[TrainHistory], None] | None = None, advice: str = DEFAULT_ADVICE,
            shuffle: bool = True) -> TrainHistory:
        """``steps`` more updates, through the one training loop (:func:`tutor.engine.training.train_steps`).

        ``data`` is ``(x, y)``, drawn in seeded, shuffled mini-batches of ``batch_size`` (``shuffle=False``
        takes them in order, wrapping around), or a function that returns the next mini-batch ``(x, y)`` (a
        lab that draws fresh windows of a text). Cancellation is checked before every step, ``deadline``
        before every ``chunk`` steps, and ``on_chunk(history)`` runs after every ``chunk`` steps and the last.
        A NaN or infinite loss calls ``on_chunk`` once more and raises :class:`Diverged` naming the step and
        giving ``advice``. ``history.stopped`` says why the call ended. A kept network continues with the
        same call: ``fit(data, total - trainer.history.steps, ...)``.
        """
        next_batch = data if callable(data) else self.batches(*data, batch_size, shuffle)

        def step() -> float:
            return self.step(*next_batch())[0]

        def report() -> None:
            if on_chunk is not None:
                on_chunk(self.history)

        recorded(self.history, lambda: train_steps(step, steps, ctx, deadline=deadline, chunk=chunk,
                                                   on_chunk=report, advice=advice,
                                                   first_step=self.history.steps + 1))
        return self.history

    def batches(self, x: Any, y: np.ndarray, batch_size: int, shuffle: bool = True) -> Callable[[], tuple[Any, Any]]:
        """The next mini-batch of ``(x, y)`` at each call: seeded, shuffled passes, every batch full."""
        n = _length(x)

        def next_batch() -> tuple[Any, Any]:
            idx = self._batch(n, batch_size, shuffle)
            return _take(x, idx), y[idx]

        return next_batch

    def predict(self, x: Any, batch_size: int = 1024) -> np.ndarray:
        """The model's outputs (training=False), computed in batches by a compiled call."""
        n = _length(x)
        out = [np.asarray(self._predict(_take(x, slice(i, i + batch_size)))) for i in range(0, n, batch_size)]
        return np.concatenate(out)

    def evaluate(self, x: Any, y: np.ndarray, batch_size: int = 1024) -> float:
        """The training loss on held-out data, over all of it at once."""
        out = self.predict(x, batch_size)
        if self.loss_name == "mse":  # in NumPy, computed as datasets.mean_baseline computes the baseline
            return float(np.mean((out - y) ** 2))
        tf = runtime.tensorflow()
        return float(self.loss_fn(tf.constant(y), tf.constant(out)))
