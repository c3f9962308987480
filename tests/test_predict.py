"""Predict blocks: how the loader reads and refuses them, how a run's result decides the choice, and how the
progress store keeps a prediction. No Textual, no training."""

from __future__ import annotations

import json

import pytest

from tutor.curriculum import PredictSpec
from tutor.curriculum.loader import LessonFileError, parse_lesson
from tutor.curriculum.predict import resolve
from tutor.progress import ProgressStore, parse

LESSON = '''+++
id = "tiny"
title = "Tiny"
order = 9
+++

## One
```predict
id = "fade"
lab = "memory-demo"
question = "How soon below 1%?"
value = "steps_to_one_percent.0.5"
[params]
scales = [0.5]
[[choices]]
label = "soon"
max = 10
explain = "Halved at every step."
[[choices]]
label = "late"
min = 10
explain = "It is halved at every step."
```

```lab
experiment = "memory-demo"
[params]
seq_len = 60
```
'''


def load(text: str = LESSON) -> PredictSpec:
    lesson = parse_lesson(text, __import__("pathlib").Path("tiny.md"))
    (spec,) = lesson.predictions
    return spec


def refused(old: str, new: str) -> LessonFileError:
    assert old in LESSON
    with pytest.raises(LessonFileError) as caught:
        load(LESSON.replace(old, new))
    return caught.value


def test_a_predict_block_takes_its_labs_parameters_and_its_own():
    spec = load()
    assert spec.experiment == "memory-demo" and spec.fixed == ("scales",)
    assert spec.params["scales"] == [0.5] and spec.params["seq_len"] == 60, "the block's, then the lab's"
    assert [c.label for c in spec.choices] == ["soon", "late"] and spec.line == 8


@pytest.mark.parametrize(("old", "new", "line", "words"), [
    ("min = 10", "min = 12", 15, "must meet"),  # a gap between 10 and 12
    ("min = 10", "min = 8", 15, "must meet"),  # an overlap
    ('label = "late"', 'label = "soon"', 15, "same label"),
    ("scales = [0.5]", "scalez = [0.5]", 14, "no parameter 'scalez'"),
    ("scales = [0.5]", "scales = [-1.0]", 14, "at least 0"),
    ('lab = "memory-demo"', 'lab = "scalar-decay"', 9, "one lab of scalar-decay"),
    ('value = "steps_to_one_percent.0.5"', 'value = "x"\npick = "argmid"', 13, "pick is one of"),
    ("max = 10\n", 'category = "a"\nmax = 10\n', 15, "needs a range"),
    ('id = "fade"', 'id = "Fade It"', 9, "lowercase"),
])
def test_a_broken_predict_block_names_its_line(old, new, line, words):
    err = refused(old, new)
    assert words in err.message and err.line == line, (err.line, err.message)


def test_a_lab_asks_one_question():
    block = LESSON[LESSON.index("```predict"):LESSON.index("```lab")]
    with pytest.raises(LessonFileError) as caught:
        load(LESSON.replace("```lab", block.replace('id = "fade"', 'id = "again"') + "```lab"))
    assert "already has a prediction" in caught.value.message and caught.value.line == 26


def test_only_a_diverged_runs_choice_may_go_without_a_range():
    spec = load(LESSON.replace('value = "steps', 'diverged = 3\nvalue = "steps').replace(
        "```\n\n```lab", '[[choices]]\nlabel = "it blows up"\nexplain = "No."\n```\n\n```lab'))
    assert spec.diverged == 2 and spec.choice_for(3.0) == 0 and spec.choice_for(40.0) == 1
    err = refused("max = 10\n", "")
    assert "min and/or max" in err.message


def test_paths_take_dotted_keys_indices_and_stars():
    result = {"distances": {"0.5": [3.0, 1.0, 0.5]}, "counts": {"lstm": {"bias": 16}, "gru": {"bias": 24}}}
    assert resolve(result, "distances.0.5.-1") == 0.5
    assert resolve(result, "distances.0.5.7") is None
    assert resolve(result, "counts.*.bias") == {"lstm": 16, "gru": 24}
    assert resolve(result, "nothing.here") is None


def test_the_measurement_picks_the_choice():
    spec = load()
    measured = spec.measure({"steps_to_one_percent": {"0.5": 7}})
    assert measured is not None and measured.value == 7 and measured.text == "7"
    assert spec.choice_for(measured.value) == 0 and spec.choice_for(10.0) == 1, "min inclusive, max exclusive"
    assert spec.measure({"steps_to_one_percent": {"0.5": None}}) is None, "a run that never got there: no value"


def test_argmax_over_a_mapping_names_the_category():
    text = LESSON.replace('value = "steps_to_one_percent.0.5"', 'value = "distances"\npick = "argmax"').replace(
        "max = 10\n", 'category = "0.5"\n').replace("min = 10\n", 'category = "0.9"\n')
    spec = load(text)
    measured = spec.measure({"distances": {"0.5": 0.1, "0.9": 2.0}})
    assert measured is not None and measured.value == "0.9" and spec.choice_for(measured.value) == 1
    assert measured.text == "0.9 2 (highest), 0.5 0.1"


def test_a_prediction_is_kept_and_a_skip_never_replaces_an_answer(tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    store.record_prediction("tiny", "fade", None)
    assert store.prediction("tiny", "fade")["skipped"] is True
    store.record_prediction("tiny", "fade", 0, True, 7.0, {"scales": [0.5]})
    store.record_prediction("tiny", "fade", None)  # asked again, skipped: the answer stays
    assert store.flush(5)
    again = ProgressStore(tmp_path / "p.json").prediction("tiny", "fade")
    assert again is not None and again["choice"] == 0 and again["right"] is True and again["measured"] == 7.0
    assert again["params"] == {"scales": [0.5]}


def test_an_infinite_measurement_is_kept_as_text(tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    store.record_prediction("tiny", "blow", 1, True, float("inf"), {})
    assert store.flush(5)
    assert ProgressStore(tmp_path / "p.json").prediction("tiny", "blow")["measured"] == "inf"


def test_a_damaged_prediction_is_named_and_the_rest_kept():
    text = json.dumps({"version": 2, "lessons": {"tiny": {"pages_seen": [0], "predictions": {
        "good": {"choice": 1, "right": False, "measured": 3.5, "params": {}, "at": 1.0},
        "bad": {"choice": "two", "at": 1.0}}}}})
    data, problems = parse(text)
    assert list(data["lessons"]["tiny"]["predictions"]) == ["good"]
    assert problems == ["lesson 'tiny': prediction 'bad' is neither a graded nor a skipped prediction"]
