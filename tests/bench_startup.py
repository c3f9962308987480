"""Benchmark (run by hand): time to the first screen of rnn-tutor against a bare Textual app. Goal: ≤ 1.5×.

    python tests/bench_startup.py [runs]

Each run is a fresh interpreter that builds its app, waits for the first refresh, and exits; the parent times
the whole process. The ratio of medians is printed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = {
    "bare": """
from textual.app import App
from textual.widgets import Footer, Header, OptionList
class Bare(App):
    def compose(self):
        yield Header(); yield OptionList("one", "two"); yield Footer()
    def on_mount(self):
        self.call_after_refresh(self.exit)
Bare().run(headless=True, size=(80, 24))
""",
    "tutor": """
from tutor.app import TutorApp
class Timed(TutorApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.exit)
Timed(load_engine=False).run(headless=True, size=(80, 24))
""",
}


def time_child(kind: str, home: str) -> float:
    start = time.perf_counter()
    # An installed rnn-tutor has its bytecode compiled (pip does it); a checkout only after a first run, and not
    # at all where PYTHONDONTWRITEBYTECODE is set. Time what a user runs: bytecode written by the warm-up run.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", CHILD[kind]], check=True, env={**env, "RNN_TUTOR_HOME": home})
    return time.perf_counter() - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with tempfile.TemporaryDirectory() as home:
        time_child("tutor", home)  # warm the file cache for both, and write the bytecode
        time_child("bare", home)
        bare = [time_child("bare", home) for _ in range(runs)]
        tutor = [time_child("tutor", home) for _ in range(runs)]
    b, t = statistics.median(bare), statistics.median(tutor)
    print(f"bare Textual app: {b * 1000:.0f} ms   rnn-tutor: {t * 1000:.0f} ms   ratio {t / b:.2f}× (goal ≤ 1.5×)")


if __name__ == "__main__":
    main()
