"""Benchmark (run by hand): one from-scratch training step (forward, BPTT, Adam update) against one Keras
training step, at lesson sizes (32 and 64 units, 50 steps, batch 32), in the same run. Goal: ≤ 1.0×.

NumPy runs as the app runs it: ``runtime.prepare_environment()`` comes before NumPy loads (it keeps NumPy's
BLAS on one thread); the line printed first says how many threads that is.

    python tests/bench_scratch.py
"""

from __future__ import annotations

import os
import time

from tutor.engine import runtime

runtime.prepare_environment()  # before NumPy loads: its BLAS reads the thread count then

import numpy as np  # noqa: E402

from tutor.engine import datasets  # noqa: E402
from tutor.engine.models import layer_class  # noqa: E402
from tutor.engine.scratch_train import Adam, ScratchModel, TrainConfig  # noqa: E402

STEPS, BATCH, REPEAT = 50, 32, 30


def per_step(fn) -> float:
    fn()  # warm-up (tracing, caches)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(REPEAT):
            fn()
        best = min(best, (time.perf_counter() - start) / REPEAT)
    return best


def main() -> None:
    print(f"NumPy's BLAS threads: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}", flush=True)
    keras = runtime.keras()
    x, y = datasets.adding_problem(BATCH, STEPS, np.random.default_rng(0))
    for cell in ("simple_rnn", "lstm", "gru"):
        for units in (32, 64):
            model = ScratchModel(TrainConfig(cell, units), 2)
            opt = Adam(1e-3)
            xs, ys = x.astype(np.float32), y.astype(np.float32)
            model.cell = type(model.cell)(*model.cell.weights, dtype=np.float32)

            def scratch_step() -> None:
                _, grads = model.loss_and_grads(xs, ys)
                opt.step(model.params, grads)

            layer = layer_class(cell)
            k_model = keras.Sequential([keras.Input((STEPS, 2)), layer(units), keras.layers.Dense(1)])
            k_model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
            s = per_step(scratch_step)
            k = per_step(lambda: k_model.train_on_batch(x, y))
            print(f"{cell:<10} {units:>3} units: NumPy {s * 1000:6.1f} ms   Keras {k * 1000:6.1f} ms   "
                  f"ratio {s / k:.2f}× (goal ≤ 1.0×)", flush=True)


if __name__ == "__main__":
    main()
