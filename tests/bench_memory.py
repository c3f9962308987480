"""Benchmark (run by hand): peak memory of a lab on CPU. Goal: ≤ 1.2 GB.

    python tests/bench_memory.py

Each measurement is a fresh process; its peak resident size comes from getrusage. The baseline is a process
that only imports and configures TensorFlow, in the same run.
"""

from __future__ import annotations

import subprocess
import sys

BASELINE = "from tutor.engine import runtime; runtime.tensorflow()"
LAB = ("from tutor.engine import registry; from tutor.engine.experiment import RunContext; "
       "registry.run('memory-task', {}, RunContext()); registry.run('gradient-flow', {'seq_len': 500}, RunContext())")
REPORT = "; import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def peak_mb(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code + REPORT], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # Linux reports KiB


def main() -> None:
    base, lab = peak_mb(BASELINE), peak_mb(LAB)
    print(f"TensorFlow alone: {base:.0f} MB   memory-task + gradient-flow(T=500): {lab:.0f} MB   "
          f"ratio {lab / base:.2f}×   (goal: ≤ 1200 MB)")


if __name__ == "__main__":
    main()
