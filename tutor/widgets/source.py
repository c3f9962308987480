"""The engine's own code that answers an exercise (a lesson's ``source`` block), shown once that exercise passes.

Until then the block is a few lines: whose code it is, that it opens when exercise N passes, and that ``o`` (bound
on the lesson screen) shows it now. The first ``o`` only says what that means; the second shows the code and
records in the progress store that the solution was seen before a pass, with the same operation as ``v``
pressed twice on an exercise page (:class:`~tutor.progress.ops.SolutionShown`). A solution seen that way, on
either page, opens the code too.

A closed block looks at the store when it is shown and every second until it opens, so it opens after a pass on
the exercise's page (recorded there, on the UI thread), on the same page or another, or merged from another
window's. A recorded pass opens it by the rule ``v`` follows for the reference solution: the learner's file is
checked again first, in a thread worker, so a pass written by hand into progress.json unlocks nothing. A file
that does not pass now is checked again when it changes (its modification time and size, looked at every
second); the blocks of one exercise share one check of the same file (:func:`passes_now`).

The code is the loader's copy of the installed package's source (:class:`~tutor.curriculum.model.SourcePart`),
drawn by Rich's ``Syntax``: highlighted with the terminal's own ANSI colours (the app maps them to its theme;
under ``NO_COLOR``, bold and italic only), never read as markup, with the file's line numbers. The code shown
is written to fit 66 columns, what an 80-column page leaves right of the numbers; on a narrower page its lines
wrap there.
"""

from __future__ import annotations

import threading
import time
from functools import partial
from typing import Any

from rich.style import Style
from rich.syntax import ANSISyntaxTheme, Syntax, SyntaxTheme
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tutor.curriculum.model import SourcePart, SourceSpec
from tutor.exercises import checker, workspace
from tutor.exercises.catalogue import EXERCISES
from tutor.progress import ProgressStore
from tutor.progress.ops import SolutionShown

POLL_SECONDS = 1.0
# Under NO_COLOR: the shape of the code in weight and slant only, every character in the text's own colour. The
# keys are Pygments token types, which are tuples ("Name", "Function"); a token not listed takes its parent's.
NO_COLOR_THEME = ANSISyntaxTheme({("Comment",): Style(italic=True), ("Keyword",): Style(bold=True),
                                  ("Operator", "Word"): Style(bold=True), ("Name", "Function"): Style(bold=True),
                                  ("Name", "Class"): Style(bold=True), ("Name", "Decorator"): Style(bold=True)})


def exercise_number(name: str) -> int:
    return [e.name for e in EXERCISES].index(name) + 1


FileStamp = tuple[int, int]  # a learner's file as it is: (modification time in ns, size); (0, -1) if there is none
_passed: set[tuple[str, FileStamp]] = set()  # files that passed when checked here, as they were then
_checking = threading.Lock()


def file_stamp(name: str) -> FileStamp:
    try:
        stat = workspace.path(name).stat()
    except OSError:
        return 0, -1
    return stat.st_mtime_ns, stat.st_size


def passes_now(name: str) -> tuple[bool, FileStamp]:
    """In a worker thread: whether the learner's file of exercise ``name`` passes its check now, and the stamp of
    the file that was checked. One check at a time, and a pass is kept for that file as it was (its path,
    modification time and size): a second block of the same exercise, or a page shown again, does not check the
    same file twice."""
    with _checking:
        path = workspace.path(name)
        stamp = file_stamp(name)
        if (str(path), stamp) not in _passed:
            if not checker.check(name, path).passed:
                return False, stamp
            _passed.add((str(path), stamp))
        return True, stamp


class SourceView(Vertical):
    # A reusable block's own look; the code's colours come from its Syntax theme, not from CSS.
    DEFAULT_CSS = """
    SourceView { height: auto; border: round $secondary; padding: 0 1; margin-bottom: 1; }
    SourceView .source-title { text-style: bold; }
    SourceView .source-status { color: $text-muted; }
    SourceView .source-where { margin-top: 1; color: $text-muted; }
    SourceView .source-code { height: auto; }
    SourceView.-closed .source-code { display: none; }
    """

    def __init__(self, spec: SourceSpec, store: ProgressStore, **kwargs: Any) -> None:
        super().__init__(classes="source -closed", **kwargs)
        self.spec = spec
        self.store = store
        self.number = exercise_number(spec.exercise)
        self.is_open = False
        self.asked = False  # o pressed once: the next o shows the code, and is recorded as the solution seen
        self._timer: Timer | None = None
        self._check: Worker[tuple[bool, FileStamp]] | None = None  # the file checked again after a recorded pass
        self._failed_on: FileStamp | None = None  # the file as it was when that check failed

    @property
    def files(self) -> str:
        return ", ".join(dict.fromkeys(part.file for part in self.spec.parts))

    @property
    def names(self) -> str:
        return ", ".join(part.name for part in self.spec.parts)

    def compose(self) -> ComposeResult:
        yield Static(f"The engine's code for exercise {self.number} · {self.spec.exercise}",
                     classes="source-title", markup=False)
        yield Static("", classes="source-status", markup=False)
        with Vertical(classes="source-code"):
            for part in self.spec.parts:
                yield Static(f"{part.file}, line {part.first_line}: {part.name}", classes="source-where",
                             markup=False)
                yield Static(self._syntax(part), classes="source-listing")

    def _syntax(self, part: SourcePart) -> Syntax:
        # ANSI colours, which Textual maps to its theme; no background of its own (the page's shows through).
        # Under NO_COLOR the colours would become greys, some too dark to read: the text's own colour, keywords
        # bold. Long lines wrap right of the line numbers, so nothing is wider than the page.
        theme: str | SyntaxTheme = "ansi_dark" if self.app.current_theme.dark else "ansi_light"
        if self.app.no_color:
            theme = NO_COLOR_THEME
        return Syntax(part.code, "python", theme=theme, line_numbers=True, start_line=part.first_line,
                      word_wrap=True)

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._restyle, init=False)
        self.sync()
        if not self.is_open:
            self._timer = self.set_interval(POLL_SECONDS, self.sync)

    def on_show(self, event: events.Show) -> None:
        self.sync()  # the page turned to: a pass recorded while it was hidden opens the code now

    def on_hide(self, event: events.Hide) -> None:
        if self.asked:  # a question asked on a page left behind is not pending when the learner comes back
            self.asked = False
            self._status()

    @property
    def seen(self) -> bool:
        """The exercise's solution was seen before a pass (asked for here, or ``v`` twice on its page)."""
        return "solution_shown_at" in self.store.data["exercises"].get(self.spec.exercise, {})

    @property
    def checking(self) -> bool:
        return self._check is not None

    @property
    def failed(self) -> bool:
        """A pass is recorded, but the file as it is now did not pass when checked again."""
        return self._failed_on is not None and self._failed_on == file_stamp(self.spec.exercise)

    def sync(self) -> None:
        """Open the code if the solution was seen, or if a pass is recorded and the file passes when checked
        again (in a worker, unless it is being checked or failed as it is now)."""
        if self.is_open:
            return
        if self.seen:
            self._open()
            return
        if self.store.exercise_passed(self.spec.exercise) and not self.checking and not self.failed:
            self._check = self.run_worker(partial(passes_now, self.spec.exercise),
                                          name=f"source-{self.spec.exercise}", group="source-check", thread=True,
                                          exit_on_error=False)
        self._status()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._check or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        event.stop()
        self._check = None
        result = event.worker.result if event.state == WorkerState.SUCCESS else None
        if self.is_open:
            return
        if result is not None and result[0]:
            self._open()
            return
        # Failed, or could not run: not again until the file changes.
        self._failed_on = result[1] if result is not None else file_stamp(self.spec.exercise)
        self._status()

    def ask(self) -> None:
        """``o``: the first press says what showing the code now means; the second shows it and records it. While
        the file is being checked after a recorded pass, ``o`` waits for that check."""
        if self.is_open or self.checking:
            return
        if self.seen:
            self._open()
            return
        if not self.asked:
            self.asked = True
            self._status()
            self.query_one(".source-status", Static).scroll_visible(animate=False)
            return
        self.store.change(SolutionShown(self.spec.exercise, time.time()))  # on the UI thread, as every change
        self._open()
        self.call_after_refresh(self.scroll_visible, top=True, animate=False)  # the block's top, code below

    def _open(self) -> None:
        self.is_open, self.asked = True, False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.remove_class("-closed")
        self._status()

    def _status(self) -> None:
        n, name = self.number, self.spec.exercise
        what = f"{self.names}, from {self.files}"
        if self.is_open:
            if self.store.exercise_passed(name):
                text = f"Exercise {n} passes. This is the code the labs and the checker run: {what}."
            else:
                text = (f"Shown before exercise {n} passed; the tutor keeps that you saw its solution. This is the "
                        f"code the labs and the checker run: {what}.")
        elif self.asked:
            text = (f"Press o again to see it now: that counts as having seen the solution of exercise {n} "
                    f"before passing it, and the tutor records it (as v twice on the exercise's page does).")
        elif self.checking:
            text = f"{what}. A pass of exercise {n} ({name}) is recorded: checking {name}.py again before it opens."
        elif self.failed:
            text = (f"{what}. A pass of exercise {n} is recorded, but {name}.py does not pass now; the code opens "
                    "when it does (checked again on every save), or o twice shows it now.")
        else:
            text = (f"{what}: the code the labs and the checker run. It opens here when exercise {n} ({name}) "
                    "passes; o twice shows it now.")
        self.query_one(".source-status", Static).update(text)

    def _restyle(self) -> None:
        for listing, part in zip(self.query(".source-listing").results(Static), self.spec.parts):
            listing.update(self._syntax(part))
