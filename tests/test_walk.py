"""Faults found by a newcomer's walk through the app at 80x24, each pinned by a test that failed before its fix."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest

from tutor.curriculum import load_curriculum
from tutor.screens.lesson import LessonScreen

from .conftest import LESSONS, pick_from_palette, wait_until


@pytest.fixture
def time_series(on_page):
    """Lesson 1's "A time series" page, taller than the screen once its Markdown and chart are laid out."""

    @asynccontextmanager
    async def opened():
        async with on_page("sequential-data", "A time series") as page:
            view = page.screen.current
            await wait_until(page.pilot, lambda: view.max_scroll_y >= 10, timeout=10, what="the page to be laid out")
            yield page

    return opened


async def test_scroll_keys_work_after_coming_back_to_a_lesson(time_series):
    async with time_series() as page:
        app, pilot, screen = page.app, page.pilot, page.screen
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, LessonScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen)
        view = screen.current
        assert view.max_scroll_y > 0
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: view.scroll_y > 0, timeout=5, what="pagedown to scroll the page")


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_doctor_opened_from_help_covers_the_help_box(make_app, monkeypatch, size):
    from tutor import doctor
    from tutor.screens.doctor import DoctorScreen
    from tutor.screens.help import HelpScreen

    monkeypatch.setattr(doctor, "probe_device", lambda probe, log_path=None: probe.add("device", "stand-in"))
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DoctorScreen) and app.screen.done)
        await pilot.pause()
        help_box = help_screen.query_one("#help-box").region
        doctor_box = app.screen.query_one("#doctor-box").region
        # Both boxes are drawn (the help stays underneath); any part of the help box outside the doctor's
        # showed as a second border around it.
        assert doctor_box.contains_region(help_box), (help_box, doctor_box)
        await app.workers.wait_for_complete()


async def test_doctor_probe_updates_the_engine_header(make_app, monkeypatch):
    """The doctor's device probe imports TensorFlow in this process; the header then stops saying 'not loaded'."""
    from tutor import doctor
    from tutor.engine import runtime
    from tutor.screens.doctor import DoctorScreen

    monkeypatch.setattr(doctor, "probe_device", lambda probe, log_path=None: probe.add("device", "stand-in"))
    monkeypatch.setattr(runtime, "device_description", lambda: "CPU (stand-in)")
    app = make_app(load_engine=True)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "not loaded" in app.sub_title
        await pilot.press("ctrl+p")
        await pick_from_palette(pilot, "Doctor")
        await wait_until(pilot, lambda: isinstance(app.screen, DoctorScreen) and app.screen.done)
        await wait_until(pilot, lambda: "not loaded" not in app.sub_title, timeout=10,
                         what=f"the header to stop saying {app.sub_title!r}")


async def test_exercise_page_footer_keeps_quit_and_help_at_80_columns(make_app):
    from textual.widgets import Footer

    from tutor.curriculum import ExerciseSpec

    app = make_app(start_lesson="from-scratch")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.show_page(next(index for index, page in enumerate(screen.lesson.pages)
                              if any(isinstance(block, ExerciseSpec) for block in page.blocks)))
        footer = screen.query_one(Footer)

        def footer_keys():  # "FooterKey" by its CSS type name: the class lives in a private module
            return {key.key: key.region for key in footer.query("FooterKey")}

        # The footer is rebuilt after the refresh that follows a page turn; e is offered on exercise pages only.
        await wait_until(pilot, lambda: "e" in footer_keys(), timeout=10, what="the footer to offer e")
        await pilot.pause()
        shown = footer_keys()
        palette = footer.query_one(".-command-palette").region
        for key in ("q", "question_mark"):  # whole, and clear of the palette key docked on the right
            assert key in shown and shown[key].right <= palette.x, (key, shown.get(key), palette)


@pytest.mark.parametrize("name", ["rnn_bptt", "gru_step", "rnn_step"])
async def test_exercise_task_starts_after_the_title_paragraph(make_app, name):
    from textual.widgets import Static

    from tutor.curriculum import ExerciseSpec
    from tutor.exercises import workspace
    from tutor.progress import ProgressStore
    from tutor.widgets.exercise import ExerciseView

    spec = next(block for lesson in load_curriculum(LESSONS).lessons for page in lesson.pages
                for block in page.blocks if isinstance(block, ExerciseSpec) and block.name == name)
    async with make_app().run_test():  # the page reads the app (a browser's app offers its own editor)
        view = ExerciseView(spec, ProgressStore())
        task = next(w for w in view.compose() if isinstance(w, Static) and "exercise-task" in w.classes)
    text = str(task.render())
    title_paragraph = workspace.template(name).read_text(encoding="utf-8").split('"""')[1].strip().split("\n\n")[0]
    assert text.startswith("Write "), text[:120]
    for line in title_paragraph.splitlines():
        assert line not in text


async def test_a_burst_of_scroll_keys_scrolls_once_per_key(time_series):
    async with time_series() as page:
        app, pilot, screen = page.app, page.pilot, page.screen
        view = screen.current

        async def burst(how: str, times: int) -> None:
            """Keys queued faster than the screen refreshes, as a held-down arrow sends them; then let the app
            handle everything queued (Pilot.pause waits for the screen to process its queue)."""
            for _ in range(times):
                app.call_later(screen.action_scroll, how)
            await pilot.pause()

        await burst("down", 6)
        assert view.scroll_y == 6
        await burst("up", 4)
        assert view.scroll_y == 2
        await burst("page_down", 2)
        assert view.scroll_y == min(view.max_scroll_y, 2 + 2 * view.scrollable_content_region.height)
        await pilot.press("end", "down", "down", "pagedown", "up")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y - 1  # past the end, one key up still moves up
        await pilot.press("home", "up", "pageup", "down")
        await pilot.pause()
        assert view.scroll_y == 1
