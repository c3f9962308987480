"""Every lesson opened at 80×24 and paged through; its labs run from the keyboard and draw their charts."""

import pytest
from textual.widgets import Input

from tutor.widgets.lab import LabView

from .conftest import open_page, wait_until


async def run_lab(pilot, lab, timeout=60.0):
    """Run a lab with t (unless it already ran by itself) and wait for its result."""
    if lab.result is None and not lab.running:
        lab.chart.focus()  # t runs the lab that holds the focus
        await pilot.press("t")
    if lab.asking:  # a prediction asked first (an autorun lab asks when its page shows): s skips it and runs
        await pilot.press("s")
    await wait_until(pilot, lambda: lab.result is not None and not lab.running, timeout=timeout)
    assert lab.error is None, lab.error
    return lab.result


def drawn(lab) -> str:
    """What the chart shows at the size it has on screen (plotext's own text rendering)."""
    return str(lab.chart.render())


# Smaller budgets for the labs that train, so that a whole lesson runs in seconds.
SMALL = {
    "lstm-gates": {"train_steps": "200"},
    "gradient-compare": {"seq_len": "12", "units": "8", "train_steps": "50"},
    "adding-problem": {"seq_len": "8", "steps": "60", "units": "8"},
    "long-memory-race": {"seq_len": "8", "steps": "50", "units": "8"},
}


@pytest.mark.parametrize("lesson_id", [
    "sequential-data", "vanilla-rnn",
    pytest.param("lstm", marks=pytest.mark.slow), pytest.param("gru", marks=pytest.mark.slow),
])
async def test_every_page_opens_and_every_lab_draws(make_app, lesson_id):
    app = make_app(start_lesson=lesson_id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        labs_run = 0
        for index, page in enumerate(screen.lesson.pages):
            assert screen.page == index and page.title in str(screen.query_one("#lesson-bar").render())
            for lab in screen.current.query(LabView):
                for name, value in SMALL.get(lab.spec.experiment, {}).items():
                    lab.query_one(f"#p-{name}", Input).value = value
                result = await run_lab(pilot, lab, timeout=120)
                assert result["figure"]["series"], lab.spec.experiment
                assert lab.chart.size.width >= 60 and lab.chart.size.height >= 10
                assert result["figure"]["title"][:20] in drawn(lab)
                labs_run += 1
            await pilot.press("n")
        assert labs_run == sum(len(p.labs) for p in screen.lesson.pages) >= 3


async def test_step_keys_walk_through_the_sequence(make_app):
    app = make_app(start_lesson="vanilla-rnn")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_page(pilot, "Stepping")
        lab = screen.current.query_one(LabView)
        await run_lab(pilot, lab)
        assert lab.result["step"] == 0
        await pilot.press("full_stop", "full_stop", "full_stop")  # faster than the runs: none is lost
        await wait_until(pilot, lambda: not lab.running and lab.result["step"] == 3)
        await pilot.press("comma")
        await wait_until(pilot, lambda: not lab.running and lab.result["step"] == 2)
        lab.query_one("#p-step", Input).value = "30"
        lab.result = None
        await pilot.press("t")
        await wait_until(pilot, lambda: lab.result is not None)
        assert lab.result["step"] == 11 and lab.query_one("#p-step", Input).value == "11"


async def test_typing_in_a_text_field_does_not_trigger_keys(make_app):
    """Letters that are keys elsewhere (n, p, t, c) go into the field; enter runs the lab."""
    app = make_app(start_lesson="sequential-data")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_page(pilot, "Text to sequences")
        lab = screen.current.query_one(LabView)
        await run_lab(pilot, lab)
        field = lab.query_one("#p-sentences", Input)
        field.focus()
        field.value = ""
        page = screen.page
        await pilot.press(*"the cat|no pets", "enter")
        assert field.value == "the cat|no pets" and screen.page == page
        await wait_until(pilot, lambda: not lab.running and lab.result["sequences"] == [[2, 3], [4, 5]])


async def test_an_impossible_window_is_refused_next_to_its_field(make_app):
    app = make_app(start_lesson="sequential-data")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_page(pilot, "Windows")
        lab = screen.current.query_one(LabView)
        await run_lab(pilot, lab)
        lab.query_one("#p-window", Input).value = "500"
        lab.result = None
        await pilot.press("t")
        await wait_until(pilot, lambda: not lab.running and lab.query(".field.-invalid"))
        field = lab.query_one(".field.-invalid")
        assert field.id == "field-window" and "more than the 120 steps" in str(field.query_one(".field-error").render())
        assert lab.result is None


@pytest.mark.slow
async def test_the_race_stops_and_starts_again(make_app):
    app = make_app(start_lesson="gru")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_page(pilot, "race")
        lab = screen.current.query_one(LabView)
        lab.query_one("#p-steps", Input).value = "20000"
        lab.query_one("#p-seq_len", Input).value = "8"
        lab.chart.focus()
        await pilot.press("t")
        await wait_until(pilot, lambda: lab.chart._figure is not None and lab.chart._figure["series"][0]["y"],
                         timeout=120)
        await pilot.press("t")
        await wait_until(pilot, lambda: not lab.running, timeout=5)
        assert "Stopped" in str(lab.query_one(".lab-status").render()) and lab.result is None
        lab.query_one("#p-steps", Input).value = "50"
        await pilot.press("t")
        await wait_until(pilot, lambda: lab.result is not None, timeout=120)
        assert lab.result["steps"] == 50 and len(lab.result["figure"]["series"]) == 4
