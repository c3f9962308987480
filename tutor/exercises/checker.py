"""Check a learner's exercise file: their code runs in a subprocess with a time limit, so that nothing of theirs
(an endless loop, a crash, ``sys.exit``) can hang or stop the tutor, and it only computes. This process writes
the inputs, reads back what the learner's functions returned, and judges it against the engine
(:func:`tutor.exercises.checks.judge`). The subprocess imports NumPy only.

The time limit is ``timeout`` seconds, else ``$RNN_TUTOR_CHECK_TIMEOUT``, else :data:`DEFAULT_TIMEOUT`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import tutor

PACKAGE = Path(tutor.__file__).resolve().parent  # a learner's function defined in here is not their own
RUNNER = str(Path(__file__).resolve().with_name("runner.py"))

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
    """Run the learner's ``path`` on exercise ``name``'s cases in a subprocess, and judge what it returned."""
    # NumPy and the engine load here, at the first check, not when the tutor starts.
    from tutor.exercises.checks import CASES, cases_for, judge, write_cases  # noqa: PLC0415

    limit = time_limit(timeout)
    if name not in CASES:
        return CheckResult(name, False, f"There is no exercise named {name!r}.")
    if not path.exists():
        return CheckResult(name, False, f"{path} does not exist. `rnn-tutor exercises` copies the exercises; "
                                        f"`rnn-tutor reset {name}` restores this one.")
    cases = cases_for(name)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the runner needs NumPy only; the tutor's package stays out of the learner's reach
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the learner's folder
    env.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: threads only cost start-up time
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rnn-tutor-check-") as folder:
        work = Path(folder)
        write_cases(cases, work)
        try:
            # -P: neither the runner's folder nor the learner's (the working directory) is put on sys.path, so a
            # file of theirs named like a module (numpy.py) cannot shadow what the runner imports.
            proc = subprocess.run([sys.executable, "-P", RUNNER, name, str(path.resolve()), str(work)],
                                  cwd=path.parent, env=env, capture_output=True, text=True, timeout=limit,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as err:
            return CheckResult(name, False,
                               f"The check took longer than {limit:g} s and was stopped. Is there a loop that "
                               f"never ends (a `while` whose condition stays true, a counter that is not "
                               f"advanced)?", _clip(_text(err.stderr)), time.monotonic() - started,
                               timed_out=True)
        seconds = time.monotonic() - started
        output = _clip(proc.stderr + proc.stdout)
        try:
            result = json.loads((work / "result.json").read_text(encoding="utf-8"))
            passed, message = judge(name, cases, result, work / "outputs.npz", PACKAGE, path)
        except (OSError, ValueError, KeyError, TypeError):
            return CheckResult(name, False, f"Your code stopped the checker before it could finish (exit status "
                                            f"{proc.returncode}). Does it call os._exit or sys.exit, or crash "
                                            f"Python?", output, seconds)
    return CheckResult(name, passed, message, output, seconds)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT] + "\n… (more output cut)"
