"""The exercise status of version 1, ``exercises/.status.json``, imported into the store once.

Before version 2 the exercise passes and hint levels were kept in that file, written with no lock. The first
store that finds it merges what is valid of it into progress.json (a pass keeps its time, a hint level the
highest shown), and only once that is on disk renames the old file: ``.status.json.imported-<time>``, or
``.status.json.damaged-<time>`` when part of it could not be used, which the learner is told. Two stores
importing at once do no harm: the merge of a pass or a hint level is the same done twice.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from tutor.paths import move_aside
from tutor.progress.ops import ExercisePassed, HintShown
from tutor.progress.schema import MAX_HINTS, is_int, not_json, reject_constant, summarize

if TYPE_CHECKING:
    from tutor.progress.store import ProgressStore

LEGACY_STATUS = ".status.json"


def import_legacy_status(store: ProgressStore) -> None:
    """Import ``.status.json`` beside the store's file, if there is one; what the learner should know goes to
    ``store.notes``."""
    legacy = store.path.with_name("exercises") / LEGACY_STATUS
    try:
        text = legacy.read_bytes().decode("utf-8", errors="replace")
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as err:
        store.notes.append(f"The exercise status in {legacy} could not be read ({err.strerror or err}); "
                           "it was left in place.")
        return
    passes, hints, problems = parse_legacy_status(text, now=time.time())
    for name, at in passes.items():
        store.change(ExercisePassed(name, at))
    for name, level in hints.items():
        store.change(HintShown(name, level))
    if (passes or hints) and not store.flush(timeout=5.0):
        store.notes.append(f"The exercise status in {legacy} could not be moved into your progress file yet "
                           f"({store.save_error or 'saving is slow'}); it is read again at the next start.")
        return
    try:
        kept = move_aside(legacy, "damaged" if problems else "imported")
    except OSError as err:
        store.notes.append(f"The exercise status in {legacy} was moved into your progress file, but the old "
                           f"file could not be renamed ({err.strerror or err}).")
        return
    if problems:
        moved = (f"{_count(len(passes), 'pass', 'passes')} and {_count(len(hints), 'hint level', 'hint levels')} "
                 "were" if passes or hints else "Nothing was")
        store.notes.append(f"The exercise status file could not be read entirely ({summarize(problems)}). "
                           f"{moved} moved into your progress file; the file was kept as {kept}.")


def parse_legacy_status(text: str, now: float) -> tuple[dict[str, float], dict[str, int], list[str]]:
    """What can be used of an old ``.status.json`` (``{"passed": {NAME: {"at": "2026-11-29T10:00:00"}},
    "hints": {NAME: level}}``): the passes with their times (``now`` where the time cannot be read), the hint
    levels, and what had to be dropped. Never raises: a file with nothing usable gives empty results."""
    try:
        raw = json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as err:
        return {}, {}, [not_json(err)]
    except RecursionError:
        return {}, {}, ["it is nested too deeply"]
    except ValueError as err:  # a NaN: reject_constant says so
        return {}, {}, [str(err)[:80]]
    if not isinstance(raw, dict):
        return {}, {}, [f"expected an object, found {type(raw).__name__}"]
    passes: dict[str, float] = {}
    hints: dict[str, int] = {}
    problems: list[str] = []
    passed = raw.get("passed", {})
    if isinstance(passed, dict):
        for name, record in passed.items():
            if isinstance(record, dict):
                passes[name] = _time(record.get("at"), now)
            else:
                problems.append(f"the pass of {name!r} is not an object")
    else:
        problems.append("passed is not an object")
    levels = raw.get("hints", {})
    if isinstance(levels, dict):
        for name, level in levels.items():
            if is_int(level) and 0 <= level <= MAX_HINTS:
                hints[name] = level
            else:
                problems.append(f"the hint level of {name!r} is not a number of hints")
    else:
        problems.append("hints is not an object")
    return passes, hints, problems


def _time(stamp: Any, now: float) -> float:
    """Version 1 wrote local time as ``%Y-%m-%dT%H:%M:%S``."""
    try:
        return time.mktime(time.strptime(stamp, "%Y-%m-%dT%H:%M:%S"))
    except (TypeError, ValueError, OverflowError):
        return now


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
