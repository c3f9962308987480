"""Benchmark (run by hand): page turns, key press to changed screen, in a real terminal (tmux, 100×30).

    python tests/bench_keys.py [--lesson vanishing-gradients] [--turns 30] [--skip-loading] [--skip-char-rnn]

Both apps run in tmux on a private socket; keys are sent and the output is read through one tmux control-mode
client, so a turn is timed from the key's send to the moment the new "page x/y" has been drawn. `n` and `p`
alternate from the moment the lesson is on screen. Phases for rnn-tutor: the first second after the lesson
appears; while TensorFlow loads (from "loading TensorFlow" in the header, which comes after a second without
keys on the page before a Keras lab, until it says "engine: CPU"); while a lab trains (the memory task, which
may end before the turns do); and while lesson 6's character-level LSTM trains at its defaults (about a
minute, longer than the turns take; the bench says if it ended first). The baseline is a bare Textual app with
the same page shape (header, bar, pages of lesson 3's Markdown in a ContentSwitcher, footer), measured in the
same run. It also times TensorFlow's import with the learner paging against the same import left alone.

Goals: page-turn p50 ≤ 1.5× the bare app and p95 ≤ 200 ms in every phase; TensorFlow's import not slowed more
than 1.5× by paging.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOCKET = f"bench-keys-{os.getpid()}"
WIDTH, HEIGHT = 100, 30


# -- the bare baseline ------------------------------------------------------------------------------------
def bare_app(lesson_id: str) -> None:
    from textual.app import App
    from textual.binding import Binding
    from textual.containers import VerticalScroll
    from textual.widgets import ContentSwitcher, Footer, Header, Markdown, Static

    from tutor.curriculum import load_curriculum
    from tutor.curriculum.model import Prose

    lesson = load_curriculum().get(lesson_id)
    assert lesson is not None

    class Bare(App):
        CSS = "#pages { height: 1fr; } #bar { height: 1; }"
        BINDINGS = [Binding("n", "page(1)", "Next"), Binding("p", "page(-1)", "Prev"), Binding("q", "quit", "Quit")]
        page = 0

        def compose(self):
            yield Header()
            yield Static("", id="bar", markup=False)
            with ContentSwitcher(id="pages", initial="page-0"):
                for index, page in enumerate(lesson.pages):
                    with VerticalScroll(id=f"page-{index}"):
                        yield Static(page.title)
                        for block in page.blocks:
                            if isinstance(block, Prose):
                                yield Markdown(block.markdown)
            yield Footer()

        def on_mount(self):
            self.show()

        def show(self):
            self.query_one("#pages", ContentSwitcher).current = f"page-{self.page}"
            self.query_one("#bar", Static).update(f"{lesson.title} · page {self.page + 1}/{len(lesson.pages)}")

        def action_page(self, delta):
            self.page = max(0, min(len(lesson.pages) - 1, self.page + delta))
            self.show()

    Bare().run()


# -- tmux driving -----------------------------------------------------------------------------------------
def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True).stdout


_OCTAL = re.compile(r"\\(\d{3})")


class Pane:
    """One tmux session running a command, with a control-mode client reading what it draws."""

    def __init__(self, name: str, command: str) -> None:
        self.name = name
        tmux("new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT), command)
        tmux("set-option", "-t", name, "remain-on-exit", "on")
        self.pid = int(tmux("display", "-p", "-t", name, "#{pane_pid}").strip())
        self.client = subprocess.Popen(["tmux", "-L", SOCKET, "-C", "attach", "-t", name], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True, bufsize=1, errors="replace")
        self.out: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.client.stdin.write(f"refresh-client -C {WIDTH}x{HEIGHT}\n")

    def _read(self) -> None:
        for line in self.client.stdout:
            if line.startswith("%output "):
                text = _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), line.split(" ", 2)[2])
                self.out.put((time.perf_counter(), text))

    def drain(self) -> None:
        while not self.out.empty():
            self.out.get_nowait()

    def wait_for(self, text: str, timeout: float) -> float | None:
        """Time at which `text` was drawn, or None after timeout."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            try:
                at, chunk = self.out.get(timeout=left)
            except queue.Empty:
                return None
            if text in chunk:
                return at

    def key(self, key: str) -> float:
        sent = time.perf_counter()
        self.client.stdin.write(f"send-keys -t {self.name} {key}\n")
        self.client.stdin.flush()
        return sent

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.name)

    def close(self) -> None:
        try:
            self.client.stdin.write("detach\n")
            self.client.stdin.flush()
        except OSError:
            pass
        self.client.terminate()
        tmux("kill-session", "-t", self.name)


def turn(pane: Pane, page: int, pages: int, delta: int) -> tuple[int, float | None]:
    """Press n or p and time it to the new page's bar; returns the new page (1-based) and ms."""
    target = page + delta
    pane.drain()
    sent = pane.key("n" if delta > 0 else "p")
    drawn = pane.wait_for(f"page {target}/{pages}", timeout=10)
    return target, None if drawn is None else (drawn - sent) * 1000


def summary(times: list[float]) -> str:
    if not times:
        return "no samples"
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered):5.0f} ms  p95 {p95:5.0f} ms  max {ordered[-1]:5.0f} ms  (n={len(ordered)})"


def command(home: str, args: str) -> str:
    env = f"PYTHONPATH={shlex.quote(str(REPO))} RNN_TUTOR_HOME={shlex.quote(home)}"
    return f"exec env {env} {shlex.quote(sys.executable)} {args}"


def tutor_cmd(home: str, lesson: str) -> str:
    return command(home, f"-m tutor --lesson {lesson}")


def char_rnn_phase(home: str, turns: int, gap: float) -> tuple[list[float], bool]:
    """Page turns while char-rnn trains: start it on its page, then alternate with the page before it."""
    from tutor.curriculum import load_curriculum

    lesson = load_curriculum().get("applications")
    assert lesson is not None
    pages = len(lesson.pages)
    lab_page = next(i for i, p in enumerate(lesson.pages) if any(l.experiment == "char-rnn" for l in p.labs)) + 1
    pane = Pane("char", tutor_cmd(tempfile.mkdtemp(dir=home), "applications"))
    assert pane.wait_for(f"page 1/{pages}", 60) is not None, pane.screen()
    page = 1
    while page < lab_page:
        page, _ = turn(pane, page, pages, 1)
    assert pane.wait_for("engine: CPU", 120) is not None or "engine: CPU" in pane.screen(), pane.screen()
    time.sleep(0.5)
    pane.key("t")
    assert pane.wait_for("Running", 60) is not None, pane.screen()
    time.sleep(1.0)  # past the network's build: the turns land on the training itself
    times = []
    for i in range(turns):
        page, ms = turn(pane, page, pages, -1 if i % 2 == 0 else 1)
        if ms is not None:
            times.append(ms)
        time.sleep(gap)
    while page != lab_page:
        page, _ = turn(pane, page, pages, 1)
    still = "Running" in pane.screen()
    pane.key("q")
    pane.close()
    return times, still


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lesson", default="vanishing-gradients")
    parser.add_argument("--turns", type=int, default=30, help="turns in the bare and the training phases")
    parser.add_argument("--skip-loading", action="store_true", help="skip the phases up to the memory task")
    parser.add_argument("--skip-char-rnn", action="store_true", help="skip the phase while char-rnn trains")
    parser.add_argument("--bare-app", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_app:
        bare_app(args.bare_app)
        return

    sys.path.insert(0, str(REPO))
    from tutor.curriculum import load_curriculum

    lesson = load_curriculum().get(args.lesson)
    pages = len(lesson.pages)
    lab_page = next(i for i, p in enumerate(lesson.pages) if any(l.experiment == "memory-task" for l in p.labs)) + 1
    results: dict[str, list[float]] = {}
    gap = 0.03  # a quick typist: 30 ms between a screen change and the next key
    # One idle session keeps the private tmux server up between the measured ones.
    tmux("new-session", "-d", "-s", "keep", "-x", "100", "-y", "30", "sleep 3600")
    try:
        with tempfile.TemporaryDirectory() as home:
            # 1. The bare app (again at the end: the machine's load drifts).
            def bare_run(name: str) -> list[float]:
                pane = Pane(name, command(home, f"{shlex.quote(__file__)} --bare-app {args.lesson}"))
                assert pane.wait_for(f"page 1/{pages}", 30) is not None, pane.screen()
                time.sleep(0.5)
                page, times = 1, []
                for i in range(args.turns):
                    page, ms = turn(pane, page, pages, 1 if i % 2 == 0 else -1)
                    if ms is not None:
                        times.append(ms)
                    time.sleep(gap)
                pane.close()
                return times

            results["bare app"] = bare_run("bare")

            idle_import = paging_import = None
            still = True
            if not args.skip_loading:
                # 2. TensorFlow's import, left alone (the lesson opens it).
                # It starts a second after the page before a Keras lab is shown (page 2 here).
                pane = Pane("idle", tutor_cmd(tempfile.mkdtemp(dir=home), args.lesson))
                assert pane.wait_for(f"page 1/{pages}", 60) is not None, pane.screen()
                time.sleep(1.0)
                pane.key("n")
                assert pane.wait_for(f"page 2/{pages}", 60) is not None, pane.screen()
                started = pane.wait_for("loading TensorFlow", 30)
                ready = pane.wait_for("engine: CPU", 120)
                idle_import = (ready - started) if started and ready else None
                pane.close()

                # 3. rnn-tutor: the first second; then, once TensorFlow has started loading (it waits for a
                # second without keys on the page before a Keras lab), paging non-stop until it is ready.
                pane = Pane("tutor", tutor_cmd(tempfile.mkdtemp(dir=home), args.lesson))
                shown = pane.wait_for(f"page 1/{pages}", 60)
                assert shown is not None, pane.screen()
                first, loading, ready_at, first_turn = [], [], None, None
                page, i = 1, 0
                while time.perf_counter() - shown < 1.0:
                    page, ms = turn(pane, page, pages, 1 if i % 2 == 0 else -1)
                    if ms is not None:
                        first.append(ms)
                    i += 1
                    time.sleep(gap)
                if page == 1:
                    page, _ = turn(pane, page, pages, 1)
                assert pane.wait_for("loading TensorFlow", 30) is not None, pane.screen()
                i = 0
                while ready_at is None and time.perf_counter() - shown < 120:
                    delta = -1 if i % 2 == 0 else 1
                    target = page + delta
                    pane.drain()
                    sent = pane.key("n" if delta > 0 else "p")
                    drawn = None
                    deadline = sent + 10
                    while drawn is None and time.perf_counter() < deadline:
                        try:
                            at, chunk = pane.out.get(timeout=0.5)
                        except queue.Empty:
                            continue
                        if "engine: CPU" in chunk:
                            ready_at = at
                        if f"page {target}/{pages}" in chunk:
                            drawn = at
                    if drawn is None:
                        break
                    if i == 0:
                        first_turn = sent
                    page, i = target, i + 1
                    loading.append((drawn - sent) * 1000)
                    time.sleep(gap)
                results["rnn-tutor, first second"] = first
                results["rnn-tutor, while TensorFlow loads"] = loading
                paging_import = (ready_at - first_turn) if ready_at and first_turn else None

                # 4. While the memory task trains: alternate between its page and the one before.
                while page < lab_page:
                    page, _ = turn(pane, page, pages, 1)
                while page > lab_page:
                    page, _ = turn(pane, page, pages, -1)
                pane.key("t")
                assert pane.wait_for("Running…", 60) is not None, pane.screen()
                times = []
                for i in range(args.turns):
                    page, ms = turn(pane, page, pages, -1 if i % 2 == 0 else 1)
                    if ms is not None:
                        times.append(ms)
                    time.sleep(gap)
                still = "Running" in pane.screen() or page != lab_page
                results["rnn-tutor, while a lab trains"] = times
                pane.key("q")
                pane.close()

            # 5. While lesson 6's character-level LSTM trains at its defaults: its page and the one before.
            if not args.skip_char_rnn:
                results["rnn-tutor, while char-rnn trains"], char_still = char_rnn_phase(home, args.turns, gap)
                if not char_still:
                    print("  (char-rnn had finished before the last turns)")
            results["bare app"] += bare_run("bare2")
    finally:
        tmux("kill-server")

    bare = statistics.median(results["bare app"])
    print(f"Page turns at {WIDTH}×{HEIGHT}, lesson {args.lesson} ({pages} pages), key to screen:")
    for name, times in results.items():
        ratio = f"   {statistics.median(times) / bare:.2f}× the bare app" if times and name != "bare app" else ""
        print(f"  {name:<36} {summary(times)}{ratio}")
    if not still:
        print("  (the memory task had finished before the last turns)")
    if idle_import and paging_import:
        print(f"TensorFlow's import, 'loading' to 'engine: CPU': alone {idle_import:.1f} s, with the learner "
              f"paging non-stop {paging_import:.1f} s: {paging_import / idle_import:.2f}×")
    print("Goals: p50 ≤ 1.5× the bare app and p95 ≤ 200 ms in every phase.")


if __name__ == "__main__":
    main()
