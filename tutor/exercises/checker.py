"""Check a learner's exercise file: their code runs in a subprocess with a time limit, so that nothing of theirs
(an endless loop, a crash, ``sys.exit``) can hang or stop the tutor, and it only computes. This process writes
the inputs, reads back what the learner's functions returned, and judges it against the engine
(:func:`tutor.exercises.checks.judge`). The subprocess imports NumPy only.

The time limit is ``timeout`` seconds, else ``$RNN_TUTOR_CHECK_TIMEOUT``, else :data:`DEFAULT_TIMEOUT`.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import tutor

PACKAGE = Path(tutor.__file__).resolve().parent  # a learner's function defined in here is not their own
RUNNER = str(Path(__file__).resolve().with_name("runner.py"))

DEFAULT_TIMEOUT = 10.0
MAX_OUTPUT = 2000  # characters of the learner's own prints shown with a result
MEMORY_LIMIT = 4 * 2**30  # bytes of address space a check may take (NumPy with its BLAS needs well under 1 GiB)


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    message: str
    output: str = ""  # what the learner's code printed
    seconds: float = 0.0
    timed_out: bool = False


def time_limit(timeout: float | None = None) -> float:
    """The check's limit in seconds: ``timeout``, else ``$RNN_TUTOR_CHECK_TIMEOUT``, else the default.

    Raises ValueError for a ``timeout`` that is not a positive number of seconds.
    """
    if timeout is not None:
        if not timeout > 0:
            raise ValueError(f"a check's time limit must be more than 0 seconds, not {timeout:g}")
        return timeout
    try:
        return max(0.5, float(os.environ.get("RNN_TUTOR_CHECK_TIMEOUT", DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def _not_a_file(path: Path) -> str | None:
    if not path.exists():
        return (f"{path} does not exist. `rnn-tutor exercises` copies the exercises; `rnn-tutor reset "
                f"{path.stem}` restores this one.")
    if path.is_dir():
        return f"{path} is a folder, not a file. Move it away; `rnn-tutor reset {path.stem}` then restores the file."
    if not path.is_file():
        return (f"{path} is not a regular file (a named pipe or a device?). Move it away; `rnn-tutor reset "
                f"{path.stem}` then restores the file.")
    return None


class _Output(threading.Thread):
    """Drains the child's output pipe to its end, keeping only the first few thousand characters."""

    def __init__(self, pipe: IO[bytes]) -> None:
        super().__init__(daemon=True)
        self.pipe, self.kept, self.dropped = pipe, bytearray(), 0

    def run(self) -> None:
        while chunk := self.pipe.read1(65536):  # type: ignore[attr-defined]
            room = max(MAX_OUTPUT * 4 - len(self.kept), 0)
            self.kept += chunk[:room]
            self.dropped += max(len(chunk) - room, 0)

    def text(self) -> str:
        text = _clip(self.kept.decode("utf-8", "replace"))
        return text + (f"\n… ({self.dropped:,} more bytes of output were not kept)" if self.dropped else "")


_RUNNING: set[subprocess.Popen[bytes]] = set()
_RUNNING_LOCK = threading.Lock()


def stop_all() -> None:
    """Kill every check still running, with whatever it started (the tutor calls this as it quits)."""
    with _RUNNING_LOCK:
        procs = list(_RUNNING)
    for proc in procs:
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the runner leads its own group: children it started go too
    except (ProcessLookupError, PermissionError):
        pass


def _limits(seconds: float) -> None:
    """In the child, before it runs Python: limits that hold even if the tutor is gone."""
    cpu = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def check(name: str, path: Path, timeout: float | None = None) -> CheckResult:
    """Run the learner's ``path`` on exercise ``name``'s cases in a subprocess, and judge what it returned.

    The subprocess leads a process group of its own, has a CPU-time limit and an address-space limit
    (:data:`MEMORY_LIMIT`) set before it starts, and an alarm of its own; the tutor reads at most a bounded
    amount of what it prints, and kills the whole group at the wall-clock limit, when the runner has finished
    (a process it forked must not keep the check open), or when the tutor quits (:func:`stop_all`).
    """
    # NumPy and the engine load here, at the first check, not when the tutor starts.
    from tutor.exercises.checks import CASES, cases_for, judge, write_cases  # noqa: PLC0415

    limit = time_limit(timeout)
    if name not in CASES:
        return CheckResult(name, False, f"There is no exercise named {name!r}.")
    problem = _not_a_file(path)
    if problem:
        return CheckResult(name, False, problem)
    cases = cases_for(name)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the runner needs NumPy only; the tutor's package stays out of the learner's reach
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the learner's folder
    env["RNN_TUTOR_CHECK_ALARM"] = str(math.ceil(limit) + 2)  # the runner's own alarm, should the tutor be gone
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: threads only cost start-up time (and memory)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rnn-tutor-check-") as folder:
        work = Path(folder)
        write_cases(cases, work)
        # -P: neither the runner's folder nor the learner's (the working directory) is put on sys.path, so a
        # file of theirs named like a module (numpy.py) cannot shadow what the runner imports.
        proc = subprocess.Popen([sys.executable, "-P", RUNNER, name, str(path.resolve()), str(work)],
                                cwd=path.parent, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=lambda: _limits(limit))
        with _RUNNING_LOCK:
            _RUNNING.add(proc)
        output = _Output(proc.stdout)  # type: ignore[arg-type]
        output.start()
        try:
            proc.wait(timeout=limit)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _kill_group(proc)  # also whatever the learner's code started and left running
            proc.wait()
            with _RUNNING_LOCK:
                _RUNNING.discard(proc)
        output.join(timeout=2.0)  # a process that left the group and holds the pipe cannot keep us here
        seconds = time.monotonic() - started
        text = output.text()
        stopped = proc.returncode in (-signal.SIGXCPU, -signal.SIGALRM) or timed_out
        if stopped:
            return CheckResult(name, False,
                               f"The check took longer than {limit:g} s and was stopped. Is there a loop that "
                               f"never ends (a `while` whose condition stays true, a counter that is not "
                               f"advanced)?", text, seconds, timed_out=True)
        try:
            result = json.loads((work / "result.json").read_text(encoding="utf-8"))
            passed, message = judge(name, cases, result, work / "outputs.npz", PACKAGE, path)
        except (OSError, ValueError, KeyError, TypeError):
            if "MemoryError" in text:
                return CheckResult(name, False, f"Your code asked for more memory than a check may use "
                                                f"({MEMORY_LIMIT / 2**30:g} GiB). Is an array much larger than "
                                                f"it needs to be?", text, seconds)
            return CheckResult(name, False, f"Your code stopped the checker before it could finish (exit status "
                                            f"{proc.returncode}). Does it call os._exit or sys.exit, or crash "
                                            f"Python?", text, seconds)
    return CheckResult(name, passed, message, text, seconds)


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT] + "\n… (more output cut)"
