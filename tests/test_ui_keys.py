"""Keys and states a learner meets that the other UI tests do not press: c, escape from a field, ctrl+q and q
while typing, the engine header (loaded or failed), and a diverged run as the lab shows it. All at 80×24."""

import time

import pytest
from textual.widgets import Input

from tutor.engine.experiment import Diverged
from tutor.screens.contents import ContentsScreen
from tutor.screens.lesson import LessonScreen
from tutor.widgets.lab import LabView

from .conftest import GOOD, open_page, wait_until, write

# The small lesson's scalar-decay lab, keeping runs on the chart, one series per run.
OVERLAY = GOOD.replace('experiment = "scalar-decay"', 'experiment = "scalar-decay"\noverlay = true').replace(
    "steps = 10", "steps = 10\nscales = [1.0]")


# The small lesson with a Keras lab on a third page: starting it is what loads TensorFlow. The lab's run is a
# stand-in (keras_stand_in), so TensorFlow is never imported by the test.
WITH_KERAS = GOOD + '\n## Three\n```lab\nexperiment = "memory-task"\n```\n'


@pytest.fixture
def keras_stand_in(monkeypatch):
    from tutor.widgets import lab as lab_module

    real_run = lab_module.registry.run

    def run(name, params, ctx, on_wait=None):
        if name == "memory-task":
            return {"summary": "stand-in", "figure": None}
        return real_run(name, params, ctx, on_wait=on_wait)

    monkeypatch.setattr(lab_module.registry, "run", run)


async def start_the_keras_lab(pilot) -> None:
    """Go to the page with the Keras lab and start it with t, as a learner does."""
    screen = await open_page(pilot, "Three")
    screen.current.query_one(LabView).chart.focus()
    await pilot.press("t")


def tiny_app(make_app, tmp_path, text=OVERLAY, **app_options):
    folder = tmp_path / "lessons"
    write(folder, "tiny.md", text)
    return make_app(lessons=folder, start_lesson="tiny", **app_options)


def drawn(lab: LabView) -> str:
    return str(lab.chart.render())


async def run_and_wait(pilot, lab: LabView) -> None:
    lab.result = None
    lab.chart.focus()
    await pilot.press("t")
    await wait_until(pilot, lambda: lab.result is not None and not lab.running, timeout=10)


async def test_c_clears_the_runs_kept_on_the_chart(make_app, tmp_path):
    app = tiny_app(make_app, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.query_one(LabView)
        await run_and_wait(pilot, lab)
        lab.query_one("#p-tanh_slope", Input).value = "0.9"
        await run_and_wait(pilot, lab)
        assert "(0.5)^k" in drawn(lab) and "(0.9)^k" in drawn(lab), "the first run is kept beside the second"
        await pilot.press("c")
        await pilot.pause()
        assert "(0.5)^k" not in drawn(lab) and "(0.9)^k" in drawn(lab)


async def test_escape_leaves_a_field_then_goes_to_the_contents(make_app, tmp_path):
    app = tiny_app(make_app, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.screen.query_one("#p-steps", Input)
        field.focus()
        await pilot.pause()
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen) and not isinstance(app.focused, Input)
        await pilot.press("escape")
        assert isinstance(app.screen, ContentsScreen)


async def test_q_typed_into_a_field_is_text(make_app, tmp_path):
    app = tiny_app(make_app, tmp_path, GOOD)
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.screen.query_one("#p-scales", Input)
        field.focus()
        field.value = ""
        await pilot.press("q", "n", "p", "t")
        assert field.value == "qnpt"
        assert app.is_running and isinstance(app.screen, LessonScreen) and app.screen.page == 0
        assert app.screen.query_one(LabView).result is None, "t in a field does not start the lab"


async def test_ctrl_q_quits_while_typing(make_app, tmp_path):
    app = tiny_app(make_app, tmp_path, GOOD)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#p-steps", Input).focus()
        await pilot.press("1", "ctrl+q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


async def test_engine_header_names_the_device(make_app, monkeypatch, tmp_path, keras_stand_in):
    from tutor.engine import runtime

    monkeypatch.setattr(runtime, "device_description", lambda: "GPU: Test Card")
    app = tiny_app(make_app, tmp_path, WITH_KERAS, load_engine=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.sub_title == "engine: TensorFlow not loaded yet", "TensorFlow loads when a Keras lab is near"
        await start_the_keras_lab(pilot)
        await wait_until(pilot, lambda: app.sub_title == "engine: GPU: Test Card", timeout=10)


async def test_tensorflow_load_failure_is_announced_and_numpy_labs_still_run(make_app, monkeypatch, tmp_path,
                                                                               keras_stand_in):
    from tutor.engine import runtime

    def broken():
        raise ImportError("no TensorFlow here")

    monkeypatch.setattr(runtime, "device_description", broken)
    app = tiny_app(make_app, tmp_path, WITH_KERAS, load_engine=True)
    told = []
    monkeypatch.setattr(app, "notify", lambda message, **kwargs: told.append((message, kwargs.get("severity"))))
    async with app.run_test(size=(80, 24)) as pilot:
        await start_the_keras_lab(pilot)
        await wait_until(pilot, lambda: "failed" in app.sub_title, timeout=10)
        assert app.sub_title == "engine: TensorFlow failed to load (ImportError)"
        assert any("TensorFlow could not be loaded" in m and str(app.log_path) in m and s == "error"
                   for m, s in told)
        screen = await open_page(pilot, "One")
        lab = screen.current.query_one(LabView)
        await run_and_wait(pilot, lab)
        assert lab.error is None and lab.result["break_even_scale"] == 2.0


async def test_a_diverged_run_stops_and_says_why(make_app, monkeypatch, tmp_path):
    from tutor.widgets import lab as lab_module

    def diverging(name, params, ctx, on_wait=None):
        ctx.report({"summary": "training: step 3", "figure": {
            "title": "loss", "xlabel": "step", "ylabel": "", "yscale": "log",
            "series": [{"label": "loss", "x": [0, 1, 2], "y": [0.5, 40.0, None], "style": "line"}]}}, force=True)
        raise Diverged("The loss became nan at training step 3. Lower the learning rate.")

    monkeypatch.setattr(lab_module.registry, "run", diverging)
    app = tiny_app(make_app, tmp_path, GOOD)
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.screen.query_one(LabView)
        lab.chart.focus()
        await pilot.press("t")
        await wait_until(pilot, lambda: not lab.running and lab.error is not None, timeout=10)
        assert lab.result is None
        assert lab.error == "The loss became nan at training step 3. Lower the learning rate."
        assert "Diverged — the run was stopped" in str(lab.query_one(".lab-status").render())
        assert str(lab.query_one(".lab-summary").render()) == f"Diverged: {lab.error}"
        await pilot.press("escape")
        assert isinstance(app.screen, ContentsScreen), "the app goes on"


async def test_tensorflow_starts_loading_for_a_page_ahead_only_once_the_keys_stop(make_app, monkeypatch, tmp_path,
                                                                                   keras_stand_in):
    """Page two comes before a Keras lab: TensorFlow would load a second after it is shown, but its import holds
    the UI still for up to a second, so it waits until a second has passed without a key."""
    from tutor import app as app_module
    from tutor.engine import runtime

    monkeypatch.setattr(runtime, "device_description", lambda: "CPU")
    monkeypatch.setattr(app_module, "ENGINE_QUIET", 0.6)
    app = tiny_app(make_app, tmp_path, WITH_KERAS, load_engine=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")  # page two: the page before the Keras lab
        assert app.screen.page == 1
        deadline = time.monotonic() + 1.8
        while time.monotonic() < deadline:  # keys every 0.2 s, well past the one-second delay
            await pilot.press("down")
            await pilot.pause(0.2)
        assert app.sub_title == "engine: TensorFlow not loaded yet", "not while keys come"
        await wait_until(pilot, lambda: app.sub_title == "engine: CPU", timeout=5)
