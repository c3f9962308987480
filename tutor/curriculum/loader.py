"""Read lesson files (Markdown with TOML front matter and fenced ``lab``/``check`` blocks) into dataclasses.

A lesson file looks like this::

    +++
    id = "vanishing-gradients"
    title = "Vanishing and exploding gradients"
    order = 3
    summary = "One line for the contents."
    +++

    ## The first page's title
    Markdown prose…

    ```lab
    experiment = "gradient-flow"
    title = "What the chart shows"
    [params]
    cell = "simple_rnn"
    ```

    ```check
    id = "decay"
    question = "…"
    choices = ["…", "…"]
    answer = 1            # index into choices; a number for a numeric question
    explanation = "…"
    ```

Pages are split where Markdown itself sees a level-2 heading: the body is tokenised by markdown-it-py (the
parser the screen's Markdown widget renders with), so a ``## `` line inside any code fence (``~~~`` or a longer
backtick fence wrapping a ```` ```lab ```` example) is text, and an indented ``   ## Title`` is a heading. A
fenced block whose info string names a kind in :data:`BLOCK_KINDS` becomes that block; every other token is
prose, kept as its source lines. Unknown keys, unknown experiments and bad parameter values are errors that
name the file and line; a broken file is skipped and the others still load.

The curriculum validates every lab against the engine's registry here, so a broken lab fails at load with its
file and line; that is why the engine's experiment modules keep NumPy and TensorFlow out of module level.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from tutor.curriculum.model import (CheckSpec, Curriculum, ExerciseSpec, LabSpec, Lesson, LessonError, Page,
                                    Prose)
from tutor.engine import registry
from tutor.engine.experiment import ParamError

FRONT_KEYS = {"id": str, "title": str, "order": int, "summary": str}
FRONT_REQUIRED = ("id", "title", "order")
LAB_KEYS = {"experiment": str, "title": str, "params": dict, "overlay": bool, "step_param": str, "autorun": bool}
CHECK_KEYS = {"id": str, "question": str, "choices": list, "answer": (int, float), "tolerance": (int, float),
              "explanation": str}
EXERCISE_KEYS = {"name": str}
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


def load_curriculum(folder: Path | None = None) -> Curriculum:
    """Every ``*.md`` lesson in ``folder``, sorted by order; broken files go to ``errors``."""
    folder = folder or default_lessons_dir()
    result = Curriculum()
    if not folder.is_dir():
        where = " (from RNN_TUTOR_LESSONS)" if os.environ.get("RNN_TUTOR_LESSONS") else ""
        message = f"the lessons folder {folder.absolute()}{where} does not exist"
        result.errors.append(LessonError(folder, 0, message))
        return result
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.md")):
        try:
            lesson = load_lesson(path)
        except LessonFileError as err:
            result.errors.append(LessonError(path, err.line, err.message))
            continue
        except (OSError, UnicodeDecodeError) as err:
            result.errors.append(LessonError(path, 0, f"cannot read the file: {err}"))
            continue
        if lesson.id in seen:
            result.errors.append(LessonError(path, 2, f"lesson id {lesson.id!r} is already used by {seen[lesson.id].name}"))
            continue
        seen[lesson.id] = path
        result.lessons.append(lesson)
    result.lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    return result


def load_lesson(path: Path) -> Lesson:
    return parse_lesson(path.read_text(encoding="utf-8"), path)


def parse_lesson(text: str, path: Path) -> Lesson:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "+++":
        raise LessonFileError(1, "a lesson starts with a front-matter block opened by a line '+++'")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        raise LessonFileError(1, "the front-matter block opened on line 1 is never closed by '+++'") from None
    front = _toml("\n".join(lines[1:end]), 2, "front matter")
    _check_keys(front, FRONT_KEYS, "front matter", lines[1:end], 2)
    for key in FRONT_REQUIRED:
        if key not in front:
            raise LessonFileError(1, f"the front matter needs {key!r}")
    if not _ID.match(front["id"]):
        raise LessonFileError(_key_line(lines[1:end], "id", 2), f"lesson id {front['id']!r} must be lowercase words joined by '-'")
    pages = _pages(lines, end + 1)
    if not pages:
        raise LessonFileError(end + 2, "the lesson has no pages: start one with a '## Title' line")
    check_ids: set[str] = set()
    for page in pages:
        for check in page.checks:
            if check.id in check_ids:
                raise LessonFileError(check.line, f"check id {check.id!r} is used twice in this lesson")
            check_ids.add(check.id)
    return Lesson(front["id"], front["title"], front["order"], front.get("summary", ""), path, tuple(pages))


def _pages(lines: list[str], start: int) -> list[Page]:
    """The pages of the lesson body, ``lines[start:]``; line numbers in errors count from the file's top."""
    from markdown_it import MarkdownIt  # noqa: PLC0415 - only when lessons are read

    # Block structure is all a page split needs; inline parsing (most of the time) is left to the screen.
    tokens = MarkdownIt("commonmark").disable(["inline", "text_join"]).parse("\n".join(lines[start:]))
    pages: list[Page] = []
    title: str | None = None
    blocks: list = []
    prose_from: int | None = None  # the first source line of the prose not yet made a block
    prose_to = 0

    def flush_prose() -> None:
        nonlocal prose_from
        if prose_from is not None:
            text = "\n".join(lines[prose_from:prose_to]).strip()
            if text:
                blocks.append(Prose(text))
        prose_from = None

    def close_page() -> None:
        flush_prose()
        if title is not None:
            pages.append(Page(title, tuple(blocks)))
        blocks.clear()

    for index, token in enumerate(tokens):
        if token.level != 0 or token.map is None:  # inside a block already placed, or a closing token
            continue
        first, end = start + token.map[0], start + token.map[1]  # 0-based line range in the file
        if token.type == "heading_open" and token.tag == "h2":
            close_page()
            title = tokens[index + 1].content.strip()
            continue
        if title is None:
            raise LessonFileError(first + 1, "text before the first page heading: start a page with '## Title'")
        if token.type == "fence":
            _check_closed(token.markup, lines, first, end)
            kind = token.info.strip()
            if kind in BLOCK_KINDS:
                flush_prose()
                blocks.append(BLOCK_KINDS[kind](token.content.splitlines(), first + 2))
                continue
        if prose_from is None:
            prose_from = first
        prose_to = end
    close_page()
    return pages


def _check_closed(marker: str, lines: list[str], first: int, end: int) -> None:
    """Markdown runs a fence that is never closed to the end of the file; a lesson calls that an error."""
    last = lines[end - 1].strip() if end - 1 > first else ""
    if not (last.startswith(marker) and set(last) == {marker[0]}):
        raise LessonFileError(first + 1, f"the code fence opened here ({lines[first].strip()}) is never closed")


def _lab(body: list[str], first_line: int) -> LabSpec:
    data = _toml("\n".join(body), first_line, "lab block")
    _check_keys(data, LAB_KEYS, "lab block", body, first_line)
    if "experiment" not in data:
        raise LessonFileError(first_line - 1, "a lab block needs 'experiment'")
    try:
        exp = registry.get(data["experiment"])
    except registry.UnknownExperiment as err:
        raise LessonFileError(_key_line(body, "experiment", first_line), err.message) from None
    raw = data.get("params", {})
    try:
        params = exp.validate(raw)
    except ParamError as err:
        raise LessonFileError(_key_line(body, err.name, first_line), f"lab {exp.name}: {err}") from None
    step = data.get("step_param")
    if step is not None and (step not in params or exp.param(step).kind != "int"):
        raise LessonFileError(_key_line(body, "step_param", first_line),
                              f"step_param {step!r} must name an int parameter of {exp.name}")
    return LabSpec(exp.name, data.get("title", exp.title), params, data.get("overlay", False), step,
                   data.get("autorun", False), first_line - 1)


def _check(body: list[str], first_line: int) -> CheckSpec:
    data = _toml("\n".join(body), first_line, "check block")
    _check_keys(data, CHECK_KEYS, "check block", body, first_line)
    for key in ("id", "question", "answer", "explanation"):
        if key not in data:
            raise LessonFileError(first_line - 1, f"a check block needs {key!r}")
    choices = tuple(str(c) for c in data.get("choices", ()))
    answer = data["answer"]
    if choices and (not isinstance(answer, int) or not 0 <= answer < len(choices)):
        raise LessonFileError(_key_line(body, "answer", first_line),
                              f"answer must be the index (0 to {len(choices) - 1}) of the right choice")
    return CheckSpec(data["id"], data["question"], data["explanation"], answer, choices,
                     float(data.get("tolerance", 0.0)), first_line - 1)


def _exercise(body: list[str], first_line: int) -> ExerciseSpec:
    from tutor.exercises.catalogue import BY_NAME

    data = _toml("\n".join(body), first_line, "exercise block")
    _check_keys(data, EXERCISE_KEYS, "exercise block", body, first_line)
    if "name" not in data:
        raise LessonFileError(first_line - 1, "an exercise block needs 'name'")
    if data["name"] not in BY_NAME:
        raise LessonFileError(_key_line(body, "name", first_line),
                              f"unknown exercise {data['name']!r}; exercises: {', '.join(BY_NAME)}")
    return ExerciseSpec(data["name"], first_line - 1)


# Fenced block kinds: the info string after the fence, and the reader that turns the block's lines (the first
# of them at the given 1-based line of the file) into a page block. Add a kind here to add a block.
BLOCK_KINDS: dict[str, Callable[[list[str], int], Any]] = {"lab": _lab, "check": _check,
                                                               "exercise": _exercise}


def _toml(text: str, first_line: int, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        match = _TOML_LINE.search(str(err))
        line = first_line + int(match.group(1)) - 1 if match else first_line
        message = _TOML_LINE.sub("", str(err)).strip()
        raise LessonFileError(line, f"{what}: {message}") from None


def _check_keys(data: dict[str, Any], allowed: dict[str, Any], what: str, body: list[str], first_line: int) -> None:
    for key, value in data.items():
        if key not in allowed:
            raise LessonFileError(_key_line(body, key, first_line),
                                  f"unknown key {key!r} in the {what} (allowed: {', '.join(allowed)})")
        expected = allowed[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise LessonFileError(_key_line(body, key, first_line), f"{key!r} in the {what} has the wrong type")


def _key_line(body: list[str], key: str, first_line: int) -> int:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for offset, line in enumerate(body):
        if pattern.match(line):
            return first_line + offset
    return max(1, first_line - 1)
