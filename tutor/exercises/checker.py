"""Check a learner's exercise file in a subprocess with a time limit, so that no code of theirs (an endless
loop, a crash, ``sys.exit``) can hang or stop the tutor. The subprocess imports NumPy and the NumPy engine only.

The time limit is ``timeout`` seconds, else ``$RNN_TUTOR_CHECK_TIMEOUT``, else :data:`DEFAULT_TIMEOUT`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import tutor

DEFAULT_TIMEOUT = 10.0
MAX_OUTPUT = 2000  # characters of the learner's own prints shown with a result


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    message: str
    output: str = ""  # what the learner's code printed
    seconds: float = 0.0
    timed_out: bool = False


def time_limit(timeout: float | None = None) -> float:
    if timeout is not None:
        return timeout
    try:
        return max(0.5, float(os.environ.get("RNN_TUTOR_CHECK_TIMEOUT", DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def check(name: str, path: Path, timeout: float | None = None) -> CheckResult:
    limit = time_limit(timeout)
    if not path.exists():
        return CheckResult(name, False, f"{path} does not exist. `rnn-tutor exercises` copies the exercises; "
                                        f"`rnn-tutor reset {name}` restores this one.")
    package_root = str(Path(tutor.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the learner's folder
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: threads only cost start-up time
    started = time.monotonic()
    try:
        # -P: the learner's folder (the working directory) is not put on sys.path, so a file of theirs named
        # like a module (numpy.py, tutor/) cannot shadow what the checker imports.
        proc = subprocess.run([sys.executable, "-P", "-m", "tutor.exercises.runner", name, str(path)],
                              cwd=path.parent, env=env, capture_output=True, text=True, timeout=limit,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as err:
        output = _text(err.stderr)
        return CheckResult(name, False,
                           f"The check took longer than {limit:g} s and was stopped. Is there a loop that never "
                           f"ends (a `while` whose condition stays true, a counter that is not advanced)?",
                           _clip(output), time.monotonic() - started, timed_out=True)
    seconds = time.monotonic() - started
    lines = proc.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError):
        return CheckResult(name, False, f"Your code stopped the checker before it could finish (exit status "
                                        f"{proc.returncode}). Does it call os._exit, or crash Python?",
                           _clip(proc.stderr), seconds)
    return CheckResult(name, bool(result["passed"]), str(result["message"]), _clip(proc.stderr), seconds)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT] + "\n… (more output cut)"
