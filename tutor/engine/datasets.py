"""Synthetic data sets the labs train and draw on, made with NumPy from a seed (nothing is downloaded).

- :func:`adding_problem` — Hochreiter & Schmidhuber (1997), Experiment 4: sum the two marked values.
- :func:`recall_task` — a sign given at the first step must be reported at the last, through noise.
- :func:`marked_value` — remember the one value whose step carries a marker, and give it at the end.
- :func:`synthetic_series` — trend + two seasonal cycles + noise, with its parts.
- :func:`windows` — a series cut into (input window, target) pairs.

The tasks the labs train on also come as a :class:`Split` — training and test data together with the trivial
predictor's held-out loss, the baseline an experiment compares against: :func:`adding_split`,
:func:`marked_value_split`, :func:`recall_split`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Split:
    """Training and held-out data, and the held-out loss of the trivial predictor to compare against."""

    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    baseline: float  # the held-out loss of the trivial predictor (e.g. predict-the-mean MSE)
    baseline_name: str  # what that predictor is, in words

    def astype(self, dtype: Any) -> "Split":
        """The same split with every array converted (the NumPy cells train in float64)."""
        x_train, y_train, x_test, y_test = (np.asarray(a, dtype=dtype)
                                            for a in (self.x_train, self.y_train, self.x_test, self.y_test))
        return Split(x_train, y_train, x_test, y_test, self.baseline, self.baseline_name)


def mean_baseline(y_train: np.ndarray, y_test: np.ndarray) -> float:
    """The test MSE of always predicting the training targets' mean."""
    return float(np.mean((y_test - y_train.mean()) ** 2))


def adding_split(n_train: int, n_test: int, seq_len: int, rng: np.random.Generator) -> Split:
    """The adding problem: ``n_train`` then ``n_test`` sequences from ``rng``; baseline predict-the-mean MSE."""
    x, y = adding_problem(n_train, seq_len, rng)
    x_test, y_test = adding_problem(n_test, seq_len, rng)
    return Split(x, y, x_test, y_test, mean_baseline(y, y_test), "predict the mean")


def marked_value_split(n_train: int, n_test: int, seq_len: int, rng: np.random.Generator) -> Split:
    """The marked-value task, split like :func:`adding_split`; baseline predict-the-mean MSE (about 1/12)."""
    x, y = marked_value(n_train, seq_len, rng)
    x_test, y_test = marked_value(n_test, seq_len, rng)
    return Split(x, y, x_test, y_test, mean_baseline(y, y_test), "predict the mean")


def recall_split(n_train: int, n_test: int, distance: int, rng: np.random.Generator) -> Split:
    """The recall task, split like :func:`adding_split`; the baseline is the binary cross-entropy of always
    predicting the training share of positives (about ln 2: chance)."""
    x, y = recall_task(n_train, distance, rng)
    x_test, y_test = recall_task(n_test, distance, rng)
    share = float(np.clip(y.mean(), 1e-7, 1 - 1e-7))
    bce = -float(np.mean(y_test * np.log(share) + (1 - y_test) * np.log(1 - share)))
    return Split(x, y, x_test, y_test, bce, "predict the share of positives (chance)")


def adding_problem(n: int, seq_len: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (n, seq_len, 2): channel 0 a value in [0, 1], channel 1 a marker; target (n, 1).

    One marker falls in the first half and one in the second, so the network must carry a value across at
    least part of the sequence; the target is the sum of the two marked values (mean 1, variance 1/6).
    """
    if seq_len < 2:
        raise ValueError("the adding problem needs a sequence of at least 2 steps")
    values = rng.random((n, seq_len))
    half = seq_len // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, seq_len, size=n)
    markers = np.zeros((n, seq_len))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)[:, None]
    return x, y


def recall_task(n: int, distance: int, rng: np.random.Generator, noise: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (n, distance, 2): channel 0 holds a sign (±1) at step 0 only, channel 1 is noise at every step.

    The label (n, 1) is 1 when the first sign was positive. Predicting it at the last step means carrying one
    bit across ``distance - 1`` steps of distraction; chance is 50%.
    """
    if distance < 1:
        raise ValueError("distance must be at least 1")
    signs = rng.choice([-1.0, 1.0], size=n)
    x = np.zeros((n, distance, 2), dtype=np.float32)
    x[:, 0, 0] = signs
    x[:, :, 1] = noise * rng.standard_normal((n, distance))
    y = (signs > 0).astype(np.float32)[:, None]
    return x, y


def marked_value(n: int, seq_len: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (n, seq_len, 2): channel 0 a value in [0, 1] at every step, channel 1 a marker on one step
    (anywhere but the last); the target (n, 1) is the marked value. Predicting the mean gives MSE 1/12."""
    if seq_len < 2:
        raise ValueError("the marked-value task needs a sequence of at least 2 steps")
    values = rng.random((n, seq_len))
    where = rng.integers(0, seq_len - 1, size=n)
    markers = np.zeros((n, seq_len))
    rows = np.arange(n)
    markers[rows, where] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    return x, values[rows, where].astype(np.float32)[:, None]


def synthetic_series(
    length: int,
    slope: float,
    period1: float,
    amplitude1: float,
    period2: float,
    amplitude2: float,
    noise: float,
    seed: int,
) -> dict[str, np.ndarray]:
    """A series and its parts: ``trend + season1 + season2 + noise = series``."""
    t = np.arange(length, dtype=float)
    rng = np.random.default_rng(seed)
    parts = {
        "trend": slope * t,
        "season1": amplitude1 * np.sin(2 * np.pi * t / period1),
        "season2": amplitude2 * np.sin(2 * np.pi * t / period2),
        "noise": noise * rng.standard_normal(length),
    }
    parts["series"] = parts["trend"] + parts["season1"] + parts["season2"] + parts["noise"]
    parts["t"] = t
    return parts


def windows(series: np.ndarray, window: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``series[i : i + window]`` and targets ``series[i + window + horizon - 1]`` for every valid i."""
    count = len(series) - window - horizon + 1
    if count <= 0:
        return np.zeros((0, window)), np.zeros((0,))
    idx = np.arange(window)[None, :] + np.arange(count)[:, None]
    return series[idx], series[np.arange(count) + window + horizon - 1]
