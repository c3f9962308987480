"""Steps counted and named alike across lessons 1, 2 and 8 and their labs (the review of lessons 2, 7 and 8,
findings 14–21): lesson 8's message-passing lab counts "after t steps" and says so; bptt-flow's . stops at
T − 1 and says why; the first stepping lab of a lesson says where its keys act; subscripts are written one
way; and the message-passing chart, summary and graph picture read as they mean. Each test failed before its
fix."""

from __future__ import annotations

import re

import pytest

from tutor.curriculum.model import Prose
from tutor.engine import registry
from tutor.engine.experiment import RunContext

from .conftest import LESSONS, run_lab, wait_until
from .conftest import chart_rows as drawn


def run(name: str, **params):
    return registry.run(name, params, RunContext())


def _prose(page) -> str:
    return " ".join("\n".join(block.markdown for block in page.blocks if isinstance(block, Prose)).split())


# -- 14: lesson 8 counts steps as its chart does ------------------------------------------------------------
def test_message_passing_says_after_how_many_steps_not_at_which_step(curriculum):
    """The table said "the step at which" each node first heard, of counts whose 0 is the initial state, in a
    course that calls the first update step 0."""
    result = run("message-passing", graph="path", nodes=8, steps=6)
    assert "After how many steps each node's state first depends on the source" in result["text"]
    assert "step at which" not in result["text"] and "at the step" not in result["summary"]
    assert "after as many steps as it lies hops away" in result["summary"]
    assert result["figure"]["xlabel"] == "after t steps"
    lesson = next(lesson for lesson in curriculum.lessons if lesson.id == "beyond")
    page = next(page for page in lesson.pages if any(lab.experiment == "message-passing" for lab in page.labs))
    prose = _prose(page)
    assert "after how many steps its state first depended on the source" in prose
    assert "step at which" not in prose


# -- 15: bptt-flow's . stops at T − 1 -----------------------------------------------------------------------
@pytest.mark.parametrize("asked", [8, 9, 200])
def test_truncating_at_t_or_more_is_set_to_t_minus_1_and_said(asked):
    """. from truncate = 7 with T = 8 gave 8, which the lab turned into 0 (full BPTT) without a word."""
    result = run("bptt-flow", seq_len=8, truncate=asked)
    longest = run("bptt-flow", seq_len=8, truncate=7)
    assert result["set_params"] == {"truncate": 7}
    assert result["truncated_grad_norms"] == longest["truncated_grad_norms"] is not None
    assert result["summary"].endswith(
        f"The truncation {asked} was set to 7, the longest: truncating at T = 8 or more cuts nothing "
        "(0 is full BPTT); , goes back.")


def test_the_longest_truncation_says_it_is_the_last_and_shorter_ones_do_not():
    at_end = run("bptt-flow", seq_len=8, truncate=7)
    assert "set_params" not in at_end
    assert at_end["summary"].endswith(
        "That was the longest truncation: truncating at T = 8 or more cuts nothing (0 is full BPTT); , goes back.")
    assert "so 1 early step gets no gradient at all" in at_end["summary"]  # the cut after step 0
    for truncate in (0, 1, 6):
        summary = run("bptt-flow", seq_len=8, truncate=truncate)["summary"]
        assert "longest" not in summary and summary.endswith("."), (truncate, summary)
    assert "stops the recurrent path at every step, so 7 early steps get" in \
        run("bptt-flow", seq_len=8, truncate=1)["summary"]
    shortest = run("bptt-flow", seq_len=2, truncate=5)  # T = 2: 1 is the only truncation there is
    assert shortest["set_params"] == {"truncate": 1} and "was set to 1, the longest" in shortest["summary"]


async def test_the_full_stop_key_stays_at_the_last_truncation(on_page):
    async with on_page("vanilla-rnn", "Backpropagation through time") as page:
        pilot, lab = page.pilot, page.lab
        field = lab.query_one("#p-truncate")
        field.value = "6"
        await run_lab(pilot, lab)
        for expected in ("7", "7"):
            await pilot.press("full_stop")
            await wait_until(pilot, lambda: not lab.running and field.value == expected
                             and "longest" in lab.result["summary"])
        await pilot.press("comma")
        await wait_until(pilot, lambda: not lab.running and field.value == "6"
                         and "longest" not in lab.result["summary"])


# -- 16: the first stepping lab of each lesson says where its keys act -----------------------------------------
def test_the_first_stepping_lab_of_each_lesson_says_escape_first_in_a_field(curriculum):
    """Lesson 1's windowing lab, the first stepping lab, said only "Press . and ,"; a learner who had just
    edited `window` typed dots into the field."""
    first = {}
    for lesson in curriculum.lessons:
        for page in lesson.pages:
            if any(lab.step_param for lab in page.labs):
                first.setdefault(lesson.id, page)
    assert {"sequential-data", "vanilla-rnn"} <= set(first)
    for lesson_id, page in first.items():
        assert "escape first if you are in a field" in _prose(page), (lesson_id, page.title)


# -- 17: one notation for subscripts -------------------------------------------------------------------------
PAREN_SUBSCRIPT = re.compile(r"_\((?!\))")  # h_(t−1), Σ_(u …): lessons 2, 3 and 7 write h_{t-1}
UNICODE_MINUS_IN_BRACES = re.compile(r"_\{[^}]*−[^}]*\}")  # h_{t−1}: the braces take an ASCII hyphen


@pytest.mark.parametrize("name", ["02-vanilla-rnn.md", "03-vanishing-gradients.md", "07-from-scratch.md",
                                  "08-beyond.md"])
def test_lessons_write_subscripts_with_braces_and_a_hyphen(name):
    """Lesson 8 wrote h_(t−1) and x_(T−1) where lessons 2, 3 and 7 write h_{t-1} and y_{T-1}."""
    lines = (LESSONS / name).read_text(encoding="utf-8").splitlines()
    found = [(n, line.strip()) for n, line in enumerate(lines, start=1)
             if PAREN_SUBSCRIPT.search(line) or UNICODE_MINUS_IN_BRACES.search(line)]
    assert not found, found


def test_lesson_2s_labs_print_the_lessons_subscripts():
    """rnn-step printed h_(t-1) beside its own h_{-1}, under a lesson that writes h_{t-1}."""
    step = run("rnn-step", inputs=[1.0, 0.0, 0.0], step=2, recurrent_scale=0.0)
    flow = run("bptt-flow", seq_len=4, loss_at="every")
    for where, words in (("rnn-step", step["text"] + step["summary"]), ("bptt-flow", flow["text"])):
        assert "_{t-1}" in words and not PAREN_SUBSCRIPT.search(words), (where, words)


# -- 18, 19: the summary's distances and plurals ------------------------------------------------------------
def test_the_farthest_is_a_distance_not_a_node_number():
    """Grid 25 from node 0 in 3 steps said "(the farthest, 8)": node 8 is 4 hops away; 8 hops is node 24's."""
    result = run("message-passing", graph="grid", nodes=25, source=0, steps=3)
    assert max(result["distance"]) == 8 and result["distance"][24] == 8
    assert result["summary"].endswith("15 lie more than 3 hops away (the farthest is 8 hops away).")


def test_one_step_is_singular():
    """steps = 1 printed "more than 1 hops away" and "not within 1 steps"."""
    result = run("message-passing", graph="path", nodes=8, steps=1)
    words = result["summary"] + "\n" + result["text"]
    assert not re.search(r"\b1 (hops|steps|nodes)\b", words), words
    assert "After 1 step, 2 of 8 nodes" in result["summary"] and "more than 1 hop away" in result["summary"]
    assert "('-': not within 1 step):" in result["text"]


# -- 20: thinned distances keep the farthest reached ------------------------------------------------------------
def test_thinned_distances_still_draw_the_farthest_reached():
    """Path 36 in 7 steps drew 0, 2, 4 and 6 hops: 7, reached, was drawn nowhere."""
    result = run("message-passing", graph="path", nodes=36, steps=7)
    assert [s["label"] for s in result["figure"]["series"]] == ["0 hops", "2 hops", "4 hops", "6 hops", "7 hops"]
    assert result["figure"]["title"].endswith("every 2nd distance, and 7")
    assert "7 hops: 1 node" in result["text"]


async def test_the_longest_title_is_drawn_at_80x24():
    """plotext drops a title wider than the chart; the thinned title is the longest the lab writes."""
    titles = {}
    for graph in ("path", "ring", "grid"):
        for steps in range(1, 31):
            fig = run("message-passing", graph=graph, nodes=36, source=35, steps=steps)["figure"]
            titles[fig["title"]] = fig
    longest = max(titles, key=len)
    assert ", and " in longest
    assert longest in (await drawn(titles[longest]))[0]


# -- 21: the path picture breaks after a dash ---------------------------------------------------------------
@pytest.mark.parametrize("kind", ["path", "ring"])
def test_a_long_path_breaks_after_a_dash_never_before_one(kind):
    """36 nodes drew "0 — 1 — … — 15" and then "— 16 — …": the next line started with a dash."""
    from tutor.engine.experiments.beyond.message_passing import make_graph

    _, n, picture = make_graph(kind, 36)
    assert len(picture) > 1 and all(len(line) <= 68 for line in picture)
    assert all(line.endswith(" —") for line in picture[:-1]) and not any(line.startswith("—") for line in picture)
    nodes = " ".join(picture).split(" — ")
    assert nodes == [str(v) for v in range(n)] + (["(back to 0)"] if kind == "ring" else [])
