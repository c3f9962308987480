"""The ? screen: every key, and where things are kept. It fits 80×24 without scrolling."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

KEYS = [
    ("enter", "open a lesson; answer a check; run a lab from one of its fields"),
    ("n or →  /  p or ←", "next / previous page"),
    ("t", "start the lab on this page, or stop it while it runs"),
    (", and .", "step a stepping lab back and forward"),
    ("c", "clear the runs kept on a lab's chart"),
    ("tab / shift+tab", "move between a lab's fields and a check's answers"),
    ("escape", "leave a field; again: the contents (a running lab goes on)"),
    ("↑ ↓ pgup pgdn", "scroll the page"),
    ("m", "chart marker: braille, blocks, dots or ascii"),
    ("ctrl+p", "command palette: jump to any lesson; the doctor"),
    ("?", "this help"),
    ("q", "quit at once (ctrl+q while typing in a field)"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark", "dismiss", "Close"),
                Binding("d", "app.doctor", "Doctor")]

    def __init__(self, progress_path: str, log_path: str) -> None:
        super().__init__()
        self.progress_path = progress_path
        self.log_path = log_path

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, what in KEYS:
            table.add_row(key, what)
        with Vertical(id="help-box"):
            yield Static("Keys", id="help-title")
            yield Static(table, id="help-keys")
            yield Static(Text(f"Progress is saved in {self.progress_path}\n"
                              f"TensorFlow's messages go to {self.log_path}"), id="help-paths")
            yield Footer()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
