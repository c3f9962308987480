"""A lab: a form for an experiment's parameters, a run in a thread worker, and its live chart."""

from __future__ import annotations

import time
import traceback
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tutor.curriculum.model import LabSpec
from tutor.engine import registry
from tutor.engine.experiment import Cancelled, Diverged, Param, ParamError, ParsedParams, Report, RunContext
from tutor.widgets.chart import FigureChart

MAX_KEPT_SERIES = 6


class LabView(Vertical):
    """One lab. The screen calls :meth:`toggle`, :meth:`clear_kept` and :meth:`step`."""

    class Progress(Message):
        def __init__(self, snapshot: Report) -> None:
            super().__init__()
            self.snapshot = snapshot

    def __init__(self, spec: LabSpec, marker: str = "braille", **kwargs: Any) -> None:
        super().__init__(classes="lab", **kwargs)
        self.spec = spec
        self.experiment = registry.get(spec.experiment)
        self.marker = marker
        self.result: dict[str, Any] | None = None
        self.error: str | None = None
        self._worker: Worker | None = None
        self._kept: list[dict[str, Any]] = []
        self._started = 0.0
        self._stopping = False
        self._pending_step = 0  # , and . pressed while a step was still running: applied when it ends

    # -- layout ------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(f"Lab · {self.spec.title}", classes="lab-title", markup=False)
        with Grid(classes="lab-params"):
            for param in self.experiment.params:
                with Vertical(classes="field", id=f"field-{param.name}"):
                    yield Label(param.name, classes="field-label", markup=False)
                    yield self._input_for(param)
                    yield Static("", classes="field-error", markup=False)
        yield Static("Tab moves to the fields; each one is described here.", classes="lab-hint", markup=False)
        yield Static(self._idle_text(), classes="lab-status", markup=False)
        yield FigureChart(self.marker, classes="lab-chart")
        yield Static("", classes="lab-summary", markup=False)
        yield Static("", classes="lab-text", markup=False)

    def _input_for(self, param: Param):
        value = self.spec.params[param.name]
        if param.kind in ("choice", "bool"):
            options = param.choices if param.kind == "choice" else ("yes", "no")
            return Select([(o, o) for o in options], value=param.format(value), allow_blank=False, compact=True,
                          id=f"p-{param.name}", tooltip=param.help)
        return Input(param.format(value), compact=True, id=f"p-{param.name}", tooltip=param.help)

    def _idle_text(self) -> str:
        extra = "  , and . step" if self.spec.step_param else ""
        keep = "  c clears kept runs" if self.spec.overlay else ""
        return f"Press t to run (enter in a field runs too).{extra}{keep}"

    @property
    def chart(self) -> FigureChart:
        return self.query_one(FigureChart)

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def _status(self, text: str) -> None:
        self.query_one(".lab-status", Static).update(text)

    # -- form --------------------------------------------------------------------------------------------
    def raw_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for param in self.experiment.params:
            widget = self.query_one(f"#p-{param.name}")
            values[param.name] = widget.value
        return values

    def set_value(self, name: str, value: Any) -> None:
        widget = self.query_one(f"#p-{name}")
        widget.value = self.experiment.param(name).format(value) if not isinstance(value, str) else value

    def _show_field_errors(self, bad: dict[str, str]) -> None:
        for param in self.experiment.params:
            field = self.query_one(f"#field-{param.name}")
            field.set_class(param.name in bad, "-invalid")
            field.query_one(".field-error", Static).update(bad.get(param.name, ""))

    def on_descendant_focus(self, event) -> None:
        widget_id = getattr(event.widget, "id", None) or ""
        if widget_id.startswith("p-"):
            param = self.experiment.param(widget_id[2:])
            self.query_one(".lab-hint", Static).update(f"{param.name}: {param.help} ({param.describe_range()})")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.running:
            self.start()

    # -- running -----------------------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.running:
            self.stop()
        else:
            self.start()

    def start(self, keep_chart: bool = False) -> bool:
        """Validate the form and run; ``keep_chart`` leaves the last figure up until the new one (stepping)."""
        params, bad = self.experiment.validate_all(self.raw_values())  # the one parse of this run
        self._show_field_errors(bad)
        if bad:
            self._status(f"Not started: fix the marked field{'s' if len(bad) > 1 else ''} ({', '.join(bad)}).")
            return False
        self._started = time.monotonic()
        self._stopping = False
        self.error = None
        self._status("Starting…" if not self.experiment.uses_tensorflow else "Starting (TensorFlow)…")
        if not keep_chart:
            self.chart.show(None, self._kept)
        self._worker = self.run_worker(lambda: self._work(params), name=self.spec.experiment, group="lab",
                                       thread=True, exclusive=True, exit_on_error=False)
        return True

    def stop(self) -> None:
        self._pending_step = 0
        if self._worker is not None and self.running:
            self._stopping = True
            self._status("Stopping…")
            self._worker.cancel()

    def clear_kept(self) -> None:
        self._kept.clear()
        self.chart.show(self.result.get("figure") if self.result else None)

    def step(self, delta: int) -> None:
        name = self.spec.step_param
        if name is None:
            return
        if self.running:
            self._pending_step += delta
            return
        param = self.experiment.param(name)
        try:
            current = param.parse(self.raw_values()[name])
        except ParamError:
            current = param.default
        new = current + delta
        if param.minimum is not None:
            new = max(int(param.minimum), new)
        if param.maximum is not None:
            new = min(int(param.maximum), new)
        self.set_value(name, new)
        self.start(keep_chart=True)

    def _work(self, params: ParsedParams) -> dict[str, Any]:
        worker = get_current_worker()
        ctx = RunContext(on_progress=lambda snap: self.post_message(self.Progress(snap)),
                         is_cancelled=lambda: worker.is_cancelled)
        waiting: Report = {"summary": "Waiting for the other lab's training to finish (t stops this one)…"}
        return registry.run(self.spec.experiment, params, ctx,
                            on_wait=lambda: self.post_message(self.Progress(waiting)))

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        message.stop()
        if not self.running:
            return
        snap = message.snapshot
        if "figure" in snap:
            self.chart.show(snap["figure"], self._kept)
        if not self._stopping:
            self._status(f"Running… {time.monotonic() - self._started:.0f} s   (t stops)")
        self._show_text(snap)

    def _show_text(self, snap: Report) -> None:
        if "summary" in snap:
            self.query_one(".lab-summary", Static).update(snap["summary"])
        text = self.query_one(".lab-text", Static)
        text.update(snap.get("text", ""))
        text.display = bool(snap.get("text"))

    @on(Worker.StateChanged)
    def _state(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker:
            return
        event.stop()
        state = event.state
        seconds = time.monotonic() - self._started
        if state == WorkerState.SUCCESS:
            self.result = event.worker.result
            self._finish(self.result, seconds)
            return
        if state == WorkerState.CANCELLED:
            self._status(f"Stopped after {seconds:.1f} s. Press t to run again.")
        elif state == WorkerState.ERROR:
            self._pending_step = 0  # a failed step is not retried by the presses queued behind it
            err = event.worker.error
            if isinstance(err, Cancelled):
                self._status(f"Stopped after {seconds:.1f} s. Press t to run again.")
            elif isinstance(err, Diverged):
                self.error = str(err)
                self._status("Diverged — the run was stopped. Change a parameter and press t.")
                self.query_one(".lab-summary", Static).update(f"Diverged: {err}")
            elif isinstance(err, ParamError):
                self._show_field_errors({err.name: err.message})
                self._status(f"Not started: {err}")
            else:
                self.error = f"{type(err).__name__}: {err}"
                self._status("The run failed (the app goes on). Details below and in the log.")
                self.query_one(".lab-summary", Static).update(self.error)
                self.log.error("".join(traceback.format_exception(err)))

    def _finish(self, result: dict[str, Any], seconds: float) -> None:
        for name, value in result.get("set_params", {}).items():  # e.g. a step clamped to the sequence's end
            self.set_value(name, value)
        fig = result.get("figure")
        self.chart.show(fig, self._kept)
        self._show_text(result)
        self._status(f"Done in {seconds:.1f} s. Press t to run again.")
        if self._pending_step:
            delta, self._pending_step = self._pending_step, 0
            self.step(delta)
        if self.spec.overlay and fig:
            self._kept.extend(fig.get("series", []))
            del self._kept[:-MAX_KEPT_SERIES]
