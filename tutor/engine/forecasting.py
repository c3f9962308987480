"""Forecasting a series, in NumPy (lesson 6's ``forecast`` lab): the shipped series, the network's inputs
and targets, the baselines it must beat and the error that compares them.

- :func:`load_series`: Mauna Loa CO₂ (monthly), yearly sunspots, or a synthetic series.
- :func:`model_signal`, :func:`series_windows`, :class:`Scaler` (fitted on the training part only).
- :func:`naive_forecast`, :func:`seasonal_naive_forecast`, :func:`mae`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tutor import data


@dataclass(frozen=True)
class Series:
    name: str
    x: np.ndarray  # time, for the chart's axis (years for the real series)
    y: np.ndarray
    season: int
    unit: str
    label: str  # what the x values are
    describe: str


def load_series(name: str, seed: int = 0) -> Series:
    """One of the shipped real series (``co2``, ``sunspots``) or a synthetic one (trend + cycle + noise)."""
    if name == "co2":
        months, y = data.co2_monthly()
        x = np.array([int(m[:4]) + (int(m[5:7]) - 1) / 12 for m in months])
        return Series(name, x, y, 12, "ppm", "year", f"Mauna Loa CO₂, monthly, {months[0]} to {months[-1]}")
    if name == "sunspots":
        years, y = data.sunspots_yearly()
        return Series(name, np.array([float(v) for v in years]), y, 11, "sunspots", "year",
                      f"yearly sunspot number, {years[0]} to {years[-1]}")
    if name == "synthetic":
        t = np.arange(480, dtype=float)
        rng = np.random.default_rng(seed)
        y = 0.01 * t + np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 96) \
            + 0.1 * rng.standard_normal(len(t))
        return Series(name, t, y, 24, "", "step",
                      "synthetic: trend 0.01/step + cycles of 24 and 96 steps + noise 0.1")
    raise ValueError(f"unknown series {name!r}")


@dataclass(frozen=True)
class Scaler:
    """Standardisation whose mean and spread come from the training part only (so nothing leaks from the
    held-out tail into the inputs the model is trained on)."""

    mean: float
    std: float

    @classmethod
    def fit(cls, values: np.ndarray) -> "Scaler":
        std = float(np.std(values))
        return cls(float(np.mean(values)), std if std > 0 else 1.0)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return (values - self.mean) / self.std

    def inverse(self, values: np.ndarray) -> np.ndarray:
        return values * self.std + self.mean


def model_signal(y: np.ndarray, predict: str) -> np.ndarray:
    """What the network reads and predicts: the level itself, or the change from the previous value."""
    return np.diff(y) if predict == "change" else np.asarray(y, dtype=float)


def series_windows(values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, window, 1) inputs ``values[i : i + window]`` and (n, 1) targets ``values[i + window]``."""
    n = len(values) - window
    if n <= 0:
        return np.zeros((0, window, 1), np.float32), np.zeros((0, 1), np.float32)
    idx = np.arange(window)[None, :] + np.arange(n)[:, None]
    return values[idx][..., None].astype(np.float32), values[window:][:, None].astype(np.float32)


def naive_forecast(history: np.ndarray, horizon: int) -> np.ndarray:
    """Every future value equals the last one seen."""
    return np.full(horizon, float(history[-1]))


def seasonal_naive_forecast(history: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """Each future value equals the value one season before it, taken from the last season seen."""
    last = np.asarray(history[-season:], dtype=float)
    return np.array([last[h % season] for h in range(horizon)])


def mae(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    return float(np.mean(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))))
