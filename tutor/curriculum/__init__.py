"""Lessons read from `lessons/` into plain dataclasses. Never imports Textual or TensorFlow.

The names below load on first use: the first screen needs only :mod:`tutor.curriculum.outline` (the front
matter), and importing this package must not bring in the loader's Markdown parser and the engine's registry
before then.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.curriculum.loader import default_lessons_dir, load_curriculum
    from tutor.curriculum.model import (CheckSpec, Curriculum, ExerciseSpec, LabSpec, Lesson, LessonError,
                                        LessonHead, Outline, Page, Prose)
    from tutor.curriculum.outline import read_outline
    from tutor.curriculum.predict import Choice, Measured, PredictSpec

_WHERE = {
    "default_lessons_dir": "outline", "read_outline": "outline", "load_curriculum": "loader",
    **dict.fromkeys(["CheckSpec", "Curriculum", "ExerciseSpec", "LabSpec", "Lesson", "LessonError", "LessonHead",
                     "Outline", "Page", "Prose"], "model"),
    **dict.fromkeys(["Choice", "Measured", "PredictSpec"], "predict"),
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'tutor.curriculum' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tutor.curriculum.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
