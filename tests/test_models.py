"""The one Keras training path: tiny tasks, fixed seeds, a few hundred milliseconds each."""

import math

import numpy as np
import pytest

from tutor.engine import datasets
from tutor.engine.experiment import Cancelled, Diverged, RunContext

pytestmark = pytest.mark.slow


def small_adding(seed=0):
    return datasets.adding_split(512, 256, 6, np.random.default_rng(seed))


def test_loss_falls_on_a_tiny_adding_problem():
    from tutor.engine.models import Trainer, build_model, seed_everything

    seed_everything(0)
    split = small_adding()
    model = build_model("gru", 8, input_dim=2, output_dim=1, seq_len=6)
    trainer = Trainer(model, learning_rate=1e-2)
    before = trainer.evaluate(split.x_test, split.y_test)
    history = trainer.fit((split.x_train, split.y_train), 150, RunContext(), batch_size=32)
    after = trainer.evaluate(split.x_test, split.y_test)
    assert history.steps == 150 and len(history.grad_norms) == 150
    assert split.baseline == pytest.approx(1 / 6, rel=0.2) and split.baseline_name == "predict the mean"
    assert after < 0.5 * split.baseline < before, (before, after, split.baseline)
    assert float(np.mean(history.losses[-20:])) < 0.5 * float(np.mean(history.losses[:20]))


def test_grad_norm_is_the_global_norm_before_clipping():
    from tutor.engine.models import Trainer, build_model, seed_everything

    tf = pytest.importorskip("tensorflow")
    seed_everything(1)
    split = small_adding(1)
    model = build_model("simple_rnn", 4, input_dim=2, output_dim=1, seq_len=6, recurrent_scale=3.0)
    xb, yb = split.x_train[:32], split.y_train[:32]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(xb, training=True) - yb))
    expected = float(tf.linalg.global_norm(tape.gradient(loss, model.trainable_variables)))
    before = [w.copy() for w in model.get_weights()]
    trainer = Trainer(model, optimizer="sgd", learning_rate=0.1, clip_norm=1e-3)
    got_loss, got_norm = trainer.step(xb, yb)
    assert got_loss == pytest.approx(float(loss), rel=1e-5)
    assert got_norm == pytest.approx(expected, rel=1e-4) and got_norm > 1e-3
    # Clipped to norm 1e-3, one SGD step of 0.1 moves the weights by exactly 1e-4 in total.
    moved = math.sqrt(sum(float(np.sum((a - b) ** 2)) for a, b in zip(model.get_weights(), before)))
    assert moved == pytest.approx(1e-4, rel=1e-3)
    # Per variable (Keras's clipnorm): each of the five weight arrays moves by 1e-4, so the whole by more.
    before = [w.copy() for w in model.get_weights()]
    Trainer(model, optimizer="sgd", learning_rate=0.1, clip_norm=1e-3, clip_per_variable=True).step(xb, yb)
    moves = [float(np.sqrt(np.sum((a - b) ** 2))) for a, b in zip(model.get_weights(), before)]
    assert moves == pytest.approx([1e-4] * 5, rel=1e-3)


def test_nan_loss_raises_diverged_with_the_step_and_the_advice():
    from tutor.engine.models import Trainer, build_model, seed_everything

    seed_everything(0)
    split = small_adding()
    y = split.y_train.copy()
    y[:] = np.nan
    seen = []
    trainer = Trainer(build_model("lstm", 4, input_dim=2, output_dim=1), learning_rate=1e-2)
    with pytest.raises(Diverged, match=r"at training step 1\. Try less\.") as err:
        trainer.fit((split.x_train, y), 10, RunContext(), on_chunk=lambda h: seen.append(h.steps), advice="Try less.")
    assert "nan" in str(err.value)
    assert seen == [1], "the chart gets the history up to the step that diverged"


def test_cancel_stops_within_a_step():
    from tutor.engine.models import Trainer, build_model

    split = small_adding()
    trainer = Trainer(build_model("gru", 4, input_dim=2, output_dim=1))
    # The first step builds the graph, and looks at the flag inside that too (tests/test_stop_latency.py).
    trainer.fit((split.x_train, split.y_train), 1, RunContext())
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 7

    with pytest.raises(Cancelled):
        trainer.fit((split.x_train, split.y_train), 1000, RunContext(is_cancelled=cancelled))
    assert trainer.history.steps == 1 + 7


def test_fit_continues_across_calls_and_reports_in_chunks():
    from tutor.engine.models import Trainer, build_model, seed_everything

    split = small_adding()

    def train(plan):
        seed_everything(3)
        trainer = Trainer(build_model("simple_rnn", 4, input_dim=2, output_dim=1), seed=3)
        chunks = []
        for steps in plan:
            trainer.fit((split.x_train, split.y_train), steps, RunContext(), batch_size=64, chunk=10,
                        on_chunk=lambda h: chunks.append(h.steps))
        return trainer, chunks

    whole, chunks = train([40])
    parts, _ = train([15, 25])
    assert chunks == [10, 20, 30, 40]
    assert parts.history.steps == 40
    # The same data order and optimizer state: two calls are one run of 40 steps.
    assert parts.history.losses == pytest.approx(whole.history.losses, rel=1e-5)
    for a, b in zip(parts.model.get_weights(), whole.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_tuple_inputs_train_a_two_input_model():
    from tutor.engine import runtime
    from tutor.engine.models import Trainer, recurrent_layer, seed_everything

    keras = runtime.keras()
    seed_everything(0)
    rng = np.random.default_rng(0)
    # Two inputs: a sequence and a scale; the target is the sequence's sum times the scale.
    seq = rng.random((512, 5, 1)).astype(np.float32)
    scale = rng.random((512, 1)).astype(np.float32)
    y = (seq.sum(axis=(1, 2))[:, None] * scale).astype(np.float32)
    a, b = keras.Input((5, 1)), keras.Input((1,))
    h = recurrent_layer("gru", 8)(a)
    out = keras.layers.Dense(1)(keras.layers.Dense(16, activation="tanh")(keras.layers.Concatenate()([h, b])))
    trainer = Trainer(keras.Model([a, b], out), learning_rate=1e-2)
    before = trainer.evaluate((seq, scale), y)
    trainer.fit(((seq, scale), y), 200, RunContext(), batch_size=32)
    assert trainer.predict((seq, scale)).shape == (512, 1)
    assert trainer.evaluate((seq, scale), y) < 0.2 * before


def test_classification_losses():
    from tutor.engine.models import Trainer, build_model, seed_everything

    seed_everything(0)
    split = datasets.recall_split(512, 256, 3, np.random.default_rng(0))
    assert split.baseline == pytest.approx(math.log(2), rel=0.05)
    trainer = Trainer(build_model("gru", 8, input_dim=2, output_dim=1), loss="bce_logits", learning_rate=1e-2)
    trainer.fit((split.x_train, split.y_train), 150, RunContext(), batch_size=32)
    assert trainer.evaluate(split.x_test, split.y_test) < 0.5 * split.baseline
    # Three classes from the sign at step 0 and the sign of the noise at the last step.
    labels = ((split.x_train[:, 0, 0] > 0).astype(int) + (split.x_train[:, -1, 1] > 0)).astype(np.int32)
    seed_everything(0)
    trainer = Trainer(build_model("lstm", 8, input_dim=2, output_dim=3), loss="sparse_ce_logits")
    before = trainer.evaluate(split.x_train, labels)
    assert before == pytest.approx(math.log(3), rel=0.2)
    trainer.fit((split.x_train, labels), 150, RunContext(), batch_size=32)
    assert trainer.evaluate(split.x_train, labels) < 0.5 * before


def test_build_model_shapes_and_scale():
    from tutor.engine.models import CELL_NAMES, CELLS, build_model

    assert set(CELL_NAMES) == set(CELLS)
    model = build_model("simple_rnn", 5, input_dim=3, output_dim=2, seq_len=7, recurrent_scale=0.5,
                        return_sequences=True, output_activation="sigmoid")
    out = np.asarray(model(np.zeros((4, 7, 3), dtype=np.float32)))
    assert out.shape == (4, 7, 2) and np.allclose(out, out[0, 0]) and np.all((out > 0) & (out < 1))
    w = model.layers[0].cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False), 0.5, rtol=1e-5)


def test_fit_stops_at_the_deadline_and_says_why():
    from tutor.engine.limits import Deadline
    from tutor.engine.models import Trainer, build_model

    split = small_adding()
    trainer = Trainer(build_model("simple_rnn", 4, input_dim=2, output_dim=1))
    deadline = Deadline(1.0, started=-1e9)  # a limit long passed: the clock is not part of the test
    chunks = []
    history = trainer.fit((split.x_train, split.y_train), 100, RunContext(), deadline=deadline, chunk=10,
                          on_chunk=lambda h: chunks.append(h.steps))
    assert history.steps == 10 and chunks == [10], "the first chunk trains; the deadline is checked after it"
    assert history.stopped == "time limit" and history.stopped_by_time_limit and deadline.reached
    trainer.fit((split.x_train, split.y_train), 5, RunContext())
    assert history.steps == 15 and history.stopped == "steps done" and not history.stopped_by_time_limit


def test_fit_records_cancelled_and_diverged():
    from tutor.engine.models import Trainer, build_model

    split = small_adding()
    trainer = Trainer(build_model("gru", 4, input_dim=2, output_dim=1))
    with pytest.raises(Cancelled):
        trainer.fit((split.x_train, split.y_train), 10, RunContext(is_cancelled=lambda: True))
    assert trainer.history.stopped == "cancelled"
    with pytest.raises(Diverged):
        trainer.fit((split.x_train, np.full_like(split.y_train, np.nan)), 10, RunContext())
    assert trainer.history.stopped == "diverged"


def test_fit_takes_a_batch_function():
    from tutor.engine.models import Trainer, build_model, seed_everything

    seed_everything(0)
    split = small_adding()
    rng = np.random.default_rng(0)
    drawn = []

    def next_batch():
        idx = rng.integers(0, len(split.x_train), 16)
        drawn.append(idx)
        return split.x_train[idx], split.y_train[idx]

    trainer = Trainer(build_model("gru", 8, input_dim=2, output_dim=1, seq_len=6), learning_rate=1e-2)
    history = trainer.fit(next_batch, 150, RunContext())
    assert len(drawn) == 150 == history.steps, "one fresh batch per step"
    assert float(np.mean(history.losses[-20:])) < 0.5 * float(np.mean(history.losses[:20]))


def test_tensorflow_and_keras_are_frozen_out_of_the_garbage_collector():
    """A full collection walked TensorFlow's and Keras's objects (0.24 s with the GIL held, every 1.7 s while a
    learner paged during char-rnn); once loaded they are frozen, and the collector's own generations stay small."""
    import gc

    from tutor.engine import runtime

    runtime.tensorflow()
    assert gc.get_freeze_count() > 100_000, "the import's objects are in the permanent generation"
    assert sum(gc.get_count()) < 50_000
