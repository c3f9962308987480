"""Lesson text a newcomer's walk found out of step with the app or with other lessons (issue 20): the keys a
stepping lab's page names, and lesson 8's time indices. Each test failed before its fix."""

from __future__ import annotations

import re

import pytest

from tutor.curriculum.model import CheckSpec, Prose
from tutor.engine import registry
from tutor.engine.experiment import RunContext
from tutor.screens.lesson import LessonScreen

from .conftest import LESSONS


def _key(action: str) -> str:
    """The character the lesson screen binds to ``action`` (full_stop → '.')."""
    names = {"full_stop": ".", "comma": ","}
    keys = [b.key for b in LessonScreen.BINDINGS if getattr(b, "action", None) == action]
    assert len(keys) == 1, (action, keys)
    return names.get(keys[0], keys[0])


def _prose(page) -> str:
    return "\n".join(block.markdown for block in page.blocks if isinstance(block, Prose))


def test_a_stepping_labs_page_names_the_keys_that_step_and_no_run_key_it_does_not_need(curriculum):
    """Lesson 2's stepping page said "Press t to run it" of a lab that runs by itself."""
    forward, back = _key("step(1)"), _key("step(-1)")
    stepping = [(lesson, page, lab) for lesson in curriculum.lessons for page in lesson.pages
                for lab in page.labs if lab.step_param]
    assert len(stepping) >= 3  # lesson 1's windows, lesson 2's steps and its truncation
    for lesson, page, lab in stepping:
        prose, where = _prose(page), f"{lesson.id}: {page.title!r}"
        assert f"**{forward}**" in prose and f"**{back}**" in prose, where
        if lab.autorun:
            assert not re.search(r"[Pp]ress \*\*t\*\* to run|Run it \(\*\*t\*\*\)", prose), where


def test_lesson_2s_stepping_page_says_the_lab_has_run_and_where_the_keys_act(curriculum):
    lesson = next(lesson for lesson in curriculum.lessons if lesson.id == "vanilla-rnn")
    page = next(page for page in lesson.pages if "Stepping" in page.title)
    assert [lab.autorun for lab in page.labs] == [True]
    prose = " ".join(_prose(page).split())
    assert "runs by itself" in prose and "in a field" in prose


SUBSCRIPT_T = re.compile(r"_(?:T\b|\{T\}|\(T\))")  # x_T, h_{T}, h_(T): the last step named T, not T−1


@pytest.mark.parametrize("name", ["02-vanilla-rnn.md", "03-vanishing-gradients.md", "08-beyond.md"])
def test_time_steps_run_from_0_to_t_minus_1(name):
    """Lesson 8 wrote x_0 … x_T and h_1 … h_T where lessons 2 and 3 count h_0 … h_(T−1)."""
    text = (LESSONS / name).read_text(encoding="utf-8")
    found = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if SUBSCRIPT_T.search(line)]
    assert not found, found
    assert re.search(r"T ?[−-] ?1", text), "the last step is named T−1"


def test_lesson_8_counts_as_the_engine_does(curriculum):
    """The engine's time axis is 0 … T−1 (lesson 2's stepping lab); lesson 8 says so where it names steps."""
    inputs = [1.0, 0.0, 0.5, 0.0, -1.0]
    drawn = registry.run("rnn-step", {"inputs": inputs, "step": len(inputs) - 1}, RunContext())["figure"]
    assert {tuple(s["x"]) for s in drawn["series"]} == {tuple(float(t) for t in range(len(inputs)))}
    text = (LESSONS / "08-beyond.md").read_text(encoding="utf-8")
    assert "x_{T-1}" in text and "h_0 … h_{T-1}" in text
    lesson = next(lesson for lesson in curriculum.lessons if lesson.id == "beyond")
    mask = next(block for page in lesson.pages for block in page.blocks
                if isinstance(block, CheckSpec) and block.id == "mask-carries")
    assert "step 39" in mask.choices[mask.answer], "40 real steps end at step 39"
