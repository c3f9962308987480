"""Faults found by driving the app as a learner would, each pinned by a test that failed before its fix."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static

from tutor.engine import runtime
from tutor.engine.experiment import Cancelled
from tutor.progress import ProgressStore
from tutor.screens.contents import ContentsScreen
from tutor.screens.help import HelpScreen
from tutor.screens.lesson import LessonScreen, PageView
from tutor.screens.too_small import TooSmallScreen
from tutor.widgets import lab as lab_module
from tutor.widgets.check import CheckView
from tutor.widgets.lab import LabView

from .conftest import GOOD, open_page, wait_until, write

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def slow_runs(monkeypatch):
    """Labs run a stand-in that holds the training slot until released (or cancelled), so a run can be
    caught in the middle. A cancelled run takes `unwind` seconds to stop, like a long training step."""
    release = threading.Event()
    state = {"unwind": 0.0, "started": 0}

    real_run = lab_module.registry.run

    def run(name, params, ctx, on_wait=None):
        if name not in ("memory-task", "exploding-gradients"):  # the NumPy labs that autorun stay real
            return real_run(name, params, ctx, on_wait=on_wait)
        with runtime.training_slot(ctx.is_cancelled, on_wait):
            state["started"] += 1
            ctx.on_progress({"summary": f"{name} running"})
            while not release.wait(0.02):
                if ctx.is_cancelled():
                    time.sleep(state["unwind"])  # the slow stop under test, where a test sets one
                    raise Cancelled()
        return {"summary": f"{name} finished", "figure": None, "params": dict(params)}

    monkeypatch.setattr(lab_module.registry, "run", run)
    state["release"] = release
    yield state
    release.set()


def status(lab: LabView) -> str:
    return str(lab.query_one(".lab-status").render())


def summary(lab: LabView) -> str:
    return str(lab.query_one(".lab-summary").render())


# -- row 1: shrinking the terminal ------------------------------------------------------------------------
async def test_shrinking_shows_the_notice_and_the_lab_goes_on(on_page, slow_runs):
    async with on_page("vanishing-gradients", "memory task") as page:
        app, pilot, screen, lab = page.app, page.pilot, page.screen, page.lab
        await pilot.press("t")
        await wait_until(pilot, lambda: lab.running and "running" in summary(lab), timeout=10)
        for small in [(79, 24), (80, 23), (60, 20)]:  # one column short, one row short, both
            await pilot.resize_terminal(*small)
            await wait_until(pilot, lambda: isinstance(app.screen, TooSmallScreen), timeout=5)
            assert f"{small[0]}×{small[1]}" in str(app.screen.query_one("#too-small").render())
            await pilot.resize_terminal(70, 22)
            await pilot.pause()
            assert "70×22" in str(app.screen.query_one("#too-small").render())
            assert lab.running
            await pilot.resize_terminal(80, 24)
            await wait_until(pilot, lambda: app.screen is screen, timeout=5)
            assert lab.running
        slow_runs["release"].set()
        await wait_until(pilot, lambda: lab.result is not None, timeout=10)


async def test_shrinking_on_the_contents(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.resize_terminal(79, 24)
        await wait_until(pilot, lambda: isinstance(app.screen, TooSmallScreen), timeout=5)
        await pilot.resize_terminal(100, 30)
        await wait_until(pilot, lambda: isinstance(app.screen, ContentsScreen), timeout=5)


# -- row 3: lesson text is literal ------------------------------------------------------------------------
async def test_brackets_in_lesson_text_are_shown_as_written(make_app, tmp_path):
    folder = tmp_path / "lessons"
    text = GOOD.replace('title = "Tiny"', 'title = "A [/] B [bold]x[/bold]"').replace(
        '''question = "2 + 2?"
answer = 4''', '''question = "Which?"
choices = ["[/] x", "[bold]y[/bold]"]
answer = 1''')
    write(folder, "01-tiny.md", text)
    app = make_app(lessons=folder)
    async with app.run_test(size=(80, 24)) as pilot:
        options = app.screen.query_one("#lessons", OptionList)
        assert "A [/] B [bold]x[/bold]" in str(options.get_option_at_index(0).prompt)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert any("[/]" in t for t in titles)
        await pilot.press("enter")
        assert isinstance(app.screen, LessonScreen)
        assert "A [/] B [bold]x[/bold]" in str(app.screen.query_one("#lesson-bar").render())
        screen = await open_page(pilot, "Two")
        check = screen.current.query_one(CheckView)
        choices = check.query_one(OptionList)
        assert str(choices.get_option_at_index(0).prompt) == "1) [/] x"
        assert str(choices.get_option_at_index(1).prompt) == "2) [bold]y[/bold]"


# -- rows 8 and 21: one scroll area, the bar always visible, ellipsis where cut ----------------------------
async def test_the_lesson_bar_stays_and_long_titles_end_with_an_ellipsis(make_app):
    app = make_app(start_lesson="vanishing-gradients")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.max_scroll_y == 0 and screen.virtual_size.height <= 24
        await pilot.press("pagedown", "pagedown", "end")
        await wait_until(pilot, lambda: screen.current.scroll_y > 0, timeout=5, what="the page to scroll")
        assert screen.scroll_y == 0, "the page scrolls, the screen does not"
        bar = screen.query_one("#lesson-bar")
        assert bar.region.y == 1 and bar.region.height == 1
        await open_page(pilot, "Exploding gradients and clipping")
        line = bar.render_line(0).text.rstrip()
        assert line.endswith("…") and len(line) <= 80, line


# -- the page-turn path: lazy pages, no disk write on the UI thread ---------------------------------------
async def test_pages_are_composed_when_shown_and_saves_are_off_the_ui_thread(make_app, monkeypatch, tmp_path):
    saved_on: list[int] = []
    real_replace = ProgressStore._replace

    def slow_replace(self, text):
        saved_on.append(threading.get_ident())
        time.sleep(0.3)  # a slow disk: the fsync of a busy machine
        real_replace(self, text)

    monkeypatch.setattr(ProgressStore, "_replace", slow_replace)
    store = ProgressStore(tmp_path / "turns.json")
    app = make_app(start_lesson="vanishing-gradients", progress=store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        views = list(screen.query(PageView))
        assert views[0].children and not any(view.children for view in views[1:])
        for index in (1, 2, 1):  # as n, n, p turn them
            screen.show_page(index)
            await pilot.pause()
        assert [bool(view.children) for view in views[:4]] == [True, True, True, False]
        assert screen.page == 1 and store.last_page("vanishing-gradients") == 1  # in memory at once
        assert threading.get_ident() not in saved_on
        assert app.progress.flush(timeout=5.0)
    assert saved_on, "the progress was written"
    assert ProgressStore(tmp_path / "turns.json").lesson("vanishing-gradients")["pages_seen"] == [0, 1, 2]


# -- rows 10, 12, 13: a lab's run and state --------------------------------------------------------------
async def test_a_new_run_clears_the_last_summary(on_page, slow_runs):
    async with on_page("vanishing-gradients", "clipping") as page:
        pilot, lab = page.pilot, page.lab
        lab.query_one(".lab-summary", Static).update("Diverged: at step 32 (no clipping)")
        slow_runs["release"].clear()
        lab.start()
        await pilot.pause()
        assert "Diverged" not in summary(lab)


async def test_leaving_a_lesson_keeps_its_lab_running_with_its_state(on_page, slow_runs):
    async with on_page("vanishing-gradients", "memory task") as page:
        app, pilot, screen, lab = page.app, page.pilot, page.screen, page.lab
        field = lab.query(Input).first()
        field.value = "3"
        await pilot.press("t")
        await wait_until(pilot, lambda: lab.running, timeout=10)
        await pilot.press("escape")
        assert isinstance(app.screen, ContentsScreen)
        assert lab.running, "leaving the lesson does not cancel its run"
        app.open_lesson("gru")  # a jump to another lesson, as from the palette
        await pilot.pause()
        assert lab.running
        slow_runs["release"].set()
        await wait_until(pilot, lambda: lab.result is not None, timeout=10)
        app.open_lesson("vanishing-gradients")
        await pilot.pause()
        assert app.screen is screen and screen.current.query_one(LabView) is lab
        assert field.value == "3" and lab.result["summary"].endswith("finished")


async def test_restarting_a_lab_says_it_is_stopping_the_previous_run(on_page, slow_runs):
    # The cancelled run takes a second to stop: long enough that, were the wait counted as running time, the
    # status would say "Running… 1 s".
    slow_runs["unwind"] = 1.0
    async with on_page("vanishing-gradients", "memory task") as page:
        pilot, lab = page.pilot, page.lab
        await pilot.press("t")
        await wait_until(pilot, lambda: "running" in summary(lab), timeout=10)
        lab.start()  # t, t, t quickly ends in a start while the cancelled run still unwinds
        await wait_until(pilot, lambda: "Stopping the previous run" in status(lab), timeout=5)
        assert "other lab" not in status(lab)
        await wait_until(pilot, lambda: status(lab).startswith("Running…"), timeout=5)
        assert "Running… 0 s" in status(lab), "the wait is not counted as running time"
        slow_runs["unwind"] = 0.0  # the run the app cancels as it closes stops at once


# -- rows 24, 25: help fits, keys stay shown -------------------------------------------------------------
async def test_help_fits_80x24_and_says_how_to_close(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        box = screen.query_one("#help-box")
        assert box.max_scroll_y == 0 and box.region.height <= 24
        paths = screen.query_one("#help-paths")
        assert paths.region.bottom <= box.region.bottom
        assert any(b.binding.description == "Close" and b.binding.key.startswith("escape")
                   for b in screen.active_bindings.values())


async def test_lab_keys_stay_after_a_run_and_a_field_shows_its_keys(on_page):
    async with on_page("vanilla-rnn", "Stepping") as page:
        app, pilot, screen, lab = page.app, page.pilot, page.screen, page.lab
        await wait_until(pilot, lambda: lab.result is not None and not lab.running, timeout=30)
        assert "Done in" in status(lab) and ", and . step" in status(lab)
        lab.query(Input).first().focus()
        await pilot.pause()
        shown = {b.binding.key: b.binding.description for b in screen.active_bindings.values() if b.binding.show}
        assert shown.get("enter") == "Run" and shown.get("escape") == "Leave field" and shown.get("ctrl+q") == "Quit"
        await pilot.press("escape")
        assert screen.focused is None and isinstance(app.screen, LessonScreen)


# -- no terminal, signals --------------------------------------------------------------------------------
def tutor_env(home: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "RNN_TUTOR_HOME": str(home), "TERM": "xterm-256color"}


def test_without_a_terminal_it_says_so_and_exits_2(tmp_path):
    for stderr in (subprocess.PIPE, subprocess.DEVNULL):
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "tutor"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=stderr, env=tutor_env(tmp_path), timeout=30)
        assert done.returncode == 2
        assert time.monotonic() - started < 10
        if stderr is subprocess.PIPE:
            message = done.stderr.decode()
            assert "needs a terminal" in message and "rnn-tutor list" in message and "rnn-tutor run" in message
            assert done.stdout == b""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_ends_the_app_promptly_with_progress_kept(tmp_path, signum):
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    os.system(f"stty cols 80 rows 24 < {os.ttyname(slave)}")
    proc = subprocess.Popen([sys.executable, "-m", "tutor", "--lesson", "vanilla-rnn"], stdin=slave, stdout=slave,
                            stderr=slave, env=tutor_env(tmp_path), start_new_session=True)
    os.close(slave)
    out = b""

    def read(until: float) -> None:
        nonlocal out
        while time.monotonic() < until:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    out += os.read(master, 65536)
                except OSError:  # the child has gone and closed the terminal
                    return
            if proc.poll() is not None and not ready:
                return

    try:
        deadline = time.monotonic() + 60
        while b"page 1/" not in out and time.monotonic() < deadline:
            read(time.monotonic() + 0.2)
        assert b"page 1/" in out, out[-2000:]
        read(time.monotonic() + 0.5)
        out = b""
        sent = time.monotonic()
        proc.send_signal(signum)
        proc.wait(timeout=10)
        took = time.monotonic() - sent
        read(time.monotonic() + 0.3)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.returncode == 128 + signum
    assert took < 3.0, f"took {took:.2f} s"  # generous for a loaded CI machine; the goal (≤ 1 s) is benched
    if signum == signal.SIGTERM:  # after a hangup the terminal is gone; nothing to restore
        assert b"\x1b[?1049l" in out, "the alternate screen is left"
        assert b"\x1b[?25h" in out, "the cursor is shown again"
    saved = ProgressStore(tmp_path / "progress.json")
    assert saved.last_lesson == "vanilla-rnn" and saved.lesson("vanilla-rnn")["pages_seen"] == [0]


async def test_two_t_in_one_read_stop_the_run_and_t_starts_it_again(on_page):
    """QA b1e7222 row 10: a paste or a slow SSH link delivers `t t` in one read; the stop came before the run's
    worker had started, and the lab showed "Stopping…" for good. Both calls here run before the worker does."""
    async with on_page("sequential-data", "A time series") as page:
        pilot, lab = page.pilot, page.lab
        await wait_until(pilot, lambda: lab.result is not None and not lab.running, what="the automatic run")
        lab.toggle()
        lab.toggle()
        await wait_until(pilot, lambda: not lab.running, timeout=10, what="the stopped run to end")
        assert "Stopped after" in status(lab)
        lab.toggle()
        await wait_until(pilot, lambda: "Done in" in status(lab), timeout=10, what="a new run")


async def test_t_during_the_automatic_run_lets_it_finish(on_page, monkeypatch):
    """QA b1e7222: `t` the moment a page with a lab that runs by itself appears (as the page says) stopped that run
    after 0.1 s and left an empty chart; the automatic run now finishes and shows its result."""
    from tutor.widgets import lab as lab_module

    real_run = lab_module.registry.run
    release = threading.Event()

    def held_run(*args, **kwargs):  # the automatic run is still going when t arrives
        release.wait(10)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(lab_module.registry, "run", held_run)
    async with on_page("sequential-data", "A time series") as page:
        pilot, lab = page.pilot, page.lab
        assert lab.running, "the page's automatic run is under way"
        lab.toggle()
        release.set()
        await wait_until(pilot, lambda: lab.result is not None and not lab.running, timeout=10,
                         what="the automatic run's result")
        assert "Done in" in status(lab)
