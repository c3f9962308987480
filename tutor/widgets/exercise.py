"""An exercise on a lesson page: the task, the learner's file, and the result of the last check.

``e`` (bound on the lesson screen) opens the file in ``$VISUAL``, else ``$EDITOR``, else ``vi`` — git's order —
with the app suspended. The widget looks at the file's modification time every second; when it changes (saved
from this editor or from another window) it checks the file again in a thread worker (the check itself runs in
a subprocess with a time limit), shows the result and records a pass in the progress store it was given (on the
UI thread, which owns the store's in-memory copy).
"""

from __future__ import annotations

import os
import shlex
import subprocess
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

POLL_SECONDS = 1.0


def editor_command() -> list[str]:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(editor)


class ExerciseView(Vertical):
    DEFAULT_CSS = "ExerciseView { height: auto; }"  # its colours and border are in app.tcss (.exercise)

    def __init__(self, spec: ExerciseSpec, store: ProgressStore, **kwargs: Any) -> None:
        super().__init__(classes="exercise", **kwargs)
        self.spec = spec
        self.store = store
        self.exercise = BY_NAME[spec.name]
        self.path = workspace.path(spec.name)
        self.result: CheckResult | None = None
        self._mtime: int | None = None
        self._worker: Worker[CheckResult] | None = None

    def compose(self) -> ComposeResult:
        number = [e.name for e in EXERCISES].index(self.exercise.name) + 1
        docstring = workspace.template(self.exercise.name).read_text(encoding="utf-8").split('"""')[1]
        # Its first paragraph repeats the title, on one line or two: dropping only the first line left the second
        # at the top of the task ("vanilla RNN, over a whole sequence.").
        task = docstring.strip().partition("\n\n")[2].strip()
        yield Static(f"Exercise {number} · {self.exercise.name} · {self.exercise.title}",
                     classes="exercise-title", markup=False)
        yield Static("", classes="exercise-status", markup=False)  # first, so a result shows without scrolling
        where = "the tutor's editor" if self.app.is_web else editor_command()[0]  # a browser: tutor/widgets/editor.py
        yield Static(f"Your file: {self.path}\ne opens it in {where}; it is checked each time it "
                     f"is saved (or: rnn-tutor check {self.exercise.name}).", classes="exercise-where",
                     markup=False)
        yield Static(task, classes="exercise-task", markup=False)

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

    def _status(self, text: str, passed: bool | None) -> None:
        self.query_one(".exercise-status", Static).update(text)
        self.set_class(passed is True, "-passed")
        self.set_class(passed is False, "-failed")

    def _poll(self) -> None:
        mtime = self._stat()
        if mtime != self._mtime:
            self._mtime = mtime
            self.check()

    # -- checking ----------------------------------------------------------------------------------------
    def check(self) -> None:
        self._status("Checking…", None)
        self._worker = self.run_worker(self._check_file, name=f"check-{self.exercise.name}",
                                       group=f"exercise-{self.exercise.name}", thread=True, exclusive=True,
                                       exit_on_error=False)

    def _check_file(self) -> CheckResult:
        """In the worker thread: a file deleted meanwhile is copied again, as ``rnn-tutor check`` does."""
        workspace.ensure()
        return checker.check(self.exercise.name, self.path)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker:
            return
        event.stop()
        if event.state == WorkerState.SUCCESS and self._worker.result is not None:
            result = self._worker.result
            if result.passed:  # here, on the UI thread, like every other change to the store
                self.store.record_pass(self.exercise.name)
            self.show(result)
        elif event.state == WorkerState.ERROR:
            self._status(f"The check could not run: {event.worker.error}", False)

    def show(self, result: CheckResult) -> None:
        self.result = result
        if result.passed:
            following = workspace.first_unsolved(self.store)
            then = (f"Next: {following.name} ({following.title})." if following else "Every exercise passes.")
            text = (f"✓ {result.message}\n{then} `rnn-tutor solution {self.exercise.name}` shows the reference "
                    f"solution.")
        else:
            text = f"✗ {result.message}"
            if result.output:
                text += "\nYour code printed:\n" + "\n".join(result.output.splitlines()[-6:])
            text += f"\nStuck? rnn-tutor hint {self.exercise.name}"
        self._status(text, result.passed)

    # -- editing -----------------------------------------------------------------------------------------
    def edit(self) -> None:
        """Open the file in the learner's editor, the app suspended meanwhile; a save is noticed by the poll."""
        workspace.ensure()
        if self.app.is_web:  # in a browser no terminal editor can open: the tutor's own (tutor/widgets/editor.py)
            from tutor.widgets.editor import ExerciseEditor
            self.app.push_screen(ExerciseEditor(self.path, f"Exercise · {self.exercise.title}", self))
            return
        command = editor_command() + [str(self.path)]
        try:
            with self.app.suspend():
                subprocess.run(command, check=False)
        except FileNotFoundError:
            self.app.notify(f"The editor {command[0]!r} was not found. Set $VISUAL or $EDITOR, or open "
                            f"{self.path} in any editor: the tutor checks it when it is saved.",
                            severity="error", timeout=8)
            return
        except Exception as err:  # noqa: BLE001 — a terminal that cannot be suspended (a web or test driver)
            self.app.notify(f"Cannot open an editor here ({type(err).__name__}). Open {self.path} in any "
                            f"editor: the tutor checks it when it is saved.", severity="warning", timeout=8)
            return
        self.app.refresh()
        self._poll()
