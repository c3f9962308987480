"""The checker's subprocess: ``python -P .../runner.py NAME FILE WORKDIR``.

It only computes. The parent (:mod:`tutor.exercises.checker`) writes the cases to ``WORKDIR`` (``cases.json``
and the input arrays in ``inputs.npz``); this process loads the learner's file, calls their functions on those
inputs, positionally, and writes back what they returned (``outputs.npz`` and ``result.json``): the values,
their dtypes, the warnings NumPy gave, which arguments were changed in place, where each function was
defined, and which of the tutor's own modules the learner's file imported. The parent compares those values
with the engine. Nothing here knows the right answers, so nothing the learner's module patches, prints or
inspects can fake a pass.

This file is run by path, with ``-P``: it imports the standard library and NumPy only (never the tutor
package, never TensorFlow), so a check starts in a moment and any ``tutor`` module found loaded afterwards was
loaded by the learner's file. Anything the learner's code prints goes to stderr.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import signal
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

MAX_ELEMENTS = 1_000_000  # entries of one returned array that are kept; more is reported as too large


def tanh_cubes(a: np.ndarray, c: np.ndarray) -> Callable[[np.ndarray], float]:
    """The function whose gradient exercise 6 estimates (the parent computes its reference with this too)."""
    def f(w: np.ndarray) -> float:
        return float(np.sum(np.tanh(3.0 * np.atleast_2d(w) @ a) * c) + np.sum(np.atleast_2d(w) ** 3))
    return f


FUNCTIONS = {"tanh_cubes": tanh_cubes}


def _learner_frame(err: BaseException, path: Path) -> traceback.FrameSummary | None:
    frames = [f for f in traceback.extract_tb(err.__traceback__) if Path(f.filename) == path]
    return frames[-1] if frames else None


def describe_exception(err: BaseException, path: Path, during: str) -> str:
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
                f"with your code.")
    if isinstance(err, RecursionError):
        during += " (a function that calls itself without end?)"
    where = (f"line {frame.lineno} of {path.name}, in {frame.name}:\n    {frame.line}\n" if frame is not None
             else "")
    return f"Your code raised an exception {during}.\n{where}{type(err).__name__}: {err}"


class _Writer:
    """Collects returned arrays under short keys; everything else goes into the JSON as plain values."""

    def __init__(self) -> None:
        self.arrays: dict[str, Any] = {}  # Any: np.savez's stubs read a ** of ndarrays as its allow_pickle

    def encode(self, value: Any, depth: int = 0) -> dict[str, Any]:
        if depth > 3:
            return {"type": type(value).__name__}
        if value is None or isinstance(value, (bool, np.bool_)):
            return {"value": None if value is None else bool(value)}
        if isinstance(value, (int, np.integer)):
            return {"value": int(value), "int": True}
        if isinstance(value, (float, np.floating)):
            kind = np.dtype(type(value)).name if isinstance(value, np.floating) else "float64"
            return {"value": float(value), "dtype": kind}
        if isinstance(value, (tuple, list)):
            return {type(value).__name__: [self.encode(v, depth + 1) for v in value[:64]]}
        if isinstance(value, dict):
            return {"dict": {str(k): self.encode(v, depth + 1) for k, v in list(value.items())[:64]}}
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biuf":
                return {"type": f"array of {value.dtype}"}
            if value.size > MAX_ELEMENTS:
                return {"type": f"array of {value.size} entries"}
            key = f"o{len(self.arrays)}"
            self.arrays[key] = np.array(value)
            return {"array": key, "dtype": value.dtype.name}
        return {"type": type(value).__name__}


def _origin(fn: Any) -> dict[str, str]:
    code = getattr(fn, "__code__", None)
    return {"module": str(getattr(fn, "__module__", "") or ""),
            "file": str(Path(code.co_filename).resolve()) if code is not None else ""}


def _watched(f: Any, dtypes: set[str]) -> Any:
    """``f``, noting the dtype of every array it is called with (a float32 copy of x is a common slip)."""
    def watched(w: Any) -> Any:
        dtypes.add(np.asarray(w).dtype.name)
        return f(w)
    return watched


def _arguments(spec: list[dict[str, Any]], inputs: Any, dtypes: set[str]) -> list[Any]:
    args: list[Any] = []
    for arg in spec:
        if "array" in arg:
            args.append(np.array(inputs[arg["array"]]))
        elif "arrays" in arg:
            args.append([np.array(inputs[k]) for k in arg["arrays"]])
        elif "fn" in arg:
            args.append(_watched(FUNCTIONS[arg["fn"]](*(np.array(inputs[k]) for k in arg["of"])), dtypes))
        elif "rng" in arg:
            args.append(np.random.default_rng(arg["rng"]))
        else:
            args.append(arg["value"])
    return args


def _changed(args: list[Any], kept: list[Any]) -> list[int]:
    """Positions of the arguments whose arrays the call changed in place."""
    changed = []
    for position, (now, before) in enumerate(zip(args, kept)):
        if isinstance(before, np.ndarray):
            same = now.shape == before.shape and np.array_equal(now, before, equal_nan=True)
        elif isinstance(before, list):
            same = len(now) == len(before) and all(
                a.shape == b.shape and np.array_equal(a, b, equal_nan=True) for a, b in zip(now, before))
        else:
            continue
        if not same:
            changed.append(position)
    return changed


def _binding_problem(fn: Any, params: list[str], count: int) -> str | None:
    """Why ``fn`` cannot take ``count`` positional arguments, in the exercise's words (None if it can)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*range(count))
    except TypeError:
        name = getattr(fn, "__name__", "the function")
        yours = ", ".join(signature.parameters)
        return (f"{name} is called as {name}({', '.join(params)}): {count} arguments, in that order. "
                f"Yours takes ({yours}). The names can be yours; keep the number and the order of the "
                f"arguments the exercise gives.")
    return None


def call(fn: Any, case: dict[str, Any], inputs: Any, path: Path, writer: _Writer) -> dict[str, Any]:
    """One case: the call, what it returned, what it changed and what NumPy said while it ran."""
    seeds = case.get("seeds")
    runs = seeds if seeds is not None else [None]
    outputs: list[Any] = []
    changed: set[int] = set()
    said: list[str] = []
    dtypes: set[str] = set()
    for seed in runs:
        args = _arguments(case["args"], inputs, dtypes)
        if seed is not None:
            args = [np.random.default_rng(seed) if isinstance(a, np.random.Generator) else a for a in args]
        kept = [a.copy() if isinstance(a, np.ndarray) else [x.copy() for x in a] if isinstance(a, list)
                else a for a in args]
        problem = _binding_problem(fn, case["params"], len(args))
        if problem is not None:
            return {"status": "error", "error": problem}
        with warnings.catch_warnings(record=True) as caught, \
                np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            warnings.simplefilter("always")
            try:
                out = fn(*args)
            except BaseException as err:  # noqa: BLE001 - whatever the learner's code raises is theirs
                if isinstance(err, KeyboardInterrupt):
                    raise
                what = f"in {case['call']}({', '.join(case['params'])})"
                return {"status": "error", "error": describe_exception(err, path, what)}
        said += [str(w.message) for w in caught if str(w.message) not in said]
        changed |= set(_changed(args, kept))
        outputs.append(out)
    result = outputs if seeds is not None else outputs[0]
    return {"status": "ok", "out": writer.encode(result), "warnings": said[:5], "changed": sorted(changed),
            "called_with": sorted(dtypes)}


def run(name: str, path: Path, work: Path) -> dict[str, Any]:
    cases = json.loads((work / "cases.json").read_text(encoding="utf-8"))
    spec = importlib.util.spec_from_file_location(f"exercise_{name}", path)
    if spec is None or spec.loader is None:
        return {"load_error": f"{path.name} cannot be loaded as a Python file."}
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as err:  # noqa: BLE001 - anything the learner's file raises on import is theirs
        if isinstance(err, KeyboardInterrupt):
            raise
        return {"load_error": describe_exception(err, path, f"while {path.name} was loaded")}
    writer = _Writer()
    results: list[dict[str, Any]] = []
    origins: dict[str, dict[str, str]] = {}
    with np.load(work / "inputs.npz", allow_pickle=False) as inputs:
        for case in cases:
            fn = getattr(module, case["call"], None)
            if not callable(fn):
                results.append({"status": "missing"})
                break
            origins.setdefault(case["call"], _origin(fn))
            results.append(call(fn, case, inputs, path, writer))
            if results[-1]["status"] != "ok":
                break
    np.savez(work / "outputs.npz", **writer.arrays)
    tutor_modules = sorted(m for m in sys.modules if m == "tutor" or m.startswith("tutor."))
    return {"results": results, "origins": origins, "tutor_modules": tutor_modules}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -P runner.py NAME FILE WORKDIR", file=sys.stderr)
        return 2
    name, path, work = argv[0], Path(argv[1]).resolve(), Path(argv[2])
    alarm = os.environ.get("RNN_TUTOR_CHECK_ALARM", "")
    if alarm.isdigit():
        signal.alarm(int(alarm))  # ends this process on its own, should the tutor that started it be gone
    sys.stdout = sys.stderr  # the learner's prints go to stderr, which the parent shows with the result
    result = run(name, path, work)
    part = work / "result.part"
    part.write_text(json.dumps(result), encoding="utf-8")
    part.replace(work / "result.json")
    sys.stderr.flush()
    os._exit(0)  # at once: no atexit handler or thread of the learner's runs after the result is written


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
