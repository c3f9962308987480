"""Shared fixtures and helpers: a private progress folder for every test, the repository's lessons, a small
lesson text, and the Pilot helpers the UI tests use (``from .conftest import open_page, wait_until``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

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


async def wait_until(pilot, condition, timeout=60.0):
    """Let the app run until ``condition()`` holds; on time-out, say what each lab on the screen shows."""
    from tutor.widgets.lab import LabView

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            labs = [(str(lab.query_one(".lab-status").render()), str(lab.query_one(".lab-summary").render()))
                    for lab in pilot.app.screen.query(LabView)]
            raise AssertionError(f"timed out waiting for the app; labs: {labs}")
        await pilot.pause(0.05)


async def open_page(pilot, title_part):
    """Page forward (n) in the open lesson until the page's title contains ``title_part``."""
    screen = pilot.app.screen
    for _ in range(len(screen.lesson.pages)):
        if title_part in screen.lesson.pages[screen.page].title:
            return screen
        await pilot.press("n")
    raise AssertionError(f"no page titled {title_part!r}")
