"""The doctor screen: the ``rnn-tutor doctor`` report inside the tutor, probed in a thread worker.

The quick probes (versions, terminal, paths) show at once; the device section says "probing TensorFlow…" until
the worker has loaded TensorFlow and run its probe, so the UI never waits for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor import doctor
from tutor.messages import NeedEngine

PROBING = "probing TensorFlow…"


class DoctorScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "Close")]

    class Probed(Message):
        def __init__(self, report: doctor.Report, final: bool) -> None:
            super().__init__()
            self.report = report
            self.final = final

    def __init__(self, log_path: Path | None = None, marker: str | None = None) -> None:
        super().__init__()
        self.log_path = log_path
        self.marker = marker  # the app's chart marker setting, shown with the terminal
        self.report: doctor.Report | None = None  # the last one shown
        self.done = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="doctor-box"):
            yield Static("rnn-tutor doctor — what this machine gives the tutor. "
                         "Escape closes; `rnn-tutor doctor` prints the same.", id="doctor-intro")
            yield Static(PROBING, id="doctor-report")

    def on_mount(self) -> None:
        # What the running app sees, read here on the UI thread: its size, colour system and marker setting.
        terminal: dict[str, Any] = {"size": tuple(self.app.size), "color_system": self.app.console.color_system}
        if self.marker is not None:
            terminal["marker"] = self.marker
        self.query_one("#doctor-box").focus()
        self._probe(terminal)

    @work(thread=True, exclusive=True, group="doctor", exit_on_error=False)
    def _probe(self, terminal: dict[str, Any]) -> None:
        quick = doctor.run_all(with_device=False, terminal=terminal, log_path=self.log_path, skipped_note=PROBING)
        self.post_message(self.Probed(quick, final=False))
        self.post_message(self.Probed(doctor.run_all(terminal=terminal, log_path=self.log_path), final=True))

    @on(Probed)
    def _show(self, message: Probed) -> None:
        self.report, self.done = message.report, message.final
        report = self.query_one("#doctor-report", Static)
        report.update(doctor.render(message.report, width=report.content_region.width or None))
        if message.final:
            # The probe has imported TensorFlow in this process: let the header say so, not "not loaded yet".
            self.post_message(NeedEngine())

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
