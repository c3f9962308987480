"""Keras building blocks shared by the experiments: recurrent layers, the training callback, BPTT probes.

Everything here runs inside a worker thread and reaches Keras through :mod:`tutor.engine.runtime`.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from tutor.engine import runtime
from tutor.engine.experiment import Cancelled, Diverged, RunContext

CELL_NAMES = {"simple_rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}


def seed_everything(seed: int) -> None:
    """Python, NumPy and TensorFlow seeds, set in the calling thread (Keras keeps its state per thread)."""
    runtime.keras().utils.set_random_seed(seed)


def recurrent_layer(cell: str, units: int, recurrent_scale: float = 1.0, **kwargs: Any):
    """A Keras recurrent layer with its default settings, whose recurrent kernel is scaled once built.

    Keras initialises the recurrent kernel orthogonally (all singular values 1); multiplying it by
    ``recurrent_scale`` sets every singular value, and so the spectral radius, to that scale.
    """
    keras = runtime.keras()
    cls = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
    scale = float(recurrent_scale)
    init = keras.initializers.Orthogonal(gain=scale)
    return cls(units, recurrent_initializer=init, **kwargs)


def fit_callback(ctx: RunContext, on_batch: Callable[[int, float], None] | None = None,
                 advice: str = "Lower the learning rate or the recurrent scale, or clip the gradient."):
    """A callback that stops ``fit`` on cancellation (checked after every batch) or on a non-finite loss.

    After ``fit`` returns, call ``callback.raise_if_stopped()`` to turn the stop into :class:`Cancelled` or
    :class:`Diverged`.
    """
    keras = runtime.keras()

    class _Watch(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.step = 0
            self.reason: Exception | None = None

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self.step += 1
            loss = float((logs or {}).get("loss", 0.0))
            if not math.isfinite(loss):
                self.reason = Diverged(f"The loss became {loss} at training step {self.step}. {advice}")
                self.model.stop_training = True
                return
            if ctx.cancelled:
                self.reason = Cancelled()
                self.model.stop_training = True
                return
            if on_batch is not None:
                on_batch(self.step, loss)

        def raise_if_stopped(self) -> None:
            if self.reason is not None:
                raise self.reason

    return _Watch()


def hidden_state_gradients(layer, readout, x: np.ndarray, y: np.ndarray, ctx: RunContext) -> np.ndarray:
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


def kernel_in_use(layer) -> str:
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
        return "generic kernel (no GPU; these settings would use the fused cuDNN kernel on one)"
    return "fused cuDNN kernel"


class StepTrainer:
    """A Keras model trained one mini-batch at a time by a compiled step: Adam, clipping by norm, MSE.

    Labs that interleave several models (the race), or that measure between steps, drive it themselves;
    every step's loss is returned, so a NaN is caught at the step it appears.
    """

    def __init__(self, model, x: np.ndarray, y: np.ndarray, batch: int = 64, learning_rate: float = 1e-2,
                 clip_norm: float = 1.0, seed: int = 0) -> None:
        tf, keras = runtime.tensorflow(), runtime.keras()
        self.model, self.x, self.y, self.batch = model, x, y, batch
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(x))
        self.at = 0
        self.steps = 0
        optimizer = keras.optimizers.Adam(learning_rate, clipnorm=clip_norm if clip_norm > 0 else None)

        @tf.function
        def step(xb, yb):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(xb, training=True) - yb))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        @tf.function
        def predict(xb):
            return model(xb, training=False)

        self._step, self._predict = step, predict

    def train(self, steps: int, ctx: RunContext, advice: str = "Lower the learning rate.") -> list[float]:
        losses = []
        for _ in range(steps):
            ctx.check()
            if self.at + self.batch > len(self.x):
                self.order, self.at = self.rng.permutation(len(self.x)), 0
            idx = self.order[self.at: self.at + self.batch]
            self.at += self.batch
            loss = float(self._step(self.x[idx], self.y[idx]))
            self.steps += 1
            if not math.isfinite(loss):
                raise Diverged(f"The loss became {loss} at training step {self.steps}. {advice}")
            losses.append(loss)
        return losses

    def predict(self, x: np.ndarray) -> np.ndarray:
        out = [np.asarray(self._predict(x[i: i + 1024])) for i in range(0, len(x), 1024)]
        return np.concatenate(out)

    def mse(self, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean((self.predict(x) - y) ** 2))
