"""A check: a question answered by choosing (a digit, or enter on an option) or by typing a number, then its
explanation. Choices are numbered as a lab's prediction's are, so one habit answers both."""

from __future__ import annotations

import math
import re
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tutor.curriculum.model import CheckSpec
from tutor.widgets.fields import FIELD_BINDINGS, InOrderInput
from tutor.progress.schema import is_number

THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?")


class AnswerInput(InOrderInput):
    """A check's number field: its footer says what enter and escape do there, as a lab field's does."""

    BINDINGS = [Binding("enter", "submit", "Answer"), *FIELD_BINDINGS]


class CheckView(Vertical):
    # A digit answers while the check's options have the focus (tab reaches them).
    BINDINGS = [Binding(str(n), f"choose({n})", "Answer", show=n == 1, key_display="1-9" if n == 1 else None)
                for n in range(1, 10)]

    class Answered(Message):
        def __init__(self, check: CheckSpec, given: float | int, correct: bool) -> None:
            super().__init__()
            self.check = check
            self.given = given
            self.correct = correct

    def __init__(self, check: CheckSpec, previous: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(classes="check", **kwargs)
        self.check = check
        self.previous = previous

    def compose(self) -> ComposeResult:
        yield Static(f"Check · {self.check.question}", classes="check-question", markup=False)
        if self.check.numeric:
            yield AnswerInput(placeholder="type a number, then enter", compact=True, classes="check-input")
        else:
            yield OptionList(*[Option(Text(f"{i + 1}) {c}"), id=str(i))  # Text: [brackets] are literal
                               for i, c in enumerate(self.check.choices)],
                             classes="check-options")
        yield Static("", classes="check-feedback", markup=False)

    def on_mount(self) -> None:
        if self.previous is not None:
            self._feedback(self.previous["answer"], bool(self.previous["correct"]), again=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":
            number = parameters[0]
            return isinstance(number, int) and number <= len(self.check.choices)
        return True

    def action_choose(self, number: int) -> None:
        self.query_one(OptionList).highlighted = number - 1
        self.answer(number - 1)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.answer(int(event.option.id or 0))

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value.strip()
        if THOUSANDS.fullmatch(typed):  # 8,320 as the lessons print their counts
            typed = typed.replace(",", "")
        try:
            value = float(typed)
        except ValueError:
            self.query_one(".check-feedback", Static).update(f"{event.value.strip()!r} is not a number; try again.")
            return
        if not is_number(value):  # nan and inf parse, but are no answer; 1e300 and beyond cannot be kept
            why = "is too large to keep (below 1e300, please)" if math.isfinite(value) else "is not a number"
            self.query_one(".check-feedback", Static).update(f"{event.value.strip()!r} {why}; try again.")
            return
        self.answer(value)

    def answer(self, given: float | int) -> None:
        correct = self.check.is_correct(given)
        self._feedback(given, correct)
        self.post_message(self.Answered(self.check, given, correct))

    def _feedback(self, given: float | int, correct: bool, again: bool = False) -> None:
        if self.check.numeric:
            yours = f"{float(given):g}"
            right = f"{float(self.check.answer):g}"
        else:
            yours = str(int(given) + 1)  # "(you answered 1)", not "1))"
            right = f"{int(self.check.answer) + 1}) {self.check.choices[int(self.check.answer)]}"
        head = ("✓ Correct" if correct else f"✗ Not quite — the answer is {right}") + f" (you answered {yours})."
        prefix = "Answered before. " if again else ""
        self.query_one(".check-feedback", Static).update(f"{prefix}{head}\n{self.check.explanation}")
        self.set_class(True, "-answered")
        self.set_class(correct, "-correct")
