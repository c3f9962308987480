"""Lessons read from `lessons/` into plain dataclasses. Never imports Textual or TensorFlow."""

from tutor.curriculum.loader import default_lessons_dir, load_curriculum
from tutor.curriculum.model import (CheckSpec, Curriculum, ExerciseSpec, LabSpec, Lesson, LessonError, Page,
                                    Prose)

__all__ = ["CheckSpec", "Curriculum", "ExerciseSpec", "LabSpec", "Lesson", "LessonError", "Page", "Prose",
           "default_lessons_dir", "load_curriculum"]
