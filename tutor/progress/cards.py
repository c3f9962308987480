"""Review cards in the progress file: the ``review`` section, its operations, and how it is read.

A card is a check answered wrong at its first try, or a prediction graded wrong, that comes back for review
(:mod:`tutor.review` schedules it). The section maps a card's key to what it asks and its scheduler state, as
the ``fsrs`` package serialises a card (``fsrs.Card.to_dict``)::

    "review": {KEY: {"kind": "check" | "prediction", "lesson": ID, "item": CHECK_OR_PREDICTION_ID,
                     "card": {"card_id": int, "state": 1 | 2 | 3, "step": int | null,
                              "stability": number | null, "difficulty": number | null,
                              "due": ISO time with zone, "last_review": ISO time with zone | null}}}

This module knows the shape, not the scheduler: it checks every field of a card so that a card that loads can
be rescheduled, and names the ones that cannot (the store then moves the file aside, keeping the rest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tutor.progress.schema import is_int, is_number

Data = dict[str, Any]
KINDS = ("check", "prediction")
_ENTRY_KEYS = ("kind", "lesson", "item", "card")
_CARD_KEYS = ("card_id", "state", "step", "stability", "difficulty", "due", "last_review")
_STATES = (1, 2, 3)  # fsrs.State: Learning, Review, Relearning


def card_key(kind: str, lesson: str, item: str) -> str:
    """One key per question: a lesson id has no spaces (the loader refuses them), so the key is unambiguous."""
    return f"{kind} {lesson} {item}"


def _section(data: Data) -> Data:
    section: Data = data.setdefault("review", {})
    return section


@dataclass(frozen=True)
class CardAdded:
    """A new card, already scheduled by its first (wrong) answer. A card for that question that is there
    already (another instance added it first) is kept: adding is idempotent."""

    kind: str
    lesson: str
    item: str
    card: dict[str, Any] = field(hash=False)  # fsrs.Card.to_dict()

    def apply(self, data: Data) -> None:
        _section(data).setdefault(card_key(self.kind, self.lesson, self.item),
                                  {"kind": self.kind, "lesson": self.lesson, "item": self.item,
                                   "card": dict(self.card)})


@dataclass(frozen=True)
class CardReviewed:
    """A card's state after a review. Replayed on another instance's file, the later review wins; a card that
    is gone there (its lesson was reset) stays gone."""

    key: str
    card: dict[str, Any] = field(hash=False)

    def apply(self, data: Data) -> None:
        entry = _section(data).get(self.key)
        if entry is None:
            return
        if _reviewed_at(entry["card"]) <= _reviewed_at(self.card):
            entry["card"] = dict(self.card)


@dataclass(frozen=True)
class CardsForgotten:
    """One lesson's cards removed, or every card (``lesson_id`` None): `rnn-tutor reset`."""

    lesson_id: str | None

    def apply(self, data: Data) -> None:
        section = _section(data)
        for key in [k for k, entry in section.items() if self.lesson_id in (None, entry.get("lesson"))]:
            del section[key]


def _reviewed_at(card: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(card["last_review"] or card["due"])


# -- reading ----------------------------------------------------------------------------------------------

def parse_review(raw: Any, problems: list[str]) -> Data:
    """The valid cards of a file's ``review`` section; what is not valid is named in ``problems``."""
    if not isinstance(raw, dict):
        problems.append("review is not an object")
        return {}
    clean: Data = {}
    for key, entry in raw.items():
        why = _entry_problem(key, entry)
        if why is None:
            clean[key] = {**entry, "card": dict(entry["card"])}
        else:
            problems.append(f"review card {key!r}: {why}")
    return clean


def _entry_problem(key: str, entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "not an object"
    if entry.get("kind") not in KINDS:
        return f"kind {entry.get('kind')!r} is not one of {', '.join(KINDS)}"
    if not (isinstance(entry.get("lesson"), str) and isinstance(entry.get("item"), str)):
        return "no lesson and item"
    if key != card_key(entry["kind"], entry["lesson"], entry["item"]):
        return "its key does not name its question"
    card = entry.get("card")
    if not isinstance(card, dict) or not set(_CARD_KEYS) <= set(card):
        return "no scheduler state"
    if not is_int(card["card_id"]) or card["state"] not in _STATES or isinstance(card["state"], bool):
        return "its card id or state is not valid"
    if not (card["step"] is None or (is_int(card["step"]) and card["step"] >= 0)) or (
            card["state"] == 3 and card["step"] is None):  # relearning needs its step
        return "its step is not valid"
    for name in ("stability", "difficulty"):
        # A card that has been reviewed (state Review or Relearning) needs both to be scheduled again.
        if not ((card[name] is None and card["state"] == 1) or (is_number(card[name]) and card[name] > 0)):
            return f"its {name} is not a positive number"
    if _time(card["due"]) is None or not (card["last_review"] is None or _time(card["last_review"])):
        return "its due or review time is not a time with a zone"
    return None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None
