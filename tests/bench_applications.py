"""Benchmark: the three labs of lesson 6 at their default parameters, seeds 0, 1 and 2 (run by hand).

For each run: wall time (TensorFlow already loaded), steps trained, the lab's figure and its baseline, both
measured in the same run on the same held-out data, and whether the goal was met:

- forecast: the model's MAE below both the naive and the seasonal-naive MAE (goal: ≤ 60 s);
- char-rnn: held-out bits per character at most 0.75 × the unigram entropy (goal: ≤ 90 s);
- seq2seq-addition: exact match on held-out 2-digit sums at least 90% (goal: ≤ 90 s).

    PYTHONPATH=. python tests/bench_applications.py [--seeds 0,1,2] [--only forecast,char-rnn] [--plain]

``--plain`` adds, for seed 0, the addition lab with the settings of a plain Keras setup (input not reversed,
batch 32, Adam's default step 0.001) under the same time limit: the tuned default's accuracy against it, on
the same machine at the same load, is the comparison that survives a busy machine.
"""

from __future__ import annotations

import argparse
import os
import time

GOALS = {"forecast": 60.0, "char-rnn": 90.0, "seq2seq-addition": 90.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--only", default=",".join(GOALS))
    parser.add_argument("--plain", action="store_true", help="also the addition lab with plain settings")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]

    from tutor.engine import registry, runtime
    from tutor.engine.experiment import RunContext

    started = time.monotonic()
    runtime.tensorflow()
    print(f"TensorFlow loaded in {time.monotonic() - started:.1f} s; {os.cpu_count()} CPUs visible; "
          f"load average {os.getloadavg()[0]:.1f} at start")
    rows = []
    runs = [(name, seed, {}) for name in args.only.split(",") for seed in seeds]
    if args.plain:
        runs.append(("seq2seq-addition", 0, {"reverse": False, "batch": 32, "learning_rate": 0.001,
                                             "steps": 100000}))
    for name, seed, extra in runs:
        t0 = time.monotonic()
        r = registry.run(name, {"seed": seed, **extra}, RunContext())
        wall = time.monotonic() - t0
        if name == "forecast":
            base = min(r["naive_mae"], r["seasonal_naive_mae"])
            figure = f"MAE {r['model_mae']:.3f} ppm vs naive {r['naive_mae']:.3f}, seasonal {r['seasonal_naive_mae']:.3f}"
            ratio, ok = r["model_mae"] / base, r["model_mae"] < base
        elif name == "char-rnn":
            figure = f"{r['bits_per_char']:.2f} bits/char vs unigram {r['unigram_bits_per_char']:.2f}"
            ratio = r["bits_per_char"] / r["unigram_bits_per_char"]
            ok = ratio <= 0.75
        else:
            figure = (("plain settings: " if extra else "")
                      + f"exact match {r['exact_match']:.1%} (per character {r['char_accuracy']:.1%}, teacher forced "
                      f"{r['teacher_forced_char_accuracy']:.1%}; "
                      f"90% first at step {r['reached_90_at_step']})")
            ratio, ok = r["exact_match"], r["exact_match"] >= 0.9
        ok = ok and wall <= GOALS[name]
        rows.append((name, seed, wall, r["steps"], r.get("stopped_by_time_limit", False), figure, ratio, ok))
        print(f"{name:<17} seed {seed}  {wall:6.1f} s  {r['steps']:5d} steps"
              f"{' (time limit)' if r.get('stopped_by_time_limit') else ''}  {figure}  "
              f"ratio {ratio:.2f}  {'met' if ok else 'NOT met'}", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end\n")
    print("| lab | seed | wall | steps | figure | ratio | goal met |")
    print("|---|---|---|---|---|---|---|")
    for name, seed, wall, steps, limited, figure, ratio, ok in rows:
        print(f"| {name} | {seed} | {wall:.1f} s | {steps}{' (time limit)' if limited else ''} | {figure} | "
              f"{ratio:.2f} | {'yes' if ok else 'no'} |")


if __name__ == "__main__":
    main()
