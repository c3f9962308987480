"""The app driven like a learner would, at 80×24, with Pilot. The first test is the one that turns pages with
the keys; the others jump to the page they need."""

import threading
import time

import pytest
from textual.widgets import Input, OptionList

from tutor.progress import ProgressStore
from tutor.screens.contents import ContentsScreen
from tutor.screens.help import HelpScreen
from tutor.screens.lesson import LessonScreen
from tutor.screens.too_small import TooSmallScreen
from tutor.widgets.check import CheckView
from tutor.widgets.lab import LabView

from .conftest import GOOD, open_page, pick_from_palette, toasts, wait_until, write


async def test_contents_lists_lessons_and_opens_one(make_app):
    """The page keys: n and right forward, p back, escape to the contents."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, ContentsScreen)
        options = app.screen.query_one("#lessons", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "Sequential data" in prompts[0] and "Vanishing and exploding gradients" in prompts[2]
        await pilot.press("enter")
        assert isinstance(app.screen, LessonScreen) and app.screen.page == 0
        await pilot.press("n", "right")
        assert app.screen.page == 2
        await pilot.press("p")
        assert app.screen.page == 1
        await pilot.press("escape")
        assert isinstance(app.screen, ContentsScreen)
        assert "in progress" in str(options.get_option_at_index(0).prompt)


async def test_progress_resumes_where_the_learner_left(make_app, tmp_path):
    store = ProgressStore(tmp_path / "resume.json")
    app = make_app(progress=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        app.screen.show_page(2)
        await pilot.pause()
    app = make_app(progress=ProgressStore(tmp_path / "resume.json"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        assert app.screen.page == 2


async def test_help_screen_and_quit(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ContentsScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_command_palette_opens_a_lesson(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Lesson 3: Vanishing and exploding gradients" in titles
        await pilot.press("ctrl+p")
        await pick_from_palette(pilot, "vanishing", expect="Vanishing")
        await wait_until(pilot, lambda: isinstance(app.screen, LessonScreen), timeout=5)
        assert app.screen.lesson.id == "vanishing-gradients"


async def test_numpy_lab_runs_and_bad_value_is_refused(on_page):
    async with on_page("vanishing-gradients", "scalar model") as page:
        pilot, lab = page.pilot, page.lab
        await pilot.press("s")  # the autorun lab asks its prediction first: skipped, it runs
        await wait_until(pilot, lambda: lab.result is not None)
        assert lab.result["break_even_scale"] == 2.0
        lab.query_one("#p-steps", Input).value = "zero"
        lab.query_one("#p-tanh_slope", Input).value = "-1"
        lab.result = None
        await pilot.press("t")
        await pilot.pause()
        assert lab.result is None and not lab.running
        errors = {f.id: str(f.query_one(".field-error").render()) for f in lab.query(".field.-invalid")}
        assert set(errors) == {"field-steps", "field-tanh_slope"}
        assert "whole number" in errors["field-steps"] and "at least 0.01" in errors["field-tanh_slope"]
        lab.query_one("#p-steps", Input).value = "20"
        lab.query_one("#p-tanh_slope", Input).value = "0.9"
        await pilot.press("t")
        await wait_until(pilot, lambda: lab.result is not None)
        assert len(lab.result["factors"]["0.5"]) == 21
        assert not lab.query(".field.-invalid")


@pytest.mark.slow
async def test_keras_lab_runs_overlays_and_stops(on_page):
    async with on_page("vanishing-gradients", "Measuring") as page:
        pilot, lab = page.pilot, page.lab
        lab.query_one("#p-seq_len", Input).value = "12"
        await pilot.press("t", "s")  # t asks the page's prediction first; s skips it and runs
        await wait_until(pilot, lambda: lab.result is not None, timeout=120)
        assert len(lab.result["grad_norms"]) == 12
        lab.query_one("#p-recurrent_scale", Input).value = "2"
        lab.result = None
        await pilot.press("t")
        await wait_until(pilot, lambda: lab.result is not None, timeout=60)
        assert len(lab.chart._extra) == 1, "the first run stays on the chart to compare"
        # A long run (5000 clipped SGD steps), stopped with t within a second.
        screen = await open_page(pilot, "clipping")
        lab = screen.current.query_one(LabView)
        lab.query_one("#p-steps", Input).value = "5000"
        lab.query_one("#p-clip_norm", Input).value = "1"
        await pilot.press("t", "s")
        # Stopped while it trains: the status says "Running" from the first report, which its training loop sends.
        await wait_until(pilot, lambda: "Running" in str(lab.query_one(".lab-status").render()))
        stopped = time.monotonic()
        await pilot.press("t")
        await wait_until(pilot, lambda: not lab.running, timeout=5)
        assert time.monotonic() - stopped < 1.0
        assert "Stopped" in str(lab.query_one(".lab-status").render())


@pytest.mark.slow
async def test_quit_during_a_run_ends_the_worker(on_page, monkeypatch):
    """q during training: the app exits and the experiment function itself returns within 2 s."""
    from tutor.widgets import lab as lab_module

    finished = threading.Event()
    real_run = lab_module.registry.run

    def watched_run(name, *args, **kwargs):
        try:
            return real_run(name, *args, **kwargs)
        finally:
            if name == "memory-task":
                finished.set()

    monkeypatch.setattr(lab_module.registry, "run", watched_run)
    async with on_page("vanishing-gradients", "memory task") as page:
        pilot, lab = page.pilot, page.lab
        await pilot.press("t")
        await wait_until(pilot, lambda: "Running" in str(lab.query_one(".lab-status").render()), timeout=120)
        assert not finished.is_set(), (str(lab.query_one(".lab-status").render()), str(lab.query_one(".lab-summary").render()))
        await pilot.press("q")
        quit_at = time.monotonic()
    assert finished.wait(2.0), "the training loop did not stop within 2 s of q"
    assert time.monotonic() - quit_at < 2.0


async def test_check_answer_is_saved_with_its_explanation(on_page, tmp_path):
    store = ProgressStore(tmp_path / "checks.json")
    async with on_page("vanishing-gradients", "What the measurement shows", progress=store) as page:
        pilot = page.pilot
        check = page.screen.current.query_one(CheckView)
        check.query_one(OptionList).focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        feedback = str(check.query_one(".check-feedback").render())
        assert "Correct" in feedback and "diag(1 − h_t²)" in feedback
    saved = ProgressStore(tmp_path / "checks.json").answer("vanishing-gradients", "jacobian")
    assert saved == {"answer": 1, "correct": True}


async def test_broken_lesson_is_reported_and_the_rest_load(make_app, tmp_path):
    folder = tmp_path / "lessons"
    write(folder, "01-good.md", GOOD)
    write(folder, "02-bad.md", GOOD.replace('"tiny"', '"bad"').replace("order = 9", "order = 9\ncolour = 1"))
    app = make_app(lessons=folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        options = app.screen.query_one("#lessons", OptionList)
        assert options.option_count == 1
        errors = str(app.screen.query_one("#lesson-errors").render())
        assert "02-bad.md, line 5" in errors and "colour" in errors


async def test_corrupt_progress_file_is_announced(make_app, tmp_path):
    path = tmp_path / "damaged.json"
    path.write_text("\x00\x01 not json")
    app = make_app(progress=ProgressStore(path))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_until(pilot, lambda: toasts(app, "warning"), timeout=5)
        [shown] = toasts(app, "warning")
        assert "could not be read" in shown and "damaged-" in shown
    assert list(tmp_path.glob("damaged.json.damaged-*"))


async def test_too_small_terminal_says_so(make_app):
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert "80×24" in str(app.screen.query_one("#too-small").render())
        await pilot.resize_terminal(100, 30)
        await wait_until(pilot, lambda: isinstance(app.screen, ContentsScreen), timeout=5)


async def test_marker_setting_cycles_and_persists(make_app, tmp_path):
    store = ProgressStore(tmp_path / "marker.json")
    app = make_app(progress=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        assert store.marker == "blocks"
    assert ProgressStore(tmp_path / "marker.json").marker == "blocks"


async def test_wait_until_fails_saying_what_it_waited_for(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        with pytest.raises(AssertionError, match=r"waited 0\.1 s for .*app\.screen is None.*screen: ContentsScreen"):
            await wait_until(pilot, lambda: app.screen is None, timeout=0.1)
        with pytest.raises(AssertionError, match="waited 0.1 s for the impossible;"):
            await wait_until(pilot, lambda: False, timeout=0.1, what="the impossible")
