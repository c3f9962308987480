"""The learner's progress and settings, saved per user and never silently lost.

The file lives in the platform's data directory (``$XDG_DATA_HOME/rnn-tutor/progress.json`` on Linux, or
``$RNN_TUTOR_HOME``).

Reading is typed: every field is checked against the shape below, and a file that cannot be parsed, or holds
anything of the wrong type, is moved aside (kept, with a timestamp) and the learner is told; whatever in it was
valid is kept, and the rest starts fresh.

Writing never blocks the caller. A change is applied to the in-memory copy at once and queued as an operation;
one background writer thread takes the queued operations, locks ``progress.json.lock`` (``fcntl.flock``),
re-reads the file, applies the operations to what is on disk (so two instances sharing one home both keep their
pages), and replaces the file atomically (temporary file, fsync, rename). Bursts of page turns coalesce into
one write. ``flush()`` waits for pending writes; it runs at exit too. A failed write is reported once through
``on_error(message)`` and the recovery through ``on_error(None)``.

Shape (version 1)::

    {"version": 1, "last_lesson": str | null, "last_lesson_at": float,
     "settings": {"marker": one of MARKERS},
     "lessons": {ID: {"pages_seen": [int >= 0], "last_page": int >= 0, "updated": float, "done": bool,
                      "checks": {CHECK_ID: {"answer": finite number, "correct": bool}}}}}
"""

from __future__ import annotations

import atexit
import copy
import json
import math
import os
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal

from platformdirs import user_data_dir, user_state_dir

try:  # POSIX only; elsewhere two instances fall back to last-writer-wins for the same instant
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

Status = Literal["not started", "in progress", "done"]
MARKERS = ("braille", "blocks", "dots", "ascii")
VERSION = 1
ErrorHook = Callable[[str | None], None]


def data_dir() -> Path:
    override = os.environ.get("RNN_TUTOR_HOME")
    return Path(override) if override else Path(user_data_dir("rnn-tutor", appauthor=False))


def state_dir() -> Path:
    """Where logs go (TensorFlow's native output while the TUI runs)."""
    override = os.environ.get("RNN_TUTOR_HOME")
    return Path(override) / "state" if override else Path(user_state_dir("rnn-tutor", appauthor=False))


@dataclass
class LessonShape:
    """What the store needs to know of a lesson to say whether it is done."""

    id: str
    pages: int
    check_ids: tuple[str, ...]


class DamagedFile(ValueError):
    """The file parsed but is not a progress file at all (not an object, or no lessons object)."""


# -- typed loading -----------------------------------------------------------------------------------------
def _fresh() -> dict[str, Any]:
    return {"version": VERSION, "last_lesson": None, "last_lesson_at": 0.0, "lessons": {},
            "settings": {"marker": "braille"}}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and abs(value) < 1e300)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse(text: str) -> tuple[dict[str, Any], list[str]]:
    """A progress file's text as clean data, with what had to be dropped. Raises ``ValueError`` (or
    ``DamagedFile``) when nothing of it can be used."""
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if not isinstance(raw, dict):
        raise DamagedFile(f"expected an object, found {type(raw).__name__}")
    if not isinstance(raw.get("lessons"), dict):
        raise DamagedFile("it has no 'lessons' object")
    data = _fresh()
    problems: list[str] = []
    settings = raw.get("settings", {})
    if not isinstance(settings, dict):
        problems.append("settings is not an object")
    elif "marker" in settings:
        if settings["marker"] in MARKERS:
            data["settings"]["marker"] = settings["marker"]
        else:
            problems.append(f"unknown chart marker {settings['marker']!r}")
    last = raw.get("last_lesson")
    if last is None or isinstance(last, str):
        data["last_lesson"] = last
    else:
        problems.append("last_lesson is not a lesson id")
    if _is_number(raw.get("last_lesson_at")):
        data["last_lesson_at"] = float(raw["last_lesson_at"])
    for lesson_id, entry in raw["lessons"].items():
        if not isinstance(entry, dict):
            problems.append(f"lesson {lesson_id!r} is not an object")
            continue
        data["lessons"][lesson_id] = _clean_entry(lesson_id, entry, problems)
    return data, problems


def _clean_entry(lesson_id: str, entry: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    where = f"lesson {lesson_id!r}"
    clean: dict[str, Any] = {"pages_seen": [], "checks": {}, "done": False}
    seen = entry.get("pages_seen", [])
    if isinstance(seen, list):
        good = sorted({p for p in seen if _is_int(p) and 0 <= p < 10_000})
        if len(good) != len(seen):
            problems.append(f"{where}: pages_seen holds values that are not page numbers")
        clean["pages_seen"] = good
    else:
        problems.append(f"{where}: pages_seen is not a list")
    if "last_page" in entry:
        page = entry["last_page"]
        if _is_int(page) and 0 <= page < 10_000:
            clean["last_page"] = page
        else:
            problems.append(f"{where}: last_page {page!r} is not a page number")
    checks = entry.get("checks", {})
    if isinstance(checks, dict):
        for check_id, answer in checks.items():
            if (isinstance(answer, dict) and _is_number(answer.get("answer"))
                    and isinstance(answer.get("correct"), bool)):
                clean["checks"][check_id] = {"answer": answer["answer"], "correct": answer["correct"]}
            else:
                problems.append(f"{where}: check {check_id!r} has no valid answer and verdict")
    else:
        problems.append(f"{where}: checks is not an object")
    done = entry.get("done", False)
    if isinstance(done, bool):
        clean["done"] = done
    else:
        problems.append(f"{where}: done is not true or false")
    if _is_number(entry.get("updated")):
        clean["updated"] = float(entry["updated"])
    return clean


# -- changes, as operations that can be replayed on what another instance wrote --------------------------
def _entry(data: dict[str, Any], lesson_id: str) -> dict[str, Any]:
    return data["lessons"].setdefault(lesson_id, {"pages_seen": [], "checks": {}, "done": False})


def _update_done(data: dict[str, Any], shape: LessonShape) -> None:
    entry = _entry(data, shape.id)
    all_pages = set(range(shape.pages)) <= set(entry.get("pages_seen", []))
    all_checks = set(shape.check_ids) <= set(entry.get("checks", {}))
    entry["done"] = bool(all_pages and all_checks)


def _apply(data: dict[str, Any], op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "page":
        _, shape, page, at = op
        entry = _entry(data, shape.id)
        entry["pages_seen"] = sorted(set(entry.get("pages_seen", [])) | {page})
        if at >= entry.get("updated", 0.0):  # the page the learner turned to most recently, in any instance
            entry["last_page"] = page
            entry["updated"] = at
        if at >= data.get("last_lesson_at", 0.0):
            data["last_lesson"] = shape.id
            data["last_lesson_at"] = at
        _update_done(data, shape)
    elif kind == "answer":
        _, shape, check_id, given, correct = op
        _entry(data, shape.id).setdefault("checks", {})[check_id] = {"answer": given, "correct": correct}
        _update_done(data, shape)
    elif kind == "noop":
        pass
    elif kind == "marker":
        data["settings"]["marker"] = op[1]
    elif kind == "reset":
        lesson_id = op[1]
        if lesson_id is None:
            data["lessons"].clear()
            data["last_lesson"] = None
        else:
            data["lessons"].pop(lesson_id, None)
            if data.get("last_lesson") == lesson_id:
                data["last_lesson"] = None
    else:  # pragma: no cover - a bug in this module
        raise AssertionError(f"unknown progress operation {kind}")


_LIVE: "weakref.WeakSet[ProgressStore]" = weakref.WeakSet()


@atexit.register
def _flush_all_at_exit() -> None:
    for store in list(_LIVE):
        store.flush(timeout=1.0)


class ProgressStore:
    """Progress in memory, saved by a background writer. Reads and changes are for one thread (the UI's);
    the writer shares only the queue and the data under ``_lock``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "progress.json"
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.warning: str | None = None  # set when a damaged file was moved aside
        self.save_error: str | None = None  # the current write failure, None once a write succeeds
        self.on_error: ErrorHook | None = None  # called from the writer thread: a message, then None on recovery
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._pending: list[tuple[Any, ...]] = []
        self._writing = False
        self._thread: threading.Thread | None = None
        for other in list(_LIVE):  # another store on this file in this process: let its writes land first
            if other.path == self.path:
                other.flush()
        self._moved_aside = False
        self._failures = 0  # failed write attempts, for flush() to stop waiting on a folder that refuses
        self.data = self._load()
        _LIVE.add(self)
        if self._moved_aside and self.data["lessons"]:
            self._change(("noop",))  # the damaged file was moved aside: write what was kept of it at once

    # -- reading -----------------------------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return _fresh()
        except (OSError, UnicodeDecodeError) as err:
            return self._set_aside(str(err), _fresh())
        try:
            data, problems = parse(text)
        except ValueError as err:
            return self._set_aside(str(err), _fresh())
        if problems:
            shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
            return self._set_aside(shown, data, kept_valid=bool(data["lessons"]))
        return data

    def _set_aside(self, why: str, data: dict[str, Any], kept_valid: bool = False) -> dict[str, Any]:
        try:
            kept = self._move_aside()
            self._moved_aside = True
            where = f"It was kept as {kept}."
        except OSError as move_err:
            where = f"It could not be moved aside ({move_err.strerror or move_err}); it was left in place."
        fresh = "The rest of your progress was kept." if kept_valid else "A fresh one was started."
        self.warning = f"Your progress file could not be read ({why}). {where} {fresh}"
        return data

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        n = 1
        while kept.exists():  # two damaged files in one second: keep both
            n += 1
            kept = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{n}")
        os.replace(self.path, kept)
        return kept

    def lesson(self, lesson_id: str) -> dict[str, Any]:
        return self.data["lessons"].get(lesson_id, {})

    def status(self, shape: LessonShape) -> Status:
        entry = self.lesson(shape.id)
        if entry.get("done"):
            return "done"
        if entry.get("pages_seen") or entry.get("checks"):
            return "in progress"
        return "not started"

    def last_page(self, lesson_id: str) -> int:
        return int(self.lesson(lesson_id).get("last_page", 0))

    def answer(self, lesson_id: str, check_id: str) -> dict[str, Any] | None:
        return self.lesson(lesson_id).get("checks", {}).get(check_id)

    @property
    def last_lesson(self) -> str | None:
        return self.data.get("last_lesson")

    @property
    def marker(self) -> str:
        marker = self.data["settings"].get("marker", "braille")
        return marker if marker in MARKERS else "braille"

    # -- changing ----------------------------------------------------------------------------------------
    def see_page(self, shape: LessonShape, page: int) -> None:
        self._change(("page", shape, int(page), time.time()))

    def record_answer(self, shape: LessonShape, check_id: str, given: float | int, correct: bool) -> None:
        if not _is_number(given):  # NaN or infinity would make the file invalid JSON
            raise ValueError(f"an answer must be a finite number, got {given!r}")
        self._change(("answer", shape, check_id, given, bool(correct)))

    def set_marker(self, marker: str) -> None:
        if marker not in MARKERS:
            raise ValueError(f"unknown marker {marker!r}")
        self._change(("marker", marker))

    def reset(self, lesson_id: str | None = None) -> None:
        """Forget one lesson's progress, or every lesson's (settings stay)."""
        self._change(("reset", lesson_id))

    def save(self) -> None:
        """Write now and wait (for callers that exit right after, like the CLI)."""
        self._change(("noop",))
        self.flush(timeout=10.0)

    def _change(self, op: tuple[Any, ...]) -> None:
        with self._wake:  # applied and queued together, so the writer's replay never misses it
            _apply(self.data, op)
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
        message = None if error is None else (
            f"Progress could not be saved in {self.path.parent} ({error}). It is kept in memory and will be "
            "saved when the folder is writable again.")
        changed = (message is None) != (self.save_error is None)
        self.save_error = message
        if changed and self.on_error is not None:
            try:
                self.on_error(message)
            except Exception:  # noqa: BLE001 - a failing hook (the app has quit) must not stop saving
                pass

    def _write(self, ops: list[tuple[Any, ...]]) -> str | None:
        """Merge ``ops`` into what is on disk, under the lock; None on success, else why it failed."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            return err.strerror or str(err)
        try:
            if fcntl is not None:
                fcntl.flock(lock_fd, fcntl.LOCK_EX)
            merged = self._read_for_merge()
            if merged is None:
                with self._lock:
                    merged = copy.deepcopy(self.data)
            else:
                for op in ops:
                    _apply(merged, op)
            text = json.dumps(merged, indent=1, sort_keys=True, allow_nan=False)
            self._replace(text)
            with self._lock:
                # What another instance saved becomes visible here too; changes made since `ops` were taken
                # are replayed on top so that nothing this instance did is undone.
                for op in self._pending:
                    _apply(merged, op)
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
                self._move_aside()
            except OSError:
                pass
        return data

    def _replace(self, text: str) -> None:
        write_atomic(self.path, text)


def write_atomic(dest: Path, text: str) -> None:
    """Write ``text`` to ``dest`` so that a reader sees the old file or the new one, never half of either:
    a temporary file in the same folder, fsync, then rename over the old one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}-", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
