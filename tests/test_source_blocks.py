"""Lesson 7's code pages show the engine's own code, from its ``source`` blocks: what the loader keeps is the code
that runs, written to fit an 80-column page; the page keeps it closed until its exercise passes (the file checked
again, as ``v`` does), and ``o`` twice opens it before that, recorded as the solution seen (issue 20, "exercises
that ask for understanding")."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from tutor.curriculum.model import ExerciseSpec, SourcePart, SourceSpec
from tutor.exercises import workspace
from tutor.exercises.catalogue import EXERCISES
from tutor.progress import ProgressStore
from tutor.progress.ops import SolutionShown
from tutor.widgets.exercise import ExerciseView
from tutor.widgets import source as source_module
from tutor.widgets.source import SourceView

from .conftest import LESSONS, REPO, open_page, wait_until

CODE_PAGES = {"The LSTM and GRU steps, as code": ["lstm_step", "gru_step"],
              "Clipping and sampling, as code": ["clip_norm", "temperature"],
              "The gradient checker, as code": ["grad_check"],
              "BPTT, as code": ["rnn_bptt", "rnn_bptt"],
              "The LSTM's backward pass, as code": ["lstm_backward"]}
# At 80×24 a listing is 72 cells wide; the file's line numbers take 6 of them at most (3 digits and their margin).
SHOWN_WIDTH = 66


def sources(lesson: Any) -> list[tuple[int, SourceSpec]]:
    return [(index, block) for index, page in enumerate(lesson.pages) for block in page.blocks
            if isinstance(block, SourceSpec)]


def text_of(widget: Any, selector: str) -> str:
    return str(widget.query_one(selector, Static).render())


def test_loading_the_lessons_imports_no_numpy():
    """The loader finds the engine's names with ast in the package's files; it imports none of them."""
    code = ("import sys\nfrom tutor.curriculum import load_curriculum\nfrom tutor.curriculum.model import SourceSpec\n"
            f"from pathlib import Path\nlesson = load_curriculum(Path({str(LESSONS)!r})).get('from-scratch')\n"
            "print(sum(isinstance(b, SourceSpec) for p in lesson.pages for b in p.blocks))\n"
            "print(sorted({'numpy', 'tensorflow', 'textual'} & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    count, imported = out.stdout.split("\n")[:2]
    assert int(count) == 8 and imported == "[]", out.stdout


def test_lesson_7_shows_exactly_the_code_the_engine_runs(curriculum):
    """Each part is the source of the object Python runs (a property's getter), from its first line."""
    lesson = curriculum.get("from-scratch")
    parts = [part for _, spec in sources(lesson) for part in spec.parts]
    assert len(parts) == 19
    for part in parts:
        module = importlib.import_module(part.file.removesuffix(".py").replace("/", "."))
        obj: Any = module
        for name in part.name.split("."):
            obj = getattr(obj, name)
        obj = obj.fget if isinstance(obj, property) else obj
        lines, first = inspect.getsourcelines(obj)
        assert part.first_line == first and part.code == textwrap.dedent("".join(lines)).rstrip("\n"), part.name


def test_each_code_page_follows_its_exercises_and_no_page_prints_hand_written_code(curriculum):
    lesson = curriculum.get("from-scratch")
    exercise_page = {block.name: index for index, page in enumerate(lesson.pages) for block in page.blocks
                     if isinstance(block, ExerciseSpec)}
    by_page: dict[str, list[str]] = {}
    for index, spec in sources(lesson):
        assert index > exercise_page[spec.exercise], f"{spec.exercise}'s code comes before its exercise"
        by_page.setdefault(lesson.pages[index].title, []).append(spec.exercise)
    assert by_page == CODE_PAGES
    # The lesson promises a code page after every exercise: each one but the first (whose step is shown inside
    # exercise 7's BPTT) has its own block, and the last code page comes before the training page.
    assert set(exercise_page) == {e.name for e in EXERCISES}
    assert {spec.exercise for _, spec in sources(lesson)} == {e.name for e in EXERCISES} - {"rnn_step"}
    titles = [page.title for page in lesson.pages]
    assert titles.index("The LSTM's backward pass, as code") + 1 == titles.index("Training from scratch")
    text = (LESSONS / "07-from-scratch.md").read_text(encoding="utf-8")
    assert not re.search(r"^```python", text, flags=re.M)


# -- the page -------------------------------------------------------------------------------------------------

def views(screen: Any) -> dict[str, SourceView]:
    return {view.spec.exercise: view for view in screen.current.query(SourceView)}


def listing_text(listing: Any) -> str:
    return "\n".join(listing.render_line(y).text for y in range(listing.size.height))


def code_shown(view: SourceView) -> bool:
    listing = view.query(".source-listing").first()
    return view.is_open and bool(view.query_one(".source-code").display) and listing.region.height > 0


async def test_the_code_opens_when_its_exercise_passes(make_app, monkeypatch):
    monkeypatch.setattr("tutor.widgets.exercise.POLL_SECONDS", 0.1)
    app = make_app(start_lesson="from-scratch")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_page(pilot, "The LSTM and GRU steps, as code")
        lstm, gru = views(screen).values()
        await pilot.pause()
        for view in (lstm, gru):
            assert not view.is_open and not view.query_one(".source-code").display
            assert view.query_one(".source-code").region.height == 0
        status = text_of(lstm, ".source-status")
        assert "opens here when exercise 2 (lstm_step) passes; o twice shows it now" in status
        assert "tutor/engine/scratch.py" in status and "LSTM._step" in status

        # Passed on the exercise's page, as a learner does: the file saved, the page checks it and records it.
        await open_page(pilot, "Exercise 2")
        exercise = screen.current.query_one(ExerciseView)
        workspace.path("lstm_step").write_text(workspace.solution("lstm_step").read_text())
        await wait_until(pilot, lambda: exercise.result is not None, timeout=60)
        assert exercise.result.passed and app.progress.exercise_passed("lstm_step")

        await open_page(pilot, "The LSTM and GRU steps, as code")
        await wait_until(pilot, lambda: code_shown(lstm), timeout=30, what="the LSTM's code to open")
        assert "Exercise 2 passes" in text_of(lstm, ".source-status")
        assert "def _step(" in listing_text(lstm.query(".source-listing").last())
        assert not gru.is_open and not gru.query_one(".source-code").display
        assert "solution_shown_at" not in app.progress.data["exercises"]["lstm_step"]


async def test_a_pass_recorded_while_the_page_is_shown_opens_it(make_app, monkeypatch):
    """A pass that reaches the store while the code page is open (another window's, merged): the block looks,
    and opens once the file passes when checked again."""
    monkeypatch.setattr("tutor.widgets.source.POLL_SECONDS", 0.05)
    app = make_app(start_lesson="from-scratch")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_page(pilot, "Clipping and sampling, as code")
        clip, temperature = views(screen).values()
        await pilot.pause(0.2)
        assert not clip.is_open
        workspace.ensure()
        workspace.path("clip_norm").write_text(workspace.solution("clip_norm").read_text())
        app.progress.record_pass("clip_norm")
        await wait_until(pilot, lambda: code_shown(clip), timeout=30, what="clip_norm's code to open by itself")
        assert "Exercise 4 passes" in text_of(clip, ".source-status")
        assert not temperature.is_open


async def test_a_pass_recorded_by_hand_opens_nothing_until_the_file_passes(make_app, monkeypatch):
    """As v on the exercise page: a pass in progress.json is not enough, the file is checked again. One that
    does not pass keeps the code closed, says so, and is checked again when it changes; both blocks of the
    exercise open together after one check of the file."""
    monkeypatch.setattr("tutor.widgets.source.POLL_SECONDS", 0.05)
    checks: list[str] = []
    real_check = source_module.checker.check
    monkeypatch.setattr(source_module.checker, "check", lambda name, path: checks.append(name) or real_check(name, path))
    workspace.ensure()
    app = make_app(start_lesson="from-scratch")
    app.progress.record_pass("rnn_bptt")  # the template, unsolved, is what the file holds
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_page(pilot, "BPTT, as code")
        blocks = list(screen.current.query(SourceView))
        await wait_until(pilot, lambda: all(view.failed for view in blocks), timeout=30,
                         what="the recorded pass to be checked")
        assert not any(view.is_open for view in blocks)
        status = text_of(blocks[0], ".source-status")
        assert "a pass of exercise 7 is recorded, but rnn_bptt.py does not pass now" in status.lower(), status
        checked = len(checks)
        await pilot.pause(0.3)
        assert len(checks) == checked  # the same file is not checked again

        workspace.path("rnn_bptt").write_text(workspace.solution("rnn_bptt").read_text())
        await wait_until(pilot, lambda: all(code_shown(view) for view in blocks), timeout=30,
                         what="the code to open once the file passes")
        assert "Exercise 7 passes" in text_of(blocks[1], ".source-status")
        assert checks.count("rnn_bptt") == checked + 1  # one check of the passing file for both blocks
        assert "solution_shown_at" not in app.progress.data["exercises"]["rnn_bptt"]


async def test_o_asks_once_then_shows_the_code_and_records_the_solution_seen(make_app, private_home):
    store = ProgressStore()
    app = make_app(start_lesson="from-scratch", progress=store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_page(pilot, "The LSTM and GRU steps, as code")
        lstm, gru = views(screen).values()
        await pilot.press("o")
        await pilot.pause()
        assert lstm.asked and not lstm.is_open and not lstm.query_one(".source-code").display
        assert "Press o again" in text_of(lstm, ".source-status")
        assert "counts as having seen the solution of exercise 2" in text_of(lstm, ".source-status")
        assert "lstm_step" not in store.data["exercises"]  # asking records nothing

        await pilot.press("o")
        await pilot.pause()
        assert code_shown(lstm) and not gru.is_open
        assert "Shown before exercise 2 passed" in text_of(lstm, ".source-status")
        assert "solution_shown_at" in store.data["exercises"]["lstm_step"]
        assert not store.exercise_passed("lstm_step")

        # The next o is about the next closed block on the page; leaving the page forgets the question.
        await pilot.press("o")
        await pilot.pause()
        assert gru.asked
        await open_page(pilot, "Checking gradients")
        await open_page(pilot, "The LSTM and GRU steps, as code")
        await wait_until(pilot, lambda: not gru.asked, timeout=5)
        assert "o twice shows it now" in text_of(gru, ".source-status")
        await pilot.press("o")
        await pilot.pause()
        assert not gru.is_open and "gru_step" not in store.data["exercises"]
        assert store.flush()
    assert "solution_shown_at" in ProgressStore(store.path).data["exercises"]["lstm_step"]


async def test_a_solution_seen_on_the_exercise_page_opens_the_code(make_app):
    """v twice on the exercise page records the same thing as o twice: the code page is open after either."""
    app = make_app(start_lesson="from-scratch")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_page(pilot, "Exercise 7")
        await pilot.press("v", "v")
        await pilot.pause()
        assert "solution_shown_at" in app.progress.data["exercises"]["rnn_bptt"]
        await open_page(pilot, "BPTT, as code")
        blocks = list(screen.current.query(SourceView))
        await wait_until(pilot, lambda: all(code_shown(view) for view in blocks), timeout=5)
        assert len(blocks) == 2


def test_every_line_shown_fits_an_80_column_page(curriculum):
    """Python's structure is its indentation: a wrapped line would continue left of its statement. So the code a
    lesson shows is written to fit, its signatures broken and its comments on lines of their own."""
    for _, spec in sources(curriculum.get("from-scratch")):
        for part in spec.parts:
            for number, line in enumerate(part.code.splitlines(), start=part.first_line):
                assert len(line) <= SHOWN_WIDTH, f"{part.file}:{number} ({part.name}) has {len(line)} characters"


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_code_fits_80_columns_and_reads_without_colour(make_app, monkeypatch, private_home, no_color):
    """Every listing of every code page, open, at 80×24: one row per line of code, nothing wrapped or cut. Under
    NO_COLOR every character of the code is in the text's own colour, where the ANSI theme's greys left some
    keywords barely visible."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    store = ProgressStore()
    for exercise in EXERCISES:  # seen, so every block opens at once, without checking a file
        store.change(SolutionShown(exercise.name, 1.0))
    app = make_app(start_lesson="from-scratch", progress=store)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color is no_color
        for title in CODE_PAGES:
            screen = await open_page(pilot, title)
            blocks = list(screen.current.query(SourceView))
            await wait_until(pilot, lambda: all(code_shown(view) for view in blocks), timeout=5)
            for view in blocks:
                assert view.region.right <= 80
                for listing, part in zip(view.query(".source-listing"), view.spec.parts):
                    lines = part.code.splitlines()
                    strips = [listing.render_line(y) for y in range(listing.size.height)]
                    assert listing.size.height == len(lines), (title, part.name)
                    assert all(strip.cell_length <= listing.content_region.width for strip in strips)
                    numbered = [f"{part.first_line + i}{line}" for i, line in enumerate(lines)]
                    assert [strip.text.replace(" ", "") for strip in strips] == [
                        line.replace(" ", "") for line in numbered], (title, part.name)

        screen = await open_page(pilot, "The LSTM and GRU steps, as code")
        lstm = views(screen)["lstm_step"]
        listing = lstm.query(".source-listing").last()  # LSTM._step
        strips = [listing.render_line(y) for y in range(listing.size.height)]
        colours = {segment.style.color.get_truecolor() for strip in strips for segment in strip
                   if segment.text.strip() and segment.style is not None and segment.style.color is not None}
        if no_color:
            assert colours == {listing.rich_style.color.get_truecolor()}, colours
            keywords = [segment for strip in strips for segment in strip if segment.text in ("def", "return")]
            assert keywords and all(segment.style.bold for segment in keywords)  # the shape, without colour
        else:
            assert len(colours) > 2  # highlighted


class OneBlock(App[None]):
    def __init__(self, view: SourceView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield self.view


async def test_a_line_too_long_for_the_page_wraps_inside_it(tmp_path):
    """A shown line longer than the page (the lesson's code has none; another lesson's might) wraps right of the
    line numbers, inside the block: every character kept, nothing wider than the listing."""
    long_line = "    return " + " + ".join(f"term_{k}" for k in range(20))
    code = f"def long_sum():\n{long_line}\n"
    part = SourcePart("tutor/engine/scratch.py", "long_sum", 500, code.rstrip("\n"))
    store = ProgressStore(tmp_path / "p.json")
    store.change(SolutionShown("rnn_step", 1.0))
    view = SourceView(SourceSpec("rnn_step", (part,)), store)
    async with OneBlock(view).run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: code_shown(view), timeout=5)
        listing = view.query(".source-listing").last()
        assert len(long_line) > listing.content_region.width
        assert listing.region.right <= view.region.right <= 80
        strips = [listing.render_line(y) for y in range(listing.size.height)]
        assert listing.size.height > 2  # wrapped, not cut
        assert all(strip.cell_length <= listing.content_region.width for strip in strips)
        numbered = "".join(f"{500 + i}{line}" for i, line in enumerate(code.splitlines()))
        assert "".join(strip.text for strip in strips).replace(" ", "") == numbered.replace(" ", "")


async def test_o_opens_every_block_of_the_same_exercise_at_once(make_app):
    app = make_app(start_lesson="from-scratch")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_page(pilot, "BPTT, as code")
        forward, backward = screen.current.query(SourceView)
        await pilot.press("o", "o")
        await pilot.pause()
        assert forward.is_open and backward.is_open  # not a second later, at the next look at the store
        await pilot.press("o")
        await pilot.pause()
        assert any("open already" in n.message for n in app._notifications)
