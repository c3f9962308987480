"""Training the from-scratch cells end to end with NumPy alone: a recurrent cell, a dense read-out on the last
step, mean squared error, SGD or Adam, clipping by global norm, and optional truncated BPTT.

It reports through the same :class:`~tutor.engine.experiment.RunContext` as every other experiment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tutor.engine.experiment import RunContext, check_finite
from tutor.engine.limits import Deadline
from tutor.engine.scratch import CELL_CLASSES, glorot_uniform, init_weights
from tutor.engine.training import TrainHistory, recorded, train_steps


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


def clip_by_global_norm(
    grads: list[np.ndarray], clip: float
) -> tuple[list[np.ndarray], float]:
    squares = sum(float(np.sum(g * g)) for g in grads)
    norm = float(np.sqrt(squares))
    if clip > 0 and norm > clip:
        grads = [g * (clip / norm) for g in grads]
    return grads, norm


ADVICE = "Lower the learning rate or clip the gradient norm."


class ScratchTrainer:
    """The NumPy network of ``config`` and its optimizer (chosen here, once): ``step(xb, yb)`` is one update
    — forward pass, BPTT, clipping by global norm, the optimizer's step — and returns (loss, gradient norm
    before clipping). A non-finite loss raises :class:`~tutor.engine.experiment.Diverged` (``where`` names
    this network in the message) before the weights are touched."""

    def __init__(self, config: TrainConfig, features: int, where: str = "") -> None:
        self.config, self.where = config, where
        self.model = ScratchModel(config, features)
        self.optimizer: Adam | SGD = (Adam(config.learning_rate) if config.optimizer == "adam"
                                      else SGD(config.learning_rate))
        self.history = TrainHistory()

    def step(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, float]:
        loss, grads = self.model.loss_and_grads(xb, yb)
        check_finite(loss, self.history.steps + 1, ADVICE, self.where)
        grads, norm = clip_by_global_norm(grads, self.config.clip_norm)
        self.optimizer.step(self.model.params, grads)
        self.history.losses.append(loss)
        self.history.grad_norms.append(norm)
        return loss, norm


def train(config: TrainConfig, x: np.ndarray, y: np.ndarray, ctx: RunContext,
          on_step: Callable[[TrainHistory], None] | None = None,
          deadline: Deadline | None = None) -> tuple[ScratchModel, TrainHistory]:
    """Train on (x, y) for ``config.steps`` mini-batches drawn at random; ``on_step(history)`` after each.
    A ``deadline`` ends training early, keeping what was learned so far (``history.stopped`` says so)."""
    trainer = ScratchTrainer(config, x.shape[-1])
    rng = np.random.default_rng(config.seed + 1)

    def step() -> float:
        idx = rng.integers(0, len(x), config.batch_size)
        return trainer.step(x[idx], y[idx])[0]

    def report() -> None:
        if on_step is not None:
            on_step(trainer.history)

    recorded(trainer.history, lambda: train_steps(step, config.steps, ctx, deadline=deadline, chunk=1,
                                                  on_chunk=report, advice=ADVICE))
    return trainer.model, trainer.history
