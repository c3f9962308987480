"""The review screen: each due card asked again, one at a time; the answer reschedules it.

A check comes back as its lesson asks it, with its choices in a new order (so the answer is recalled, not its
place); a prediction comes back as its question and choices, labelled a prediction, graded by the learner's
own earlier run, whose measurement (every value compared, for a category) is shown once they have answered. A
digit picks a choice, as enter does. The card is rescheduled by its first answer here; the check's feedback
(right or not, and the explanation) stays until the learner moves on.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime
from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList, Static

from tutor import review
from tutor.curriculum import Curriculum
from tutor.curriculum.model import CheckSpec
from tutor.progress import ProgressStore
from tutor.widgets.check import CheckView
from tutor.widgets.footer import Footer

Clock = Callable[[], datetime]


def shuffled(check: CheckSpec, rng: random.Random) -> CheckSpec:
    """The check with its choices in another order (a numeric check as it is), the answer following its choice."""
    if len(check.choices) < 2:
        return check
    order = list(range(len(check.choices)))
    while order == sorted(order):  # another order than the lesson's, or its position would give it away
        rng.shuffle(order)
    return replace(check, choices=tuple(check.choices[i] for i in order), answer=order.index(int(check.answer)))


class CardView(CheckView):
    """A card's question, named as its lesson asked it: "Prediction · …" for a prediction (a check's own
    heading says "Check · …")."""

    def __init__(self, check: CheckSpec, kind: review.Kind) -> None:
        super().__init__(check)
        self.kind = kind

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if self.kind == "prediction" and widget.has_class("check-question"):
                widget = Static(f"Prediction · {self.check.question}", classes="check-question", markup=False)
            yield widget


def when(due: datetime, now: datetime) -> str:
    days = max(1, round((due - now).total_seconds() / 86400))
    return f"in {days} day{'s' if days > 1 else ''}"


class ReviewScreen(Screen[None]):
    """Asks ``cards`` in order; ``clock`` gives the time of each answer (tests move it)."""

    AUTO_FOCUS = ""
    BINDINGS = [
        *[Binding(str(d), f"choose({d})", "Choose", show=d == 1, key_display="1-9" if d == 1 else None)
          for d in range(1, 10)],
        Binding("n", "next", "Next card"),
        Binding("escape", "back", "Contents"),
    ]

    def __init__(self, store: ProgressStore, curriculum: Curriculum, cards: list[review.Card], clock: Clock,
                 rng: random.Random | None = None) -> None:
        super().__init__()
        self.store = store
        self.curriculum = curriculum
        self.cards = cards
        self.clock = clock
        self.rng = rng or random.Random()
        self.index = 0
        self.question: review.Question | None = None  # the card on screen's
        self.answered = False  # the card on screen has been answered (and rescheduled)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="review-bar", markup=False)
        yield VerticalScroll(id="review-body")
        yield Static("", id="review-next", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_card(0)

    @property
    def card(self) -> review.Card:
        return self.cards[self.index]

    def show_card(self, index: int) -> None:
        self.index, self.answered = index, False
        lesson = self.curriculum.get(self.card.lesson)
        title = f"{lesson.order}. {lesson.title}" if lesson else self.card.lesson
        self.query_one("#review-bar", Static).update(f"Review · card {index + 1} of {len(self.cards)} · {title}")
        self.query_one("#review-next", Static).update("")
        body = self.query_one("#review-body", VerticalScroll)
        body.remove_children()
        self.question = review.question(self.store, self.curriculum, self.card)
        if self.question is None:  # due() gives only cards it can ask; the lesson changed under a running app
            self.answered = True
            self.query_one("#review-next", Static).update("This question is no longer in its lesson. n: next")
            return
        body.mount(CardView(shuffled(self.question.check, self.rng), self.card.kind))
        self.call_after_refresh(self._focus_answer)
        self.refresh_bindings()

    def _focus_answer(self) -> None:
        fields = self.query("#review-body OptionList, #review-body Input")
        if fields:
            fields.first().focus()

    @on(CheckView.Answered)
    def _answered(self, event: CheckView.Answered) -> None:
        event.stop()  # an answer here is a review, not the lesson's answer to its check
        if self.answered:
            return
        self.answered = True
        now = self.clock()
        after = review.answer(self.store, self.card, event.correct, now)
        for field in self.query("#review-body OptionList, #review-body Input"):
            field.disabled = True  # one answer per card: it has been rescheduled by this one
        last = self.index + 1 == len(self.cards)
        measured = f"{self.question.measured} " if self.question and self.question.measured else ""
        self.query_one("#review-next", Static).update(
            f"{measured}Back {when(after.due, now)}. " + ("That was the last card: escape for the contents."
                                                            if last else "n: the next card."))
        self.refresh_bindings()

    def action_choose(self, number: int) -> None:
        views = self.query(CheckView)
        if views and not self.answered:
            view = views.first()
            if number <= len(view.check.choices):
                view.answer(number - 1)

    def action_next(self) -> None:  # offered once the card is answered (check_action)
        if self.index + 1 < len(self.cards):
            self.show_card(self.index + 1)
        else:
            self.dismiss(None)

    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, Input):
            self.set_focus(None)
            return
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":  # in the footer only while a choice can be picked
            views = self.query(CheckView)
            return bool(views) and not self.answered and bool(views.first().check.choices)
        if action == "next":
            return self.answered
        return True
