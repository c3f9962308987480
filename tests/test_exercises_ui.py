"""Lesson 7 in the TUI at 80×24: its pages and labs, and an exercise page that re-checks the learner's file
when it is saved, shows the result and records the pass."""

from __future__ import annotations

import contextlib

import pytest
from textual.widgets import Input

from tutor.app import TutorApp
from tutor.exercises import workspace
from tutor.widgets.exercise import ExerciseView
from tutor.widgets.lab import LabView

from .conftest import run_lab, wait_until


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
        assert not workspace.passed("rnn_step")
        view.result = None
        path.write_text(workspace.solution("rnn_step").read_text() + "\n")
        await wait_until(pilot, lambda: view.result is not None, timeout=30)
        assert view.result.passed and "✓" in status_of(view)
        assert workspace.passed("rnn_step")
        # The editor key: no terminal to suspend in a test, so the page says what to do instead of failing.
        monkeypatch.setenv("EDITOR", "true")
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen


async def test_edit_key_runs_the_learners_editor(on_page, monkeypatch, tmp_path):
    calls = []
    monkeypatch.setenv("VISUAL", "my-editor --wait")
    monkeypatch.setattr("tutor.widgets.exercise.subprocess.run", lambda cmd, check: calls.append(cmd))
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
