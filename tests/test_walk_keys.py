"""Keys a newcomer's walk at 80×24 found surprising (issue 20): tab at the foot of a page, and the command
palette's second key list. Each test failed before its fix."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from tutor.screens.help import HelpScreen
from tutor.widgets.check import CheckView
from tutor.widgets.lab import LabView

from .conftest import pick_from_palette, wait_until


def _answer_field(check: CheckView) -> Input | OptionList:
    return check.query_one(".check-input, .check-options")  # type: ignore[return-value]


async def test_tab_past_the_last_check_returns_to_the_page_where_it_is(on_page):
    """Tab on lesson 8's check, the page's last field, focused the lab's first field and scrolled 40 lines up."""
    async with on_page("beyond", "message passing") as page:
        pilot, screen = page.pilot, page.screen
        view = screen.current
        check = view.query_one(CheckView)
        _answer_field(check).focus()
        await wait_until(pilot, lambda: view.scroll_y > 10 and view.scroll_y == view.scroll_target_y, timeout=10,
                         what="the check scrolled into view")
        where = view.scroll_y
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is None, f"tab moved the focus to {screen.focused!r}"
        assert view.scroll_y == where, "the page stayed where it was"
        await pilot.press("tab")  # from the page: the field in view, the check, not the lab far above
        await pilot.pause()
        assert screen.focused is _answer_field(check) and view.scroll_y == where
        await pilot.press("shift+tab")  # back into the lab, one field at a time
        await pilot.pause()
        lab = view.query_one(LabView)
        assert screen.focused is lab.query_one("#p-seed")


async def test_tab_from_the_page_scrolled_to_a_check_reaches_that_check(on_page):
    async with on_page("beyond", "message passing") as page:
        pilot, screen = page.pilot, page.screen
        view = screen.current
        await wait_until(pilot, lambda: view.max_scroll_y > 20, timeout=10, what="the page to be laid out")
        await pilot.press("end")
        await pilot.pause()
        where = view.scroll_y
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is _answer_field(view.query_one(CheckView)) and view.scroll_y == where
        await pilot.press("escape", "home")  # leave the field; at the top, tab reaches the lab's first field
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is view.query_one(LabView).query_one("#p-graph")


async def test_tab_between_two_checks_goes_to_the_next_one(on_page):
    async with on_page("vanilla-rnn", "Backpropagation through time") as page:
        pilot, screen = page.pilot, page.screen
        first, second = screen.current.query(CheckView)
        _answer_field(first).focus()
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is _answer_field(second)
        await pilot.press("shift+tab")
        await pilot.pause()
        assert screen.focused is _answer_field(first)


async def test_the_palette_offers_one_key_list_and_it_is_the_tutors_help(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        commands = list(app.get_system_commands(app.screen))
        keys = [c for c in commands if "keys" in c.title.lower() or "keys" in c.help.lower()]
        assert [c.callback for c in keys] == [app.action_help], [(c.title, c.help) for c in keys]
        await pilot.press("ctrl+p")
        await pick_from_palette(pilot, "keys", expect="Keys")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), timeout=10, what="the help screen")
        assert not app.screen.query("HelpPanel")
