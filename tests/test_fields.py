"""The form's small faults (QA b1e7222 rows 1, 19, 20, 29): a check field refuses what the progress store cannot keep,
reads a count printed with commas, says in its footer what enter and escape do, and a lab field's error goes
when its value changes."""

from __future__ import annotations

from textual.widgets import Input

from tutor.widgets.check import CheckView

from .conftest import GOOD, wait_until, write


def _footer_keys(app) -> set[str]:
    return {binding.key for _, binding, enabled, _ in app.active_bindings.values()
            if binding.show and enabled}


async def test_a_check_field_refuses_what_cannot_be_kept_and_reads_commas(make_app, tmp_path):
    folder = tmp_path / "lessons"
    write(folder, "01-tiny.md", GOOD)
    app = make_app(folder, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.show_page(1)
        await pilot.pause()
        view = app.screen.current.query_one(CheckView)
        field = view.query_one(Input)
        field.focus()
        await pilot.pause()
        assert {"enter", "escape", "ctrl+q"} <= _footer_keys(app), "the footer says what the keys do in the field"
        field.value = "1e301"
        await pilot.press("enter")
        feedback = str(view.query_one(".check-feedback").render())
        assert "'1e301' is too large to keep" in feedback and app.is_running, feedback
        field.value = "1,004"  # read as 1004: a wrong answer, but a number
        await pilot.press("enter")
        assert "is not a number" not in str(view.query_one(".check-feedback").render())


async def test_a_lab_fields_error_goes_when_its_value_changes(on_page):
    async with on_page("sequential-data", "Windows") as page:
        pilot, lab = page.pilot, page.lab
        field = lab.query_one("#p-window", Input)
        field.value = "200"
        lab.start()
        await wait_until(pilot, lambda: lab.query_one("#field-window").has_class("-invalid"), what="the error")
        field.value = "24"
        await pilot.pause()
        assert not lab.query_one("#field-window").has_class("-invalid")
        assert str(lab.query_one("#field-window .field-error").render()) == ""


async def test_a_choice_list_opens_above_the_footer(on_page):
    """QA b1e7222 row 29: a field's list opened at the bottom edge ran under the footer at 80×24."""
    from textual.widgets import Select
    from textual.widgets._select import SelectOverlay

    async with on_page("sequential-data", "Text to sequences") as page:
        pilot, lab, app = page.pilot, page.lab, page.app
        select = lab.query(Select).first()
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        overlay = select.query_one(SelectOverlay)
        assert overlay.display and overlay.region.height > 0
        assert overlay.region.bottom <= app.size.height - 1, (overlay.region, app.size)
