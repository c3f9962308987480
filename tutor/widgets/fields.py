"""The fields of a page: what a field's footer says (in a lab's field or a check's number field the page keys are
typed into the field, so the footer names the keys that still act there), and an Input that keeps keys in
order when several arrive at once."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import Input

FIELD_BINDINGS = [
    Binding("escape", "screen.back", "Leave field"),
    Binding("ctrl+q", "app.quit", "Quit"),
]


class InOrderInput(Input):
    """An Input whose keys take effect in the order they were typed, when several come in one read.

    Textual 8 types a printable key into the field as soon as the field gets it, but runs the field's bindings
    (backspace, delete, ctrl+u, the arrows…) only once the key has bubbled up to the App. Keys that arrive in
    one read — a slow SSH link batches them, a paste of keystrokes — are all forwarded to the field first, so
    ``1 2 backspace 5`` typed quickly gave ``12``: the 5 went in, then backspace removed it. Here the field's own
    bindings run when the field gets the key, before the next key is handled.
    """

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return
        await super()._on_key(event)
