"""Benchmark (run by hand): the adding problem at the lab's default budget, on this machine's CPU cores.

    python tests/bench_adding.py [--seeds 3]

Goals: at T=50 the LSTM and the GRU reach a test MSE under 5% of the
predict-the-mean baseline, each run in 30 s or less; the vanilla RNN at T=100 stays near the baseline.
The baseline is measured in the same run, on the same held-out sequences. A second table times the lab's
training loop against Keras's own ``fit`` on the same model and data (goal ≤ 1.1×).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from tutor.engine import datasets, registry, runtime
from tutor.engine.experiment import RunContext
from tutor.engine.models import recurrent_layer, seed_everything

CASES = [("lstm", 50), ("gru", 50), ("simple_rnn", 100)]


def fit_seconds(cell: str, seq_len: int, steps: int) -> float:
    """The same model, data and number of Adam steps, trained by ``model.fit``."""
    keras = runtime.keras()
    seed_everything(0)
    x, y = datasets.adding_problem(steps * 64, seq_len, np.random.default_rng(0))
    model = keras.Sequential([keras.Input((seq_len, 2)), recurrent_layer(cell, 32), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-2, clipnorm=1.0), loss="mse")
    start = time.perf_counter()
    model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    return time.perf_counter() - start


def lab_seconds(cell: str, seq_len: int, steps: int) -> float:
    start = time.perf_counter()
    registry.run("adding-problem", {"cell": cell, "seq_len": seq_len, "steps": steps, "time_limit": 0},
                 RunContext(on_progress=lambda snap: None))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    runtime.tensorflow()
    print(f"device: {runtime.device_description()}, {os.cpu_count()} CPU cores")
    print(f"{'cell':<11} {'T':>4} {'seed':>4} {'test MSE':>9} {'baseline':>9} {'share':>7} {'seconds':>8}")
    for cell, seq_len in CASES:
        shares, times = [], []
        for seed in range(args.seeds):
            start = time.perf_counter()
            r = registry.run("adding-problem", {"cell": cell, "seq_len": seq_len, "seed": seed}, RunContext())
            seconds = time.perf_counter() - start
            shares.append(r["fraction_of_baseline"])
            times.append(seconds)
            print(f"{cell:<11} {seq_len:>4} {seed:>4} {r['test_mse']:9.4f} {r['baseline_mse']:9.4f} "
                  f"{r['fraction_of_baseline']:7.1%} {seconds:8.1f}")
        print(f"{'':<11} worst share {max(shares):.1%}, slowest run {max(times):.1f} s\n")
    print("training loop: lab (with evaluation every 100 steps) vs Keras fit, 500 steps")
    for cell, seq_len in CASES[:2]:
        lab_seconds(cell, seq_len, 50), fit_seconds(cell, seq_len, 50)  # warm-up: tracing
        lab, fit = lab_seconds(cell, seq_len, 500), fit_seconds(cell, seq_len, 500)
        print(f"{cell:<11} lab {lab:5.2f} s   fit {fit:5.2f} s   ratio {lab / fit:.2f}×")


if __name__ == "__main__":
    main()
