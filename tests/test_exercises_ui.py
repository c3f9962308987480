"""Lesson 7 in the TUI at 80×24: its pages and labs, and an exercise page that re-checks the learner's file
when it is saved, shows the result and records the pass."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Input

from tutor.app import TutorApp
from tutor.exercises import workspace
from tutor.progress import ProgressStore
from tutor.widgets.exercise import ExerciseView
from tutor.widgets.lab import LabView

from .conftest import open_page, run_lab, toasts, wait_until


def status_of(view: ExerciseView) -> str:
    return str(view.query_one(".exercise-status").render())


async def test_exercise_page_rechecks_on_save_and_records_the_pass(on_page, monkeypatch):
    monkeypatch.setattr("tutor.widgets.exercise.POLL_SECONDS", 0.1)
    async with on_page("from-scratch", "Exercise 1") as page:
        app, pilot, screen = page.app, page.pilot, page.screen
        view = screen.current.query_one(ExerciseView)
        assert "Not passed yet" in status_of(view)
        path = workspace.path("rnn_step")
        assert path.exists()
        wrong = workspace.solution("rnn_step").read_text().replace("+ bias)", ")")
        path.write_text(wrong)
        await wait_until(pilot, lambda: view.result is not None, timeout=30)
        assert not view.result.passed and "✗" in status_of(view) and "expected" in status_of(view)
        assert not app.progress.exercise_passed("rnn_step")
        view.result = None
        path.write_text(workspace.solution("rnn_step").read_text() + "\n")
        await wait_until(pilot, lambda: view.result is not None, timeout=30)
        assert view.result.passed and "✓" in status_of(view)
        assert app.progress.exercise_passed("rnn_step")
        assert app.progress.flush() and ProgressStore(app.progress.path).exercise_passed("rnn_step")
        # The editor key: no terminal to suspend in a test, so the page says what to do instead of failing.
        monkeypatch.setenv("EDITOR", "true")
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen


async def test_the_app_and_a_check_in_another_terminal_both_record(make_app, monkeypatch, private_home):
    """The exercise page and `rnn-tutor check` in another terminal write the same store, merged under its lock."""
    monkeypatch.setattr("tutor.widgets.exercise.POLL_SECONDS", 0.1)
    app = make_app(start_lesson="from-scratch", progress=ProgressStore())  # the learner's own, as the CLI's
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_page(pilot, "Exercise 1")
        view = screen.current.query_one(ExerciseView)
        workspace.path("clip_norm").write_text(workspace.solution("clip_norm").read_text())
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        other = subprocess.Popen([sys.executable, "-m", "tutor", "check", "clip_norm"], env=env,
                                 stdout=subprocess.DEVNULL)
        workspace.path("rnn_step").write_text(workspace.solution("rnn_step").read_text())
        await wait_until(pilot, lambda: view.result is not None, timeout=30)
        assert view.result.passed and other.wait(60) == 0
        assert app.progress.flush()
    saved = json.loads((private_home / "progress.json").read_text())["exercises"]
    assert {"rnn_step", "clip_norm"} <= set(saved)


async def test_an_exercise_page_opens_with_a_damaged_status_file(make_app, private_home):
    """QA b1e7222 row 3: `{"passed": null}` crashed the app on every exercise page, at every start."""
    folder = private_home / "exercises"
    folder.mkdir(parents=True)
    (folder / ".status.json").write_text('{"passed": null}')
    store = ProgressStore()
    app = make_app(start_lesson="from-scratch", progress=store)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_page(pilot, "Exercise 1")
        assert "Not passed yet" in status_of(screen.current.query_one(ExerciseView))
        await wait_until(pilot, lambda: any("exercise status file" in t for t in toasts(app)))


async def test_edit_key_runs_the_learners_editor(on_page, monkeypatch, tmp_path):
    calls = []
    monkeypatch.setenv("VISUAL", "my-editor --wait")
    monkeypatch.setattr("tutor.widgets.exercise.run_editor", calls.append)
    monkeypatch.setattr(TutorApp, "suspend", contextlib.nullcontext)  # the test driver has no terminal to hand over
    async with on_page("from-scratch", "Exercise 2") as page:
        await page.pilot.press("e")
        await page.pilot.pause()
    assert calls == [["my-editor", "--wait", str(workspace.path("lstm_step"))]]


SMALL = {"scratch-vs-keras": {"steps": "15", "units": "4", "seq_len": "6"},
         "gradient-check": {"units": "2", "seq_len": "3"}}


@pytest.mark.slow
async def test_lesson_7_pages_open_and_labs_draw(make_app):
    app = make_app(start_lesson="from-scratch")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        labs = 0
        for index, page in enumerate(screen.lesson.pages):
            screen.show_page(index)
            await pilot.pause()
            for lab in screen.current.query(LabView):
                for name, value in SMALL[lab.spec.experiment].items():
                    lab.query_one(f"#p-{name}", Input).value = value
                if lab.result is not None:  # autorun ran with the defaults; run again with the small ones
                    lab.result = None
                result = await run_lab(pilot, lab, timeout=120)
                assert result["figure"]["series"] and result["summary"]
                labs += 1
        assert labs == 2
        assert len(screen.query(ExerciseView)) == 8
