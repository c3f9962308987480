"""The ? screen: every key, and where things are kept. It fits 80×24 without scrolling.

The key table is built from the bindings themselves (the App's and the lesson screen's), so it cannot drift
from them: one row per action or binding group, its keys as the footer shows them, and the binding's tooltip
(else its description). Only the keys that Textual's own widgets handle, and the row of a prediction's keys
(bound on the question, their keys from its bindings), are written here. The row of ? itself is left out: this
is the screen it opens, and the footer under it names it; the table fills 80×24 with the digits' row.
"""

from __future__ import annotations

from typing import Callable, Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.screens.lesson import LessonScreen
from tutor.widgets.footer import Footer
from tutor.widgets.predict import PredictView

# Keys the widgets handle (fields, option lists, the focus chain), not bindings of this app's own.
WIDGET_KEYS = [
    ("enter", "open a lesson; answer a check; run a lab from its fields"),
    ("tab / shift+tab", "move between a lab's fields and a check's answers"),
]


def key_rows(bindings: Iterable[BindingType], key_display: Callable[[Binding], str]) -> list[tuple[str, str]]:
    """One row per binding group, else per action (``page(1)`` and ``page(-1)`` share one): the keys as
    ``key_display`` shows them, and the group's description, else the bindings' tooltips (else descriptions)."""
    rows: dict[str, list[Binding]] = {}
    for binding in bindings:
        if isinstance(binding, Binding):  # a bare tuple has no tooltip; this app writes every binding as one
            name = binding.group.description if binding.group else binding.action.partition("(")[0]
            rows.setdefault(name, []).append(binding)
    table = []
    for same in rows.values():
        keys = [" ".join(key_display(b.with_key(key)) for key in b.key.split(",")) for b in same]
        group = same[0].group
        texts = [b.tooltip for b in same if b.tooltip] or [same[0].description]
        table.append((" ".join(keys) if group else " / ".join(keys),
                      group.description if group else " / ".join(dict.fromkeys(texts))))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark", "dismiss", "Close"),
                Binding("d", "app.doctor", "Doctor")]

    def __init__(self, progress_path: str, log_path: str) -> None:
        super().__init__()
        self.progress_path = progress_path
        self.log_path = log_path

    def compose(self) -> ComposeResult:
        display = self.app.get_key_display
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", max_width=15)  # the scroll keys take two lines; the rest fit in one
        table.add_column()
        palette = display(Binding(self.app.COMMAND_PALETTE_BINDING, "command_palette"))
        # The question's keys that have a tooltip: 1 (shown as 1-9; 2-9 are bound without one) and s.
        digits = " ".join(display(b) for b in PredictView.BINDINGS if isinstance(b, Binding) and b.tooltip)
        app_keys = [b for b in self.app.BINDINGS if not (isinstance(b, Binding) and b.action == "help")]
        for key, what in [*key_rows(LessonScreen.BINDINGS, display), *WIDGET_KEYS,
                          (digits, "answer a check or a prediction (1-9); s skips a prediction"),
                          (palette, "command palette: jump to any lesson; the doctor"),
                          *key_rows(app_keys, display)]:
            table.add_row(key, what)
        with Vertical(id="help-box") as box:
            box.border_title = "Keys"  # in the border, not a line of its own: the box fits 80×24 without scrolling
            yield Static(table, id="help-keys")
            yield Static(Text(f"Progress is saved in {self.progress_path}\n"
                              f"TensorFlow's messages go to {self.log_path}"), id="help-paths")
            yield Footer()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
