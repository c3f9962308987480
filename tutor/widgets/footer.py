"""The key footer, redrawn once per batch of binding changes.

Textual's :class:`~textual.widgets.Footer` rebuilds all its keys after every ``bindings_updated`` signal, and a
screen sends one for each focus change, each ``refresh_bindings`` and each reactive that names bindings: the
contents screen sent eleven before its first frame, and a page turn several, each rebuild restyling every key.
This one rebuilds once for all the signals that arrive before the next refresh, from the bindings as they are
then, which is what the last rebuild of Textual's showed anyway.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    _rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        # As Textual's (widgets/_footer.py), but one recompose is scheduled however many signals come first.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
