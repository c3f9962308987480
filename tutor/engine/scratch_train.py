"""Training the from-scratch cells end to end with NumPy alone: a recurrent cell, a dense read-out on the last
step, mean squared error, SGD or Adam, clipping by global norm, and optional truncated BPTT.

It reports through the same :class:`~tutor.engine.experiment.RunContext` as every other experiment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tutor.engine.experiment import RunContext, check_finite
from tutor.engine.scratch import CELL_CLASSES, glorot_uniform, init_weights


@dataclass(frozen=True)
class TrainConfig:
    cell: str = "lstm"
    units: int = 16
    steps: int = 300  # optimiser steps (mini-batches)
    batch_size: int = 32
    optimizer: str = "adam"  # "adam" or "sgd"
    learning_rate: float = 1e-2
    clip_norm: float = 0.0  # 0: no clipping; else the global gradient norm is capped at this
    truncate: int | None = None  # truncated BPTT: carry the recurrent gradient at most this many steps
    seed: int = 0


@dataclass
class Adam:
    """Kingma & Ba (2015), with the usual defaults."""

    lr: float
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-7  # Keras's default epsilon
    t: int = 0
    m: list[np.ndarray] = field(default_factory=list)
    v: list[np.ndarray] = field(default_factory=list)

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if not self.m:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        correction = np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            p -= self.lr * correction * m / (np.sqrt(v) + self.eps)


@dataclass
class SGD:
    lr: float

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        for p, g in zip(params, grads):
            p -= self.lr * g


class ScratchModel:
    """cell → h_T → dense(1). ``loss_and_grads`` does the forward pass, BPTT and returns every gradient."""

    def __init__(self, config: TrainConfig, features: int) -> None:
        rng = np.random.default_rng(config.seed)
        self.config = config
        self.cell = CELL_CLASSES[config.cell](*init_weights(config.cell, features, config.units, rng))
        self.w_out = glorot_uniform(config.units, 1, rng)
        self.b_out = np.zeros(1)

    @property
    def params(self) -> list[np.ndarray]:
        return [self.cell.kernel, self.cell.recurrent_kernel, self.cell.bias, self.w_out, self.b_out]

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.cell.forward(x)[:, -1] @ self.w_out + self.b_out

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
        hs = self.cell.forward(x)
        pred = hs[:, -1] @ self.w_out + self.b_out
        err = pred - y
        loss = float(np.mean(err ** 2))
        dpred = 2.0 * err / err.size
        dh = np.zeros_like(hs)
        dh[:, -1] = dpred @ self.w_out.T
        grads = self.cell.backward(dh, truncate=self.config.truncate)
        return loss, [grads["kernel"], grads["recurrent_kernel"], grads["bias"], hs[:, -1].T @ dpred,
                      dpred.sum(axis=0)]


def clip_by_global_norm(grads: list[np.ndarray], clip: float) -> tuple[list[np.ndarray], float]:
    norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
    if clip > 0 and norm > clip:
        grads = [g * (clip / norm) for g in grads]
    return grads, norm


def train(config: TrainConfig, x: np.ndarray, y: np.ndarray, ctx: RunContext,
          snapshot: Any = None, should_stop: Any = None) -> tuple[ScratchModel, dict[str, list[float]]]:
    """Train on (x, y) for ``config.steps`` mini-batches; ``snapshot(history)`` builds what ``ctx`` reports.
    ``should_stop()`` (a time limit) ends training early, keeping what was learned so far."""
    model = ScratchModel(config, x.shape[-1])
    opt = Adam(config.learning_rate) if config.optimizer == "adam" else SGD(config.learning_rate)
    rng = np.random.default_rng(config.seed + 1)
    history: dict[str, list[float]] = {"loss": [], "grad_norm": []}
    for step in range(config.steps):
        ctx.check()
        if should_stop is not None and should_stop():
            break
        idx = rng.integers(0, len(x), config.batch_size)
        loss, grads = model.loss_and_grads(x[idx], y[idx])
        check_finite(loss, step + 1, "Lower the learning rate or clip the gradient norm.")
        grads, norm = clip_by_global_norm(grads, config.clip_norm)
        opt.step(model.params, grads)
        history["loss"].append(loss)
        history["grad_norm"].append(norm)
        if snapshot is not None:
            ctx.report(lambda: snapshot(history))
    return model, history
