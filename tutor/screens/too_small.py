"""Shown instead of a broken layout when the terminal is smaller than 80×24."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

MIN_WIDTH, MIN_HEIGHT = 80, 24


class TooSmallScreen(ModalScreen[None]):
    def on_resize(self) -> None:
        self.app.check_size()

    def compose(self) -> ComposeResult:
        yield Static("", id="too-small")

    def on_mount(self) -> None:
        self.update_size()

    def update_size(self) -> None:
        width, height = self.app.size
        self.query_one("#too-small", Static).update(
            f"rnn-tutor needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}.\n"
            f"This one is {width}×{height}. Enlarge it, or press q to quit."
        )
