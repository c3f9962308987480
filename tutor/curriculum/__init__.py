"""Lessons read from `lessons/` into plain dataclasses. Never imports Textual or TensorFlow."""

from tutor.curriculum.loader import default_lessons_dir, load_curriculum
from tutor.curriculum.model import (CheckSpec, Curriculum, ExerciseSpec, LabSpec, Lesson, LessonError, Page,
                                    Prose)
from tutor.curriculum.predict import Choice, Measured, PredictSpec

__all__ = ["CheckSpec", "Choice", "Curriculum", "ExerciseSpec", "LabSpec", "Lesson", "LessonError", "Measured",
           "Page", "PredictSpec", "Prose", "default_lessons_dir", "load_curriculum"]
