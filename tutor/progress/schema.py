"""The shape of progress.json, and how its text becomes clean data.

Shape (version 3)::

    {"version": 3, "last_lesson": str | null, "last_lesson_at": float,
     "settings": {"marker": one of MARKERS},
     "lessons": {ID: {"pages_seen": [int >= 0], "last_page": int >= 0, "updated": float, "done": bool,
                      "checks": {CHECK_ID: {"answer": finite number, "correct": bool}},
                      "predictions": {PREDICT_ID: {"choice": int >= 0, "right": bool, "measured": number | str,
                                                   "measured_text": str (optional), "params": {...},
                                                   "at": float} | {"skipped": true, "at": float}}}},
     "exercises": {NAME: {"passed_at": float, "hints": int >= 0}},
     "review": {KEY: a review card, see tutor.progress.cards}}

Version 2 had no ``review`` section; version 1 (before 2026-11-29) had no ``exercises`` either (their status
was kept in ``exercises/.status.json``). Both load unchanged. A prediction's ``measured_text`` (the measurement
as its verdict showed it) was added within version 3: records without it are as valid as before, and an older
reader keeps it, as it keeps any key it does not know. **Versions only add**: a section or key that
this version does not know is kept as it is and written back, so an older instance running beside a newer one
loses nothing of the newer one's, and the version number written is never lowered. A later version must therefore not change what an existing key means.

Reading is typed: every known field is checked, what is valid is kept, and what is not is named in the
problems list (the store then moves the file aside and tells the learner).
"""

from __future__ import annotations

import json
import math
from typing import Any

VERSION = 3
MARKERS = ("braille", "blocks", "dots", "ascii")
_MAX_PAGE = 10_000  # no lesson has this many pages; a bigger number is damage, not progress
MAX_HINTS = 100


class DamagedFile(ValueError):
    """The file parsed but is not a progress file at all (not an object, or no lessons object)."""


def fresh() -> dict[str, Any]:
    return {"version": VERSION, "last_lesson": None, "last_lesson_at": 0.0, "lessons": {},
            "settings": {"marker": "braille"}, "exercises": {}, "review": {}}


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """A number the file can hold: finite, and small enough that every reader can use it as one."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and abs(value) < 1e300)


def reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _unknown(raw: dict[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    """The keys a later version added: kept as they are."""
    return {key: value for key, value in raw.items() if key not in known}


def not_json(err: json.JSONDecodeError) -> str:
    """Why a file is not JSON, in words a learner reads: where it stops being JSON, not the parser's
    "Expecting value: line 1 column 1 (char 0)"."""
    if not err.doc.strip():
        return "it is empty"
    return f"it is not valid JSON at line {err.lineno}, column {err.colno}"


def parse(text: str) -> tuple[dict[str, Any], list[str]]:
    """A progress file's text as clean data, with what had to be dropped. Raises ``ValueError`` (or
    ``DamagedFile``) when nothing of it can be used; its message says why in plain words."""
    try:
        raw = json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as err:
        raise ValueError(not_json(err)) from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if not isinstance(raw, dict):
        raise DamagedFile(f"expected an object, found {type(raw).__name__}")
    if not isinstance(raw.get("lessons"), dict):
        raise DamagedFile("it has no 'lessons' object")
    problems: list[str] = []
    data = fresh()
    data.update(_unknown(raw, tuple(data)))
    version = raw.get("version", 1)
    if is_int(version) and version >= 1:
        data["version"] = max(version, VERSION)  # a newer instance's file stays marked as its version
    else:
        problems.append(f"version {version!r} is not a version number")
    settings = raw.get("settings", {})
    if isinstance(settings, dict):
        data["settings"].update(_unknown(settings, ("marker",)))
        if "marker" in settings:
            # A newer version may offer a marker this one does not: kept for it (this one draws braille).
            if settings["marker"] in MARKERS or (isinstance(settings["marker"], str) and data["version"] > VERSION):
                data["settings"]["marker"] = settings["marker"]
            else:
                problems.append(f"unknown chart marker {settings['marker']!r}")
    else:
        problems.append("settings is not an object")
    last = raw.get("last_lesson")
    if last is None or isinstance(last, str):
        data["last_lesson"] = last
    else:
        problems.append("last_lesson is not a lesson id")
    if is_number(raw.get("last_lesson_at")):
        data["last_lesson_at"] = float(raw["last_lesson_at"])
    for lesson_id, entry in raw["lessons"].items():
        if isinstance(entry, dict):
            data["lessons"][lesson_id] = _lesson(lesson_id, entry, problems)
        else:
            problems.append(f"lesson {lesson_id!r} is not an object")
    exercises = raw.get("exercises", {})
    if isinstance(exercises, dict):
        for name, entry in exercises.items():
            if isinstance(entry, dict):
                data["exercises"][name] = _exercise(name, entry, problems)
            else:
                problems.append(f"exercise {name!r} is not an object")
    else:
        problems.append("exercises is not an object")
    from tutor.progress.cards import parse_review  # noqa: PLC0415 - cards imports this module's helpers

    data["review"] = parse_review(raw.get("review", {}), problems)
    return data, problems


_LESSON_KEYS = ("pages_seen", "last_page", "checks", "done", "updated", "predictions")


def _lesson(lesson_id: str, entry: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    where = f"lesson {lesson_id!r}"
    clean: dict[str, Any] = {"pages_seen": [], "checks": {}, "done": False, **_unknown(entry, _LESSON_KEYS)}
    seen = entry.get("pages_seen", [])
    if isinstance(seen, list):
        good = sorted({p for p in seen if is_int(p) and 0 <= p < _MAX_PAGE})
        if len(good) != len(seen):
            problems.append(f"{where}: pages_seen holds values that are not page numbers")
        clean["pages_seen"] = good
    else:
        problems.append(f"{where}: pages_seen is not a list")
    if "last_page" in entry:
        page = entry["last_page"]
        if is_int(page) and 0 <= page < _MAX_PAGE:
            clean["last_page"] = page
        else:
            problems.append(f"{where}: last_page {page!r} is not a page number")
    checks = entry.get("checks", {})
    if isinstance(checks, dict):
        for check_id, record in checks.items():
            if (isinstance(record, dict) and is_number(record.get("answer"))
                    and isinstance(record.get("correct"), bool)):
                clean["checks"][check_id] = dict(record)
            else:
                problems.append(f"{where}: check {check_id!r} has no valid answer and verdict")
    else:
        problems.append(f"{where}: checks is not an object")
    predictions = entry.get("predictions", {})
    if isinstance(predictions, dict):
        kept = {pid: dict(record) for pid, record in predictions.items() if _prediction_fits(record)}
        problems += [f"{where}: prediction {pid!r} is neither a graded nor a skipped prediction"
                     for pid in predictions if pid not in kept]
        if kept:
            clean["predictions"] = kept
    else:
        problems.append(f"{where}: predictions is not an object")
    done = entry.get("done", False)
    if isinstance(done, bool):
        clean["done"] = done
    else:
        problems.append(f"{where}: done is not true or false")
    if is_number(entry.get("updated")):
        clean["updated"] = float(entry["updated"])
    return clean


def _prediction_fits(record: Any) -> bool:
    """A skip, or an answer (an int choice); the fields this version writes beside them are checked where they
    are present, so a newer version's leaner or richer record is kept as it is."""
    if not isinstance(record, dict):
        return False
    choice = record.get("choice")
    answered = isinstance(choice, int) and not isinstance(choice, bool) and choice >= 0
    if not (answered or record.get("skipped") is True):
        return False
    measured = record.get("measured", 0.0)
    return (is_number(record.get("at", 0.0)) and isinstance(record.get("right", False), bool)
            and (is_number(measured) or isinstance(measured, str)) and isinstance(record.get("params", {}), dict)
            and isinstance(record.get("measured_text", ""), str))


def _exercise(name: str, entry: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    where = f"exercise {name!r}"
    clean: dict[str, Any] = _unknown(entry, ("passed_at", "hints"))
    if "passed_at" in entry:
        if is_number(entry["passed_at"]):
            clean["passed_at"] = float(entry["passed_at"])
        else:
            problems.append(f"{where}: passed_at is not a time")
    if "hints" in entry:
        if is_int(entry["hints"]) and 0 <= entry["hints"] <= MAX_HINTS:
            clean["hints"] = entry["hints"]
        else:
            problems.append(f"{where}: hints {entry['hints']!r} is not a hint level")
    return clean


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, allow_nan=False)



def summarize(problems: list[str]) -> str:
    """The first few problems, for a notice."""
    return "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
