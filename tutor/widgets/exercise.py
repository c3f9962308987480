"""An exercise on a lesson page: the task, the learner's file, and the result of the last check.

``e`` (bound on the lesson screen) opens the file in ``$VISUAL``, else ``$EDITOR``, else ``vi`` — git's order —
with the app suspended; ``h`` shows the next hint under the ones seen before (so ``h h h`` in one burst skips
none) and ``v`` the reference solution once the file passes (checked again first, as ``rnn-tutor solution``
does). The widget looks at the file's modification time every second; when it changes (saved from this editor or
from another window) it checks the file again in a thread worker (the check itself runs in a subprocess with a
time limit), shows the result, scrolled into view, and records a pass in the progress store it was given (on the
UI thread, which owns the store's in-memory copy).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
from types import FrameType
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tutor.curriculum.model import ExerciseSpec
from tutor.exercises import checker, workspace
from tutor.exercises.catalogue import BY_NAME, EXERCISES
from tutor.exercises.checker import CheckResult
from tutor.progress import ProgressStore
from tutor.progress.ops import SolutionShown

POLL_SECONDS = 1.0


def editor_command() -> tuple[list[str], str | None]:
    """The editor to run, and why it is ``vi`` when the learner's setting could not be read."""
    name = "VISUAL" if os.environ.get("VISUAL") else "EDITOR"
    setting = os.environ.get(name)
    if not setting:
        return ["vi"], None
    try:
        command = shlex.split(setting)
    except ValueError as err:  # an unbalanced quote
        return ["vi"], f"${name} ({setting!r}) could not be parsed ({err}); using vi."
    if not command:
        return ["vi"], f"${name} is blank; using vi."
    return command, None


def run_editor(command: list[str]) -> None:
    """Run the editor and wait for it. While it runs the app's event loop is blocked, so SIGTERM and SIGHUP would
    wait for the editor to close: here they end the editor, and are raised again once it has gone, for the
    app's own handlers (which quit). SIGINT is ignored meanwhile: ctrl+c in the editor reaches the tutor too
    (one process group, one terminal), and is the editor's key, not a request to quit the tutor."""
    received: list[int] = []
    process = subprocess.Popen(command)

    def end_editor(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        process.terminate()

    handlers: dict[int, Any] = {signal.SIGTERM: end_editor, signal.SIGHUP: end_editor,
                                signal.SIGINT: signal.SIG_IGN}
    try:
        previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    except ValueError:  # not the main thread: no handlers of our own
        previous = {}
    try:
        process.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        signal.raise_signal(received[0])


class ExerciseView(Vertical):
    # Its colours and border are in app.tcss (.exercise); the hints and the solution appear when asked for.
    DEFAULT_CSS = """
    ExerciseView { height: auto; }
    ExerciseView .exercise-hint, ExerciseView .exercise-solution { display: none; margin-top: 1; }
    """

    def __init__(self, spec: ExerciseSpec, store: ProgressStore, **kwargs: Any) -> None:
        super().__init__(classes="exercise", **kwargs)
        self.spec = spec
        self.store = store
        self.exercise = BY_NAME[spec.name]
        self.path = workspace.path(spec.name)
        self.result: CheckResult | None = None
        self._mtime: int | None = None
        self._worker: Worker[CheckResult] | None = None
        self._solution_worker: Worker[bool] | None = None
        self._asked_for_solution = False  # v once before a pass: the next v shows the solution anyway

    def compose(self) -> ComposeResult:
        number = [e.name for e in EXERCISES].index(self.exercise.name) + 1
        docstring = workspace.template(self.exercise.name).read_text(encoding="utf-8").split('"""')[1]
        # Its first paragraph repeats the title, on one line or two: dropping only the first line left the second
        # at the top of the task ("vanilla RNN, over a whole sequence.").
        # "…, then run `rnn-tutor check NAME`" is for the command line: this page checks by itself.
        task = re.sub(r",? then run `rnn-tutor check \w+`", "", docstring.strip().partition("\n\n")[2]).strip()
        yield Static(f"Exercise {number} · {self.exercise.name} · {self.exercise.title}",
                     classes="exercise-title", markup=False)
        yield Static("", classes="exercise-status", markup=False)  # first, so a result shows without scrolling
        command, problem = editor_command()
        web = self.app.is_web  # a browser: e opens the tutor's own editor (tutor/widgets/editor.py)
        editor, saved = (("the tutor's editor", "each time it is saved") if web else
                         (command[0], "when saved (from e's editor: when it closes)"))
        yield Static(f"Your file: {self.path}\ne opens it in {editor}, h gives a hint, v the reference solution "
                     f"once yours passes. The file is checked {saved}."
                     + (f"\n{problem}" if problem and not web else ""), classes="exercise-where", markup=False)
        yield Static(task, classes="exercise-task", markup=False)
        for _ in self.exercise.hints:  # one each: h shows the next under those seen, and scrolls to it
            yield Static("", classes="exercise-hint", markup=False)
        yield Static("", classes="exercise-solution", markup=False)

    def on_mount(self) -> None:
        try:
            workspace.ensure()
        except OSError as err:
            self._status(f"The exercise folder could not be prepared: {err}", None)
            return
        self._mtime = self._stat()
        if self.store.exercise_passed(self.exercise.name):
            self._status("✓ Passed before. Edit it again if you like; it is re-checked on save.", True)
        else:
            self._status("Not passed yet. Press e to open the file in your editor.", None)
        self.set_interval(POLL_SECONDS, self._poll)

    def _stat(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def _status(self, text: str, passed: bool | None, reveal: bool = False) -> None:
        """Show ``text`` as the status; ``reveal`` scrolls it into view. A check's verdict is revealed: after
        the editor closes the page is where it was (at a hint, say), and the status is at the top of the box."""
        status = self.query_one(".exercise-status", Static)
        status.update(text)
        self.set_class(passed is True, "-passed")
        self.set_class(passed is False, "-failed")
        if reveal:  # after the layout, which the new text may have made taller
            self.call_after_refresh(status.scroll_visible, animate=False)

    def _poll(self) -> None:
        mtime = self._stat()
        if mtime != self._mtime:
            self._mtime = mtime
            self.check()

    # -- checking ----------------------------------------------------------------------------------------
    def check(self) -> None:
        self._status("Checking…", None, reveal=True)
        self._worker = self.run_worker(self._check_file, name=f"check-{self.exercise.name}",
                                       group=f"exercise-{self.exercise.name}", thread=True, exclusive=True,
                                       exit_on_error=False)

    def _check_file(self) -> CheckResult:
        """In the worker thread: a file deleted meanwhile is copied again, as ``rnn-tutor check`` does."""
        workspace.ensure()
        return checker.check(self.exercise.name, self.path)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._solution_worker and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            event.stop()
            self._solution_checked(event.state == WorkerState.SUCCESS and bool(event.worker.result))
            return
        if event.worker is not self._worker:
            return
        event.stop()
        if event.state == WorkerState.SUCCESS and self._worker.result is not None:
            result = self._worker.result
            if result.passed:  # here, on the UI thread, like every other change to the store
                self.store.record_pass(self.exercise.name)
            self.show(result)
        elif event.state == WorkerState.ERROR:
            self._status(f"The check could not run: {event.worker.error}", False, reveal=True)

    def show(self, result: CheckResult) -> None:
        self.result = result
        if result.passed:
            following = workspace.first_unsolved(self.store)
            then = (f"Next: {following.name} ({following.title})." if following else "Every exercise passes.")
            text = f"✓ {result.message}\n{then} v shows the reference solution to compare with yours."
        else:
            text = f"✗ {result.message}"
            if result.output:
                text += "\nYour code printed:\n" + "\n".join(result.output.splitlines()[-6:])
            text += "\nStuck? h gives a hint."
        self._status(text, result.passed, reveal=True)

    # -- hints and the reference solution ----------------------------------------------------------------
    def hint(self) -> None:
        """The next hint, graded from general to specific, under every one seen before (in this session or an
        earlier one: the level shown is recorded in the store); the newest is scrolled into view."""
        level, _ = workspace.next_hint(self.store, self.exercise.name)
        hints = self.exercise.hints
        total = len(hints)
        shown = list(self.query(".exercise-hint").results(Static))
        for number, (text, static) in enumerate(zip(hints, shown), start=1):
            more = f" (h again: hint {number + 1})" if number == level < total else ""
            static.update(f"Hint {number} of {total}{more}:\n{text}")
            static.display = number <= level
        self.call_after_refresh(shown[level - 1].scroll_visible, animate=False)

    def show_solution(self) -> None:
        """The reference, once the file passes: the file is checked again first (a pass recorded by hand in
        progress.json unlocks nothing), in a worker like every check. Before a pass, a second ``v`` shows it
        anyway, and the store records that it was seen before the pass."""
        if not self.store.exercise_passed(self.exercise.name):
            if self._asked_for_solution:
                self.store.change(SolutionShown(self.exercise.name, time.time()))
                self._solution_checked(True)
                return
            self._asked_for_solution = True
            self.app.notify(f"The reference solution of {self.exercise.name} is shown once your file passes; "
                            "h gives a hint. v again shows it now (recorded as seen before a pass).",
                            timeout=6, markup=False)
            return
        self._solution_worker = self.run_worker(self._passes_again, name=f"solution-{self.exercise.name}",
                                                group=f"solution-{self.exercise.name}", thread=True,
                                                exclusive=True, exit_on_error=False)

    def _passes_again(self) -> bool:
        return checker.check(self.exercise.name, self.path).passed

    def _solution_checked(self, passed: bool) -> None:
        if not passed:
            self.app.notify(f"{self.path.name} does not pass now, so the reference stays hidden. h gives a "
                            "hint.", timeout=5, markup=False)
            return
        text = workspace.solution(self.exercise.name).read_text(encoding="utf-8")
        shown = self.query_one(".exercise-solution", Static)
        shown.update(f"The reference solution:\n\n{text.rstrip()}")
        shown.display = True
        self.call_after_refresh(shown.scroll_visible, animate=False)

    # -- editing -----------------------------------------------------------------------------------------
    def edit(self) -> None:
        """Open the file in the learner's editor, the app suspended meanwhile; a save is noticed by the poll."""
        try:
            workspace.ensure()
        except OSError as err:  # a file where the folder should be, a folder that cannot be written
            self.app.notify(f"The exercise folder could not be prepared: {err}", severity="error", timeout=8,
                            markup=False)
            return
        if self.app.is_web:  # in a browser no terminal editor can open: the tutor's own (tutor/widgets/editor.py)
            from tutor.widgets.editor import ExerciseEditor
            self.app.push_screen(ExerciseEditor(self.path, f"Exercise · {self.exercise.title}", self))
            return
        command = editor_command()[0] + [str(self.path)]
        try:
            with self.app.suspend():
                run_editor(command)
        except FileNotFoundError:
            self.app.notify(f"The editor {command[0]!r} was not found. Set $VISUAL or $EDITOR, or open "
                            f"{self.path} in any editor: the tutor checks it when it is saved.",
                            severity="error", timeout=8, markup=False)
            return
        except Exception as err:  # noqa: BLE001 — a terminal that cannot be suspended (a web or test driver)
            self.app.notify(f"Cannot open an editor here ({type(err).__name__}). Open {self.path} in any "
                            f"editor: the tutor checks it when it is saved.", severity="warning", timeout=8)
            return
        self.app.refresh()
        self._poll()
