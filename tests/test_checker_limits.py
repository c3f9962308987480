"""The checker's limits: nothing a learner's file does (flood its output, fork, sleep past the tutor, take the
memory, be a folder or a pipe) can hang the tutor, grow its memory or outlive the check."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
import time

import pytest

from tutor.exercises import checker, workspace
from tutor.exercises.checker import check

RIGHT = workspace.solution("rnn_step").read_text(encoding="utf-8")


def write(tmp_path, text: str):
    path = tmp_path / "rnn_step.py"
    path.write_text(text, encoding="utf-8")
    return path


def gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie child of ours counts as gone once reaped
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


def test_a_flood_of_output_is_bounded_and_the_limit_holds(tmp_path):
    flood = write(tmp_path, "import sys\nwhile True:\n    sys.stderr.write('y' * 100_000 + '\\n')\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    result = check("rnn_step", flood, timeout=2)
    assert time.monotonic() - started < 8
    assert result.timed_out and not result.passed
    assert len(result.output) < 10_000 and "more bytes of output were not kept" in result.output
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, f"the tutor's peak memory grew by {grown_mb:.0f} MB"


def test_a_process_the_learner_forks_neither_holds_the_check_nor_outlives_it(tmp_path):
    pid_file = tmp_path / "child.pid"
    text = (f"import os, time\nif os.fork() == 0:\n    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
            f"    time.sleep(60)\n    os._exit(0)\n" + RIGHT)
    started = time.monotonic()
    result = check("rnn_step", write(tmp_path, text), timeout=5)
    assert result.passed, result.message
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 5
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(int(pid_file.read_text()))


def test_the_runner_stops_itself_when_the_tutor_is_gone(tmp_path):
    # The runner alone, as if the tutor had quit without killing it: its own alarm ends it.
    endless = write(tmp_path, "while True:\n    pass\n")
    work = tmp_path / "work"
    work.mkdir()
    (work / "cases.json").write_text("[]", encoding="utf-8")
    env = {**os.environ, "RNN_TUTOR_CHECK_ALARM": "1"}
    proc = subprocess.Popen([sys.executable, "-P", checker.RUNNER, "rnn_step", str(endless), str(work)], env=env)
    try:
        assert proc.wait(timeout=10) == -signal.SIGALRM
    finally:
        proc.kill()


def test_quitting_stops_a_running_check(tmp_path):
    endless = write(tmp_path, "while True:\n    pass\n")
    results = []
    worker = threading.Thread(target=lambda: results.append(check("rnn_step", endless, timeout=60)))
    worker.start()
    deadline = time.monotonic() + 10
    while not checker._RUNNING and time.monotonic() < deadline:
        time.sleep(0.02)
    checker.stop_all()
    worker.join(timeout=10)
    assert not worker.is_alive() and not results[0].passed


def test_a_file_that_takes_too_much_memory_fails_cleanly(tmp_path):
    hungry = write(tmp_path, "import numpy as np\nblock = np.empty(2**30)  # 8 GiB\n" + RIGHT)
    result = check("rnn_step", hungry)
    assert not result.passed and "MemoryError" in result.message, result.message


def test_a_folder_or_a_pipe_is_named_as_the_problem(tmp_path):
    folder = tmp_path / "rnn_step.py"
    folder.mkdir()
    assert "is a folder, not a file" in check("rnn_step", folder).message
    pipe = tmp_path / "other" / "rnn_step.py"
    pipe.parent.mkdir()
    os.mkfifo(pipe)
    result = check("rnn_step", pipe, timeout=2)
    assert "not a regular file" in result.message and not result.timed_out


@pytest.mark.parametrize("limit", [0, -5])
def test_a_time_limit_that_is_not_positive_is_refused(tmp_path, limit):
    with pytest.raises(ValueError, match="more than 0 seconds"):
        check("rnn_step", write(tmp_path, RIGHT), timeout=limit)


async def test_leaving_the_tutor_stops_the_checks(make_app, monkeypatch):
    # The one exit path (q, and SIGTERM/SIGHUP after their watchdog) stops running checks before os._exit.
    calls = []
    monkeypatch.setattr(checker, "stop_all", lambda: calls.append("stop_all"))

    def fake_exit(code: int) -> None:
        calls.append(code)
        raise SystemExit(code)

    monkeypatch.setattr("tutor.app.os._exit", fake_exit)
    app = make_app()
    async with app.run_test():
        with pytest.raises(SystemExit):
            app.leave(0)
    assert calls == ["stop_all", 0]
