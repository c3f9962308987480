"""The learner's exercise folder: ``<data dir>/exercises/NAME.py`` (the data dir is the one progress uses:
``$RNN_TUTOR_HOME`` or ``$XDG_DATA_HOME/rnn-tutor``), and ``.status.json`` there, which records passes and how
many hints were shown. A learner's file is never overwritten: files are copied only where none exists, and
``reset`` first keeps the learner's version as ``NAME.py.bak-<time>``.
"""

from __future__ import annotations

import json
import shutil
import time
from importlib import resources
from pathlib import Path
from typing import Any

from tutor.exercises.catalogue import EXERCISES, Exercise
from tutor.progress import data_dir, write_atomic

STATUS_FILE = ".status.json"


def folder() -> Path:
    return data_dir() / "exercises"


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


def reset(name: str) -> Path | None:
    """Restore the original exercise file; the learner's version is kept as NAME.py.bak-<time> (returned)."""
    dest = path(name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if dest.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = dest.with_name(f"{dest.name}.bak-{stamp}")
        n = 1
        while backup.exists():
            n += 1
            backup = dest.with_name(f"{dest.name}.bak-{stamp}-{n}")
        shutil.copy2(dest, backup)
    write_atomic(dest, template(name).read_text(encoding="utf-8"))
    forget_pass(name)  # the file is the stub again: its status says "to do" until it passes anew
    return backup


# -- status --------------------------------------------------------------------------------------------

def load_status() -> dict[str, Any]:
    try:
        data = json.loads((folder() / STATUS_FILE).read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data.setdefault("passed", {})
            data.setdefault("hints", {})
            return data
    except (OSError, ValueError):
        pass  # missing or damaged: passes are re-earned by checking again, nothing of the learner's is lost
    return {"passed": {}, "hints": {}}


def save_status(data: dict[str, Any]) -> None:
    folder().mkdir(parents=True, exist_ok=True)
    write_atomic(folder() / STATUS_FILE, json.dumps(data, indent=1, sort_keys=True))


def record_pass(name: str) -> None:
    data = load_status()
    data["passed"][name] = {"at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    save_status(data)


def forget_pass(name: str) -> None:
    data = load_status()
    if data["passed"].pop(name, None) is not None:
        save_status(data)


def passed(name: str) -> bool:
    return name in load_status()["passed"]


def passed_count() -> tuple[int, int]:
    done = load_status()["passed"]
    return sum(1 for e in EXERCISES if e.name in done), len(EXERCISES)


def next_hint(name: str, level: int | None = None) -> tuple[int, str]:
    """The hint at ``level`` (1-based), else the one after the last shown; the level shown is remembered."""
    from tutor.exercises.catalogue import BY_NAME

    hints = BY_NAME[name].hints
    data = load_status()
    if level is None:
        level = min(int(data["hints"].get(name, 0)) + 1, len(hints))
    level = max(1, min(level, len(hints)))
    data["hints"][name] = max(level, int(data["hints"].get(name, 0)))
    save_status(data)
    return level, hints[level - 1]


def first_unsolved() -> Exercise | None:
    done = load_status()["passed"]
    return next((e for e in EXERCISES if e.name not in done), None)


