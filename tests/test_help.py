"""The help screen's key table is built from the bindings: every bound key is in it, once per action or group."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from tutor.app import TutorApp
from tutor.screens.help import key_rows
from tutor.screens.lesson import LessonScreen


def test_every_bound_key_is_in_the_table():
    display = App().get_key_display
    for bindings in (TutorApp.BINDINGS, LessonScreen.BINDINGS):
        shown = " ".join(keys for keys, _ in key_rows(bindings, display)).split()
        for binding in bindings:
            assert isinstance(binding, Binding)
            for key in binding.key.split(","):
                assert display(binding.with_key(key)) in shown, key


def test_one_row_per_action_or_group_with_its_tooltips():
    group = Binding.Group("scroll the page")
    rows = key_rows([Binding("n,right", "page(1)", "Next", tooltip="next page"),
                     Binding("p,left", "page(-1)", "Prev", tooltip="previous page"),
                     Binding("up", "scroll('up')", "Scroll up", show=False, group=group),
                     Binding("pagedown,space", "scroll('page_down')", "Page down", show=False, group=group),
                     Binding("q", "quit", "Quit", tooltip="quit at once"),
                     Binding("ctrl+q", "quit", "Quit", show=False),
                     Binding("m", "cycle_marker", "Marker")], App().get_key_display)
    assert rows == [("n → / p ←", "next page / previous page"),
                    ("↑ pgdn space", "scroll the page"),
                    ("q / ^q", "quit at once"),
                    ("m", "Marker")]
