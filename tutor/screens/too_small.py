"""Shown over the app while the terminal is smaller than 80×24; the screens under it carry on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.paths import MIN_TERMINAL

MIN_WIDTH, MIN_HEIGHT = MIN_TERMINAL


class TooSmallScreen(ModalScreen[None]):
    """The app resizes it through :meth:`update_size` (one App-level resize handler, none here)."""

    def __init__(self, size: Size) -> None:
        super().__init__()
        self.terminal_size = size

    def compose(self) -> ComposeResult:
        yield Static(self._text(), id="too-small", markup=False)

    def _text(self) -> str:
        width, height = self.terminal_size
        return (f"rnn-tutor needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}.\n"
                f"This one is {width}×{height}. Enlarge it, or press q to quit.")

    def update_size(self, size: Size) -> None:
        self.terminal_size = size
        for notice in self.query("#too-small").results(Static):  # none yet if called before compose
            notice.update(self._text())
