"""What a field's footer says: in a lab's field or a check's number field the page keys are typed into the field,
so the footer names the keys that still act there."""

from __future__ import annotations

from textual.binding import Binding

FIELD_BINDINGS = [
    Binding("escape", "screen.back", "Leave field"),
    Binding("ctrl+q", "app.quit", "Quit"),
]
