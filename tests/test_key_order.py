"""Keys that arrive in one read take effect in the order they were typed (a slow SSH link batches them).

Textual 8 types a printable key into an Input at once but runs the Input's bindings (backspace, ctrl+u, …) only
when the key has bubbled up to the App, so ``backspace 5`` in one read inserted the 5 and then deleted it. The
tutor's fields are :class:`InOrderInput`. The keys are posted to the App before it handles any, as one read
from the terminal arrives.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from tutor.widgets.fields import InOrderInput

KEYS = {"backspace": None, "ctrl+u": None, "left": None, "delete": None}


async def typed_in_one_read(cls: type[Input], start: str, keys: list[str]) -> str:
    class Field(App[None]):
        def compose(self) -> ComposeResult:
            yield cls(value=start)

    app = Field()
    async with app.run_test() as pilot:
        field = app.query_one(cls)
        field.focus()
        await pilot.pause()
        field.cursor_position = len(start)
        for key in keys:
            app.post_message(events.Key(key, KEYS.get(key, key)))
        await pilot.pause()
        await pilot.pause()
        return field.value


@pytest.mark.parametrize(("start", "keys", "expected"), [
    ("12", ["backspace", "5"], "15"),
    ("1", ["4", "backspace", "6"], "16"),
    ("0.01", ["ctrl+u", "3"], "3"),
    ("12", ["left", "backspace", "9"], "92"),
    ("12", ["left", "delete", "7"], "17"),
])
async def test_the_tutors_fields_keep_keys_in_order(start, keys, expected):
    assert await typed_in_one_read(InOrderInput, start, keys) == expected


async def test_a_lab_field_and_a_check_field_are_such_fields():
    from tutor.widgets.check import AnswerInput
    from tutor.widgets.lab import FieldInput

    assert await typed_in_one_read(FieldInput, "12", ["backspace", "5"]) == "15"
    assert await typed_in_one_read(AnswerInput, "12", ["backspace", "5"]) == "15"


async def test_textual_input_alone_reorders_them():
    """What the subclass works around: if this starts to pass upstream, InOrderInput can go."""
    assert await typed_in_one_read(Input, "12", ["backspace", "5"]) == "12"
