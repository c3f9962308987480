"""Lessons as plain data: what the loader builds and the screens show. No Textual, no TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.curriculum.predict import PredictSpec


@dataclass(frozen=True)
class Prose:
    """Markdown text."""

    markdown: str


@dataclass(frozen=True)
class LabSpec:
    """A live experiment on a page: which engine experiment, and the values its form starts with."""

    experiment: str
    title: str
    params: dict[str, Any]  # already validated against the experiment's parameters
    overlay: bool = False  # keep finished runs on the chart to compare (c clears)
    step_param: str | None = None  # an int parameter that , and . step down and up, rerunning at once
    autorun: bool = False  # run once when the page is first shown (for instant NumPy labs)
    line: int = 0


@dataclass(frozen=True)
class CheckSpec:
    """A question. Multiple choice when ``choices`` is set (``answer`` an index), else numeric."""

    id: str
    question: str
    explanation: str
    answer: float | int
    choices: tuple[str, ...] = ()
    tolerance: float = 0.0
    line: int = 0

    @property
    def numeric(self) -> bool:
        return not self.choices

    def is_correct(self, given: float | int) -> bool:
        if self.numeric:
            return abs(float(given) - float(self.answer)) <= self.tolerance + 1e-12
        return int(given) == int(self.answer)


@dataclass(frozen=True)
class ExerciseSpec:
    """An exercise the learner writes in their own editor (``tutor.exercises``); the page shows its status."""

    name: str  # a name in tutor.exercises.catalogue; the file is <data dir>/exercises/NAME.py
    line: int = 0


@dataclass(frozen=True)
class SourcePart:
    """One function, method or class of the tutor's own code, as the loader found it in the installed package."""

    file: str  # as the lesson names it, from the package's folder: "tutor/engine/scratch.py"
    name: str  # its qualified name in that file: "LSTM._step"
    first_line: int  # the file's line where it starts (its first decorator, else its def or class)
    code: str  # its source, dedented; comments and docstring as they are in the file


@dataclass(frozen=True)
class SourceSpec:
    """The engine's own code that answers an exercise: the page shows it once that exercise has passed, or when
    the learner asks to see it before (which the progress store records as the solution seen)."""

    exercise: str  # a name in tutor.exercises.catalogue
    parts: tuple[SourcePart, ...]
    line: int = 0


Block = Prose | LabSpec | CheckSpec | ExerciseSpec | PredictSpec | SourceSpec


@dataclass(frozen=True)
class Page:
    title: str
    blocks: tuple[Block, ...]

    @property
    def labs(self) -> tuple[LabSpec, ...]:
        return tuple(b for b in self.blocks if isinstance(b, LabSpec))

    @property
    def checks(self) -> tuple[CheckSpec, ...]:
        return tuple(b for b in self.blocks if isinstance(b, CheckSpec))

    @property
    def predictions(self) -> tuple[PredictSpec, ...]:
        return tuple(b for b in self.blocks if isinstance(b, PredictSpec))


@dataclass(frozen=True)
class LessonHead:
    """A lesson as the contents list it: its front matter, read without its body."""

    id: str
    title: str
    order: int
    summary: str
    path: Path


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    order: int
    summary: str
    path: Path
    pages: tuple[Page, ...]

    @property
    def checks(self) -> tuple[CheckSpec, ...]:
        return tuple(c for page in self.pages for c in page.checks)

    @property
    def predictions(self) -> tuple[PredictSpec, ...]:
        return tuple(p for page in self.pages for p in page.predictions)

    @property
    def head(self) -> LessonHead:
        return LessonHead(self.id, self.title, self.order, self.summary, self.path)


@dataclass(frozen=True)
class LessonError:
    """A lesson file that could not be loaded, with where and why."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:  # about the whole file (unreadable, not text), not one line of it
            return f"{self.path.name}: {self.message}"
        return f"{self.path.name}, line {self.line}: {self.message}"


@dataclass
class Curriculum:
    lessons: list[Lesson] = field(default_factory=list)
    errors: list[LessonError] = field(default_factory=list)

    def get(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


@dataclass(frozen=True)
class Outline:
    """The contents as the first screen shows them before the lesson bodies are read: every lesson whose front
    matter reads, sorted by order, and the files whose front matter does not. A body found broken later moves
    its lesson from ``heads`` to ``errors`` (:meth:`of` the full curriculum)."""

    heads: tuple[LessonHead, ...] = ()
    errors: tuple[LessonError, ...] = ()

    @classmethod
    def of(cls, curriculum: Curriculum) -> Outline:
        return cls(tuple(lesson.head for lesson in curriculum.lessons), tuple(curriculum.errors))

    def get(self, lesson_id: str) -> LessonHead | None:
        return next((head for head in self.heads if head.id == lesson_id), None)
