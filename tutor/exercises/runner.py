"""The checker's subprocess: ``python -m tutor.exercises.runner NAME FILE``.

It loads the learner's file, runs the exercise's checks and prints one JSON line on stdout:
``{"passed": bool, "message": str, "cases": int}``. Anything the learner's code prints goes to stderr, so it
cannot corrupt that line. An exception in the learner's code is reported with the line of their file it came
from. Only NumPy and the NumPy engine are imported here (never TensorFlow), so a check starts in a moment.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import traceback
from pathlib import Path


def _learner_frame(err: BaseException, path: Path) -> traceback.FrameSummary | None:
    frames = [f for f in traceback.extract_tb(err.__traceback__) if Path(f.filename) == path]
    return frames[-1] if frames else None


def describe_exception(err: BaseException, path: Path, during: str) -> str:
    name = path.stem
    if isinstance(err, SyntaxError) and Path(err.filename or "") == path:
        pointer = ""
        if err.text:
            code = err.text.rstrip("\n")
            stripped = code.lstrip()
            pointer = f"\n    {stripped}"
            if err.offset:
                pointer += "\n    " + " " * max(0, err.offset - 1 - (len(code) - len(stripped))) + "^"
        return f"{path.name} does not parse: {type(err).__name__} on line {err.lineno}: {err.msg}{pointer}"
    frame = _learner_frame(err, path)
    if isinstance(err, NotImplementedError) and frame is not None:
        what = str(err) or f"{frame.name} is not written yet"
        return (f"{what}: replace the `raise NotImplementedError` on line {frame.lineno} of {path.name} "
                f"with your code. (`rnn-tutor hint {name}` helps.)")
    where = (f"line {frame.lineno} of {path.name}, in {frame.name}:\n    {frame.line}\n" if frame is not None
             else "")
    return f"Your code raised an exception {during}.\n{where}{type(err).__name__}: {err}"


def run(name: str, path: Path) -> dict:
    import numpy as np

    from tutor.exercises.checks import CHECKS, CheckFailed

    if name not in CHECKS:
        return {"passed": False, "message": f"no exercise named {name!r}", "cases": 0}
    spec = importlib.util.spec_from_file_location(f"exercise_{name}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as err:  # noqa: BLE001 — anything the learner's file raises on import is theirs
        if isinstance(err, KeyboardInterrupt):
            raise
        return {"passed": False, "message": describe_exception(err, path, f"while {path.name} was loaded"),
                "cases": 0}
    rng = np.random.default_rng(20240607)
    try:
        with np.errstate(all="ignore"):
            cases = CHECKS[name](module, rng)
    except CheckFailed as failed:
        return {"passed": False, "message": str(failed), "cases": 0}
    except RecursionError as err:
        return {"passed": False, "message": describe_exception(err, path, "(a function that calls itself "
                                                                         "without end?)"), "cases": 0}
    except BaseException as err:  # noqa: BLE001
        if isinstance(err, KeyboardInterrupt):
            raise
        return {"passed": False, "message": describe_exception(err, path, "during the check"), "cases": 0}
    return {"passed": True, "message": f"{name}: all {cases} checks pass against the NumPy engine "
                                       f"(float64, relative tolerance 1e-6).", "cases": cases}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tutor.exercises.runner NAME FILE", file=sys.stderr)
        return 2
    out = sys.stdout
    sys.stdout = sys.stderr  # the learner's prints must not mix with the result line
    result = run(argv[0], Path(argv[1]).resolve())
    out.write(json.dumps(result) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
