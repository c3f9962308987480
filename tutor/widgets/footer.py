"""The key footer, rebuilt only when the keys it shows change.

Textual's :class:`~textual.widgets.Footer` rebuilds all its keys after every ``bindings_updated`` signal, and a
screen sends one for each focus change, each ``refresh_bindings`` and each reactive that names bindings: the
contents screen sent eleven before its first frame, and a page turn about six, each rebuild restyling every
key (a third of a page turn's time in a profile). This one waits for the next refresh, however many signals
come first, and rebuilds only if the keys to show (key, label, action, enabled, tooltip, group) differ from
what it shows.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    _rebuild_pending = False
    _shown: Any = None  # the signature of the keys on show

    def bindings_changed(self, screen: Screen) -> None:
        # As Textual's (widgets/_footer.py), but one rebuild is scheduled however many signals come first.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    def _signature(self) -> tuple[Any, ...]:
        """What :meth:`compose` would show, as a value to compare."""
        active = self.screen.active_bindings
        keys = tuple((binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                      enabled, tooltip, binding.group)
                     for (_, binding, enabled, tooltip) in active.values() if binding.show)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        return (keys, None if palette is None else palette[2:], self.show_command_palette, self.compact,
                self.app.ENABLE_COMMAND_PALETTE)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:
            return
        signature = self._signature()
        if signature == self._shown:
            return
        self._shown = signature
        await self.recompose()
