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

    ```predict
    id = "half"                   # unique among the lesson's predictions
    lab = "gradient-flow"         # the experiment of a lab on this page
    question = "…"
    value = "ratio_first_to_last" # a path into the run's result; pick = "argmin" or "argmax" over a mapping
    [params]                      # set in the lab's fields before it runs; a verdict needs exactly these
    recurrent_scale = 0.5
    [[choices]]
    label = "…"
    max = 1e-6                    # a range (min inclusive, max exclusive), or category = "KEY" with a pick
    explain = "…"                 # shown after the verdict
    ```

    ```check
    id = "decay"
    question = "…"
    choices = ["…", "…"]
    answer = 1            # index into choices; a number for a numeric question
    explanation = "…"
    ```

    ```source
    exercise = "lstm_step"        # the exercise this code answers: shown once it passes (or when asked)
    show = ["tutor/engine/scratch.py:sigmoid", "tutor/engine/scratch.py:LSTM._step"]
    ```

Pages are split where Markdown itself sees a level-2 heading: the body is tokenised by markdown-it-py with the
"gfm-like" preset, as the screen's Markdown widget parses it, so a ``## `` line inside any code fence (``~~~``
or a longer backtick fence wrapping a ```` ```lab ```` example) is text, and an indented ``   ## Title`` is a
heading. A fenced block whose info string names a kind in :data:`BLOCK_KINDS` becomes that block; every other
token is prose, kept as its source lines. Unknown keys, unknown experiments and bad parameter values are
errors that name the file and line; a broken file is skipped and the others still load. A ``source`` block
names functions, methods or classes of the tutor's own files; the loader finds each with :mod:`ast` in the
installed package (it imports nothing of them, so no NumPy) and keeps its code, so a name that does not exist
is a load error too.

The curriculum validates every lab against the engine's registry here, so a broken lab fails at load with its
file and line; that is why the engine's experiment modules keep NumPy and TensorFlow out of module level.
"""

from __future__ import annotations

import ast
import re
import textwrap
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Literal

from tutor.curriculum.model import (CheckSpec, Curriculum, ExerciseSpec, LabSpec, Lesson, Page, Prose, SourcePart,
                                    SourceSpec)
from tutor.curriculum.outline import (_ID, LessonFileError, check_keys as _check_keys, default_lessons_dir,
                                      key_line as _key_line, read_folder, read_front, toml_block as _toml)
from tutor.curriculum.predict import MEASURED, PICKS, Choice, PredictSpec, gaps
from tutor.engine import registry
from tutor.engine.experiment import ParamError

__all__ = ["BLOCK_KINDS", "LessonFileError", "default_lessons_dir", "load_curriculum", "load_lesson",
           "parse_lesson"]

LAB_KEYS = {"experiment": str, "title": str, "params": dict, "overlay": bool, "step_param": str, "autorun": bool}
CHECK_KEYS = {"id": str, "question": str, "choices": list, "answer": (int, float), "tolerance": (int, float),
              "explanation": str}
EXERCISE_KEYS = {"name": str}
SOURCE_KEYS = {"exercise": str, "show": list}
PREDICT_KEYS = {"id": str, "lab": str, "question": str, "params": dict, "value": (str, list), "pick": str,
                "choices": list, "diverged": int, "time_limited": (int, str)}
CHOICE_KEYS = {"label": str, "explain": str, "min": (int, float), "max": (int, float), "category": str}
_CHOICES = re.compile(r"^\s*(\[\[choices\]\]|choices\s*=)")  # where a predict block's choices begin
# A source block's entry: a .py file of the package, from its folder "tutor/", then a qualified name in it.
_SHOW = re.compile(r"^tutor(/[A-Za-z_]\w*)*/[A-Za-z_]\w*\.py:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def load_curriculum(folder: Path | None = None) -> Curriculum:
    """Every ``*.md`` lesson in ``folder``, sorted by order, bodies parsed and labs validated; broken files go to
    ``errors``. (The first screen reads only the front matter first: :func:`tutor.curriculum.outline.read_outline`.)"""
    lessons, errors = read_folder(folder, load_lesson)
    return Curriculum(lessons, errors)


def load_lesson(path: Path) -> Lesson:
    return parse_lesson(path.read_text(encoding="utf-8"), path)


def parse_lesson(text: str, path: Path) -> Lesson:
    lines = text.splitlines()
    front, end = read_front(lines)
    pages = _pages(lines, end + 1)
    if not pages:
        raise LessonFileError(end + 2, "the lesson has no pages: start one with a '## Title' line")
    check_ids: set[str] = set()
    for page in pages:
        for check in page.checks:
            if check.id in check_ids:
                raise LessonFileError(check.line, f"check id {check.id!r} is used twice in this lesson")
            check_ids.add(check.id)
    predict_ids: set[str] = set()
    for index, page in enumerate(pages):
        bound = tuple(_bind(block, page) if isinstance(block, PredictSpec) else block for block in page.blocks)
        pages[index] = Page(page.title, bound)
        asked: set[str] = set()
        for spec in pages[index].predictions:
            if spec.experiment in asked:
                raise LessonFileError(spec.line + 1, f"the lab of {spec.experiment} on this page already has a "
                                                     "prediction; a lab asks one question")
            asked.add(spec.experiment)
            if spec.id in predict_ids:
                raise LessonFileError(spec.line, f"prediction id {spec.id!r} is used twice in this lesson")
            predict_ids.add(spec.id)
    return Lesson(front["id"], front["title"], front["order"], front.get("summary", ""), path, tuple(pages))


def _pages(lines: list[str], start: int) -> list[Page]:
    """The pages of the lesson body, ``lines[start:]``; line numbers in errors count from the file's top."""
    from markdown_it import MarkdownIt  # noqa: PLC0415 - only when lessons are read

    # Textual's Markdown widget parses with the "gfm-like" preset; the same preset here means a page splits
    # where the screen sees its blocks (a table, say). Block structure is all a split needs: inline parsing
    # (most of the time) is left to the screen, and with it linkify, which would need linkify-it-py.
    parser = MarkdownIt("gfm-like").disable(["inline", "text_join", "linkify"])
    tokens = parser.parse("\n".join(lines[start:]))
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
    if data.get("autorun") and exp.uses_tensorflow:
        # A lab runs by itself only when that is instant; a Keras lab waits for TensorFlow and the training slot.
        raise LessonFileError(_key_line(body, "autorun", first_line), f"autorun is for NumPy labs; {exp.name} "
                              "trains with TensorFlow, so the learner starts it")
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


def _source(body: list[str], first_line: int) -> SourceSpec:
    from tutor.exercises.catalogue import BY_NAME

    data = _toml("\n".join(body), first_line, "source block")
    _check_keys(data, SOURCE_KEYS, "source block", body, first_line)
    for key in ("exercise", "show"):
        if key not in data:
            raise LessonFileError(first_line - 1, f"a source block needs {key!r}")
    if data["exercise"] not in BY_NAME:
        raise LessonFileError(_key_line(body, "exercise", first_line),
                              f"unknown exercise {data['exercise']!r}; exercises: {', '.join(BY_NAME)}")
    show = data["show"]
    show_line = _key_line(body, "show", first_line)
    if not show:
        raise LessonFileError(show_line, "show lists at least one function, method or class to show")
    parts: list[SourcePart] = []
    for entry in show:
        if not isinstance(entry, str) or not _SHOW.match(entry):
            raise LessonFileError(_entry_line(body, entry, show_line, first_line),
                                  f"show: {entry!r} is not a file of the package and a name in it, like "
                                  '"tutor/engine/scratch.py:LSTM._step"')
        if entry in show[:len(parts)]:
            raise LessonFileError(_entry_line(body, entry, show_line, first_line), f"show: {entry!r} is named twice")
        try:
            parts.append(_find_code(*entry.split(":")))
        except LookupError as err:
            raise LessonFileError(_entry_line(body, entry, show_line, first_line), f"show: {err.args[0]}") from None
    return SourceSpec(data["exercise"], tuple(parts), first_line - 1)


def _entry_line(body: list[str], entry: object, show_line: int, first_line: int) -> int:
    """The line of the block that holds ``entry`` (a show list may span lines), else the line of ``show``."""
    if isinstance(entry, str):
        for offset, line in enumerate(body):
            if f'"{entry}"' in line or f"'{entry}'" in line:
                return first_line + offset
    return show_line


def _package_dir() -> Path:
    return Path(str(resources.files("tutor")))


def _find_code(file: str, name: str) -> SourcePart:
    """``name`` (qualified, "LSTM._step") in ``file`` ("tutor/engine/scratch.py"), read from the installed
    package and found with :mod:`ast`, so nothing of it is imported. Raises ``LookupError`` with the reason."""
    path = _package_dir().joinpath(*file.split("/")[1:])
    try:
        lines, tree = _parsed(path, path.stat().st_mtime_ns)
    except (OSError, UnicodeDecodeError) as err:
        missing = isinstance(err, FileNotFoundError)
        raise LookupError(f"{file} " + ("is not a file of the tutor package" if missing else
                                        f"cannot be read: {err}")) from None
    except SyntaxError as err:
        raise LookupError(f"{file} is not valid Python (line {err.lineno})") from None
    scope: list[ast.stmt] = tree.body
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | None = None
    for part in name.split("."):
        named = [n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        found = [n for n in named if n.name == part]
        if not found:
            where = f"{file} defines" if node is None else f"{node.name} defines"
            listed = ", ".join(dict.fromkeys(n.name for n in named)) or "no functions or classes"
            raise LookupError(f"{file} has no {name!r}: {where} {listed}")
        node = found[-1]  # defined twice: the last one is what runs
        scope = node.body
    assert node is not None
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    last = node.end_lineno or node.lineno
    return SourcePart(file, name, first, textwrap.dedent("\n".join(lines[first - 1:last])))


@lru_cache(maxsize=16)
def _parsed(path: Path, mtime_ns: int) -> tuple[list[str], ast.Module]:
    """The file's lines and syntax tree; ``mtime_ns`` is in the key so an edited file is read again."""
    text = path.read_text(encoding="utf-8")
    # The lines as ast counts them (str.splitlines would also split at a form feed, which ast does not).
    return re.split(r"\r\n|\r|\n", text), ast.parse(text, filename=str(path))


def _predict(body: list[str], first_line: int) -> PredictSpec:
    """The block as written; :func:`_bind` then joins it to its page's lab."""
    data = _toml("\n".join(body), first_line, "predict block")
    _check_keys(data, PREDICT_KEYS, "predict block", body, first_line)
    for key in ("id", "lab", "question", "value", "choices"):
        if key not in data:
            raise LessonFileError(first_line - 1, f"a predict block needs {key!r}")
    if not _ID.match(data["id"]):
        raise LessonFileError(_key_line(body, "id", first_line), "a prediction id is lowercase words joined by '-'")
    try:
        exp = registry.get(data["lab"])
    except registry.UnknownExperiment as err:
        raise LessonFileError(_key_line(body, "lab", first_line), err.message) from None
    raw = data.get("params", {})
    for name, value in raw.items():
        try:
            exp.param(name).parse(value)
        except KeyError:
            raise LessonFileError(_key_line(body, name, first_line), f"{exp.name} has no parameter {name!r}") from None
        except ParamError as err:
            raise LessonFileError(_key_line(body, name, first_line), f"lab {exp.name}: {err}") from None
    pick = data.get("pick")
    if pick is not None and pick not in PICKS:
        raise LessonFileError(_key_line(body, "pick", first_line), f"pick is one of {', '.join(PICKS)}")
    count = len(data["choices"])
    diverged = _outcome(data, "diverged", count, body, first_line)
    time_limited = _outcome(data, "time_limited", count, body, first_line)
    if diverged == MEASURED:  # a diverged run measured nothing that could be graded
        raise LessonFileError(_key_line(body, "diverged", first_line), "diverged is the number of a choice")
    stops = {o for o in (diverged, time_limited) if isinstance(o, int)}
    choices = _choices(data["choices"], pick is not None, stops, body, first_line)
    value = data["value"]
    if isinstance(value, list):
        if pick is None or len(value) < 2 or not all(isinstance(v, str) and v for v in value):
            raise LessonFileError(_key_line(body, "value", first_line),
                                  "value is one path, or (with a pick) a list of two or more paths")
        value = tuple(value)
    elif not value:
        raise LessonFileError(_key_line(body, "value", first_line), "value is a path into the run's result")
    return PredictSpec(data["id"], exp.name, data["question"], dict(raw), tuple(raw), value, pick,
                       choices, diverged if isinstance(diverged, int) else None, time_limited, first_line - 1)


def _outcome(data: dict[str, Any], key: str, count: int, body: list[str],
             first_line: int) -> int | Literal["measured"] | None:
    """What a diverged or time-limited run counts as: a choice (numbered from 1 in the file), or graded on
    what it measured; None when the block does not say (such a run gets no verdict)."""
    given = data.get(key)
    if given is None:
        return None
    if given == MEASURED:
        return MEASURED
    if isinstance(given, int) and not isinstance(given, bool) and 1 <= given <= count:
        return given - 1
    raise LessonFileError(_key_line(body, key, first_line),
                          f'{key} is the number of a choice (1 to {count}) or "{MEASURED}"')


def _choices(raw: list[Any], categories: bool, stops: set[int], body: list[str],
             first_line: int) -> tuple[Choice, ...]:
    """The choices, each a range (or, with a pick, a category); one that only a diverged or time-limited run
    can reach (its index in ``stops``) may have neither."""
    line = next((first_line + i for i, b in enumerate(body) if _CHOICES.match(b)), first_line)
    if len(raw) < 2:
        raise LessonFileError(line, "a prediction needs at least two choices")
    choices = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise LessonFileError(line, f"choice {number} is a table with label, explain and a range or category")
        _check_keys(item, CHOICE_KEYS, f"choice {number}", body, first_line)
        for key in ("label", "explain"):
            if key not in item:
                raise LessonFileError(line, f"choice {number} needs {key!r}")
        if number - 1 in stops and not {"min", "max", "category"} & set(item):
            choices.append(Choice(item["label"], item["explain"]))
            continue
        if categories != ("category" in item) or (categories and ("min" in item or "max" in item)):
            need = "a category (pick decides one)" if categories else "a range, min and/or max (no pick is given)"
            raise LessonFileError(line, f"choice {number} needs {need}")
        if not categories and "min" not in item and "max" not in item:
            raise LessonFileError(line, f"choice {number} needs min and/or max")
        choices.append(Choice(item["label"], item["explain"], _float(item.get("min")), _float(item.get("max")),
                              item.get("category")))
    labels = [c.label for c in choices]
    if len(set(labels)) != len(labels):
        raise LessonFileError(line, "two choices have the same label")
    if categories:
        names = [c.category for c in choices if c.category is not None]
        if len(set(names)) != len(names):
            raise LessonFileError(line, "two choices have the same category")
    else:
        problem = gaps(tuple(c for c in choices if c.min is not None or c.max is not None))
        if problem:
            raise LessonFileError(line, problem)
    return tuple(choices)


def _float(value: int | float | None) -> float | None:
    return None if value is None else float(value)


def _bind(spec: PredictSpec, page: Page) -> PredictSpec:
    """The prediction with its lab's whole parameter set: the lab's values, then the block's."""
    labs = [lab for lab in page.labs if lab.experiment == spec.experiment]
    if len(labs) != 1:
        found = "no lab" if not labs else f"{len(labs)} labs"
        raise LessonFileError(spec.line + 1, f"a prediction needs one lab of {spec.experiment} on its page; "
                                             f"this page has {found} of it")
    exp = registry.get(spec.experiment)
    try:
        params = exp.validate({**labs[0].params, **spec.params})
    except ParamError as err:
        raise LessonFileError(spec.line + 1, f"prediction {spec.id}: {err}") from None
    return PredictSpec(spec.id, spec.experiment, spec.question, dict(params), spec.fixed, spec.value, spec.pick,
                       spec.choices, spec.diverged, spec.time_limited, spec.line)


# Fenced block kinds: the info string after the fence, and the reader that turns the block's lines (the first
# of them at the given 1-based line of the file) into a page block. Add a kind here to add a block.
BLOCK_KINDS: dict[str, Callable[[list[str], int], Any]] = {"lab": _lab, "check": _check,
                                                               "exercise": _exercise, "predict": _predict,
                                                               "source": _source}
