"""Run every prediction's lab at its block's parameters for seeds 0–4 and show whether the deciding value falls in
the same choice for every seed (run by hand; the suite runs the NumPy ones, tests/test_predict_lessons.py).

    PYTHONPATH=. python tests/bench_predictions.py            # every prediction (Keras labs take minutes)
    PYTHONPATH=. python tests/bench_predictions.py --numpy    # the NumPy labs only
    PYTHONPATH=. python tests/bench_predictions.py ID ...     # only these prediction ids

An experiment without a seed parameter is deterministic and runs once.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from tutor.curriculum import PredictSpec, load_curriculum
from tutor.curriculum.predict import MEASURED
from tutor.engine import registry
from tutor.engine.experiment import Diverged, RunContext

SEEDS = range(5)


@dataclass(frozen=True)
class Outcome:
    seed: int | None
    choice: int | None  # None: no verdict
    shown: str
    seconds: float


def outcome(spec: PredictSpec, seed: int | None) -> Outcome:
    """Grade one run the way the lab does: its measured value's choice, or what the block says a diverged or
    time-limited run counts as."""
    params = dict(spec.params) if seed is None else {**spec.params, "seed": seed}
    started = time.monotonic()
    try:
        result = registry.run(spec.experiment, params, RunContext())
    except Diverged:
        return Outcome(seed, spec.diverged, "diverged", time.monotonic() - started)
    seconds = time.monotonic() - started
    if result.get("stopped_by_time_limit") and spec.time_limited != MEASURED:
        return Outcome(seed, spec.time_limited, "time limit", seconds)
    measured = spec.measure(result)
    if measured is None:
        return Outcome(seed, None, "no value", seconds)
    return Outcome(seed, spec.choice_for(measured.value), measured.text, seconds)


def outcomes(spec: PredictSpec) -> list[Outcome]:
    seeded = any(p.name == "seed" for p in registry.get(spec.experiment).params)
    return [outcome(spec, seed) for seed in (SEEDS if seeded else [None])]


def stable(results: list[Outcome]) -> bool:
    return results[0].choice is not None and all(r.choice == results[0].choice for r in results)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ids", nargs="*", help="only these prediction ids")
    parser.add_argument("--numpy", action="store_true", help="only the predictions of NumPy labs")
    args = parser.parse_args(argv)
    curriculum = load_curriculum()
    if curriculum.errors:
        print("\n".join(map(str, curriculum.errors)))
        return 2
    failed = 0
    for lesson in curriculum.lessons:
        for spec in lesson.predictions:
            if args.ids and spec.id not in args.ids:
                continue
            if args.numpy and registry.get(spec.experiment).uses_tensorflow:
                continue
            results = outcomes(spec)
            ok = stable(results)
            failed += not ok
            verdict = f"choice {results[0].choice + 1} every time" if ok and results[0].choice is not None \
                else "NOT THE SAME CHOICE"
            print(f"{lesson.id} / {spec.id} ({spec.experiment}): {verdict}")
            for r in results:
                seed = "–" if r.seed is None else r.seed
                pick = "none" if r.choice is None else r.choice + 1
                print(f"   seed {seed}: {r.shown} → choice {pick}   ({r.seconds:.1f} s)")
            sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
