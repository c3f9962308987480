"""Shared fixtures: a private progress folder for every test, and the repository's lessons."""

from __future__ import annotations

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
        return TutorApp(curriculum=load_curriculum(lessons), progress=progress or ProgressStore(tmp_path / "p.json"),
                        load_engine=False, log_path=tmp_path / "tf.log", **kwargs)

    return make
