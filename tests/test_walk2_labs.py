"""Lesson 2's labs as the second newcomer's walk read them (`/tmp/walk2-report.md`, #8 and #12): the stepping
lab counts its steps as the lesson does (from 0) and its table keeps every step, and a legend says "1 step"."""

from __future__ import annotations

import re

from tutor.engine import registry
from tutor.engine.experiment import RunContext

TWELVE = [1.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.5, 0.5, 0.0, 0.0]  # lesson 2's inputs


def run(name: str, **params):
    return registry.run(name, params, RunContext())


def table_steps(text: str) -> list[list[int]]:
    """The step numbers of each block of the "h over time" table."""
    table = text.split("h over time")[1]
    return [[int(n) for n in line.split()[1:]] for line in table.splitlines() if re.match(r"t\s+\d", line)]


def test_the_stepping_lab_counts_from_0_like_the_lesson():
    first, last = run("rnn-step", inputs=TWELVE, step=0), run("rnn-step", inputs=TWELVE, step=11)
    assert first["figure"]["title"].startswith("Step 0 of 0–11:")
    assert last["figure"]["title"].startswith("Step 11 of 0–11:")
    assert "Step 11 of 11" not in last["figure"]["title"]


def test_the_table_at_the_last_step_keeps_t_0_in_blocks_of_equal_width():
    assert table_steps(run("rnn-step", inputs=TWELVE, step=11)["text"]) == [list(range(6)), list(range(6, 12))]
    assert table_steps(run("rnn-step", inputs=TWELVE, step=9)["text"]) == [list(range(10))]
    blocks = table_steps(run("rnn-step", inputs=TWELVE, step=10)["text"])
    assert sum(blocks, []) == list(range(11)) and len(blocks) == 2


def test_a_long_sequence_shows_its_last_20_steps_and_says_so():
    result = run("rnn-step", inputs=[0.1] * 40, step=39)
    assert table_steps(result["text"]) == [list(range(20, 30)), list(range(30, 40))]
    assert "the last 20 steps" in result["text"]
    assert "the last 20 steps" not in run("rnn-step", inputs=[0.1] * 40, step=19)["text"]


def test_the_truncation_legend_says_1_step():
    legends = [s["label"] for s in run("bptt-flow", truncate=1)["figure"]["series"]]
    assert "truncated to 1 step" in legends and not any("1 steps" in label for label in legends)
    assert "truncated to 2 steps" in [s["label"] for s in run("bptt-flow", truncate=2)["figure"]["series"]]
