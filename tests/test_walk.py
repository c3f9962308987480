"""Faults found by a newcomer's walk through the app at 80x24, each pinned by a test that failed before its fix."""

from __future__ import annotations

import pytest

from tutor.screens.lesson import LessonScreen

from .test_ui import open_page, wait_until


@pytest.mark.asyncio
async def test_scroll_keys_work_after_coming_back_to_a_lesson(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lesson("sequential-data")
        await wait_until(pilot, lambda: isinstance(app.screen, LessonScreen))
        screen = await open_page(pilot, "A time series")
        await pilot.pause(0.5)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, LessonScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.pause(0.5)
        view = screen.current
        assert view.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause(0.2)
        assert view.scroll_y > 0
