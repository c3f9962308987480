"""The `rnn-tutor` command: the app, `list`, `experiments` and `run` (a lab's experiment, headless).

Nothing here imports TensorFlow; `run` reaches it through the engine only for the experiments that train.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
import time
from typing import Any, Sequence

from tutor import __version__

EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_CANCELLED = 130


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `rnn-tutor experiments | head`: the reader left; that is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not fail again
        return 0


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        return _run(argv[1:])
    parser = argparse.ArgumentParser(
        prog="rnn-tutor",
        description="Learn RNNs, LSTMs and GRUs in the terminal. With no command, starts the tutor.",
        epilog="Commands: list (lessons and progress), experiments (what `run` can run), "
               "run EXPERIMENT [--param value ...] [--json].",
    )
    parser.add_argument("--version", action="version", version=f"rnn-tutor {__version__}")
    parser.add_argument("--lesson", metavar="ID", help="open this lesson directly")
    parser.add_argument("command", nargs="?", choices=["list", "experiments"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "list":
        return _list()
    if args.command == "experiments":
        return _experiments()
    return _app(args.lesson)


def _list() -> int:
    from tutor.curriculum import load_curriculum
    from tutor.progress import LessonShape, ProgressStore

    curriculum = load_curriculum()
    progress = ProgressStore()
    if progress.warning:
        print(progress.warning, file=sys.stderr)
    width = max((len(lesson.id) for lesson in curriculum.lessons), default=2)
    for lesson in curriculum.lessons:
        shape = LessonShape(lesson.id, len(lesson.pages), tuple(c.id for c in lesson.checks))
        print(f"{lesson.order:>2}  {lesson.id:<{width}}  {lesson.title:<46}  {progress.status(shape)}")
    for error in curriculum.errors:
        print(f"error: {error}", file=sys.stderr)
    return 0 if curriculum.lessons or not curriculum.errors else EXIT_FAILED


def _experiments() -> int:
    from tutor.engine import registry

    for name, exp in sorted(registry.all_experiments().items()):
        engine = "Keras" if exp.uses_tensorflow else "NumPy"
        print(f"{name}  ({engine}) — {exp.title}")
        for p in exp.params:
            print(f"    {p.flag:<20} {p.format(p.default):<22} {p.describe_range():<16} {p.help}")
    return 0


def _app(lesson: str | None) -> int:
    from tutor.app import TutorApp
    from tutor.curriculum import load_curriculum
    from tutor.engine import runtime
    from tutor.progress import state_dir

    runtime.prepare_environment()
    curriculum = load_curriculum()
    if lesson and curriculum.get(lesson) is None:
        known = ", ".join(item.id for item in curriculum.lessons)
        print(f"rnn-tutor: no lesson {lesson!r}; lessons: {known}", file=sys.stderr)
        return EXIT_USAGE
    log_path = state_dir() / "tensorflow.log"
    app = TutorApp(curriculum=curriculum, start_lesson=lesson, log_path=log_path)
    with runtime.NativeStderrToLog(log_path):
        app.run()
    _exit_if_stuck(app.return_code or 0)
    return app.return_code or 0


def _exit_if_stuck(code: int, grace: float = 1.5) -> None:
    """Quit means quit: if a worker thread is still busy (TensorFlow importing, a native op) after a short
    grace, leave without waiting for it. Workers check cancellation after every step, so this is rare."""
    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        if thread is threading.main_thread() or thread.daemon:
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() and not t.daemon and t is not threading.main_thread() for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _parse_run_args(argv: list[str]) -> tuple[str | None, dict[str, str], bool, bool]:
    name = None
    params: dict[str, str] = {}
    as_json = wants_help = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--json":
            as_json = True
        elif arg in ("-h", "--help"):
            wants_help = True
        elif arg.startswith("--"):
            key, eq, value = arg[2:].partition("=")
            if not eq:
                if i + 1 >= len(argv):
                    raise ValueError(f"{arg} needs a value")
                value = argv[i + 1]
                i += 1
            params[key.replace("-", "_")] = value
        elif name is None:
            name = arg
        else:
            raise ValueError(f"unexpected argument {arg!r}")
        i += 1
    return name, params, as_json, wants_help


def _run(argv: list[str]) -> int:
    from tutor.engine import registry, runtime
    from tutor.engine.experiment import DISPLAY_KEYS, Cancelled, Diverged, ParamError, RunContext
    from tutor.progress import state_dir

    usage = "usage: rnn-tutor run EXPERIMENT [--param value ...] [--json]   (rnn-tutor experiments lists them)"
    try:
        name, raw, as_json, wants_help = _parse_run_args(argv)
    except ValueError as err:
        print(f"rnn-tutor run: {err}\n{usage}", file=sys.stderr)
        return EXIT_USAGE
    if name is None:
        print(usage, file=sys.stderr)
        return 0 if wants_help else EXIT_USAGE
    try:
        exp = registry.get(name)
    except registry.UnknownExperiment as err:
        print(f"rnn-tutor run: {err}", file=sys.stderr)
        return EXIT_USAGE
    if wants_help:
        print(f"{exp.name} — {exp.title}")
        for p in exp.params:
            print(f"  {p.flag:<20} default {p.format(p.default):<16} {p.describe_range():<16} {p.help}")
        return 0
    def refuse(err: ParamError) -> int:
        flag = "--" + err.name.replace("_", "-")
        print(f"rnn-tutor run {name}: {flag}: {err.message}", file=sys.stderr)
        return EXIT_USAGE

    try:
        params = exp.validate(raw)  # the one parse: registry.run takes these as they are
    except ParamError as err:
        return refuse(err)

    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    last = [0.0]

    def progress(snapshot: dict[str, Any]) -> None:
        now = time.monotonic()
        if snapshot.get("summary") and now - last[0] >= 1.0:
            last[0] = now
            print(f"[{name}] {snapshot['summary']}", file=sys.stderr, flush=True)

    ctx = RunContext(on_progress=progress, is_cancelled=stop.is_set)
    runtime.prepare_environment()
    try:
        with runtime.NativeStderrToLog(state_dir() / "tensorflow.log"):
            result = registry.run(name, params, ctx)
    except ParamError as err:  # values that are fine alone but not together (a window longer than the series)
        return refuse(err)
    except Cancelled:
        print(f"rnn-tutor run {name}: stopped", file=sys.stderr)
        return EXIT_CANCELLED
    except Diverged as err:
        print(f"rnn-tutor run {name}: diverged: {err}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        signal.signal(signal.SIGINT, previous)
    result = {"experiment": name, "params": params, **result}
    if as_json:
        print(json.dumps(_jsonable(result), allow_nan=False))
    else:
        print(result.get("summary", ""))
        if result.get("text"):
            print(result["text"])
        for key, value in result.items():
            if key in DISPLAY_KEYS or key in ("experiment", "params") or isinstance(value, (list, dict)):
                continue
            print(f"  {key}: {value}")
    return 0


def _jsonable(value: Any) -> Any:
    """JSON-safe copy: arrays become lists, NaN and infinities become null."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


if __name__ == "__main__":
    raise SystemExit(main())
