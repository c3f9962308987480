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
from .test_walk_labs import drawn


def run(name: str, **params):
    return registry.run(name, params, RunContext())


def _prose(page) -> str:
    return " ".join("\n".join(block.markdown for block in page.blocks if isinstance(block, Prose)).split())


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
