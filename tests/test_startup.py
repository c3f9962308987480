"""The first screen comes from the lessons' front matter; their bodies are read after it is drawn.

The app made without a curriculum (as ``rnn-tutor`` makes it) lists the lessons from their front matter, then
reads the bodies in the background: a lesson whose body is broken leaves the list for the error box, the
review count and each lesson's page/lab/check counts appear, and a learner who opens a lesson before the
reading is done waits for it rather than getting a half-read lesson. The reading is held back here with a gate,
so each test sees the screen before and after it.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import OptionList, Static

from tutor.curriculum import loader
from tutor.curriculum.outline import read_outline
from tutor.progress import LessonShape, ProgressStore
from tutor.screens.contents import ContentsScreen
from tutor.screens.lesson import LessonScreen
from tutor.widgets.footer import Footer

from .conftest import GOOD, toasts, wait_until, write

BROKEN_BODY = GOOD.replace('"tiny"', '"later"').replace("order = 9", "order = 10").replace(
    'experiment = "scalar-decay"', 'experiment = "no-such-lab"')


@pytest.fixture
def gate(monkeypatch):
    """Holds the background reading of the lesson bodies until ``gate.set()``."""
    event = threading.Event()
    real = loader.load_curriculum

    def held(*args, **kwargs):
        assert event.wait(10), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(loader, "load_curriculum", held)
    return event


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    folder = tmp_path / "lessons"
    write(folder, "01-tiny.md", GOOD)
    write(folder, "02-later.md", BROKEN_BODY)
    monkeypatch.setenv("RNN_TUTOR_LESSONS", str(folder))
    return folder


def make_app(tmp_path, progress=None):
    from tutor.app import TutorApp

    return TutorApp(progress=progress or ProgressStore(tmp_path / "p.json"), load_engine=False,
                    log_path=tmp_path / "tf.log")


def listed(app) -> list[str]:
    options = app.screen.query_one("#lessons", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_contents_from_front_matter_then_the_broken_body_is_reported(tmp_path, lessons, gate):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ContentsScreen)
        titles = listed(app)
        assert len(titles) == 2 and "Tiny" in titles[0], "both lessons listed from their front matter"
        assert not app.screen.query_one("#lesson-errors-box").display
        summary = str(app.screen.query_one("#lesson-summary", Static).render())
        assert "page" not in summary, "no counts before the body is read"
        await pilot.press("down")  # the learner moves the cursor meanwhile
        gate.set()
        await wait_until(pilot, lambda: len(listed(app)) == 1, timeout=10)
        errors = str(app.screen.query_one("#lesson-errors").render())
        assert "02-later.md, line 11" in errors and "no-such-lab" in errors
        assert app.screen.query_one("#lesson-errors-box").display
        await wait_until(pilot, lambda: toasts(app, "error"), timeout=5)
        assert "02-later.md, line 11" in toasts(app, "error")[0]
        summary = str(app.screen.query_one("#lesson-summary", Static).render())
        assert "2 pages, 1 lab, 1 check" in summary


async def test_the_cursor_stays_where_the_learner_moved_it(tmp_path, monkeypatch, gate):
    folder = tmp_path / "lessons"
    write(folder, "01-tiny.md", GOOD)
    write(folder, "02-other.md", GOOD.replace('"tiny"', '"other"').replace("order = 9", "order = 10"))
    monkeypatch.setenv("RNN_TUTOR_LESSONS", str(folder))
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        options = app.screen.query_one("#lessons", OptionList)
        await pilot.press("down")
        assert options.highlighted == 1
        gate.set()
        await wait_until(pilot, lambda: app.screen.curriculum is not None, timeout=10)
        await pilot.pause()
        assert options.highlighted == 1 and app.screen.focused is options


async def test_a_lesson_opened_before_the_bodies_are_read_waits_for_them(tmp_path, lessons, gate):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        threading.Timer(0.3, gate.set).start()  # the reading finishes while the UI waits for it
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LessonScreen), timeout=10)
        assert app.screen.lesson.id == "tiny" and len(app.screen.lesson.pages) == 2


async def test_answers_that_fit_no_choice_are_set_aside_once_the_lessons_are_read(tmp_path, monkeypatch, gate):
    folder = tmp_path / "lessons"
    choice = GOOD.replace('answer = 4', 'choices = ["3", "4"]\nanswer = 1')
    write(folder, "01-tiny.md", choice)
    monkeypatch.setenv("RNN_TUTOR_LESSONS", str(folder))
    path = tmp_path / "p.json"
    earlier = ProgressStore(path)  # when the check had eight choices
    shape = LessonShape("tiny", 2, ("q",), {"q": 8})
    earlier.see_page(shape, 0)
    earlier.record_answer(shape, "q", 7, False)
    earlier.flush()
    app = make_app(tmp_path, ProgressStore(path))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        assert app.progress.answer("tiny", "q") is not None, "kept until the lessons are read"
        gate.set()
        await wait_until(pilot, lambda: toasts(app, "warning"), timeout=10)
        assert "not one of its choices" in toasts(app, "warning")[0]
        assert app.progress.answer("tiny", "q") is None
        assert app.progress.status("tiny") == "in progress", "the rest is kept"
    assert list(tmp_path.glob("p.json.damaged-*")), "the file as it was is kept aside"


def test_the_outline_reads_front_matter_only(tmp_path):
    folder = tmp_path / "lessons"
    write(folder, "01-tiny.md", GOOD)
    write(folder, "02-later.md", BROKEN_BODY)
    write(folder, "03-bad.md", GOOD.replace('"tiny"', '"Bad Id"'))
    write(folder, "04-twice.md", GOOD)
    outline = read_outline(folder)
    assert [head.id for head in outline.heads] == ["tiny", "later"]
    assert [str(error) for error in outline.errors] == [
        "03-bad.md, line 2: lesson id 'Bad Id' must be lowercase words joined by '-'",
        "04-twice.md, line 2: lesson id 'tiny' is already used by 01-tiny.md"]
    full = loader.load_curriculum(folder)
    assert [lesson.id for lesson in full.lessons] == ["tiny"]
    assert {error.path.name for error in full.errors} == {"02-later.md", "03-bad.md", "04-twice.md"}


def test_the_first_screen_imports_no_lesson_parser_engine_or_scheduler():
    code = ("import sys, tutor.app\nfrom tutor.curriculum.outline import read_outline\nread_outline()\n"
            "print(' '.join(sorted(sys.modules)))")
    modules = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout.split())
    assert "textual.app" in modules and "tutor.curriculum.outline" in modules
    late = {"markdown_it", "fsrs", "numpy", "tensorflow", "tutor.curriculum.loader", "tutor.engine.registry",
            "tutor.review"}
    assert not late & modules


class _Keys(App[None]):
    BINDINGS = [Binding("a", "one", "A"), Binding("b", "two", "B")]
    show_b = True

    def compose(self) -> ComposeResult:
        yield Static("x")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.show_b if action == "two" else True

    def action_one(self) -> None:
        pass

    def action_two(self) -> None:
        pass


async def test_the_footer_is_rebuilt_once_per_batch_and_only_when_its_keys_change(monkeypatch):
    rebuilt = []
    real = Widget.recompose

    async def counted(self):
        if isinstance(self, Footer):
            rebuilt.append(1)
        return await real(self)

    monkeypatch.setattr(Widget, "recompose", counted)
    app = _Keys()

    def keys() -> str:
        return " ".join(str(key.render()) for key in app.screen.query("FooterKey"))

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "A" in keys() and "B" in keys()
        rebuilt.clear()
        for _ in range(6):
            app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert rebuilt == [], "the same keys: nothing to rebuild"
        app.show_b = False
        for _ in range(6):
            app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert len(rebuilt) == 1, "six signals before a refresh, one rebuild"
        assert "A" in keys() and "B" not in keys()
