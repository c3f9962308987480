"""App-wide messages. Screens and widgets reach the App only through these (it handles them with ``@on``):
they bubble up from whoever posts them, so no screen or widget calls into the App or needs to know its type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from textual.message import Message

from tutor.curriculum import Lesson


@dataclass
class EngineStatus(Message):
    """Where the engine stands: loading TensorFlow, ready on a device, or failed."""

    text: str
    failed: bool = False


@dataclass
class ProgressSaveError(Message):
    """Saving progress failed (``text`` says where and why), or works again (``text`` is None)."""

    text: str | None


@dataclass
class NeedEngine(Message):
    """Load TensorFlow in the background now, or after ``delay`` seconds (the page before a Keras lab)."""

    delay: float = 0.0


@dataclass
class OpenLesson(Message):
    """Show the lesson with this id."""

    lesson_id: str


@dataclass
class PageSeen(Message):
    """The learner is on page ``page`` (0-based) of ``lesson``."""

    lesson: Lesson
    page: int


@dataclass
class Answered(Message):
    """The learner answered the check ``check_id`` of ``lesson``."""

    lesson: Lesson
    check_id: str
    given: float | int
    correct: bool


@dataclass
class Predicted(Message):
    """The prediction ``predict_id`` of ``lesson`` was graded by its run (``choice``, ``right``, the deciding
    ``measured`` value, the run's ``params``), or skipped (``choice`` None)."""

    lesson: Lesson
    predict_id: str
    choice: int | None
    right: bool | None = None
    measured: float | str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    measured_text: str | None = None  # the measurement as the verdict showed it (the review shows it again)


@dataclass
class Graded(Message):
    """A check answered at its first try, or a prediction graded by its run. The App hands a wrong one to the
    review queue (``tutor.review``) where there is one."""

    kind: Literal["check", "prediction"]
    lesson: Lesson
    item: str  # the check's or the predict block's id
    right: bool
