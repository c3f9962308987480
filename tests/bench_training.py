"""Benchmark (run by hand): a lab's training against the same bare Keras code. Goal: ≤ 1.1×.

    python tests/bench_training.py

The lab path is ``registry.run("memory-task", ...)`` with a progress callback (as the TUI runs it, minus the
UI), which trains through ``models.Trainer``; the baseline builds the same models and calls Keras's own ``fit``
with no callback, in the same process.
"""

from __future__ import annotations

import time

import numpy as np

from tutor.engine import datasets, registry, runtime
from tutor.engine.experiment import RunContext
from tutor.engine.models import build_model, seed_everything

PARAMS = {"distances": [10, 40], "units": 16, "epochs": 8, "samples": 1024, "cell": "simple_rnn", "seed": 0}


def bare() -> float:
    keras = runtime.keras()
    start = time.perf_counter()
    for d in PARAMS["distances"]:
        seed_everything(0)
        rng = np.random.default_rng(d)
        x, y = datasets.recall_task(PARAMS["samples"], d, rng)
        x_test, y_test = datasets.recall_task(512, d, rng)
        model = build_model("simple_rnn", 16, input_dim=2, output_dim=1, seq_len=d)  # one logit, as the lab
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
        model.fit(x, y, batch_size=64, epochs=PARAMS["epochs"], verbose=0)
        model.evaluate(x_test, y_test, verbose=0)
    return time.perf_counter() - start


def lab() -> float:
    updates = []
    start = time.perf_counter()
    registry.run("memory-task", dict(PARAMS), RunContext(on_progress=updates.append))
    return time.perf_counter() - start


def main() -> None:
    runtime.tensorflow()
    bare(), lab()  # warm-up: graph tracing and caches
    b = min(bare() for _ in range(3))
    t = min(lab() for _ in range(3))
    print(f"bare Keras: {b:.2f} s   lab: {t:.2f} s   ratio {t / b:.2f}× (goal ≤ 1.1×)")


if __name__ == "__main__":
    main()
