"""A stop while a Keras step builds its graph (the first call of a Trainer's step traces it, about a second per
network) lands inside that build, not after the whole step (walk2 #3); the network trains as before after it."""

import numpy as np
import pytest

from tutor.engine import datasets
from tutor.engine.experiment import Cancelled, RunContext
from tutor.engine.training import check_cancelled

pytestmark = pytest.mark.slow


def stops_at_look(n: int) -> tuple[RunContext, list[int]]:
    """A run context that says "stop" from its ``n``-th look on (counted from 1); the list counts the looks."""
    looks = [0]

    def is_cancelled() -> bool:
        looks[0] += 1
        return looks[0] >= n

    return RunContext(is_cancelled=is_cancelled), looks


def trainer(seed: int = 0):
    from tutor.engine.models import Trainer, build_model, seed_everything

    seed_everything(seed)
    model = build_model("gru", 8, input_dim=2, output_dim=1, seq_len=6)
    return Trainer(model, learning_rate=1e-2, seed=seed)


def test_check_cancelled_outside_a_loop_does_nothing():
    check_cancelled()


def test_a_stop_during_the_first_step_lands_while_its_graph_is_built():
    split = datasets.adding_split(64, 16, 6, np.random.default_rng(0))
    batch = (split.x_train[:32], split.y_train[:32])
    reference = trainer()
    reference.fit(lambda: batch, 3, RunContext())

    # Look 1 is the loop's own, before the step; the stop is seen at look 2, inside the step's first trace.
    stopped = trainer()
    ctx, looks = stops_at_look(2)
    with pytest.raises(Cancelled):
        stopped.fit(lambda: batch, 3, ctx)
    assert looks[0] == 2 and stopped.history.steps == 0, "stopped before the step finished, at its next look"
    assert stopped.history.stopped == "cancelled"

    # Looks 2-4 are in the first trace, 5-7 in the second (after the optimizer made its variables). Stopped in
    # either, the network then trains as one that was never stopped (a kept network is trained again).
    for n in (2, 4, 6):
        again = trainer()
        with pytest.raises(Cancelled):
            again.fit(lambda: batch, 1, stops_at_look(n)[0])
        assert again.history.steps == 0
        again.fit(lambda: batch, 3, RunContext())
        assert again.history.losses == pytest.approx(reference.history.losses, rel=1e-6), f"stopped at look {n}"
