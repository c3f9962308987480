"""A stand-in for ``tutor.engine.models.Trainer`` with the agreed interface, used only while models.py has none.

Compiled step (Adam or SGD, global-norm clipping), shuffled mini-batches, history that grows across calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from tutor.engine import runtime
from tutor.engine.experiment import Diverged, RunContext


@dataclass
class TrainHistory:
    losses: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)

    @property
    def steps(self) -> int:
        return len(self.losses)


class Trainer:
    def __init__(self, model, *, loss="mse", optimizer: str = "adam", learning_rate: float = 1e-2,
                 clip_norm: float = 1.0, seed: int = 0) -> None:
        tf, keras = runtime.tensorflow(), runtime.keras()
        self.model = model
        self.history = TrainHistory()
        self.rng = np.random.default_rng(seed)
        opt = (keras.optimizers.Adam if optimizer == "adam" else keras.optimizers.SGD)(learning_rate)
        if loss == "mse":
            def loss_fn(y, p):
                return tf.reduce_mean(tf.square(p - y))
        elif loss == "sparse_ce_logits":
            def loss_fn(y, p):
                return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, p, from_logits=True))
        else:
            loss_fn = loss
        self._loss = loss_fn
        clip = float(clip_norm)

        @tf.function
        def step(x, y):
            with tf.GradientTape() as tape:
                value = loss_fn(y, model(x, training=True))
            grads = tape.gradient(value, model.trainable_variables)
            norm = tf.linalg.global_norm(grads)
            if clip > 0:
                grads, _ = tf.clip_by_global_norm(grads, clip, use_norm=norm)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            return value, norm

        @tf.function
        def forward(x):
            return model(x, training=False)

        self._step, self._forward = step, forward

    def step(self, x, y) -> tuple[float, float]:
        loss, norm = self._step(x, y)
        loss, norm = float(loss), float(norm)
        self.history.losses.append(loss)
        self.history.grad_norms.append(norm)
        return loss, norm

    def fit(self, x, y, steps: int, ctx: RunContext, *, batch_size: int = 64, chunk: int = 25,
            on_chunk: Callable[[TrainHistory], None] | None = None,
            advice: str = "Lower the learning rate, or clip the gradient.") -> TrainHistory:
        xs = x if isinstance(x, tuple) else (x,)
        n = len(xs[0])
        order, at = self.rng.permutation(n), 0
        for i in range(steps):
            ctx.check()
            if at + batch_size > n:
                order, at = self.rng.permutation(n), 0
            idx = order[at: at + batch_size]
            at += batch_size
            xb = tuple(a[idx] for a in xs)
            loss, _ = self.step(xb if isinstance(x, tuple) else xb[0], y[idx])
            if not math.isfinite(loss):
                raise Diverged(f"The loss became {loss} at training step {self.history.steps}. {advice}")
            if on_chunk is not None and ((i + 1) % chunk == 0 or i + 1 == steps):
                on_chunk(self.history)
        return self.history

    def predict(self, x, batch_size: int = 1024) -> np.ndarray:
        xs = x if isinstance(x, tuple) else (x,)
        out = []
        for i in range(0, len(xs[0]), batch_size):
            part = tuple(a[i: i + batch_size] for a in xs)
            out.append(np.asarray(self._forward(part if isinstance(x, tuple) else part[0])))
        return np.concatenate(out)

    def evaluate(self, x, y, batch_size: int = 1024) -> float:
        pred = self.predict(x, batch_size)
        tf = runtime.tensorflow()
        return float(self._loss(tf.constant(y), tf.constant(pred)))
