"""Changes to progress, as operations that can be replayed on what another instance wrote.

The store applies an operation to its own copy at once and keeps it until the writer has merged it into the
file under the lock: the writer re-reads the file and applies every pending operation to it again. So each
``apply`` must give the right result on data it has not seen (another instance's), and applying it twice must
change nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from tutor.progress.schema import is_int, is_number

if TYPE_CHECKING:
    from tutor.curriculum.model import Lesson

Data = dict[str, Any]


@dataclass(frozen=True)
class LessonShape:
    """What the store needs to know of a lesson: its pages and checks, to say whether it is done, and the
    number of choices of each choice check, to tell a stored answer that cannot be one of them."""

    id: str
    pages: int
    check_ids: tuple[str, ...]
    choices: dict[str, int] = field(default_factory=dict, hash=False)  # choice checks; a numeric one is absent


def lesson_shape(lesson: Lesson) -> LessonShape:
    return LessonShape(lesson.id, len(lesson.pages), tuple(c.id for c in lesson.checks),
                       {c.id: len(c.choices) for c in lesson.checks if c.choices})


def answer_fits(shape: LessonShape, check_id: str, given: Any) -> bool:
    """Whether ``given`` can be an answer to that check: a number, and for a choice check the index of one."""
    if not is_number(given):
        return False
    if check_id not in shape.choices:
        return True
    return float(given).is_integer() and 0 <= given < shape.choices[check_id]


class Op(Protocol):
    def apply(self, data: Data) -> None: ...


def _lesson(data: Data, lesson_id: str) -> Data:
    entry: Data = data["lessons"].setdefault(lesson_id, {"pages_seen": [], "checks": {}, "done": False})
    return entry


def _exercise(data: Data, name: str) -> Data:
    entry: Data = data.setdefault("exercises", {}).setdefault(name, {})
    return entry


def _update_done(data: Data, shape: LessonShape) -> None:
    entry = _lesson(data, shape.id)
    all_pages = set(range(shape.pages)) <= set(entry.get("pages_seen", []))
    all_checks = set(shape.check_ids) <= set(entry.get("checks", {}))
    entry["done"] = bool(all_pages and all_checks)


@dataclass(frozen=True)
class PageSeen:
    shape: LessonShape
    page: int
    at: float

    def apply(self, data: Data) -> None:
        entry = _lesson(data, self.shape.id)
        entry["pages_seen"] = sorted(set(entry.get("pages_seen", [])) | {self.page})
        if self.at >= entry.get("updated", 0.0):  # the page the learner turned to most recently, in any instance
            entry["last_page"] = self.page
            entry["updated"] = self.at
        if self.at >= data.get("last_lesson_at", 0.0):
            data["last_lesson"] = self.shape.id
            data["last_lesson_at"] = self.at
        _update_done(data, self.shape)


@dataclass(frozen=True)
class Answered:
    shape: LessonShape
    check_id: str
    given: float | int
    correct: bool

    def apply(self, data: Data) -> None:
        _lesson(data, self.shape.id).setdefault("checks", {})[self.check_id] = {
            "answer": self.given, "correct": self.correct}
        _update_done(data, self.shape)


@dataclass(frozen=True)
class UnfitAnswersDropped:
    """Answers that cannot belong to the lesson as it is now (a choice out of range) are forgotten."""

    shape: LessonShape

    def apply(self, data: Data) -> None:
        checks = data["lessons"].get(self.shape.id, {}).get("checks", {})
        for check_id in [c for c, record in checks.items() if not answer_fits(self.shape, c, record["answer"])]:
            del checks[check_id]
        if self.shape.id in data["lessons"]:
            _update_done(data, self.shape)


@dataclass(frozen=True)
class PredictionMade:
    """A prediction graded by its run (``choice`` the learner's, ``right`` the run's verdict, ``measured`` the
    deciding value, ``params`` the run's, ``measured_text`` the measurement as shown, where given), or skipped
    (``choice`` None). The latest wins, but a skip never replaces a graded prediction: skipping when asked
    again keeps the earlier answer."""

    lesson_id: str
    predict_id: str
    choice: int | None
    right: bool | None
    measured: float | str | None
    params: dict[str, Any] = field(hash=False)
    at: float
    measured_text: str | None = None

    def record(self) -> Data:
        if self.choice is None:
            return {"skipped": True, "at": self.at}
        record: Data = {"choice": self.choice, "right": bool(self.right), "measured": self.measured,
                        "params": dict(self.params), "at": self.at}
        if self.measured_text is not None:  # added in walk2: older records lack it, older readers keep it
            record["measured_text"] = self.measured_text
        return record

    def apply(self, data: Data) -> None:
        kept = _lesson(data, self.lesson_id).setdefault("predictions", {})
        old = kept.get(self.predict_id)
        if old is not None and (old.get("at", 0.0) > self.at or (self.choice is None and "choice" in old)):
            return
        kept[self.predict_id] = self.record()


@dataclass(frozen=True)
class MarkerSet:
    marker: str

    def apply(self, data: Data) -> None:
        data["settings"]["marker"] = self.marker


@dataclass(frozen=True)
class LessonsReset:
    """One lesson's progress forgotten, or every lesson's (``lesson_id`` None); settings and exercises stay."""

    lesson_id: str | None

    def apply(self, data: Data) -> None:
        if self.lesson_id is None:
            data["lessons"].clear()
            data["last_lesson"] = None
        else:
            data["lessons"].pop(self.lesson_id, None)
            if data.get("last_lesson") == self.lesson_id:
                data["last_lesson"] = None


@dataclass(frozen=True)
class ExercisePassed:
    name: str
    at: float

    def apply(self, data: Data) -> None:
        entry = _exercise(data, self.name)
        entry["passed_at"] = max(self.at, entry.get("passed_at", self.at))


@dataclass(frozen=True)
class ExerciseReset:
    """The exercise file is the stub again: its pass is forgotten (the hints shown stay shown)."""

    name: str

    def apply(self, data: Data) -> None:
        data.get("exercises", {}).get(self.name, {}).pop("passed_at", None)


@dataclass(frozen=True)
class HintShown:
    name: str
    level: int

    def apply(self, data: Data) -> None:
        entry = _exercise(data, self.name)
        shown = entry.get("hints", 0)
        entry["hints"] = max(self.level, shown if is_int(shown) else 0)


@dataclass(frozen=True)
class SolutionShown:
    """The reference solution was shown before the learner's file passed (they asked for it); the first time
    is kept."""

    name: str
    at: float

    def apply(self, data: Data) -> None:
        entry = _exercise(data, self.name)
        entry["solution_shown_at"] = min(self.at, entry.get("solution_shown_at", self.at))


@dataclass(frozen=True)
class Saved:
    """No change: asks the writer to write what is in memory (after a damaged file was moved aside)."""

    def apply(self, data: Data) -> None:
        pass
