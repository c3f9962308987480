"""The learner's progress and settings, saved per user and never silently lost.

The file lives in the platform's data directory (``$XDG_DATA_HOME/rnn-tutor/progress.json`` on Linux, or
``$RNN_TUTOR_HOME``). Every change is written atomically: a temporary file in the same folder, flushed and
fsynced, then renamed over the old one. A file that cannot be read or parsed is moved aside (kept, with a
timestamp) and the learner is told; a fresh one starts.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_data_dir, user_state_dir

Status = Literal["not started", "in progress", "done"]
MARKERS = ("braille", "blocks", "dots", "ascii")
VERSION = 1


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


class ProgressStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "progress.json"
        self.warning: str | None = None  # set when a damaged file was moved aside
        self.save_error: str | None = None
        self.data = self._load()

    # -- reading -----------------------------------------------------------------------------------------
    def _fresh(self) -> dict[str, Any]:
        return {"version": VERSION, "last_lesson": None, "lessons": {}, "settings": {"marker": "braille"}}

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return self._fresh()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("lessons"), dict):
                raise ValueError("not a progress file")
            data.setdefault("settings", {}).setdefault("marker", "braille")
            data.setdefault("last_lesson", None)
            return data
        except (OSError, ValueError, UnicodeDecodeError) as err:
            kept = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            try:
                os.replace(self.path, kept)
                where = f"It was kept as {kept}."
            except OSError as move_err:
                where = f"It could not be moved aside ({move_err}); it was left in place."
            self.warning = f"Your progress file could not be read ({err}). {where} A fresh one was started."
            return self._fresh()

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

    # -- writing -----------------------------------------------------------------------------------------
    def _entry(self, lesson_id: str) -> dict[str, Any]:
        return self.data["lessons"].setdefault(lesson_id, {"pages_seen": [], "checks": {}, "done": False})

    def see_page(self, shape: LessonShape, page: int) -> None:
        entry = self._entry(shape.id)
        seen = set(entry.setdefault("pages_seen", []))
        seen.add(page)
        entry["pages_seen"] = sorted(seen)
        entry["last_page"] = page
        self.data["last_lesson"] = shape.id
        self._update_done(shape)
        self.save()

    def record_answer(self, shape: LessonShape, check_id: str, given: float | int, correct: bool) -> None:
        entry = self._entry(shape.id)
        entry.setdefault("checks", {})[check_id] = {"answer": given, "correct": bool(correct)}
        self._update_done(shape)
        self.save()

    def set_marker(self, marker: str) -> None:
        if marker not in MARKERS:
            raise ValueError(f"unknown marker {marker!r}")
        self.data["settings"]["marker"] = marker
        self.save()

    def _update_done(self, shape: LessonShape) -> None:
        entry = self._entry(shape.id)
        all_pages = set(range(shape.pages)) <= set(entry.get("pages_seen", []))
        all_checks = set(shape.check_ids) <= set(entry.get("checks", {}))
        entry["done"] = bool(all_pages and all_checks)

    def save(self) -> None:
        """Write atomically. A failure is kept in ``save_error`` for the UI to show; the data stays in memory."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(self.data, handle, indent=1, sort_keys=True)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
            self.save_error = None
        except OSError as err:
            self.save_error = f"Progress could not be saved to {self.path}: {err}"
