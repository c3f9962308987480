"""The review queue: what a learner missed comes back, spaced out, until it sticks.

A check answered wrong at its first try, and a prediction the run graded wrong, become review cards, scheduled
with FSRS (the ``fsrs`` package): the first wrong answer is the card's first review, rated Again; each later
answer on the review screen is rated Good when right and Again when wrong. Cards live in the progress store
(:mod:`tutor.progress.cards`), so they share its locked, merged writes and its damage handling.

Every function takes the time (``at``, ``now``: aware datetimes) instead of reading the clock, so tests can
move time. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Literal

from fsrs import Card as FsrsCard, Rating, Scheduler

from tutor.curriculum.model import CheckSpec
from tutor.progress.cards import CardAdded, CardReviewed, CardsForgotten, card_key

if TYPE_CHECKING:
    from tutor.curriculum.model import Curriculum
    from tutor.progress.store import ProgressStore

Kind = Literal["check", "prediction"]

# No learning or relearning steps: FSRS's defaults (1 and 10 minutes, 10 minutes after a lapse) would bring a
# missed question back within the same sitting. Without steps every answer is scheduled by the memory model,
# whose shortest interval is a whole day (Scheduler._next_interval rounds to days and keeps at least 1), so the
# first interval is at least a day by configuration, not by clamping a due date. No fuzzing: a learner has a
# few dozen cards, not thousands to spread over days, and a due date that does not depend on chance can be
# tested and explained.
SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


@dataclass(frozen=True)
class Card:
    """A question that comes back: which one, and its scheduler state."""

    kind: Kind
    lesson: str
    item: str  # the check's id, or the prediction's
    state: FsrsCard

    @property
    def key(self) -> str:
        return card_key(self.kind, self.lesson, self.item)

    @property
    def due(self) -> datetime:
        return self.state.due


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("review times must carry a time zone")
    return when.astimezone(timezone.utc)  # fsrs refuses any zone but UTC


def _rating(right: bool) -> Rating:
    return Rating.Good if right else Rating.Again


def record(store: ProgressStore, kind: Kind, lesson: str, item: str, right: bool, at: datetime) -> None:
    """A first answer, graded: a wrong one makes a card, scheduled as a review rated Again at ``at``. A right
    one makes none, and a question that has a card already is left to the review screen."""
    if right or card_key(kind, lesson, item) in store.data.get("review", {}):
        return
    at = _utc(at)
    # The card's id is its creation time in ms, as fsrs would choose, but from the given clock (fsrs's own
    # choice sleeps a millisecond to keep ids apart; the key, not the id, names a card here).
    new = FsrsCard(card_id=int(at.timestamp() * 1000), due=at)
    scheduled, _ = SCHEDULER.review_card(new, Rating.Again, at)
    store.change(CardAdded(kind, lesson, item, dict(scheduled.to_dict())))


def cards(store: ProgressStore) -> list[Card]:
    """Every card in the store, soonest due first."""
    found = [Card(entry["kind"], entry["lesson"], entry["item"], FsrsCard.from_dict(entry["card"]))
             for entry in store.data.get("review", {}).values()]
    return sorted(found, key=lambda card: (card.due, card.key))


def askable(store: ProgressStore, curriculum: Curriculum) -> list[Card]:
    """The cards that can be asked, due or not, soonest due first. A card whose check or prediction is gone is
    left out quietly; it stays in the store, so a lesson that fails to load today (a typo being fixed) costs the
    learner nothing."""
    return [card for card in cards(store) if question(store, curriculum, card) is not None]


def due(store: ProgressStore, curriculum: Curriculum, now: datetime) -> list[Card]:
    """The cards due at ``now`` that can be asked (:func:`askable`), longest overdue first."""
    now = _utc(now)
    return [card for card in askable(store, curriculum) if card.due <= now]


def day_words(when: datetime, now: datetime, zone: tzinfo | None = None) -> str:
    """The day of ``when`` as the learner says it, seen from ``now``: "later today", "tomorrow", "on Friday"
    within the week, else "on 14 December" (with the year when it is another). Days are counted in ``zone``,
    the machine's own by default: a card due at 01:00 UTC is due "tomorrow" or "later today" depending on it."""
    there, here = _utc(when).astimezone(zone), _utc(now).astimezone(zone)
    days = (there.date() - here.date()).days
    if days <= 0:
        return "later today"
    if days == 1:
        return "tomorrow"
    if days < 7:
        return f"on {there:%A}"
    return f"on {there.day} {there:%B}" + (f" {there.year}" if there.year != here.year else "")


def answer(store: ProgressStore, card: Card, right: bool, now: datetime) -> Card:
    """The card answered again on the review screen: rescheduled (right = Good, wrong = Again)."""
    state, _ = SCHEDULER.review_card(card.state, _rating(right), _utc(now))
    store.change(CardReviewed(card.key, dict(state.to_dict())))
    return Card(card.kind, card.lesson, card.item, state)


def forget(store: ProgressStore, lesson: str | None) -> None:
    """Remove one lesson's cards, or every card (None): the lesson was reset."""
    store.change(CardsForgotten(lesson))


@dataclass(frozen=True)
class Question:
    """What the review screen asks for a card: a check as its lesson has it; a prediction as a choice check
    whose right choice is the one the learner's own run measured, with that measurement to show afterwards."""

    check: CheckSpec
    measured: str | None = None  # a prediction's: "Your run measured …", shown once it is answered


def question(store: ProgressStore, curriculum: Curriculum, card: Card) -> Question | None:
    """The card's question as the curriculum asks it now; None where it cannot be asked (gone from its lesson,
    or a prediction without the learner's measurement to grade it by)."""
    lesson = curriculum.get(card.lesson)
    if lesson is None:
        return None
    if card.kind == "check":
        spec = next((c for c in lesson.checks if c.id == card.item), None)
        return None if spec is None else Question(spec)
    # Predict blocks (tutor/curriculum/predict.py's PredictSpec: id, question, choices with label and explain,
    # choice_for(value)) come with issue 21's other half; a curriculum without them asks no prediction cards.
    spec = next((p for p in getattr(lesson, "predictions", ()) if p.id == card.item), None)
    kept = store.lesson(card.lesson).get("predictions", {}).get(card.item, {})
    if spec is None or "measured" not in kept:
        return None
    right = spec.choice_for(kept["measured"])
    if right is None:  # the block's ranges changed since that run: its value decides nothing now
        return None
    check = CheckSpec(spec.id, spec.question, spec.choices[right].explain, right,
                      tuple(c.label for c in spec.choices))
    return Question(check, _measured(kept, getattr(spec, "pick", None)))


def _measured(kept: dict[str, Any], pick: str | None) -> str:
    """What the learner's run measured, as its verdict said it: every value compared, where the record keeps
    them (``measured_text``); a record from before that names the category picked and how."""
    text = kept.get("measured_text")
    if isinstance(text, str) and text:
        return f"Your run measured {text}."
    value = kept["measured"]
    if not isinstance(value, str):
        return f"Your run measured {value:.3g}."
    if pick in ("argmin", "argmax"):
        return f"In your run, {value} had the {'lowest' if pick == 'argmin' else 'highest'} value."
    return f"Your run measured {value}."
