"""The progress store: the learner's one record of pages, answers, settings and exercise status, in
``progress.json`` (:func:`tutor.paths.progress_file`), never silently lost.

Reading is typed (:mod:`tutor.progress.schema`): a file that cannot be parsed, or holds anything of the wrong
type, is moved aside (kept, with a timestamp) and the learner is told through ``warning``; whatever in it was
valid is kept. An answer that cannot belong to a lesson as it is now (a choice out of range) is treated the
same way when the store is given the lessons' shapes.

Writing never blocks the caller. A change is applied to the in-memory copy at once and queued as an operation
(:mod:`tutor.progress.ops`); one background writer thread takes the queued operations, locks
``progress.json.lock`` (``fcntl.flock``, given up after ``LOCK_TIMEOUT`` seconds so a hung instance cannot block
this one forever), re-reads the file, applies the operations to what is on disk (so two instances sharing one
home, or the app and ``rnn-tutor check`` in another terminal, both keep their changes), and replaces the file
atomically. Bursts of page turns coalesce into one write. ``flush()`` waits for pending writes; it runs at exit
too. A failed write is reported once through ``on_error(message)`` and the recovery through ``on_error(None)``.

The exercise status of earlier versions (``exercises/.status.json``) is imported once, as far as it is valid,
when a store first finds it; the old file is then renamed (``.imported-<time>``, or ``.damaged-<time>`` when
part of it could not be used, with a notice).
"""

from __future__ import annotations

import atexit
import copy
import os
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

from tutor.paths import move_aside, progress_file, write_atomic
from tutor.progress.legacy import import_legacy_status
from tutor.progress.ops import (
    Answered, ExercisePassed, ExerciseReset, HintShown, LessonsReset, LessonShape, MarkerSet, Op, PageSeen,
    PredictionMade, Saved, UnfitAnswersDropped, answer_fits,
)
from tutor.progress.schema import MARKERS, dump, fresh, is_number, parse, summarize

try:  # POSIX only; elsewhere two instances fall back to last-writer-wins for the same instant
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

Status = Literal["not started", "in progress", "done"]
ErrorHook = Callable[[str | None], None]
LOCK_TIMEOUT = 10.0  # seconds a write waits for another instance's lock before it reports and retries later
_LOCK_POLL = 0.05


_LIVE: "weakref.WeakSet[ProgressStore]" = weakref.WeakSet()


@atexit.register
def _flush_all_at_exit() -> None:
    for store in list(_LIVE):
        store.flush(timeout=1.0)


class ProgressStore:
    """Progress in memory, saved by a background writer. Reads and changes are for one thread (the UI's);
    the writer shares only the queue and the data under ``_lock``. ``lessons``: the shapes of the lessons
    there are, so that answers which cannot belong to them are set aside at load."""

    def __init__(self, path: Path | None = None, lessons: Iterable[LessonShape] = ()) -> None:
        self.path = path or progress_file()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.notes: list[str] = []  # what the learner should be told once: damaged files moved aside, imports
        self.save_error: str | None = None  # the current write failure, None once a write succeeds
        # Called from the writer thread: a message (the failure, and that the change waits in memory), then None
        # on recovery.
        self.on_error: ErrorHook | None = None
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._pending: list[Op] = []
        self._writing = False
        self._thread: threading.Thread | None = None
        for other in list(_LIVE):  # another store on this file in this process: let its writes land first
            if other.path == self.path:
                other.flush()
        self._failures = 0  # failed write attempts, for flush() to stop waiting on a folder that refuses
        self.data = fresh()
        _LIVE.add(self)
        self._load(list(lessons))
        import_legacy_status(self)

    @property
    def warning(self) -> str | None:
        """What went wrong reading the learner's files, for one notice; None when nothing did."""
        return " ".join(self.notes) or None

    # -- reading -----------------------------------------------------------------------------------------
    def _load(self, shapes: list[LessonShape]) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):  # not saved yet, or the home is a file (said at a write)
            return
        except UnicodeDecodeError as err:  # not "'utf-8' codec can't decode byte 0xff in position 0: …"
            self._set_aside(f"it is not UTF-8 text: byte {err.start} cannot be read", kept_valid=False)
            return
        except OSError as err:
            self._set_aside(str(err), kept_valid=False)
            return
        try:
            data, problems = parse(text)
        except ValueError as err:
            self._set_aside(str(err), kept_valid=False)
            return
        unfit, unfit_problems = _unfit(data, shapes)
        self.data = data
        if problems or unfit_problems:
            self._set_aside(summarize(problems + unfit_problems), kept_valid=True)
        for op in unfit:  # replayed at the merge too, in case the file could not be moved aside
            self.change(op)

    def fit(self, shapes: Iterable[LessonShape]) -> None:
        """Set aside answers that cannot belong to these lessons' checks (a choice the check no longer has), as a
        store given the lessons at load does; for a store made before the lessons were read. The file is kept
        aside first, and the reason joins :attr:`notes`."""
        unfit, problems = _unfit(self.data, list(shapes))
        if problems:
            self._set_aside(summarize(problems), kept_valid=True)
        for op in unfit:
            self.change(op)

    def _set_aside(self, why: str, kept_valid: bool) -> None:
        try:
            kept = move_aside(self.path, "damaged")
            where = f"It was kept as {kept}."
            self.change(Saved())  # write what was kept of it at once
        except OSError as move_err:
            where = f"It could not be moved aside ({move_err.strerror or move_err}); it was left in place."
        rest = "The rest of your progress was kept." if kept_valid else "A fresh one was started."
        self.notes.append(f"Your progress file could not be read ({why}). {where} {rest}")

    def lesson(self, lesson_id: str) -> dict[str, Any]:
        entry: dict[str, Any] = self.data["lessons"].get(lesson_id, {})
        return entry

    def status(self, lesson: str | LessonShape) -> Status:
        """A lesson's status, by its id (or shape)."""
        entry = self.lesson(lesson if isinstance(lesson, str) else lesson.id)
        if entry.get("done"):
            return "done"
        if entry.get("pages_seen") or entry.get("checks"):
            return "in progress"
        return "not started"

    def last_page(self, lesson_id: str) -> int:
        return int(self.lesson(lesson_id).get("last_page", 0))

    def answer(self, lesson_id: str, check_id: str) -> dict[str, Any] | None:
        record: dict[str, Any] | None = self.lesson(lesson_id).get("checks", {}).get(check_id)
        return record

    @property
    def last_lesson(self) -> str | None:
        last: str | None = self.data.get("last_lesson")
        return last

    @property
    def marker(self) -> str:
        marker = self.data["settings"].get("marker", "braille")
        return marker if marker in MARKERS else "braille"

    def exercise_passed(self, name: str) -> bool:
        return "passed_at" in self.data["exercises"].get(name, {})

    def hint_level(self, name: str) -> int:
        """How many of the exercise's hints have been shown (0 = none)."""
        return int(self.data["exercises"].get(name, {}).get("hints", 0))

    # -- changing ----------------------------------------------------------------------------------------
    def see_page(self, shape: LessonShape, page: int) -> None:
        self.change(PageSeen(shape, int(page), time.time()))

    def record_answer(self, shape: LessonShape, check_id: str, given: float | int, correct: bool) -> None:
        """Raises ``ValueError`` for what the file cannot hold (NaN, infinity, 1e300 and beyond) or what cannot
        answer that check (a choice out of range); nothing is changed then."""
        if not is_number(given):
            raise ValueError(f"an answer must be a finite number below 1e300, got {given!r}")
        if not answer_fits(shape, check_id, given):
            raise ValueError(f"{given!r} is not one of the {shape.choices[check_id]} choices of {check_id!r}")
        self.change(Answered(shape, check_id, given, bool(correct)))

    def prediction(self, lesson_id: str, predict_id: str) -> dict[str, Any] | None:
        """The kept prediction: graded (``choice``, ``right``, ``measured``, ``params``, ``at``, and since
        walk2 ``measured_text``) or skipped (``skipped``, ``at``); None if never asked."""
        record: dict[str, Any] | None = self.lesson(lesson_id).get("predictions", {}).get(predict_id)
        return record

    def record_prediction(self, lesson_id: str, predict_id: str, choice: int | None, right: bool | None = None,
                          measured: float | str | None = None, params: dict[str, Any] | None = None,
                          measured_text: str | None = None) -> None:
        """A graded prediction (``choice`` and the run's verdict, value and parameters), or a skip (``choice``
        None). A measured number the file cannot hold (an overflow to infinity) is kept as its text.
        ``measured_text`` is the measurement as the verdict showed it: for a category, every value compared
        ("simple_rnn 0.00852 (highest), lstm 1.86e-05"), which the review screen shows again."""
        if choice is not None and isinstance(measured, float) and not is_number(measured):
            measured = str(measured)
        self.change(PredictionMade(lesson_id, predict_id, choice, right, measured, dict(params or {}), time.time(),
                                   measured_text))

    def set_marker(self, marker: str) -> None:
        if marker not in MARKERS:
            raise ValueError(f"unknown marker {marker!r}")
        self.change(MarkerSet(marker))

    def reset(self, lesson_id: str | None = None) -> None:
        """Forget one lesson's progress, or every lesson's (settings and exercises stay)."""
        self.change(LessonsReset(lesson_id))

    def record_pass(self, name: str) -> None:
        self.change(ExercisePassed(name, time.time()))

    def forget_pass(self, name: str) -> None:
        self.change(ExerciseReset(name))

    def record_hint(self, name: str, level: int) -> None:
        """Hint ``level`` (1-based) was shown; the level kept is the highest shown."""
        self.change(HintShown(name, int(level)))

    def save(self) -> bool:
        """Write now and wait (for callers that exit right after, like the CLI). True when it is on disk."""
        self.change(Saved())
        return self.flush(timeout=LOCK_TIMEOUT + 2.0)

    def change(self, op: Op) -> None:
        """Apply ``op`` here at once and queue it for the writer (the typed methods above are the usual way)."""
        with self._wake:  # applied and queued together, so the writer's replay never misses it
            op.apply(self.data)
            self._pending.append(op)
            self._wake.notify_all()
            if self._thread is None or not self._thread.is_alive():
                # A daemon: quitting never waits on a stuck disk; flush() (and atexit) gives it a bounded time.
                self._thread = threading.Thread(target=self._writer, name="progress-writer", daemon=True)
                self._thread.start()

    def flush(self, timeout: float = 1.0) -> bool:
        """Wait until every change made so far is written, or until a write attempt fails, or ``timeout``.
        True if nothing is left unsaved. Safe to call any number of times, from any thread but the writer."""
        deadline = time.monotonic() + timeout
        with self._wake:
            failures = self._failures
            self._wake.notify_all()  # a writer waiting to retry after a failure retries now
            while (self._pending or self._writing) and self._failures == failures:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None or not self._thread.is_alive():
                    break
                self._wake.wait(left)
            return not (self._pending or self._writing)

    # -- the writer thread -------------------------------------------------------------------------------
    def _writer(self) -> None:
        while True:
            with self._wake:
                if not self._wake.wait_for(lambda: bool(self._pending), timeout=5.0):
                    self._thread = None  # idle: end; the next change starts a new writer
                    return
                # Everything queued so far goes out in one write: a burst of page turns is one fsync.
                ops, self._pending = self._pending, []
                self._writing = True
            try:
                error = self._write(ops)
            except Exception as err:  # noqa: BLE001 - the writer must not die silently; report like an OSError
                error = f"{type(err).__name__}: {err}"
            with self._wake:
                self._writing = False
                if error is not None:
                    self._pending[:0] = ops  # kept, in order, for the next attempt
                    self._failures += 1
                self._wake.notify_all()
            self._report(error)
            if error is not None:
                with self._wake:  # retry on the next change, a flush, or after a while; never in a tight loop
                    self._wake.wait(timeout=5.0)

    def _report(self, error: str | None) -> None:
        message = None if error is None else f"Progress could not be saved in {self.path.parent} ({error})."
        changed = (message is None) != (self.save_error is None)
        self.save_error = message
        if changed and self.on_error is not None:
            try:
                self.on_error(message and f"{message} It is kept in memory, and saving is tried again with each "
                                          "change.")
            except Exception:  # noqa: BLE001 - a failing hook (the app has quit) must not stop saving
                pass

    def _write(self, ops: list[Op]) -> str | None:
        """Merge ``ops`` into what is on disk, under the lock; None on success, else why it failed."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            blocker = next((p for p in (self.path.parent, *self.path.parent.parents) if p.exists()), None)
            if blocker is not None and not blocker.is_dir():
                return "it is a file, not a folder" if blocker == self.path.parent else f"{blocker} is a file"
            return err.strerror or str(err)
        try:
            if not _take_lock(lock_fd):
                return f"another rnn-tutor process has held {self.lock_path.name} for more than {LOCK_TIMEOUT:g} s"
            merged = self._read_for_merge()
            if merged is None:
                with self._lock:
                    merged = copy.deepcopy(self.data)
            else:
                for op in ops:
                    op.apply(merged)
            self._replace(dump(merged))
            with self._lock:
                # What another instance saved becomes visible here too; changes made since `ops` were taken
                # are replayed on top so that nothing this instance did is undone.
                for op in self._pending:
                    op.apply(merged)
                self.data = merged
            return None
        except OSError as err:
            return err.strerror or str(err)
        finally:
            os.close(lock_fd)  # closing releases the flock

    def _read_for_merge(self) -> dict[str, Any] | None:
        """What another instance wrote, cleaned; None when there is nothing usable (this copy is written)."""
        try:
            text = self.path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return None  # gone (the first write), or unreadable and then not writable either
        try:
            data, problems = parse(text)
        except ValueError:
            data, problems = None, ["unreadable"]
        if problems:  # damaged since this instance started: keep the original before writing over it
            try:
                move_aside(self.path, "damaged")
            except OSError:
                pass
        return data

    def _replace(self, text: str) -> None:
        write_atomic(self.path, text)


def _take_lock(fd: int) -> bool:
    """``flock`` the file, waiting at most ``LOCK_TIMEOUT`` seconds; False if another process kept it."""
    if fcntl is None:  # pragma: no cover - Windows
        return True
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_LOCK_POLL)


def _unfit(data: dict[str, Any], shapes: list[LessonShape]) -> tuple[list[UnfitAnswersDropped], list[str]]:
    """The operations that drop answers which cannot be answers to these lessons' checks, and why, per lesson."""
    unfit: list[UnfitAnswersDropped] = []
    problems: list[str] = []
    for shape in shapes:
        checks = data["lessons"].get(shape.id, {}).get("checks", {})
        bad = [c for c, record in checks.items() if not answer_fits(shape, c, record["answer"])]
        problems += [f"lesson {shape.id!r}: the answer to check {c!r} is not one of its choices" for c in bad]
        if bad:
            unfit.append(UnfitAnswersDropped(shape))
    return unfit, problems
