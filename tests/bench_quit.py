"""Benchmark (run by hand): how long rnn-tutor takes to end while a lab trains. Goal: ≤ 1 s.

    python tests/bench_quit.py [runs]

In tmux (a private socket, 100×30): open lesson 3, start the memory-task lab, wait until it has trained for two
seconds, then end the app by `q`, `ctrl+q`, SIGTERM or SIGHUP, and time until the process has gone (polling
/proc). Each way is also checked for what must survive: the progress file names the lesson, and the terminal
is restored (tmux: alternate screen off, mouse tracking off, cursor shown), except after SIGHUP, whose
terminal is gone anyway. The baseline is a bare Textual app quit with `q` in the same run.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_keys import Pane, command, tmux, tutor_cmd  # noqa: E402


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True


def wait_gone(pid: int, timeout: float = 30) -> float:
    start = time.perf_counter()
    while not gone(pid):
        if time.perf_counter() - start > timeout:
            return float("inf")
        time.sleep(0.002)
    return time.perf_counter() - start


def one(how: str, home: str, lesson: str = "vanishing-gradients") -> tuple[float, bool, bool]:
    pane = Pane(f"q{os.getpid()}{how.replace('+', '')}", tutor_cmd(home, lesson))
    try:
        assert pane.wait_for("page 1/", 60) is not None, pane.screen()
        for _ in range(5):  # to the memory task (page 6)
            pane.key("n")
            time.sleep(0.3)
        assert pane.wait_for("page 6/", 20) is not None, pane.screen()
        pane.key("t")
        assert pane.wait_for("Running…", 120) is not None, pane.screen()
        time.sleep(2.0)
        pane.drain()
        start = time.perf_counter()
        if how in ("q", "C-q"):
            pane.key(how)
        else:
            os.kill(pane.pid, getattr(signal, how))
        took = time.perf_counter() - start + wait_gone(pane.pid)
        time.sleep(0.2)
        # What the app wrote as it left: alternate screen off, mouse tracking off, cursor shown. (tmux's own
        # cursor flag is not reliable once the pane's process has gone, so the bytes are checked.)
        written = ""
        while not pane.out.empty():
            written += pane.out.get_nowait()[1]
        flags = tmux("display", "-p", "-t", pane.name, "#{alternate_on} #{mouse_any_flag}").split()
        restored = flags == ["0", "0"] and all(code in written for code in ("\x1b[?1049l", "\x1b[?1000l",
                                                                            "\x1b[?25h"))
        data = json.loads((Path(home) / "progress.json").read_text())
        kept = data.get("last_lesson") == lesson and 5 in data["lessons"][lesson]["pages_seen"]
        return took, restored, kept
    finally:
        pane.close()


def bare_quit(home: str) -> float:
    pane = Pane(f"bare{os.getpid()}", command(home, f"{__file__.replace('bench_quit', 'bench_keys')} --bare-app "
                                                   "vanishing-gradients"))
    try:
        assert pane.wait_for("page 1/", 30) is not None
        time.sleep(0.5)
        start = time.perf_counter()
        pane.key("q")
        return time.perf_counter() - start + wait_gone(pane.pid)
    finally:
        pane.close()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    rows = []
    # One idle session keeps the private tmux server up between the measured ones.
    tmux("new-session", "-d", "-s", "keep", "-x", "100", "-y", "30", "sleep 3600")
    try:
        with tempfile.TemporaryDirectory() as root:
            bare = statistics.median(bare_quit(tempfile.mkdtemp(dir=root)) for _ in range(runs))
            for how in ("q", "C-q", "SIGTERM", "SIGHUP"):
                results = [one(how, tempfile.mkdtemp(dir=root)) for _ in range(runs)]
                rows.append((how, [r[0] for r in results], all(r[1] for r in results), all(r[2] for r in results)))
    finally:
        tmux("kill-server")
    print(f"Quit while the memory-task lab trains, key or signal to process gone ({runs} runs each):")
    print(f"  bare Textual app, q, idle: {bare * 1000:.0f} ms")
    for how, times, restored, kept in rows:
        terminal = "terminal restored" if restored else ("terminal gone (hangup)" if how == "SIGHUP"
                                                         else "TERMINAL NOT RESTORED")
        print(f"  {how:<8} median {statistics.median(times) * 1000:5.0f} ms  max {max(times) * 1000:5.0f} ms  "
              f"{terminal}; progress {'kept' if kept else 'LOST'}")
    print("Goal: ≤ 1 s, progress kept, terminal restored.")


if __name__ == "__main__":
    main()
