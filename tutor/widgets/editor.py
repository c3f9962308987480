"""The tutor's own editor for an exercise file, for where no terminal editor can be opened (in a browser,
under ``rnn-tutor serve``): Textual's ``TextArea`` with Python highlighting, saved to the learner's file.

Saving is all it does to the file; the exercise page underneath notices the new file as it notices a save from
any editor, checks it and records a pass. This screen shows that page's status line as it changes, so the
result of the check appears here, under the code.
"""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static, TextArea

from tutor.paths import write_atomic
from tutor.widgets.footer import Footer

WORD_KEYS = "alt+backspace deletes a word (ctrl+w would close the browser's tab)"


class ExerciseEditor(Screen[None]):
    """Edit ``path``; ctrl+s saves. ``page`` is the exercise's widget on the lesson page: its
    ``.exercise-status`` line says how the last check went, and its ``result`` is the last check's."""

    DEFAULT_CSS = """
    ExerciseEditor #editor-title { height: 1; padding: 0 1; background: $boost; text-style: bold;
                                   text-wrap: nowrap; text-overflow: ellipsis; }
    ExerciseEditor #editor-code { height: 1fr; border: none; }
    ExerciseEditor #editor-status { height: auto; max-height: 8; padding: 0 1; background: $boost; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save and check", priority=True),
        Binding("escape", "close", "Close", priority=True),
    ]

    def __init__(self, path: Path, title: str, page: Widget) -> None:
        super().__init__()
        self.path = path
        self.title_text = title
        self.page = page
        self.saved_text = path.read_text(encoding="utf-8")
        self._seen: tuple[str, int] | None = None  # the page's status and result when last saved; None: unsaved
        self._discard_asked = False

    def compose(self) -> ComposeResult:
        yield Static(f"{self.title_text} · {self.path}", id="editor-title", markup=False)
        yield TextArea.code_editor(self.saved_text, language="python", id="editor-code")
        yield Static("", id="editor-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self._say("ctrl+s saves and checks; escape closes." + (f" {WORD_KEYS}." if self.app.is_web else ""))
        self.set_interval(0.25, self._follow_status)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def _say(self, text: str) -> None:
        self.query_one("#editor-status", Static).update(text)

    def _page_state(self) -> tuple[str, int]:
        """The page's status line and which check result it holds (a quick check can leave the text as it was)."""
        status = self.page.query_one(".exercise-status", Static)
        return str(status.content), id(getattr(self.page, "result", None))

    def action_save(self) -> None:
        text = self.text
        try:
            write_atomic(self.path, text)
        except OSError as err:
            self._say(f"Not saved: {err}")
            return
        self.saved_text = text
        self._discard_asked = False
        self._seen = self._page_state()
        self._say(f"Saved at {time.strftime('%H:%M:%S')}; checking…")

    def _follow_status(self) -> None:
        """After a save: show the exercise page's status line once the check has changed it."""
        if self._seen is None:
            return
        state = self._page_state()
        if state != self._seen:
            self._seen = state
            self._say(state[0])

    def action_close(self) -> None:
        if self.text != self.saved_text and not self._discard_asked:
            self._discard_asked = True
            self._say("Not saved since your last change: ctrl+s saves; escape again closes without saving.")
            return
        self.dismiss(None)
