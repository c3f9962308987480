"""Defects a newcomer's second walk at 80×24 found (walk2 #6, #7, #10, #11, #12), each driven as the learner
met it: the verdict of a check made after the editor closes, hints in a burst, the contents and r while cards
exist but none is due, a prediction's card in the review queue, a broken lesson's error box and the notice for
a progress file that is not JSON."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta, timezone

from tutor import review
from tutor.app import TutorApp
from tutor.curriculum import load_curriculum
from tutor.exercises import workspace
from tutor.progress import ProgressStore
from tutor.screens.review import ReviewScreen
from tutor.widgets.check import CheckView
from tutor.widgets.exercise import ExerciseView

from .conftest import GOOD, LESSONS, wait_until, write

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)


def in_view(widget, page) -> bool:
    """The widget's first line is inside the page's visible region."""
    region, seen = widget.region, page.content_region
    return bool(region.height) and seen.y <= region.y < seen.bottom


# -- #6: the verdict of a check after the editor closes is scrolled into view ---------------------------------
async def test_the_verdict_after_the_editor_closes_is_in_view(on_page, monkeypatch):
    def wrong_editor(command: list[str]) -> None:  # the learner saves a wrong rnn_step and quits the editor
        workspace.path("rnn_step").write_text(workspace.solution("rnn_step").read_text().replace("+ bias)", ")"))

    monkeypatch.setattr("tutor.widgets.exercise.run_editor", wrong_editor)
    monkeypatch.setattr(TutorApp, "suspend", contextlib.nullcontext)  # no terminal to hand over in a test
    async with on_page("from-scratch", "Exercise 1") as page:
        pilot, view = page.pilot, page.screen.current
        exercise = view.query_one(ExerciseView)
        status = exercise.query_one(".exercise-status")
        await pilot.press("h")  # the page scrolls down to the hint, at the foot of the box
        await wait_until(pilot, lambda: view.scroll_y > 0 and not in_view(status, view), timeout=10,
                         what="the hint to scroll the status out of view")
        await pilot.press("e")
        await wait_until(pilot, lambda: exercise.result is not None, timeout=30)
        assert "✗" in str(status.render())
        await wait_until(pilot, lambda: in_view(status, view), timeout=5, what="the verdict to be scrolled to")


# -- #7: every hint seen so far stays on the page, numbered; a burst skips none -------------------------------
def shown_hints(exercise: ExerciseView) -> list[str]:
    return [str(hint.render()) for hint in exercise.query(".exercise-hint") if hint.display]


def headings(exercise: ExerciseView) -> list[str]:
    return [text.partition("\n")[0] for text in shown_hints(exercise)]


async def test_hints_pressed_in_a_burst_are_all_shown_in_order_the_newest_in_view(on_page):
    async with on_page("from-scratch", "Exercise 1") as page:
        pilot, view = page.pilot, page.screen.current
        exercise = view.query_one(ExerciseView)
        hints = exercise.exercise.hints
        assert len(hints) == 3
        await pilot.press("h", "h")  # one read: two hints
        await pilot.pause()
        shown = shown_hints(exercise)
        assert [text.partition("\n")[0] for text in shown] == ["Hint 1 of 3:", "Hint 2 of 3 (h again: hint 3):"]
        assert all(hint in text for hint, text in zip(hints, shown))
        await pilot.press("h", "h")  # past the last: all three, the last says no more
        await pilot.pause()
        shown = shown_hints(exercise)
        assert [text.partition("\n")[0] for text in shown] == ["Hint 1 of 3:", "Hint 2 of 3:", "Hint 3 of 3:"]
        assert page.app.progress.hint_level("rnn_step") == 3
        newest = [hint for hint in exercise.query(".exercise-hint") if hint.display][-1]
        await wait_until(pilot, lambda: in_view(newest, view), timeout=5, what="the newest hint in view")


async def test_hints_seen_in_an_earlier_session_come_back_with_the_next(on_page):
    async with on_page("from-scratch", "Exercise 1") as page:
        page.app.progress.record_hint("rnn_step", 1)  # as a session before this one left it
        exercise = page.screen.current.query_one(ExerciseView)
        await page.pilot.press("h")
        await page.pilot.pause()
        assert headings(exercise) == ["Hint 1 of 3:", "Hint 2 of 3 (h again: hint 3):"]


# -- #11: a prediction's card says it is a prediction, and a category's feedback gives the values compared -----

async def open_review(pilot, due: int) -> None:
    """From the contents, once ``due`` cards are counted: r, and wait for the review screen."""
    app = pilot.app
    await wait_until(pilot, lambda: app.screen.due_count == due, timeout=10, what="the cards to be counted")
    await pilot.press("r")
    await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen), timeout=10)

async def test_a_categorical_prediction_card_is_labelled_and_gives_the_values_compared(make_app, tmp_path):
    """Two missed predictions of lesson 4: one recorded before the measurement's text was kept (named by the
    category its run picked), one with it (every value compared, as the lab's verdict showed them)."""
    store = ProgressStore(tmp_path / "p.json")
    store.record_prediction("lstm", "untrained-keeps", 1, False, "simple_rnn", {"seq_len": 50})  # an older record
    store.record_prediction("lstm", "largest-part", 0, False, "recurrent", {"units": 32},
                            measured_text="recurrent 4096 (highest), input 384, bias 128")
    for item in ("largest-part", "untrained-keeps"):
        review.record(store, "prediction", "lstm", item, right=False, at=T0)
    assert "measured_text" not in store.prediction("lstm", "untrained-keeps")
    app = make_app(progress=store)
    app.clock = lambda: T0 + timedelta(days=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(pilot, due=2)
        screen = app.screen
        feedback = screen.query_one("#review-next")
        for question, measured in (
                ("An LSTM layer reads 3 features", "Your run measured recurrent 4096 (highest), input 384, bias 128."),
                ("Before any training, T = 50", "In your run, simple_rnn had the highest value.")):
            await pilot.pause()
            view = screen.query_one(CheckView)
            heading = str(view.query_one(".check-question").render())
            assert heading.startswith(f"Prediction · {question}"), heading
            await pilot.press(str(int(view.check.answer) + 1))
            await pilot.pause()
            assert str(feedback.render()).startswith(f"{measured} Back in"), str(feedback.render())
            await pilot.press("n")


async def test_a_check_card_is_still_labelled_a_check(make_app, tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    review.record(store, "check", "lstm", next(iter(load_curriculum(LESSONS).get("lstm").checks)).id, right=False,
                  at=T0)
    app = make_app(progress=store)
    app.clock = lambda: T0 + timedelta(days=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(pilot, due=1)
        await pilot.pause()
        assert str(app.screen.query_one(".check-question").render()).startswith("Check · ")


def test_a_prediction_keeps_the_measurement_as_shown_and_older_records_still_load(tmp_path):
    """The text is added to a prediction's record (schema version unchanged): it survives a save and a reload,
    a record without it loads as before, and one whose text is not a string is damage, named."""
    path = tmp_path / "p.json"
    store = ProgressStore(path)
    store.record_prediction("lstm", "largest-part", 1, True, "recurrent", {}, measured_text="recurrent 4096 (highest)")
    store.record_prediction("lstm", "untrained-keeps", 0, True, "simple_rnn", {})
    assert store.flush()
    again = ProgressStore(path)
    assert again.warning is None
    assert again.prediction("lstm", "largest-part")["measured_text"] == "recurrent 4096 (highest)"
    assert "measured_text" not in again.prediction("lstm", "untrained-keeps")
    data = json.loads(path.read_text())
    data["lessons"]["lstm"]["predictions"]["largest-part"]["measured_text"] = 7
    path.write_text(json.dumps(data))
    damaged = ProgressStore(path)
    assert damaged.warning and "prediction 'largest-part'" in damaged.warning
    assert damaged.prediction("lstm", "untrained-keeps") is not None


# -- #12: a broken lesson's error wraps under itself; a progress file that is not JSON is said in plain words ----
BOGUS = (GOOD.replace('"tiny"', '"bad"').replace("order = 9", "order = 10")
         .replace("[params]", "bogus_key = 3\n[params]"))


async def test_a_long_lesson_error_wraps_hanging_under_its_first_line(make_app, tmp_path):
    folder = tmp_path / "lessons"
    write(folder, "01-good.md", GOOD)
    write(folder, "02-bad.md", BOGUS)
    app = make_app(lessons=folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        errors = app.screen.query_one("#lesson-errors")
        lines = str(errors.render()).splitlines()
        assert lines[0] == "1 lesson could not be loaded:"
        assert lines[1].startswith("  02-bad.md, line 12: unknown key 'bogus_key' in the lab block")
        assert len(lines) > 2, "the error is longer than a line at 80 columns"
        assert all(line.startswith("    ") and line[4] != " " for line in lines[2:]), lines
        assert "autorun" in lines[-1] and all(len(line) <= errors.content_size.width for line in lines)
        await pilot.resize_terminal(100, 24)  # wider: wrapped again, to the new width
        await wait_until(pilot, lambda: "experiment," in str(errors.render()).splitlines()[1], timeout=5,
                         what="the error to be wrapped again at 100 columns")
        assert all(line.startswith("    ") for line in str(errors.render()).splitlines()[2:])


def test_a_progress_file_that_is_not_json_is_said_in_plain_words(tmp_path):
    cases = (("garbage", "it is not valid JSON at line 1, column 1"),
             ('{"lessons": {},\n "version": 3,,}', "it is not valid JSON at line 2, column 15"),
             ("", "it is empty"))
    for number, (text, why) in enumerate(cases):
        path = tmp_path / f"progress-{number}.json"  # each its own: a store writes a fresh file in the background
        path.write_text(text)
        warning = ProgressStore(path).warning
        assert warning.startswith(f"Your progress file could not be read ({why}). It was kept as "), warning
        assert "Expecting" not in warning and "char" not in warning
    path = tmp_path / "progress-bytes.json"
    path.write_bytes(b"\xff{}")
    assert "(it is not UTF-8 text: byte 0 cannot be read)" in ProgressStore(path).warning
