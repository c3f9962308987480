"""Shared fixtures and helpers: a private progress folder for every test, the repository's lessons, a small
lesson text, and the Pilot helpers the UI tests use (``from .conftest import open_page, wait_until``).

UI tests wait for the state they need (:func:`wait_until`, with a deadline and a message that says what was
awaited), never for a fixed time. They reach a page by jumping to it (:func:`open_page`), since every page
turned through would compose its Markdown; test_ui.py's first test is the one about the page keys.
"""

from __future__ import annotations

import inspect
import re
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import pytest
from textual.message import Message
from textual.notifications import Notification, Notify

from tutor.curriculum import load_curriculum
from tutor.progress import ProgressStore

REPO = Path(__file__).resolve().parents[1]
LESSONS = REPO / "lessons"


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch) -> Path:
    """Progress and logs of a test go to its own folder, never the developer's."""
    home = tmp_path / "home"
    monkeypatch.setenv("RNN_TUTOR_HOME", str(home))
    monkeypatch.setenv("RNN_TUTOR_LESSONS", str(LESSONS))
    return home


@pytest.fixture
def curriculum():
    return load_curriculum(LESSONS)


@pytest.fixture
def make_app(tmp_path):
    """A TutorApp on the real lessons (or a given folder) that does not load TensorFlow at start."""
    from tutor.app import TutorApp

    def make(lessons: Path = LESSONS, progress: ProgressStore | None = None, **kwargs):
        kwargs.setdefault("load_engine", False)
        return TutorApp(curriculum=load_curriculum(lessons), progress=progress or ProgressStore(tmp_path / "p.json"),
                        log_path=tmp_path / "tf.log", **kwargs)

    return make


# A small lesson: a NumPy lab on page one, a numeric check on page two (lines 10 and 17 open the blocks).
GOOD = '''+++
id = "tiny"
title = "Tiny"
order = 9
+++

## One
Some prose.

```lab
experiment = "scalar-decay"
[params]
steps = 10
```

## Two
```check
id = "q"
question = "2 + 2?"
answer = 4
explanation = "Arithmetic."
```
'''


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# How often wait_until looks again. Each look first lets the screen process what is queued (Pilot.pause).
POLL_SECONDS = 0.02


async def wait_until(pilot, condition: Callable[[], Any], timeout: float = 30.0, what: str | None = None) -> None:
    """Let the app run until ``condition()`` holds. After ``timeout`` seconds fail, saying what was awaited
    (``what``, else the condition's source line) and what the screen and each lab on it show."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what or _source(condition)}; {_app_state(pilot.app)}")
        await pilot.pause(POLL_SECONDS)


def _source(condition: Callable[[], Any]) -> str:
    try:
        return inspect.getsource(condition).strip()
    except (OSError, TypeError):
        return repr(condition)


def _app_state(app) -> str:
    from textual.css.query import NoMatches

    from tutor.widgets.lab import LabView

    def shown(lab: LabView, part: str) -> str:
        try:
            return str(lab.query_one(part).render())
        except NoMatches:  # still mounting
            return "(not mounted)"

    labs = [(lab.spec.experiment, shown(lab, ".lab-status"), shown(lab, ".lab-summary"))
            for lab in app.screen.query(LabView)]
    return f"screen: {type(app.screen).__name__}; labs (experiment, status, summary): {labs}"


async def open_page(pilot, title_part: str):
    """Show the page of the open lesson whose title contains ``title_part``, by jumping to it as the page keys
    do (``show_page``): pressing n through the pages before it would compose each of them."""
    screen = pilot.app.screen
    found = [index for index, page in enumerate(screen.lesson.pages) if title_part in page.title]
    assert len(found) == 1, f"{len(found)} pages of {screen.lesson.id!r} have {title_part!r} in their title"
    screen.show_page(found[0])
    await pilot.pause()
    return screen


async def pick_from_palette(pilot, typed: str, expect: str | None = None) -> None:
    """In the open command palette, type ``typed``, wait until the highlighted command shows ``expect`` (by
    default what was typed), and press enter."""
    from textual.command import CommandList

    await wait_until(pilot, lambda: pilot.app.screen.query(CommandList), timeout=10, what="the command palette")
    results = pilot.app.screen.query_one(CommandList)
    await pilot.press(*typed)
    expect = expect or typed

    def offered() -> bool:
        index = results.highlighted
        return index is not None and expect in str(results.get_option_at_index(index).prompt)

    await wait_until(pilot, offered, timeout=10, what=f"the palette to highlight {expect!r}")
    await pilot.press("enter")


@dataclass
class OpenPage:
    """The app at 80×24 on one page of a lesson."""

    app: Any
    pilot: Any
    screen: Any

    @property
    def lab(self):
        """The first lab on the page."""
        from tutor.widgets.lab import LabView

        return self.screen.current.query_one(LabView)


@pytest.fixture
def on_page(make_app):
    """``async with on_page("lesson-id", "title part", **app_options) as page:`` runs the app at 80×24 with
    that lesson open on that page (the preamble of most UI tests)."""

    @asynccontextmanager
    async def opened(lesson_id: str, title_part: str, **app_options) -> AsyncIterator[OpenPage]:
        app = make_app(start_lesson=lesson_id, **app_options)
        async with app.run_test(size=(80, 24)) as pilot:
            yield OpenPage(app, pilot, await open_page(pilot, title_part))

    return opened


async def run_lab(pilot, lab, timeout: float = 60.0):
    """Run a lab with t (unless it already ran by itself) and wait for its result."""
    if lab.result is None and not lab.running:
        lab.chart.focus()  # t runs the lab that holds the focus
        await pilot.press("t")
    if lab.asking:  # a prediction asked first (an autorun lab asks when its page shows): s skips it and runs
        await pilot.press("s")
    await wait_until(pilot, lambda: lab.result is not None and not lab.running, timeout=timeout,
                     what=f"a result from {lab.spec.experiment}")
    assert lab.error is None, lab.error
    return lab.result


# -- notifications, through Textual's public routes (App._notifications is private) --------------------------
def toasts(app, severity: str | None = None) -> list[str]:
    """The notifications on the screen now, as the learner reads them (title and message). Needs
    ``run_test(notifications=True)``; the Toast CSS type and its ``-error``/``-warning``/``-information``
    classes are the documented way to reach them."""
    return [str(toast.render()) for toast in app.screen.query("Toast")
            if severity is None or toast.has_class(f"-{severity}")]


class Notified(list[Notification]):
    """Every notification the app posts, in order: pass as ``run_test(message_hook=notified)``; the hook sees
    each message the app handles, among them Textual's ``Notify``."""

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.append(message.notification)


# An old exercises/.status.json in each shape that crashed a command or lost passes silently (QA b1e7222 rows 3
# and 9); the store imports what is valid once and sets the rest aside.
QA_STATUS = {
    "passed-null": '{"passed": null}',
    "passed-list": '{"passed": []}',
    "passed-string": '{"passed": "rnn_step lstm_step gru_step"}',
    "hints-string": '{"passed": {}, "hints": {"rnn_step": "x"}}',
    "hints-list": '{"passed": {}, "hints": []}',
    "hints-huge": '{"passed": {}, "hints": {"rnn_step": 1e400}}',
    "garbage": "garbage{",
}


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


async def chart_rows(figure: dict[str, Any], kept: Any = ()) -> list[str]:
    """A figure (and ``kept`` runs) as a lab's chart draws it at 80×24 (72×16 cells), as plain text rows."""
    from textual.app import App, ComposeResult

    from tutor.widgets.chart import FigureChart

    class ChartApp(App[None]):
        CSS = "FigureChart { height: 16; width: 72; }"  # a lab's chart at 80×24

        def compose(self) -> ComposeResult:
            yield FigureChart()

    app = ChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(FigureChart)
        chart.show(figure, kept)
        await pilot.pause()
        chart.plt.plotsize(chart.size.width, chart.size.height)
        return _ANSI.sub("", chart.plt.build()).splitlines()
