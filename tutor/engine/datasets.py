"""Synthetic data sets the labs train and draw on, made with NumPy from a seed (nothing is downloaded).

- :func:`adding_problem` — Hochreiter & Schmidhuber (1997), Experiment 4: sum the two marked values.
- :func:`recall_task` — a sign given at the first step must be reported at the last, through noise.
- :func:`marked_value` — remember the one value whose step carries a marker, and give it at the end.
- :func:`synthetic_series` — trend + two seasonal cycles + noise, with its parts.
- :func:`windows` — a series cut into (input window, target) pairs.
"""

from __future__ import annotations

import numpy as np


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
