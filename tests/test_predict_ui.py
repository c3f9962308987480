"""Predict first, in the TUI at 80×24: the question comes before the run, a digit runs the lab with the
block's values and the run's own measurement gives the verdict; s runs without one; an autorun lab waits; a
stopped run gives none; the answer outlives a restart."""

from __future__ import annotations

import json
import subprocess
import sys

from tutor.engine.experiment import Cancelled
from tutor.progress import ProgressStore
from tutor.widgets.lab import LabView
from tutor.widgets.predict import PredictView

from .conftest import REPO, wait_until, write

# A prediction above a lab that runs by itself (as lesson 7's "Checking gradients").
SLOPE = '''```predict
id = "slope"
lab = "scalar-decay"
question = "What is left after 50 steps at w = 0.9?"
value = "factors.0.9.-1"
[params]
scales = [0.9]
tanh_slope = 1.0
[[choices]]
label = "more than 1%"
min = 0.01
explain = "0.9^50 is 0.005."
[[choices]]
label = "less than 1%"
max = 0.01
explain = "0.9^50 is 0.005."
```

```lab
experiment = "scalar-decay"
autorun = true
```
'''

LESSON = '''+++
id = "tiny"
title = "Tiny"
order = 1
+++

## One
```predict
id = "fade"
lab = "memory-demo"
question = "How soon is the difference below 1%?"
value = "steps_to_one_percent.0.5"
[params]
scales = [0.5]
seed = 3
[[choices]]
label = "within 10 steps"
max = 10
explain = "Halved at every step, and the tanh squeezes it more."
[[choices]]
label = "10 steps or more"
min = 10
explain = "Halving is fast: 0.5^7 is below 1%."
```

```lab
experiment = "memory-demo"
[params]
seq_len = 60
```

## Two
'''+SLOPE+''''''


def lesson_folder(tmp_path):
    folder = tmp_path / "lessons"
    write(folder, "01-tiny.md", LESSON)
    return folder


def text(widget) -> str:
    return " ".join(str(s.render()) for s in widget.query(".predict-question, .predict-body"))


def run_json(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "tutor", "run", *args, "--json"], capture_output=True, text=True,
                         check=True, cwd=REPO)
    return json.loads(out.stdout)


async def test_t_asks_first_and_a_digit_runs_the_blocks_values_and_grades_by_the_run(make_app, tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    app = make_app(lesson_folder(tmp_path), progress=store, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.current.query_one(LabView)
        view = lab.query_one(PredictView)
        await pilot.press("t")
        assert view.asking and lab.result is None and not lab.running, "the question comes before any run"
        assert "1) within 10 steps" in text(view) and "2) 10 steps or more" in text(view)
        assert view.region.bottom <= app.screen.query_one("#pages").region.bottom, "the choices are on screen"
        await pilot.press("1")
        await wait_until(pilot, lambda: lab.result is not None)
        await pilot.pause()
        expected = run_json("memory-demo", "--scales", "0.5", "--seq-len", "60", "--seed", "3")
        measured = expected["steps_to_one_percent"]["0.5"]
        assert lab.raw_values()["scales"] == "0.5" and lab.raw_values()["seed"] == "3", "the block's values"
        assert f"the run measured {measured} — right" in text(view)
        assert view.region.y >= app.screen.query_one("#pages").region.y, "the verdict is on screen"
        assert lab.chart.display, "the chart stays"
    record = store.prediction("tiny", "fade")
    assert record is not None and record["choice"] == 0 and record["right"] is True
    assert record["measured"] == measured and record["params"]["scales"] == [0.5]
    assert record["measured_text"] == str(measured), "kept as the verdict said it, for the review"


async def test_s_runs_without_a_verdict_and_asks_again_next_session(make_app, tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    app = make_app(lesson_folder(tmp_path), progress=store, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.current.query_one(LabView)
        await pilot.press("t", "s")
        await wait_until(pilot, lambda: lab.result is not None)
        assert not lab.query_one(PredictView).display or "-shown" not in lab.query_one(PredictView).classes
        await pilot.press("t")
        await wait_until(pilot, lambda: not lab.running)
        assert not lab.asking, "not asked twice in one session"
    assert store.prediction("tiny", "fade") == {"skipped": True, "at": store.prediction("tiny", "fade")["at"]}
    app = make_app(lesson_folder(tmp_path), progress=ProgressStore(tmp_path / "p.json"), start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.current.query_one(LabView)
        await pilot.press("t")
        assert lab.asking, "a skip is asked again in the next session"


async def test_an_autorun_lab_waits_for_the_prediction(make_app, tmp_path):
    app = make_app(lesson_folder(tmp_path), start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause(0.3)
        lab = app.screen.current.query_one(LabView)
        assert lab.asking and lab.result is None and not lab.running
        await pilot.press("2")
        await wait_until(pilot, lambda: lab.result is not None)
        await pilot.pause()
        assert "the run measured 0.00515 — right" in text(lab.query_one(PredictView))


async def test_a_stopped_run_gives_no_verdict_and_the_question_stays_open(make_app, tmp_path, monkeypatch):
    from tutor.widgets import lab as lab_module

    def endless(name, params, ctx, on_wait=None):
        while True:
            ctx.check()  # raises Cancelled once t stops it

    monkeypatch.setattr(lab_module.registry, "run", endless)
    store = ProgressStore(tmp_path / "p.json")
    app = make_app(lesson_folder(tmp_path), progress=store, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.current.query_one(LabView)
        await pilot.press("t", "1")
        await wait_until(pilot, lambda: lab.running)
        await pilot.press("t")
        await wait_until(pilot, lambda: not lab.running)
        await pilot.pause()
        view = lab.query_one(PredictView)
        assert "No verdict" in text(view) and "right" not in text(view)
        await pilot.press("t")
        assert lab.asking, "the question is open again"
    assert store.prediction("tiny", "fade") is None
    assert Cancelled  # the fake stops the way a real run does


async def test_a_prediction_survives_a_restart_and_is_not_asked_twice(make_app, tmp_path):
    app = make_app(lesson_folder(tmp_path), progress=ProgressStore(tmp_path / "p.json"), start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.current.query_one(LabView)
        await pilot.press("t", "2")
        await wait_until(pilot, lambda: lab.result is not None)
        await pilot.pause()
        assert "— wrong: that is 1) within 10 steps" in text(lab.query_one(PredictView))
    store = ProgressStore(tmp_path / "p.json")
    assert store.prediction("tiny", "fade")["right"] is False
    app = make_app(lesson_folder(tmp_path), progress=store, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.current.query_one(LabView)
        await pilot.press("t")
        assert not lab.asking
        await wait_until(pilot, lambda: lab.result is not None)
        await pilot.press("a")
        assert lab.asking, "a asks it again"


async def test_a_wrong_prediction_and_a_wrong_first_check_go_to_the_review_queue(make_app, tmp_path, monkeypatch):
    """The App hands each first answer that was graded to tutor.review.record (recorded here instead)."""
    calls = []

    def record(store, kind, lesson, item, right, at):  # the review queue's entry point, as the App calls it
        calls.append({"kind": kind, "lesson": lesson, "item": item, "right": right})

    monkeypatch.setattr("tutor.review.record", record)
    text_with_check = LESSON.replace("## Two", '''```check
id = "sum"
question = "1 + 1?"
choices = ["2", "3"]
answer = 0
explanation = "Two."
```

## Two''')
    folder = tmp_path / "lessons"
    write(folder, "01-tiny.md", text_with_check)
    app = make_app(folder, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.current.query_one(LabView)
        await pilot.press("t", "2")
        await wait_until(pilot, lambda: lab.result is not None)
        await pilot.pause()
        from textual.widgets import OptionList

        app.screen.current.query_one(OptionList).focus()
        await pilot.press("2")  # a digit answers a check too: wrong at the first try
        await pilot.pause()
        app.screen.current.query_one(OptionList).focus()
        await pilot.press("1")  # right at the second: no card
        await pilot.pause()
    assert [(c["kind"], c["lesson"], c["item"], c["right"]) for c in calls] == [
        ("prediction", "tiny", "fade", False), ("check", "tiny", "sum", False)]


async def test_a_diverged_run_is_graded_only_where_the_block_says_what_it_means(make_app, tmp_path, monkeypatch):
    from tutor.engine.experiment import Diverged
    from tutor.widgets import lab as lab_module

    def diverging(name, params, ctx, on_wait=None):
        raise Diverged("The loss became inf at training step 3.")

    monkeypatch.setattr(lab_module.registry, "run", diverging)
    folder = tmp_path / "lessons"
    write(folder, "01-tiny.md", LESSON)
    write(folder, "02-blows.md", LESSON.replace('id = "tiny"', 'id = "blows"').replace("order = 1", "order = 2")
          .replace('value = "steps', 'diverged = 2\nvalue = "steps'))
    store = ProgressStore(tmp_path / "p.json")
    for lesson_id, verdict in (("tiny", "No verdict: the run diverged"), ("blows", "a loss that overflowed")):
        app = make_app(folder, progress=store, start_lesson=lesson_id)
        async with app.run_test(size=(80, 24)) as pilot:
            lab = app.screen.current.query_one(LabView)
            await pilot.press("t", "2")
            await wait_until(pilot, lambda: lab.error is not None)
            await pilot.pause()
            assert verdict in text(lab.query_one(PredictView))
    assert store.prediction("tiny", "fade") is None
    assert store.prediction("blows", "fade")["right"] is True
