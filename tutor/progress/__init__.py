"""The learner's progress, settings and exercise status: one store, one file (``progress.json``).

``schema`` says what the file holds and parses it; ``ops`` holds the changes, as operations that can be
replayed on what another instance wrote; ``store`` keeps the data in memory and writes it in the background,
merged under a lock; ``legacy`` imports the exercise status of version 1 once.
"""

from tutor.progress.ops import LessonShape, lesson_shape
from tutor.progress.schema import MARKERS, VERSION, DamagedFile, parse
from tutor.progress.store import LOCK_TIMEOUT, ProgressStore, Status

__all__ = ["LOCK_TIMEOUT", "MARKERS", "VERSION", "DamagedFile", "LessonShape", "ProgressStore", "Status",
           "lesson_shape", "parse"]
