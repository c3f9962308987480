"""The scalar model of gradient decay (NumPy only): the closed form the vanishing-gradients lesson starts from."""

import pytest

from tutor.engine import registry
from tutor.engine.experiment import RunContext


def test_scalar_model_is_the_closed_form():
    result = registry.run("scalar-decay", {"scales": [1.0, 2.0, 4.0], "tanh_slope": 0.5, "steps": 10}, RunContext())
    assert result["break_even_scale"] == 2.0
    assert result["factors"]["1"][10] == pytest.approx(0.5 ** 10)
    assert result["factors"]["2"] == pytest.approx([1.0] * 11)
    assert result["figure"]["yscale"] == "log"
