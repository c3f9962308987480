"""The synthetic data sets and their splits: NumPy only, fast."""

import numpy as np
import pytest

from tutor.engine import datasets


def test_splits_carry_their_baseline():
    split = datasets.marked_value_split(2000, 1000, 9, np.random.default_rng(0))
    assert split.x_train.shape == (2000, 9, 2) and split.y_test.shape == (1000, 1)
    assert split.baseline == pytest.approx(1 / 12, rel=0.1)
    assert split.baseline == pytest.approx(float(np.mean((split.y_test - split.y_train.mean()) ** 2)))
    assert split.astype(np.float64).x_test.dtype == np.float64


def test_marked_value_task():
    x, y = datasets.marked_value(200, 9, np.random.default_rng(0))
    assert x.shape == (200, 9, 2) and y.shape == (200, 1)
    assert np.all(x[:, :, 1].sum(axis=1) == 1) and np.all(x[:, -1, 1] == 0), "one marker, never on the last step"
    marked = x[:, :, 1].argmax(axis=1)
    assert np.allclose(y[:, 0], x[np.arange(200), marked, 0])
