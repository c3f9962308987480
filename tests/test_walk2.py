"""Defects a newcomer's second walk at 80×24 found (walk2 #6, #7, #10, #11, #12), each driven as the learner
met it: the verdict of a check made after the editor closes, hints in a burst, the contents and r while cards
exist but none is due, a prediction's card in the review queue, a broken lesson's error box and the notice for
a progress file that is not JSON."""

from __future__ import annotations

import contextlib

from tutor.app import TutorApp
from tutor.exercises import workspace
from tutor.widgets.exercise import ExerciseView

from .conftest import wait_until


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
