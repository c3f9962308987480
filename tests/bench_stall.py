"""Benchmark (run by hand): the longest main-loop stall while a lab trains. Goal: ≤ 50 ms.

    python tests/bench_stall.py

A 10 ms timer on the UI thread records the gap between its ticks, first with the app idle (the baseline, in
the same run) and then while the memory-task lab trains a Keras network in its worker thread.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time

os.environ.setdefault("RNN_TUTOR_HOME", tempfile.mkdtemp())

from tutor.app import TutorApp  # noqa: E402
from tutor.engine import runtime  # noqa: E402
from tutor.widgets.lab import LabView  # noqa: E402

TICK = 0.010


async def measure(seconds: float) -> tuple[float, int]:
    gaps: list[float] = []
    last = time.perf_counter()
    end = last + seconds
    while time.perf_counter() < end:
        await asyncio.sleep(TICK)
        now = time.perf_counter()
        gaps.append(now - last - TICK)
        last = now
    return max(gaps), len(gaps)


async def main() -> None:
    runtime.tensorflow()  # the import is a one-off at start; this measures training
    app = TutorApp(load_engine=False, start_lesson="vanishing-gradients")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        while "memory task" not in screen.lesson.pages[screen.page].title:
            await pilot.press("n")
        lab = screen.current.query_one(LabView)
        idle, _ = await measure(3.0)
        await pilot.press("t")
        while not lab.running:
            await pilot.pause(0.01)
        busy, ticks = await measure(8.0)
        await pilot.press("t")
        await app.workers.wait_for_complete()
    print(f"idle stall {idle * 1000:.1f} ms   stall while training {busy * 1000:.1f} ms over {ticks} ticks   "
          f"ratio {busy / max(idle, 1e-4):.1f}×   (goal: ≤ 50 ms)")


if __name__ == "__main__":
    asyncio.run(main())
