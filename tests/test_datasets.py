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
