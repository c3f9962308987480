"""The contents before the lessons: each lesson file's front matter, read without its body.

The first screen lists the lessons from this alone (a few TOML lines per file), so the app appears before any
lesson body is parsed and its labs validated; :mod:`tutor.curriculum.loader` reads the bodies (after the first
paint, in the background) and shares the front-matter rules, the folder walk and the error wording kept here.
Importing this module imports neither Markdown nor the engine.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Protocol, TypeVar

from tutor.curriculum.model import LessonError, LessonHead, Outline

FRONT_KEYS = {"id": str, "title": str, "order": int, "summary": str}
FRONT_REQUIRED = ("id", "title", "order")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class LessonFileError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def default_lessons_dir() -> Path:
    """``$RNN_TUTOR_LESSONS``, else the lessons inside the installed package, else the repository's."""
    override = os.environ.get("RNN_TUTOR_LESSONS")
    if override:
        return Path(override)
    packaged = Path(str(resources.files("tutor"))) / "lessons"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "lessons"


class _Named(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def order(self) -> int: ...


T = TypeVar("T", bound=_Named)


def read_folder(folder: Path | None, read: Callable[[Path], T]) -> tuple[list[T], list[LessonError]]:
    """``read`` applied to every ``*.md`` file of ``folder`` (the lessons folder by default): the results sorted by
    order, and a :class:`LessonError` for each file that could not be read or repeats an id."""
    folder = folder or default_lessons_dir()
    if not folder.is_dir():
        where = " (from RNN_TUTOR_LESSONS)" if os.environ.get("RNN_TUTOR_LESSONS") else ""
        return [], [LessonError(folder, 0, f"the lessons folder {folder.absolute()}{where} does not exist")]
    items: list[T] = []
    errors: list[LessonError] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.md")):
        try:
            item = read(path)
        except LessonFileError as err:
            errors.append(LessonError(path, err.line, err.message))
            continue
        except (OSError, UnicodeDecodeError) as err:
            errors.append(LessonError(path, 0, f"cannot read the file: {err}"))
            continue
        if item.id in seen:
            errors.append(LessonError(path, 2, f"lesson id {item.id!r} is already used by {seen[item.id].name}"))
            continue
        seen[item.id] = path
        items.append(item)
    items.sort(key=lambda item: (item.order, item.id))
    return items, errors


def read_outline(folder: Path | None = None) -> Outline:
    """Every lesson's front matter, sorted by order; a file whose front matter is broken goes to ``errors``."""
    heads, errors = read_folder(folder, read_head)
    return Outline(tuple(heads), tuple(errors))


def read_head(path: Path) -> LessonHead:
    lines = path.read_text(encoding="utf-8").splitlines()
    front, _ = read_front(lines)
    return LessonHead(front["id"], front["title"], front["order"], front.get("summary", ""), path)


def read_front(lines: list[str]) -> tuple[dict[str, Any], int]:
    """The front matter of a lesson's lines, checked, and the index of the line that closes it."""
    if not lines or lines[0].strip() != "+++":
        raise LessonFileError(1, "a lesson starts with a front-matter block opened by a line '+++'")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        raise LessonFileError(1, "the front-matter block opened on line 1 is never closed by '+++'") from None
    front = toml_block("\n".join(lines[1:end]), 2, "front matter")
    check_keys(front, FRONT_KEYS, "front matter", lines[1:end], 2)
    for key in FRONT_REQUIRED:
        if key not in front:
            raise LessonFileError(1, f"the front matter needs {key!r}")
    if not _ID.match(front["id"]):
        raise LessonFileError(key_line(lines[1:end], "id", 2), f"lesson id {front['id']!r} must be lowercase words "
                              "joined by '-'")
    return front, end


def toml_block(text: str, first_line: int, what: str) -> dict[str, Any]:
    """A block's TOML; an error names the line of the file it is on (``first_line``: the block's first)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        match = _TOML_LINE.search(str(err))
        line = first_line + int(match.group(1)) - 1 if match else first_line
        message = _TOML_LINE.sub("", str(err)).strip()
        raise LessonFileError(line, f"{what}: {message}") from None


def check_keys(data: dict[str, Any], allowed: dict[str, Any], what: str, body: list[str], first_line: int) -> None:
    for key, value in data.items():
        if key not in allowed:
            raise LessonFileError(key_line(body, key, first_line),
                                  f"unknown key {key!r} in the {what} (allowed: {', '.join(allowed)})")
        expected = allowed[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise LessonFileError(key_line(body, key, first_line), f"{key!r} in the {what} has the wrong type")


def key_line(body: list[str], key: str, first_line: int) -> int:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for offset, line in enumerate(body):
        if pattern.match(line):
            return first_line + offset
    return max(1, first_line - 1)
