"""Predict first: a lab's question, asked before it runs, and the verdict its own run gives.

The view only shows and asks: it says which choice the learner picked (:class:`PredictView.Picked`, ``choice``
None for a skip) and its lab runs, grades and calls :meth:`show_verdict` or :meth:`show_open`.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from tutor.curriculum.predict import PredictSpec

MAX_CHOICES = 9  # one digit each


def _digit_bindings() -> list[Binding]:
    # Shown once in the footer as "1-9 Predict"; each digit has its own binding underneath.
    shown = Binding("1", "pick(1)", "Predict", key_display="1-9", tooltip="pick a prediction (or a check's answer)")
    return [shown, *(Binding(str(n), f"pick({n})", "Predict", show=False) for n in range(2, MAX_CHOICES + 1))]


class PredictView(Vertical, can_focus=True):
    """The question with numbered choices; after the run, the verdict and the explanations."""

    DEFAULT_CSS = """
    PredictView { height: auto; border: round $warning; padding: 0 1; display: none; }
    PredictView.-shown { display: block; }
    PredictView:focus { border: round $accent; }
    PredictView > Static { height: auto; }
    PredictView .predict-question { text-style: bold; }
    """

    # s is not in the footer, which at 80 columns had no room for it (the question's last line names it).
    BINDINGS = [*_digit_bindings(), Binding("s", "skip", "Skip", show=False, tooltip="run the lab without predicting")]

    class Picked(Message):
        """The learner's choice (0-based), or None: skipped."""

        def __init__(self, choice: int | None) -> None:
            super().__init__()
            self.choice = choice

    def __init__(self, spec: PredictSpec, fields: dict[str, str], **kwargs: Any) -> None:
        super().__init__(classes="predict", **kwargs)
        self.spec = spec
        self.fields = fields  # the block's own parameters as the lab's form shows them
        self.asking = False

    def compose(self) -> Any:
        yield Static("", classes="predict-question", markup=False)
        yield Static("", classes="predict-body", markup=False)

    def _show(self, head: str, body: str) -> None:
        self.query_one(".predict-question", Static).update(head)
        self.query_one(".predict-body", Static).update(body)
        self.add_class("-shown")
        if not self.asking and self.has_focus:
            self.screen.set_focus(None)  # answered: the page's keys, and the footer, are the page's again
        self.screen.refresh_bindings()

    def ask(self) -> None:
        fixed = ", ".join(f"{name} = {value}" for name, value in self.fields.items())
        lines = [f"With {fixed}:" if fixed else ""]
        lines += [f"{n}) {choice.label}" for n, choice in enumerate(self.spec.choices, start=1)]
        lines.append(f"1-{len(self.spec.choices)} predicts and runs the lab with these values; s runs it without.")
        self.asking = True
        self._show(f"Predict first · {self.spec.question}", "\n".join(line for line in lines if line))
        if all(node.display for node in self.ancestors if isinstance(node, Widget)):
            # Not on a page the learner already left (an autorun asks when its page mounts): the screen
            # focuses it when that page is shown again.
            self.focus(scroll_visible=False)

    def show_waiting(self, choice: int) -> None:
        self.asking = False
        self._show(f"Predict first · {self.spec.question}",
                   f"You predict {choice + 1}) {self.spec.choices[choice].label}. The run decides…")

    def show_verdict(self, choice: int, measured: str, outcome: int) -> None:
        self.asking = False
        right = choice == outcome
        picked, actual = self.spec.choices[choice], self.spec.choices[outcome]
        head = (f"You predicted {choice + 1}) {picked.label}; the run measured {measured} — "
                + ("right." if right else f"wrong: that is {outcome + 1}) {actual.label}."))
        body = actual.explain if right else f"{actual.explain}\nYour choice: {picked.explain}"
        self._show(("✓ " if right else "✗ ") + head, f"{body}\na asks it again.")

    def show_open(self, why: str) -> None:
        """No verdict (a stopped run, a time limit the block does not grade): the question stays open."""
        self.asking = False
        self._show(f"Predict first · {self.spec.question}", f"No verdict: {why} t asks again.")

    def hide(self) -> None:
        self.asking = False
        self.remove_class("-shown")
        if self.has_focus:
            self.screen.set_focus(None)
        self.screen.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick":
            return self.asking and isinstance(parameters[0], int) and parameters[0] <= len(self.spec.choices)
        if action == "skip":
            return self.asking
        return True

    def action_pick(self, number: int) -> None:
        self.post_message(self.Picked(number - 1))

    def action_skip(self) -> None:
        self.post_message(self.Picked(None))
