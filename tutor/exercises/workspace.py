"""The learner's exercise folder: ``<data dir>/exercises/NAME.py`` (:func:`tutor.paths.exercises_dir`). A
learner's file is never overwritten: files are copied only where none exists, and ``reset`` first keeps the
learner's version as ``NAME.py.bak-<time>``. Which exercises passed and how many hints were shown is kept in the
progress store (:class:`tutor.progress.ProgressStore`), the same one the app writes, under its lock.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from tutor.exercises.catalogue import BY_NAME, EXERCISES, Exercise
from tutor.paths import beside, exercises_dir, write_atomic
from tutor.progress import ProgressStore


def folder() -> Path:
    return exercises_dir()


def _packaged(kind: str, name: str) -> Path:
    return Path(str(resources.files("tutor.exercises"))) / kind / f"{name}.py"


def template(name: str) -> Path:
    return _packaged("templates", name)


def solution(name: str) -> Path:
    return _packaged("solutions", name)


def path(name: str) -> Path:
    return folder() / f"{name}.py"


def ensure() -> list[str]:
    """Copy every exercise that is missing from the folder; return the names copied. Existing files stay."""
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for exercise in EXERCISES:
        dest = path(exercise.name)
        if dest.exists():
            continue
        try:
            # "x": create only; if the learner's file appeared meanwhile, it is theirs and stays.
            with open(dest, "x", encoding="utf-8") as handle:
                handle.write(template(exercise.name).read_text(encoding="utf-8"))
            copied.append(exercise.name)
        except FileExistsError:
            pass
    return copied


def reset(name: str, store: ProgressStore) -> Path | None:
    """Restore the original exercise file; the learner's version is kept as NAME.py.bak-<time> (returned)."""
    dest = path(name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if dest.exists():
        backup = beside(dest, "bak")
        shutil.copy2(dest, backup)
    write_atomic(dest, template(name).read_text(encoding="utf-8"))
    store.forget_pass(name)  # the file is the stub again: its status says "to do" until it passes anew
    return backup


# -- status, kept in the progress store -----------------------------------------------------------------

def passed_count(store: ProgressStore) -> tuple[int, int]:
    return sum(1 for e in EXERCISES if store.exercise_passed(e.name)), len(EXERCISES)


def first_unsolved(store: ProgressStore) -> Exercise | None:
    return next((e for e in EXERCISES if not store.exercise_passed(e.name)), None)


def next_hint(store: ProgressStore, name: str, level: int | None = None) -> tuple[int, str]:
    """The hint at ``level`` (1-based), else the one after the last shown; the level shown is remembered."""
    hints = BY_NAME[name].hints
    if level is None:
        level = store.hint_level(name) + 1
    level = max(1, min(level, len(hints)))
    store.record_hint(name, level)
    return level, hints[level - 1]
