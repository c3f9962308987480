"""How every lab trains: the one training loop, the history it leaves, and the networks kept between runs.

- :func:`train_steps` is the loop, as nanoGPT's train.py owns termination, evaluation and logging in one
  place: it runs ``step()`` a number of times, checks cancellation before every step and the time limit
  (:class:`~tutor.engine.limits.Deadline`) before every chunk, reports through one callback per chunk, and
  says why it stopped (:data:`StopReason`). A step that is slow only the first time (a Keras step builds its
  graph then, about a second per network) looks at the loop's cancellation inside itself with
  :func:`check_cancelled`. :meth:`tutor.engine.models.Trainer.fit` runs a Keras network
  through it; the NumPy trainer, and the labs that step two or three networks in lock step, run it directly.
- :class:`TrainHistory`: every step's loss and gradient norm, and why the last run of the loop stopped.
- :class:`KeptNetworks`: trained networks kept between runs (a learner who presses **t** again continues
  training the same network), a few at a time, one run at a time each, and dropped when their loss diverged.

Plain Python: no NumPy, no TensorFlow.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from tutor.engine.experiment import Cancelled, Diverged, RunContext, diverged_message
from tutor.engine.limits import Deadline

StopReason = Literal["steps done", "time limit", "cancelled", "diverged"]
DEFAULT_ADVICE = "Lower the learning rate, or clip the gradient."


@dataclass
class TrainHistory:
    """What a network has done so far, one entry per step, in order, and why its last run stopped."""

    losses: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)  # global gradient norm before clipping
    stopped: StopReason = "steps done"

    @property
    def steps(self) -> int:
        return len(self.losses)

    @property
    def stopped_by_time_limit(self) -> bool:
        return self.stopped == "time limit"


# The run whose loop is going in this thread (each thread has its own context): what check_cancelled reads.
_running: ContextVar[RunContext | None] = ContextVar("running", default=None)


def check_cancelled() -> None:
    """Raise :class:`Cancelled` if the training loop going in this thread has been stopped (nothing outside a
    loop). For the inside of one step that can take long: the first call of a Keras step traces its graph,
    twice, about a second per network on a small machine, and the race's step traces three; the loop's own
    check comes only before the next step."""
    ctx = _running.get()
    if ctx is not None:
        ctx.check()


def train_steps(step: Callable[[], float], steps: int, ctx: RunContext, *, deadline: Deadline | None = None,
                chunk: int = 25, on_chunk: Callable[[], None] | None = None, advice: str = DEFAULT_ADVICE,
                first_step: int = 1) -> StopReason:
    """Run ``step()`` (one update; it returns the loss) ``steps`` times; return why the loop ended.

    - Cancellation is checked before every step (:class:`Cancelled` propagates).
    - The deadline is checked before every ``chunk`` steps after the first chunk (so a run always has
      something to show); reaching it ends the loop ("time limit").
    - ``on_chunk()`` runs after every ``chunk`` steps and after the last one.
    - A NaN or infinite loss (or a :class:`Diverged` raised by ``step`` itself) calls ``on_chunk`` once more,
      so the chart shows the step that diverged, and raises :class:`Diverged` naming the step (counted from
      ``first_step``) and giving ``advice``.
    """
    running = _running.set(ctx)
    try:
        for done in range(steps):
            if deadline is not None and done and done % chunk == 0 and deadline.passed():
                return "time limit"
            ctx.check()
            try:
                loss = step()
                if not math.isfinite(loss):
                    raise Diverged(diverged_message(loss, first_step + done, advice))
            except Diverged:
                if on_chunk is not None:
                    on_chunk()
                raise
            if on_chunk is not None and ((done + 1) % chunk == 0 or done + 1 == steps):
                on_chunk()
        return "steps done"
    finally:
        _running.reset(running)


def recorded(history: TrainHistory, loop: Callable[[], StopReason]) -> StopReason:
    """Run ``loop`` and record in ``history`` why it stopped, whether it returned or raised."""
    try:
        history.stopped = loop()
    except Cancelled:
        history.stopped = "cancelled"
        raise
    except Diverged:
        history.stopped = "diverged"
        raise
    return history.stopped


T = TypeVar("T")


@dataclass
class Kept(Generic[T]):
    """One kept network (whatever the lab keeps of it), and the lock that lets one run train it at a time."""

    network: T
    lock: threading.Lock = field(default_factory=threading.Lock)


class KeptNetworks(Generic[T]):
    """Networks kept between runs, keyed by the parameters that define them; at most ``size``, the oldest
    dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: dict[Hashable, Kept[T]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Kept[T] | None:
        with self._lock:
            return self._items.get(key)

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> Kept[T]:
        """The network kept under ``key``, or a new one from ``build()``, kept from now on."""
        kept = self.get(key)
        if kept is not None:
            return kept
        kept = Kept(build())
        with self._lock:
            self._items.pop(key, None)
            while len(self._items) >= self.size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = kept
        return kept

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    @contextmanager
    def training(self, key: Hashable, kept: Kept[T]) -> Iterator[T]:
        """Train a kept network: one run at a time, and a network whose loss diverged is dropped (its weights
        are NaN), so the next run starts afresh."""
        with kept.lock:
            try:
                yield kept.network
            except Diverged as err:
                with self._lock:
                    if self._items.get(key) is kept:
                        del self._items[key]
                raise Diverged(f"{err} The network was discarded: the next run starts a fresh one.") from None
