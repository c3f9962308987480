"""Parameter parsing: what a form or the command line may and may not pass to an experiment."""

import pytest

from tutor.engine import registry
from tutor.engine.experiment import Param, ParamError


def test_int_parses_and_bounds():
    p = Param("seq_len", "int", 50, "", 2, 1000)
    assert p.parse("7") == 7
    assert p.parse(12.0) == 12
    for bad, words in [("abc", "whole number"), ("2.5", "whole number"), ("", "empty"), ("0", "at least 2"),
                       ("5000", "at most 1000")]:
        with pytest.raises(ParamError, match=words):
            p.parse(bad)


def test_float_refuses_text_and_infinity():
    p = Param("scale", "float", 1.0, "", 0.01, 10)
    assert p.parse(" 0.5 ") == 0.5
    with pytest.raises(ParamError, match="expected a number"):
        p.parse("half")
    with pytest.raises(ParamError):
        p.parse("inf")


def test_choice_and_floats():
    cell = Param("cell", "choice", "lstm", "", choices=("simple_rnn", "lstm"))
    with pytest.raises(ParamError, match="unknown choice 'transformer'"):
        cell.parse("transformer")
    scales = Param("scales", "floats", [1.0], "", 0, 10, max_items=3)
    assert scales.parse("0.5, 1;2") == [0.5, 1.0, 2.0]
    with pytest.raises(ParamError, match="at most 3"):
        scales.parse("1,2,3,4")
    with pytest.raises(ParamError, match="at most 10"):
        scales.parse([1, 20])


def test_experiment_validate_names_the_field():
    exp = registry.get("gradient-flow")
    good, bad = exp.validate_all({"seq_len": "-3", "units": "many", "cell": "lstm"})
    assert set(bad) == {"seq_len", "units"}
    assert good["cell"] == "lstm"
    with pytest.raises(ParamError) as err:
        exp.validate({"hidden": 3})
    assert err.value.name == "hidden"


def test_every_experiment_default_is_valid():
    for exp in registry.all_experiments().values():
        assert exp.validate({}) == exp.defaults(), exp.name
