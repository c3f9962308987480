"""Defects of the second newcomer's walk (`/tmp/walk2-report.md`, numbered as there), at 80×24 with keys that
arrive as a slow SSH link delivers them: several in one read.

A burst is posted the way the terminal driver posts the keys of one read, one message after the other with
nothing run in between (:func:`burst`); ``pilot.press`` instead lets the app settle after every key."""

from __future__ import annotations

import time

import pytest
from textual import events
from textual.widgets import Input

from tutor.engine.experiment import series
from tutor.progress import ProgressStore
from tutor.widgets.lab import LabView
from tutor.widgets.predict import PredictView

from .conftest import GOOD, wait_until, write
from .test_predict_ui import SLOPE

# Prose, then a prediction above a lab that runs by itself (as lesson 7's "Checking gradients"), then prose.
ASKING = '''+++
id = "tiny"
title = "Tiny"
order = 1
+++

## One
Some prose.

## Two
'''+SLOPE+'''
## Three
More prose.
'''


async def burst(pilot, *keys: str) -> None:
    """The keys of one read: all queued before the app handles the first, then the app settles."""
    for key in keys:
        pilot.app.post_message(events.Key(key, key if len(key) == 1 else None))
    await pilot.pause()
    await pilot.pause()


def footer_keys(app) -> list[str]:
    return [key.binding.description for key in app.screen.active_bindings.values() if key.binding.show]


# -- 1: focus on a page that is no longer shown ------------------------------------------------------------

async def test_a_burst_of_page_turns_leaves_no_focus_on_a_page_left_behind(make_app, tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    app = make_app(write(tmp_path / "lessons", "01-tiny.md", ASKING).parent, progress=store, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("n")
        question = screen.current.query_one(PredictView)
        await wait_until(pilot, lambda: question.asking and question.has_focus, what="the question, focused")
        await pilot.press("n")
        assert screen.page == 2 and screen.focused is None
        await burst(pilot, "p", "p")  # page Two is shown for a moment, its question focused, then page One
        assert screen.page == 0
        assert screen.focused is None, f"focus on {screen.focused!r}, of a page that is not shown"
        assert "Predict" not in footer_keys(app)
        await burst(pilot, "1")
        await pilot.pause(0.2)
        lab = screen.query_one(LabView)
        assert lab.result is None and not lab.running and question.asking, "the hidden question is not answered"
    assert store.prediction("tiny", "slope") is None


async def test_a_question_composed_during_a_burst_does_not_take_the_focus_later(make_app, tmp_path):
    """`n n` in one read: page Two is composed and left at once; its question asks when its lab mounts, after
    the turn to page Three."""
    app = make_app(write(tmp_path / "lessons", "01-tiny.md", ASKING).parent, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await burst(pilot, "n", "n")
        await wait_until(pilot, lambda: screen.query(PredictView) and screen.query_one(PredictView).asking,
                         what="page Two's question, asked")
        await pilot.pause(0.1)
        assert screen.page == 2 and screen.focused is None
        await burst(pilot, "p")  # back on page Two, its digits answer it
        assert screen.focused is screen.query_one(PredictView)
        assert "Predict" in footer_keys(app)


# -- 2: a quick `t t` wiped the chart and the kept runs -----------------------------------------------------

# The small lesson's scalar-decay lab, keeping runs on the chart, one series per run.
OVERLAY = GOOD.replace('experiment = "scalar-decay"', 'experiment = "scalar-decay"\noverlay = true').replace(
    "steps = 10", "steps = 10\nscales = [1.0]")


def shown(lab: LabView, part: str) -> str:
    return str(lab.query_one(part).render())


def until_stopped(draw: bool):
    """A stand-in run that waits for t; with ``draw``, it first shows a chart of its own."""

    def run(name, params, ctx, on_wait=None):
        if draw:
            ctx.report({"figure": {"title": "partial run", "xlabel": "k", "ylabel": "y", "yscale": "linear",
                                   "series": [series("partial", [1.0, 0.5])]}, "summary": "half way"},
                       force=True)
        while True:
            ctx.check()  # raises Cancelled once t stops it
            time.sleep(0.005)

    return run


@pytest.fixture
async def two_kept_runs(make_app, tmp_path):
    """The overlay lab after two finished runs (tanh slope 0.5, then 0.9), both on the chart."""
    app = make_app(write(tmp_path / "lessons", "tiny.md", OVERLAY).parent, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.query_one(LabView)
        for slope in ("0.5", "0.9"):
            lab.query_one("#p-tanh_slope", Input).value = slope
            lab.result = None
            await burst(pilot, "t")
            await wait_until(pilot, lambda: lab.result is not None and not lab.running, timeout=10)
        chart = str(lab.chart.render())
        assert "(0.5)^k" in chart and "(0.9)^k" in chart
        yield pilot, lab


@pytest.mark.parametrize("presses", [2, 4])
async def test_a_run_stopped_before_it_showed_anything_leaves_the_previous_chart(two_kept_runs, monkeypatch,
                                                                               presses):
    from tutor.widgets import lab as lab_module

    pilot, lab = two_kept_runs
    before = (str(lab.chart.render()), shown(lab, ".lab-summary"), list(lab._kept))
    assert before[1], "the finished run's summary"
    monkeypatch.setattr(lab_module.registry, "run", until_stopped(draw=False))
    await burst(pilot, *["t"] * presses)  # start, stop (and again)
    await wait_until(pilot, lambda: not lab.running and "Stopped after" in shown(lab, ".lab-status"), timeout=10)
    assert "the chart shows the previous run" in shown(lab, ".lab-status")
    assert "Not run yet" not in str(lab.chart.render())
    assert (str(lab.chart.render()), shown(lab, ".lab-summary"), list(lab._kept)) == before
    monkeypatch.undo()
    await burst(pilot, "t")
    await wait_until(pilot, lambda: "Done in" in shown(lab, ".lab-status"), timeout=10, what="t runs again")


async def test_a_run_stopped_after_it_drew_keeps_what_it_drew(two_kept_runs, monkeypatch):
    from tutor.widgets import lab as lab_module

    pilot, lab = two_kept_runs
    monkeypatch.setattr(lab_module.registry, "run", until_stopped(draw=True))
    await burst(pilot, "t")
    await wait_until(pilot, lambda: "partial run" in str(lab.chart.render()), timeout=10)
    await burst(pilot, "t")
    await wait_until(pilot, lambda: not lab.running, timeout=10)
    status = shown(lab, ".lab-status")
    assert "Stopped after" in status and "previous run" not in status
    assert "partial run" in str(lab.chart.render()) and shown(lab, ".lab-summary") == "half way"


# -- 3: a t while stopping was dropped; a stop during TensorFlow's import said nothing of why it waits -------

def held_until(release, looks: bool = True):
    """A stand-in run that does not look at its stop flag until ``release`` is set (as a run inside a step it
    cannot interrupt), then stops when told; ``calls`` counts the runs that began."""

    def run(name, params, ctx, on_wait=None):
        run.calls += 1
        release.wait(10)
        while True:
            ctx.check()
            time.sleep(0.005)

    run.calls = 0
    return run


@pytest.fixture
def held(make_app, tmp_path, monkeypatch):
    """The small lesson's lab with a run that is slow to stop: (app, run stand-in, release)."""
    import threading

    from tutor.widgets import lab as lab_module

    release = threading.Event()
    stand_in = held_until(release)
    monkeypatch.setattr(lab_module.registry, "run", stand_in)
    app = make_app(write(tmp_path / "lessons", "tiny.md", GOOD).parent, start_lesson="tiny")
    yield app, stand_in, release
    release.set()


async def test_t_while_stopping_starts_again_once_stopped_and_once_more_stays_stopped(held):
    app, stand_in, release = held
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.query_one(LabView)
        await burst(pilot, "t")
        await wait_until(pilot, lambda: stand_in.calls == 1)
        await burst(pilot, "t", "t")  # stop; then start again
        assert lab.running and "then starting again" in shown(lab, ".lab-status")
        await burst(pilot, "t")  # no: stay stopped
        assert "then starting again" not in shown(lab, ".lab-status")
        await burst(pilot, "t")  # yes after all
        release.set()
        await wait_until(pilot, lambda: stand_in.calls == 2 and lab.running, timeout=10, what="the second run")
        assert "Stopped" not in shown(lab, ".lab-status")
        await burst(pilot, "t")
        await wait_until(pilot, lambda: not lab.running, timeout=10)
        assert "Stopped after" in shown(lab, ".lab-status") and stand_in.calls == 2


async def test_t_t_t_in_one_read_ends_running(held):
    app, stand_in, release = held
    release.set()
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.query_one(LabView)
        await burst(pilot, "t", "t", "t")
        await wait_until(pilot, lambda: lab.running and stand_in.calls == 1 and not lab._stopping, timeout=10,
                         what="the run started again")
        await burst(pilot, "t")
        await wait_until(pilot, lambda: not lab.running, timeout=10)


KERAS_LAB = GOOD.replace('experiment = "scalar-decay"\n[params]\nsteps = 10', 'experiment = "memory-task"')


async def test_t_t_in_one_read_stops_a_keras_run_before_tensorflow_loads(make_app, tmp_path, monkeypatch):
    import threading

    from tutor.widgets import lab as lab_module

    release = threading.Event()
    release.set()
    stand_in = held_until(release)
    monkeypatch.setattr(lab_module.registry, "run", stand_in)  # registry.run would import TensorFlow first
    app = make_app(write(tmp_path / "lessons", "tiny.md", KERAS_LAB).parent, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.query_one(LabView)
        assert lab.experiment.uses_tensorflow
        await burst(pilot, "t", "t")
        await wait_until(pilot, lambda: not lab.running, timeout=10)
        assert "Stopped after" in shown(lab, ".lab-status")
        assert stand_in.calls == 0, "the run stopped before it began: nothing to load"


async def test_a_stop_while_tensorflow_loads_says_why_it_waits(make_app, tmp_path, monkeypatch):
    import threading

    from tutor.widgets import lab as lab_module

    release = threading.Event()
    stand_in = held_until(release)  # registry.run looks at the stop flag only once TensorFlow has loaded
    monkeypatch.setattr(lab_module.registry, "run", stand_in)
    app = make_app(write(tmp_path / "lessons", "tiny.md", KERAS_LAB).parent, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.query_one(LabView)
        await burst(pilot, "t")
        await wait_until(pilot, lambda: stand_in.calls == 1)
        await burst(pilot, "t")
        assert "Stopping once TensorFlow has loaded" in shown(lab, ".lab-status")
        release.set()
        await wait_until(pilot, lambda: not lab.running, timeout=10)
        assert "Stopped after" in shown(lab, ".lab-status")


# -- 5: escape and a key in one read arrive as alt+key -------------------------------------------------------

async def typed(pilot, text: str) -> None:
    """Bytes of one read from the terminal, parsed as Textual's driver parses them, the keys posted in order."""
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    keys = [event for event in [*parser.feed(text), *parser.feed("")] if isinstance(event, events.Key)]
    for key in keys:
        pilot.app.post_message(key)
    await pilot.pause()
    await pilot.pause()


async def test_escape_and_a_page_key_in_one_read_leave_the_field_and_turn_the_page(make_app, tmp_path):
    app = make_app(write(tmp_path / "lessons", "tiny.md", GOOD).parent, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        field = screen.query_one("#p-steps", Input)
        field.focus()
        await pilot.pause()
        await typed(pilot, "\x1bn")
        assert field.value == "10", "the n is not typed into the field"
        assert screen.page == 1 and screen.focused is None
        answer = screen.current.query_one(Input)
        answer.focus()
        await typed(pilot, "12")
        await typed(pilot, "\x1bp")
        assert answer.value == "12" and screen.page == 0 and screen.focused is None


async def test_escape_and_t_in_one_read_run_the_lab_from_its_field(make_app, tmp_path):
    app = make_app(write(tmp_path / "lessons", "tiny.md", GOOD).parent, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.query_one(LabView)
        lab.query_one("#p-steps", Input).focus()
        await pilot.pause()
        await typed(pilot, "\x1bt")
        await wait_until(pilot, lambda: lab.result is not None, timeout=10, what="the lab's run")
        assert lab.query_one("#p-steps", Input).value == "10"


async def test_escape_and_a_key_on_a_page_go_to_the_contents_then_the_key(make_app, tmp_path):
    from tutor.screens.contents import ContentsScreen
    from tutor.screens.lesson import LessonScreen

    app = make_app(write(tmp_path / "lessons", "tiny.md", GOOD).parent, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, LessonScreen) and app.screen.focused is None
        await typed(pilot, "\x1bq")  # escape: the contents; q there: quit
        await wait_until(pilot, lambda: not app.is_running or isinstance(app.screen, ContentsScreen),
                         what="the contents, then the quit")
        await pilot.pause(0.2)
        assert app.return_code is not None or not app.is_running, "q after the escape quits"


async def test_escape_and_a_digit_in_one_read_leave_the_answer_list_without_answering(make_app, tmp_path):
    from textual.widgets import OptionList

    choice = GOOD.replace('answer = 4', 'choices = ["3", "4"]\nanswer = 1')
    store = ProgressStore(tmp_path / "p.json")
    app = make_app(write(tmp_path / "lessons", "tiny.md", choice).parent, progress=store, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.show_page(1)
        await pilot.pause()
        options = screen.current.query_one(OptionList)
        options.focus()
        await pilot.pause()
        await typed(pilot, "\x1b1")  # read as "¡": the escape leaves the list; 1 then answers nothing
        assert screen.focused is None and screen.page == 1
    assert store.answer("tiny", "q") is None


# -- 12: the help names 1-9 and s; the footer of a page with a prediction keeps "? Help" apart --------------

def footer_layout(app) -> tuple[list[str], int, int]:
    """The footer's keys as shown (key and label), the right edge of the last, and where the palette key
    starts."""
    from textual.widgets._footer import FooterKey

    keys = [key for key in app.screen.query(FooterKey) if not key.has_class("-command-palette")]
    [palette] = app.screen.query(FooterKey).filter(".-command-palette")
    return [f"{key.key_display} {key.description}" for key in keys], max(k.region.right for k in keys), \
        palette.region.x


async def test_the_footer_of_a_page_with_a_prediction_fits_80_columns(make_app, tmp_path):
    app = make_app(write(tmp_path / "lessons", "01-tiny.md", ASKING).parent, start_lesson="tiny")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("n")
        question = screen.current.query_one(PredictView)
        await wait_until(pilot, lambda: question.has_focus)
        await pilot.pause(0.2)
        for state in ("asking", "answered"):
            shown, right, palette = footer_layout(app)
            assert "? Help" in shown and "q Quit" in shown, (state, shown)
            assert right < palette, f"{state}: the keys run into the palette mark: {shown}"
            if state == "asking":
                assert "1-9 Predict" in shown
                await pilot.press("2")
                lab = screen.current.query_one(LabView)
                await wait_until(pilot, lambda: lab.result is not None and "right" in text_of(question))
                await pilot.pause(0.2)
        assert "a asks it again" in text_of(question)


def text_of(view: PredictView) -> str:
    return " ".join(str(s.render()) for s in view.query(".predict-question, .predict-body"))


async def test_the_help_lists_the_digits_and_s_and_still_fits(make_app):
    from tutor.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        from rich.console import Console

        console = Console(width=76, record=True)
        console.print(app.screen.query_one("#help-keys").content)
        table = console.export_text()
        assert "1-9 s" in table and "s skips a prediction" in table
        paths = app.screen.query_one("#help-paths").region
        assert paths.height and paths.bottom <= 24  # the last lines, not scrolled away


@pytest.mark.parametrize(("lesson_id", "before", "key"), [
    ("vanilla-rnn", 2, "t"),           # "How long does a difference last?": a NumPy lab with a prediction
    ("vanilla-rnn", 1, "."),           # "Stepping through a sequence": a stepping lab
    ("vanilla-rnn", 1, "c"),
    ("from-scratch", 2, "h"),          # "Exercise 1": a hint
    ("from-scratch", 6, "o"),          # "The LSTM and GRU steps, as code"
])
async def test_a_page_key_in_the_read_that_first_shows_the_page_waits_for_its_widgets(make_app, lesson_id, before,
                                                                                      key):
    """Walk 3, N1: `n t` in one read on a page not shown before crashed the app (the lab's fields were not
    mounted yet when t reached it); the key now waits for the page's widgets, and the keys after it wait too."""
    app = make_app(start_lesson=lesson_id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.show_page(before)
        await pilot.pause()
        await burst(pilot, "n", key)
        await pilot.pause(0.2)
        assert app.is_running and app.screen is screen and screen.page == before + 1
        if key == "t":  # t asks the page's prediction first
            lab = screen.current.query_one(LabView)
            await wait_until(pilot, lambda: lab.asking, what="t to ask the lab's prediction")
