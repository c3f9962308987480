"""The ? screen: every key, and where things are kept."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# Keys

| key | what it does |
|---|---|
| enter | open the lesson under the cursor; answer a check; run a lab from one of its fields |
| n or → | next page |
| p or ← | previous page |
| t | start the lab on this page, or stop it while it runs |
| , and . | step a stepping lab back and forward |
| c | clear the runs kept on a lab's chart |
| tab / shift+tab | move between a lab's fields and a check's answers |
| escape | leave a field; again: back to the contents |
| ↑ ↓ pgup pgdn | scroll the page |
| m | chart marker: braille, blocks, dots or ascii (for fonts without braille) |
| ctrl+p | command palette: jump to any lesson; Doctor |
| ? | this help |
| q | quit at once (ctrl+q while typing in a field) |
| d | (here) the doctor: versions, device, terminal, where files are kept |

Progress is saved after every page and answer in `{progress}`.
TensorFlow's own messages go to `{log}`.

Press d for the doctor, escape or ? to close.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark", "dismiss", "Close help"),
                Binding("d", "app.doctor", "Doctor")]

    def __init__(self, progress_path: str, log_path: str) -> None:
        super().__init__()
        self._text = HELP.format(progress=progress_path, log=log_path)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(self._text)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
