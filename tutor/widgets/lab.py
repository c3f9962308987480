"""A lab: a form for an experiment's parameters, a run in a thread worker, and its live chart.

A lab lives as long as its lesson's screen, which the app keeps for the session: leaving the lesson while a
run trains lets it finish in the background, and the parameters, kept runs and result are there on return.

A lab with a prediction (:class:`~tutor.curriculum.predict.PredictSpec`) asks it before its first run: a pick
sets the block's parameters and runs at once, and the finished run grades it by its own measurement
(:meth:`LabView._grade`); the verdict goes to the screen as :class:`LabView.Predicted`.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tutor.curriculum.model import LabSpec
from tutor.curriculum.predict import MEASURED, PredictSpec
from tutor.engine import registry, runtime
from tutor.engine.experiment import (Cancelled, Diverged, Figure, Param, ParamError, ParsedParams, Report,
                                     Result, RunContext, Series)
from tutor.messages import NeedEngine
from tutor.widgets.chart import FigureChart
from tutor.widgets.fields import FIELD_BINDINGS, InOrderInput
from tutor.widgets.predict import PredictView

MAX_KEPT_SERIES = 6


@dataclass(frozen=True)
class Shown:
    """What a lab shows below its status line: the chart (its figure and the kept runs drawn with it), the
    summary and the text."""

    figure: Figure | None = None
    extra: tuple[Series, ...] = field(default_factory=tuple)
    summary: str = ""
    text: str = ""


class FieldInput(InOrderInput):
    BINDINGS = [Binding("enter", "submit", "Run"), *FIELD_BINDINGS]


class FieldSelect(Select[str]):
    BINDINGS = [Binding("enter,down,space,up", "show_overlay", "Choose", show=False), *FIELD_BINDINGS]

    def action_show_overlay(self) -> None:
        # The list opens below the field: near the bottom of the page it ran under the footer (QA row 29), so the
        # field is brought to the top of the page first.
        self.scroll_visible(top=True, animate=False, immediate=True)
        super().action_show_overlay()


class LabView(Vertical):
    """One lab. The screen calls :meth:`toggle`, :meth:`clear_kept` and :meth:`step`."""

    class Progress(Message):
        """A snapshot of the run, posted from its thread."""

        def __init__(self, snapshot: Report) -> None:
            super().__init__()
            self.snapshot = snapshot

    class Waiting(Message):
        """The run waits for the training slot (another lab trains, or the previous run is stopping)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Predicted(Message):
        """A prediction graded by a run (``choice``, ``right``, the deciding ``measured`` value and the run's
        ``params``), or skipped (``choice`` None)."""

        def __init__(self, spec: PredictSpec, choice: int | None, right: bool | None = None,
                     measured: float | str | None = None, params: dict[str, Any] | None = None,
                     measured_text: str | None = None) -> None:
            super().__init__()
            self.spec = spec
            self.choice = choice
            self.right = right
            self.measured = measured
            self.params = params or {}
            self.measured_text = measured_text  # the measurement as the verdict showed it

    def __init__(self, spec: LabSpec, prediction: PredictSpec | None = None,
                 answered: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """``prediction``: the page's question about this lab; ``answered``: what the learner did with it
        before (a graded or a skipped record), None if never asked."""
        super().__init__(classes="lab", **kwargs)
        self.spec = spec
        self.prediction = prediction
        # Asked until graded; a skip, kept from an earlier session, asks again in this one.
        self._open = prediction is not None and (answered is None or "choice" not in answered)
        self._picked: int | None = None  # the learner's prediction for the run going now
        self._run_params: ParsedParams | None = None
        self.experiment = registry.get(spec.experiment)
        self.result: Result | None = None
        self.error: str | None = None
        self._worker: Worker[Result] | None = None
        self._kept: list[Series] = []
        self._started = 0.0
        self._stopping = False
        self._restart = False  # t pressed while stopping: start again once the run has ended
        # Set once the run has looked at its stop flag. TensorFlow's import, before registry.run first looks, is
        # the one part of a run that a stop cannot cut short: the status says so while it lasts.
        self._looked = threading.Event()
        self._pending_step = 0  # , and . pressed while a step was still running: applied when it ends
        # Set when a run's thread has returned: a cancelled worker reads as cancelled at once, but its
        # thread may still be unwinding (finishing a training step) and holding the training slot.
        self._thread_done = threading.Event()
        self._thread_done.set()
        # Stopping sets the run's own flag, which its RunContext reads, rather than cancelling the worker: a
        # worker cancelled before its thread started never reports a state again (two t presses in one read,
        # as a paste or a slow SSH link sends them, left the lab "Stopping…" for good).
        self._stop = threading.Event()
        self._automatic = False  # the run the page started by itself: t lets it finish
        self._waiting = False  # for the training slot: time is not counted until the run really starts
        self._shown = Shown()
        self._unseen: Report | None = None  # the newest report of a run while the lab is off screen
        # What the lab showed before the run going now cleared it, until that run shows something of its own:
        # a run stopped before then (`t t` in one read) puts it back, kept runs and summary too.
        self._before: Shown | None = None

    # -- layout ------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(f"Lab · {self.spec.title}", classes="lab-title", markup=False)
        if self.prediction is not None:
            # The values the question changes from the lab's own, shown with it.
            changed = [name for name in self.prediction.fixed
                       if self.prediction.params[name] != self.spec.params[name]]
            yield PredictView(self.prediction, {name: self.experiment.param(name).format(self.prediction.params[name])
                                                for name in changed})
        with Grid(classes="lab-params"):
            for param in self.experiment.params:
                with Vertical(classes="field", id=f"field-{param.name}"):
                    yield Label(param.name, classes="field-label", markup=False)
                    yield self._input_for(param)
                    yield Static("", classes="field-error", markup=False)
        yield Static("Tab moves to the fields; each one is described here.", classes="lab-hint", markup=False)
        yield Static(f"Press t to run (enter in a field runs too).{self._keys_hint()}", classes="lab-status",
                     markup=False)
        yield FigureChart(classes="lab-chart")
        yield Static("", classes="lab-summary", markup=False)
        yield Static("", classes="lab-text", markup=False)

    def _input_for(self, param: Param) -> FieldInput | FieldSelect:
        value = self.spec.params[param.name]
        if param.kind in ("choice", "bool"):
            options = param.choices if param.kind == "choice" else ("yes", "no")
            return FieldSelect([(o, o) for o in options], value=param.format(value), allow_blank=False,
                               compact=True, id=f"p-{param.name}", tooltip=param.help)
        return FieldInput(param.format(value), compact=True, id=f"p-{param.name}", tooltip=param.help)

    def _keys_hint(self) -> str:
        """The lab's own keys, kept on the status line before and after every run."""
        extra = "  , and . step" if self.spec.step_param else ""
        keep = "  c clears kept runs" if self.spec.overlay else ""
        return f"{extra}{keep}"

    def on_mount(self) -> None:
        # Labs are mounted when their page is first shown, so an autorun happens when the learner gets there;
        # one with an open prediction asks it first and runs once it is answered or skipped.
        if self.spec.autorun and not self.experiment.uses_tensorflow:
            if self._open:
                self.ask(scroll=False)  # the learner reads the page down to it
            else:
                self._automatic = self.start()

    @property
    def chart(self) -> FigureChart:
        return self.query_one(FigureChart)

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def _status(self, text: str) -> None:
        self.query_one(".lab-status", Static).update(text)

    # -- form --------------------------------------------------------------------------------------------
    def _field(self, name: str) -> Input | Select[str]:
        widget = self.query_one(f"#p-{name}")
        assert isinstance(widget, (Input, Select))  # what _input_for makes
        return widget

    def raw_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for param in self.experiment.params:
            widget = self._field(param.name)
            value: Any = widget.value
            if isinstance(widget, Select) and value in (Select.BLANK, Select.NULL):
                # A Select mounted during a burst of page keys can report no value while showing its
                # initial one (seen in a real terminal, not under Pilot): use the lesson's value.
                value = param.format(self.spec.params[param.name])
            values[param.name] = value
        return values

    def set_value(self, name: str, value: Any) -> None:
        widget = self._field(name)
        widget.value = self.experiment.param(name).format(value) if not isinstance(value, str) else value

    def _show_field_errors(self, bad: dict[str, str]) -> None:
        for param in self.experiment.params:
            field = self.query_one(f"#field-{param.name}")
            field.set_class(param.name in bad, "-invalid")
            field.query_one(".field-error", Static).update(bad.get(param.name, ""))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget_id = getattr(event.widget, "id", None) or ""
        if widget_id.startswith("p-"):
            param = self.experiment.param(widget_id[2:])
            self.query_one(".lab-hint", Static).update(f"{param.name}: {param.help} ({param.describe_range()})")

    @on(Input.Changed)
    @on(Select.Changed)
    def _edited(self, event: Input.Changed | Select.Changed) -> None:
        """A field's error goes once its value changes: it spoke of the value that was there (QA b1e7222 row 20)."""
        widget_id = getattr(event.control, "id", None) or ""
        if not widget_id.startswith("p-"):
            return
        field = self.query_one(f"#field-{widget_id[2:]}")
        if field.has_class("-invalid"):
            field.set_class(False, "-invalid")
            field.query_one(".field-error", Static).update("")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.running:
            self.toggle()

    # -- predicting --------------------------------------------------------------------------------------
    @property
    def predict_view(self) -> PredictView | None:
        views = list(self.query(PredictView))
        return views[0] if views else None

    @property
    def asking(self) -> bool:
        view = self.predict_view
        return view is not None and view.asking

    def ask(self, scroll: bool = True) -> bool:
        """Show the question (again), scrolled into view; False when there is none or a run is going."""
        view = self.predict_view
        if view is None or self.running:
            return False
        self._open = True
        view.ask()
        if scroll:
            self.call_after_refresh(self.scroll_visible, animate=False, top=True)
        return True

    @on(PredictView.Picked)
    def _picked_choice(self, message: PredictView.Picked) -> None:
        message.stop()
        view, spec = self.predict_view, self.prediction
        if view is None or spec is None or self.running:
            return
        self._open = False  # a skip is asked again in the next session; a pick, if this run gives no verdict
        if message.choice is None:
            view.hide()
            self.post_message(self.Predicted(spec, None))
            self.start()
            return
        for name, value in spec.params.items():
            self.set_value(name, value)
        if self.start():
            self._picked = message.choice
            view.show_waiting(message.choice)
        else:  # the block's values were refused: a lesson bug the loader should have caught
            self._open = True
            view.show_open("the lab refused the prediction's values.")

    def _grade(self, result: Result | None, diverged: bool = False) -> None:
        """Give the verdict for the run that just ended, if it was a run of the prediction's values."""
        choice, self._picked = self._picked, None
        spec, view = self.prediction, self.predict_view
        if choice is None or spec is None or view is None:
            return
        if self._run_params != spec.params:
            return self._leave_open(view, "this run did not use the prediction's values.")
        outcome: int | None
        value: float | str
        if diverged:
            if spec.diverged is None:
                return self._leave_open(view, "the run diverged, and this question is graded only on a run "
                                              "that finishes.")
            outcome, shown, value = spec.diverged, "a loss that overflowed (the run diverged)", "diverged"
        elif result is not None and result.get("stopped_by_time_limit") and spec.time_limited != MEASURED:
            if spec.time_limited is None:
                return self._leave_open(view, "the run reached its time limit before it finished; raise "
                                              "time_limit.")
            outcome, shown, value = spec.time_limited, "only until its time limit stopped it", "time limit"
        else:
            measured = spec.measure(result or {})
            outcome = None if measured is None else spec.choice_for(measured.value)
            if measured is None or outcome is None:
                what = "no value" if measured is None else f"{measured.text}, which no choice covers"
                return self._leave_open(view, f"the run measured {what}.")
            shown, value = measured.text, measured.value
        view.show_verdict(choice, shown, outcome)
        self.call_after_refresh(self.scroll_visible, animate=False, top=True)
        self.post_message(self.Predicted(spec, choice, choice == outcome, value, dict(spec.params), shown))

    def _leave_open(self, view: PredictView, why: str) -> None:
        self._open = True
        view.show_open(why)

    # -- running -----------------------------------------------------------------------------------------
    def toggle(self) -> None:
        """t: stop a run (an automatic one, which ends in a moment, is let finish); while it stops, start again
        once it has (t once more: not); else ask the open prediction first; else run."""
        if self.running and self._automatic:
            return
        if self.running and self._stopping:  # again, then again: a slow link batches keys, a learner repeats
            self._restart = not self._restart
            self._status(self._stopping_text())
        elif self.running:
            self.stop()
        elif self.asking and self.predict_view is not None:
            self.predict_view.focus(scroll_visible=False)  # the question is up: a digit answers it, s skips it
        elif self._open and self.prediction is not None:
            self.ask()
        else:
            self.start()

    def start(self, keep_chart: bool = False) -> bool:
        """Validate the form and run; ``keep_chart`` leaves the last figure up until the new one (stepping)."""
        params, bad = self.experiment.validate_all(self.raw_values())  # the one parse of this run
        self._show_field_errors(bad)
        if bad:
            self._status(f"Not started: fix the marked field{'s' if len(bad) > 1 else ''} ({', '.join(bad)}).")
            return False
        previous_done, self._thread_done = self._thread_done, threading.Event()
        self._stop = stop = threading.Event()
        self._automatic = False
        self._started = time.monotonic()
        self._stopping = False
        self._restart = False
        self._looked = looked = threading.Event()
        self._waiting = False
        self._unseen = None
        self.error = None
        self._status("Starting…" if not self.experiment.uses_tensorflow else "Starting (TensorFlow)…")
        if self.experiment.uses_tensorflow:
            self.post_message(NeedEngine())
        if not keep_chart:
            self._before = self._before or self._shown  # `t t t t`: the one before the runs that showed nothing
            self._draw(None, self._kept)
            self._show_text({"summary": "", "text": ""})  # the last run's summary does not describe this one
        else:
            self._before = None  # a step: the previous figure stays up until the new one
        done = self._thread_done
        self._run_params = params
        self._picked = None  # a new run grades nothing unless a pick started it (set after this returns)
        self._worker = self.run_worker(lambda: self._work(params, previous_done, done, stop, looked),
                                       name=self.spec.experiment,
                                       group="lab",
                                       thread=True, exclusive=True, exit_on_error=False)
        return True

    def stop(self) -> None:
        self._pending_step = 0
        if self._worker is not None and self.running:
            self._stopping = True
            self._stop.set()  # the run sees it at its next check (every step), started or not yet
            self._status(self._stopping_text())

    def _stopping_text(self) -> str:
        text = "Stopping"
        if self.experiment.uses_tensorflow and not self._looked.is_set() and not self._waiting:
            text = "Stopping once TensorFlow has loaded (an import cannot be cut short)"
        return text + (", then starting again (t: stay stopped)…" if self._restart else "…")

    def clear_kept(self) -> None:
        self._kept.clear()
        self._draw(self.result.get("figure") if self.result else None)

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

    def _work(self, params: ParsedParams, previous_done: threading.Event, done: threading.Event,
              stop: threading.Event, looked: threading.Event) -> Result:
        worker = get_current_worker()

        def is_cancelled() -> bool:
            looked.set()
            return stop.is_set() or worker.is_cancelled

        ctx = RunContext(on_progress=lambda snap: self.post_message(self.Progress(snap)), is_cancelled=is_cancelled)

        def run() -> Result:
            if stop.is_set() or worker.is_cancelled:  # `t t` in one read: not even TensorFlow's import
                raise Cancelled()
            return registry.run(self.spec.experiment, params, ctx, on_wait=on_wait)

        def on_wait() -> None:
            if not previous_done.is_set():
                text = "Stopping the previous run…"
            else:
                text = "Waiting for another lab's training to finish (t stops this one)…"
            self.post_message(self.Waiting(text))

        try:  # page turns go first while this trains
            return runtime.at_background_priority(run, self.spec.experiment)
        finally:
            done.set()

    @on(Waiting)
    def _wait(self, message: Waiting) -> None:
        message.stop()
        if not self.running:
            return
        self._waiting = True
        if not self._stopping:
            self._status(message.text)

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        message.stop()
        if not self.running:
            return
        snap = message.snapshot
        self._before = None  # the run shows its own now, and keeps it if stopped
        if self._waiting:  # the slot is ours now: the run's time starts here
            self._waiting = False
            self._started = time.monotonic()
        if not (self.screen.is_current and self.region):
            # Off screen (another page or screen): keep the newest and draw it when the lab is shown. Every update
            # made Textual lay out the whole lesson screen again, which the learner's page turns then waited for
            # while a lab trained (tests/bench_keys.py).
            self._unseen = snap if self._unseen is None else Report(**{**self._unseen, **snap})
            return
        self._apply(snap)

    def _apply(self, snap: Report) -> None:
        if "figure" in snap:
            self._draw(snap["figure"], self._kept)
        if not self._stopping:
            self._status(f"Running… {time.monotonic() - self._started:.0f} s   (t stops)")
        self._show_text(snap)

    def catch_up(self) -> None:
        """Draw what the run reported while the lab was off screen."""
        snap, self._unseen = self._unseen, None
        if snap is not None and self.running:
            self._apply(snap)

    def on_show(self) -> None:
        self.catch_up()

    def _draw(self, fig: Figure | None, extra: list[Series] | tuple[Series, ...] = ()) -> None:
        self.chart.show(fig, extra)
        self._shown = Shown(fig, tuple(extra), self._shown.summary, self._shown.text)

    def _show_text(self, snap: Report | Result | Shown) -> None:
        summary = snap.summary if isinstance(snap, Shown) else snap.get("summary")
        body = snap.text if isinstance(snap, Shown) else snap.get("text", "")
        if summary is not None:
            self._show_summary(summary)
        text = self.query_one(".lab-text", Static)
        text.update(body)
        text.display = bool(body)
        self._shown = Shown(self._shown.figure, self._shown.extra, self._shown.summary, body)

    def _show_summary(self, summary: str) -> None:
        self.query_one(".lab-summary", Static).update(summary)
        self._shown = Shown(self._shown.figure, self._shown.extra, summary, self._shown.text)

    def _put_back(self) -> bool:
        """After a run that ended before it showed anything: show again what the lab showed before it. True
        when that was a chart."""
        before, self._before = self._before, None
        if before is None:
            return False
        self._draw(before.figure, before.extra)
        self._show_text(before)
        return before.figure is not None

    @on(Worker.StateChanged)
    def _state(self, event: Worker.StateChanged) -> None:
        worker = self._worker
        if worker is None or event.worker is not worker:
            return
        event.stop()
        self.catch_up()  # the run's last report first, drawn even off screen: a stopped run keeps what it drew
        state = event.state
        seconds = time.monotonic() - self._started
        if state == WorkerState.SUCCESS and worker.result is not None:
            self.result = worker.result
            self._finish(self.result, seconds)
            return
        if state in (WorkerState.CANCELLED, WorkerState.ERROR):
            err = event.worker.error if state == WorkerState.ERROR else None
            if isinstance(err, Diverged):
                self._grade(None, diverged=True)
            elif self._picked is not None and self.predict_view is not None:
                self._picked = None
                stopped = err is None or isinstance(err, Cancelled)
                self._leave_open(self.predict_view, "the run was stopped." if stopped else "the run failed.")
        if state == WorkerState.CANCELLED:
            self._stopped(seconds)
        elif state == WorkerState.ERROR:
            self._pending_step = 0  # a failed step is not retried by the presses queued behind it
            err = event.worker.error
            if isinstance(err, Cancelled):
                self._stopped(seconds)
            elif isinstance(err, Diverged):
                self._before = None
                self.error = str(err)
                self._status("Diverged — the run was stopped. Change a parameter and press t.")
                self._show_summary(f"Diverged: {err}")
            elif isinstance(err, ParamError):
                self._put_back()  # nothing ran
                self._show_field_errors({err.name: err.message})
                self._status(f"Not started: {err}")
            else:
                self._before = None
                self.error = f"{type(err).__name__}: {err}"
                self._status("The run failed (the app goes on). Details below and in the log.")
                self._show_summary(self.error)
                self.log.error("".join(traceback.format_exception(err)))

    def _stopped(self, seconds: float) -> None:
        """A run stopped: what it drew stays; if it drew nothing, what the lab showed before it comes back.
        Then the start asked for while it stopped, if one was."""
        if self._put_back():  # one line at 80 columns, as the status without it
            self._status(f"Stopped after {seconds:.1f} s; the chart shows the previous run. t runs again."
                         f"{self._keys_hint()}")
        else:
            self._status(f"Stopped after {seconds:.1f} s. Press t to run again.{self._keys_hint()}")
        self._start_again()

    def _start_again(self) -> None:
        if self._restart:
            self._restart = False
            self.toggle()  # as t does: an open prediction is asked first

    def _finish(self, result: Result, seconds: float) -> None:
        for name, value in result.get("set_params", {}).items():  # e.g. a step clamped to the sequence's end
            self.set_value(name, value)
        fig = result.get("figure")
        self._before = None
        self._draw(fig, self._kept)
        self._show_text(result)
        self._status(f"Done in {seconds:.1f} s. Press t to run again.{self._keys_hint()}")
        self._grade(result)
        if self.screen is not self.app.screen and not self.app.screen.is_modal:
            self.app.notify(f"“{self.spec.title}” finished in {seconds:.1f} s; it is on its page.",
                            title="Lab done", timeout=6, markup=False)
        if self.spec.overlay and fig:
            self._kept.extend(fig.get("series", []))
            del self._kept[:-MAX_KEPT_SERIES]
        if self._pending_step:
            delta, self._pending_step = self._pending_step, 0
            self.step(delta)
        self._start_again()  # the run finished before the stop reached it
