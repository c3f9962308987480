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


def test_every_default_parses_to_itself_with_its_kind():
    kinds = {"int": int, "float": float, "choice": str, "text": str, "bool": bool, "floats": list}
    for exp in registry.all_experiments().values():
        defaults = exp.defaults()
        for p in exp.params:
            assert p.parse(p.default) == p.default, (exp.name, p.name)
            assert type(defaults[p.name]) is kinds[p.kind], (exp.name, p.name, defaults[p.name])
        assert exp.validate(defaults) == defaults, exp.name


def test_a_default_its_parameter_refuses_fails_at_registration():
    with pytest.raises(ParamError, match="steps: must be at least 1"):
        registry.experiment("broken-default", "x", [Param("steps", "int", -7, "", 1, 10)])(lambda p, ctx: {})
    assert "broken-default" not in registry.all_experiments()


def test_parsed_params_run_as_they_are_and_raw_ones_are_parsed(monkeypatch):
    from tutor.engine.experiment import RunContext

    real_parse = Param.parse
    seen = []

    def counting(self, raw):
        seen.append(self.name)
        return real_parse(self, raw)

    monkeypatch.setattr(Param, "parse", counting)
    exp = registry.get("scalar-decay")
    parsed = exp.validate({"steps": "5"})
    assert parsed["steps"] == 5 and "steps" in seen
    seen.clear()
    registry.run("scalar-decay", parsed, RunContext())
    assert seen == [], "the form or the command line parsed them; the run does not parse again"
    registry.run("scalar-decay", {"steps": 5}, RunContext())
    assert "steps" in seen, "a plain dict is parsed where it came in: the call"


def test_a_snapshot_is_built_only_when_it_will_be_sent():
    from tutor.engine.experiment import RunContext

    sent, built = [], []

    def snapshot():
        built.append(1)
        return {"summary": f"step {len(built)}"}

    ctx = RunContext(on_progress=sent.append, min_interval=3600)
    for _ in range(100):
        ctx.report(snapshot)
    ctx.report(snapshot, force=True)
    assert len(built) == len(sent) == 2 and sent[-1] == {"summary": "step 2"}


def test_every_lab_that_trains_has_the_one_time_limit_and_accepts_0():
    from tutor.engine.limits import time_limit_param

    experiments = registry.all_experiments()
    training = {name for name, exp in experiments.items() if exp.uses_tensorflow} | {"scratch-train"}
    with_limit = {name for name, exp in experiments.items() if any(p.name == "time_limit" for p in exp.params)}
    assert with_limit == training
    for name in sorted(training):
        exp = experiments[name]
        limit = exp.param("time_limit")
        assert limit == time_limit_param(limit.default), name
        assert exp.validate({"time_limit": 0})["time_limit"] == 0, name


def test_a_number_with_an_underscore_or_a_list_with_a_gap_is_refused():
    """QA b1e7222 row 35: `1_0` was read as 10 (Python's digit grouping) and `0.2,,1` as two temperatures."""
    from tutor.engine.experiment import Param, ParamError

    whole = Param("n", "int", 3, "a count", 1, 100)
    many = Param("t", "floats", [0.5], "temperatures", 0.0, 3.0, max_items=4)
    for param, raw in ((whole, "1_0"), (many, "0.2,,1"), (many, "0.2;;1")):
        with pytest.raises(ParamError):
            param.parse(raw)
    assert many.parse("0.2, 1,") == [0.2, 1.0] and whole.parse("10") == 10
