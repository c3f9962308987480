"""Predict first: a question a lab's own run answers. Plain data and the rule that grades it; no Textual, no NumPy.

A ``predict`` block names a lab on its page (by its experiment), fixes some of its parameters, and says which
value of the run's result decides: a path into the result (``ratio_first_to_last``, ``cells.lstm.test_mse``;
a key that itself holds a dot, like ``distances.0.5``'s ``0.5``, is matched whole; ``*`` maps over a mapping,
``counts.*.bias``), optionally reduced to a category by ``argmin``/``argmax`` over that mapping, or over a
list of paths (``["model_mae", "seasonal_naive_mae"]``, each path a category). Each choice is
then either a range (``min`` inclusive, ``max`` exclusive, an open end is infinite) or a category (a key of the
mapping). No right answer is typed into the lesson: the measurement picks the choice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

Pick = Literal["argmin", "argmax"]
PICKS: tuple[Pick, ...] = ("argmin", "argmax")
# time_limited = "measured": a run stopped by its time limit is graded on what it measured.
MEASURED: Literal["measured"] = "measured"


@dataclass(frozen=True)
class Choice:
    label: str
    explain: str  # shown after the verdict: why this is right, or what choosing it overlooked
    min: float | None = None  # a range choice: min <= value < max; None is open
    max: float | None = None
    category: str | None = None  # a category choice: the key argmin/argmax picked

    def holds(self, value: float | str) -> bool:
        if self.category is None and self.min is None and self.max is None:
            return False  # a choice that only a diverged or time-limited run reaches
        if self.category is not None:
            return value == self.category
        if isinstance(value, str):
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value < self.max)


@dataclass(frozen=True)
class Measured:
    """What the run measured: the deciding value (a number, or the category picked) and how to show it."""

    value: float | str
    text: str


@dataclass(frozen=True)
class PredictSpec:
    """A prediction asked before its lab runs. ``params`` is the whole set the lab runs with for it (the lab's
    values, then the block's own); ``fixed`` names those the block sets, shown with the question."""

    id: str
    experiment: str
    question: str
    params: dict[str, Any]
    fixed: tuple[str, ...]
    value: str | tuple[str, ...]  # a path; with a pick, also a tuple of paths to compare
    pick: Pick | None
    choices: tuple[Choice, ...]
    diverged: int | None = None  # the choice (0-based) a run that diverged counts as; None: no verdict
    time_limited: int | Literal["measured"] | None = None  # likewise for a run stopped by its time limit
    line: int = 0

    def measure(self, result: dict[str, Any]) -> Measured | None:
        """The deciding value of a finished run, or None where the result does not hold one (a null, a
        missing key, a mapping with no number)."""
        if isinstance(self.value, tuple):
            found: Any = {path: resolve(result, path) for path in self.value}
        else:
            found = resolve(result, self.value)
        if self.pick is None:
            if not _is_number(found, infinite=True):  # an overflow to infinity lies in the open top range
                return None
            return Measured(float(found), number(float(found)))
        if not isinstance(found, dict):
            return None
        scores = {str(k): float(v) for k, v in found.items() if _is_number(v)}
        if not scores:
            return None
        best = (min if self.pick == "argmin" else max)(scores, key=lambda k: scores[k])
        mark = " (lowest)" if self.pick == "argmin" else " (highest)"
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=self.pick == "argmax")
        return Measured(best, ", ".join(f"{k} {number(v)}{mark if k == best else ''}" for k, v in ranked))

    def choice_for(self, value: float | str) -> int | None:
        """The index of the choice that holds ``value``; None where none does (outside every range)."""
        return next((i for i, c in enumerate(self.choices) if c.holds(value)), None)


def resolve(data: Any, path: str) -> Any:
    """The value at ``path`` in nested dicts and lists, or None. Segments are split at dots, but the longest run
    of segments that is itself a key wins (``steps_to_one_percent.0.5``); an integer segment indexes a list
    (``-1`` the last item); ``*`` gives a mapping of every key to the rest of the path resolved under it."""
    return _resolve(data, path.split(".")) if path else None


def _resolve(data: Any, parts: list[str]) -> Any:
    if not parts:
        return data
    head, rest = parts[0], parts[1:]
    if head == "*":
        if not isinstance(data, dict):
            return None
        return {key: _resolve(value, rest) for key, value in data.items()}
    if isinstance(data, dict):
        for n in range(len(parts), 0, -1):
            key = ".".join(parts[:n])
            if key in data:
                return _resolve(data[key], parts[n:])
        return None
    if isinstance(data, list):
        try:
            return _resolve(data[int(head)], rest)
        except (ValueError, IndexError):
            return None
    return None


def _is_number(value: Any, infinite: bool = False) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and (math.isfinite(value) or (infinite and not math.isnan(value))))


def number(value: float) -> str:
    """A measured number as the verdict shows it: three significant digits."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.3g}"


def gaps(choices: tuple[Choice, ...]) -> str | None:
    """Why range choices do not tile the line without a gap or an overlap; None when they do."""
    ordered = sorted(choices, key=lambda c: -math.inf if c.min is None else c.min)
    for c in ordered:
        if c.min is not None and c.max is not None and not c.min < c.max:
            return f"the range of {c.label!r} is empty (min must be below max)"
    for a, b in zip(ordered, ordered[1:]):
        if a.max is None or b.min is None or a.max != b.min:
            return (f"the ranges of {a.label!r} and {b.label!r} must meet: the first's max equal to the "
                    "second's min, with no gap and no overlap")
    return None
