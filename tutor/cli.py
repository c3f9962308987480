"""The `rnn-tutor` command: the app, `list`, `experiments`, `run` (a lab's experiment, headless), `reset` and
`doctor`.

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

from tutor import __version__, webpath

EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_CANCELLED = 130
EXERCISE_COMMANDS = ("exercises", "check", "watch", "hint", "solution")  # tutor/exercises/cli.py; reset: _reset


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
    if argv and argv[0] == "reset":
        return _reset(argv[1:])
    if argv and argv[0] == "doctor":
        return _doctor(argv[1:])
    if argv and argv[0] == "serve":  # the tutor in a browser
        from tutor.serve import command as serve_command

        return serve_command(argv[1:])
    if argv and argv[0] in EXERCISE_COMMANDS:  # exercises, check, watch, hint, solution
        from tutor.exercises.cli import main as exercises_main

        return exercises_main(argv)
    parser = argparse.ArgumentParser(
        prog="rnn-tutor",
        description="Learn RNNs, LSTMs and GRUs in the terminal. With no command, starts the tutor.",
        epilog="Commands: list (lessons and progress), experiments (what `run` can run), "
               "run EXPERIMENT [--param value ...] [--json], "
               "reset [LESSON] [--yes] (forget a lesson's progress, or all), "
               "doctor [--json] (what this machine gives the tutor); exercises, check NAME, watch, hint NAME, "
               "reset NAME, solution NAME (the from-scratch exercises).",
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
    if not curriculum.lessons and not curriculum.errors:
        from tutor.curriculum.loader import default_lessons_dir

        print(f"No lessons in {default_lessons_dir()} (lesson files end in .md).", file=sys.stderr)
        return EXIT_FAILED
    width = max((len(lesson.id) for lesson in curriculum.lessons), default=2)
    for lesson in curriculum.lessons:
        shape = LessonShape(lesson.id, len(lesson.pages), tuple(c.id for c in lesson.checks))
        print(f"{lesson.order:>2}  {lesson.id:<{width}}  {lesson.title:<46}  {progress.status(shape)}")
    from tutor.exercises import workspace

    done, total = workspace.passed_count()
    print(f"    exercises: {done} of {total} passed (rnn-tutor exercises)")
    for error in curriculum.errors:
        print(f"error: {error}", file=sys.stderr)
    return 0 if curriculum.lessons or not curriculum.errors else EXIT_FAILED


def _reset(argv: list[str]) -> int:
    """`rnn-tutor reset [LESSON | EXERCISE] [--yes]`: a lesson's progress (or every lesson's), or an exercise's
    file (the learner's copy is kept beside it, so nothing is asked). Any other name is refused with exit 2."""
    usage = ("usage: rnn-tutor reset [LESSON] [--yes]   (no LESSON: every lesson's progress)\n"
             "       rnn-tutor reset EXERCISE            (the original file back; yours is kept as a backup)")
    names = [a for a in argv if not a.startswith("-")]
    flags = [a for a in argv if a.startswith("-")]
    if any(f in ("-h", "--help") for f in flags):
        print(usage)
        return 0
    unknown = [f for f in flags if f not in ("-y", "--yes")]
    if unknown or len(names) > 1:
        print(f"rnn-tutor reset: unexpected {' '.join(unknown + names[1:])}\n{usage}", file=sys.stderr)
        return EXIT_USAGE
    if names:
        from tutor.exercises.catalogue import BY_NAME
        from tutor.exercises.cli import reset_exercise

        if names[0].removesuffix(".py") in BY_NAME:
            return reset_exercise(names[0].removesuffix(".py"))
    return reset_progress(names[0] if names else None, assume_yes=bool(flags))


def reset_progress(lesson_id: str | None, assume_yes: bool = False) -> int:
    """Forget the progress of one lesson (or of all, with None) after asking; returns the exit status.
    Refuses to ask where there is no terminal to answer (exit 2) unless ``assume_yes``."""
    from tutor.curriculum import load_curriculum
    from tutor.progress import ProgressStore

    curriculum = load_curriculum()
    if lesson_id is not None and curriculum.get(lesson_id) is None:
        known = ", ".join(lesson.id for lesson in curriculum.lessons) or "none"
        print(f"rnn-tutor reset: no lesson or exercise {lesson_id!r}; lessons: {known} "
              "(`rnn-tutor exercises` lists the exercises)", file=sys.stderr)
        return EXIT_USAGE
    progress = ProgressStore()
    if progress.warning:
        print(progress.warning, file=sys.stderr)
    what = f"lesson {lesson_id!r}" if lesson_id else "every lesson"
    if not assume_yes:
        if not sys.stdin.isatty():
            print(f"rnn-tutor reset: not asking without a terminal; add --yes to reset {what}", file=sys.stderr)
            return EXIT_USAGE
        try:
            reply = input(f"Forget the pages seen and checks answered of {what}? [y/N] ")
        except EOFError:
            reply = ""
        if reply.strip().lower() not in ("y", "yes"):
            print("Nothing was reset.")
            return EXIT_FAILED
    progress.reset(lesson_id)
    if not progress.flush(timeout=10.0):
        print(f"rnn-tutor reset: {progress.save_error or 'the progress file could not be written'}",
              file=sys.stderr)
        return EXIT_FAILED
    print(f"Progress of {what} reset.")
    return 0


def _experiments() -> int:
    from tutor.engine import registry

    for name, exp in sorted(registry.all_experiments().items()):
        engine = "Keras" if exp.uses_tensorflow else "NumPy"
        print(f"{name}  ({engine}) — {exp.title}")
        for p in exp.params:
            print(f"    {p.flag:<20} {p.format(p.default):<22} {p.describe_range():<16} {p.help}")
    return 0


NEEDS_A_TERMINAL = (
    "rnn-tutor needs a terminal: its input and its output must be one (here {what} not).\n"
    "Without a terminal, `rnn-tutor list` shows the lessons and your progress, and\n"
    "`rnn-tutor run EXPERIMENT` runs a lab headless (`rnn-tutor experiments` lists them)."
)


def _terminal_problem() -> str | None:
    """Why the UI cannot run here, or None. Textual reads keys from stdin and draws on stderr; when only
    stderr is redirected (`rnn-tutor 2>/dev/null`, to hide noise) the UI is drawn on stdout instead."""
    def tty(stream) -> bool:
        try:
            return stream is not None and stream.isatty()
        except (ValueError, OSError):
            return False

    if webpath.active():  # textual-serve's web driver: pipes, not a terminal, are right there
        return None
    if not tty(sys.stdin):
        return "the input is"
    if not tty(sys.__stderr__) and not tty(sys.stdout):
        return "the output is"
    return None


def _app(lesson: str | None) -> int:
    problem = _terminal_problem()
    if problem is not None:
        print(NEEDS_A_TERMINAL.format(what=problem), file=sys.stderr)
        return EXIT_USAGE

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
    log_path = webpath.log_path() or state_dir() / "tensorflow.log"
    app = TutorApp(curriculum=curriculum, start_lesson=lesson, log_path=log_path, standalone=True)
    saved_stderr = None
    if not webpath.active() and not sys.__stderr__.isatty():  # draw on stdout's terminal (_terminal_problem)
        sys.__stderr__.flush()
        saved_stderr = os.dup(2)
        os.dup2(1, 2)
    try:
        with webpath.ProtocolStreams(log_path) if webpath.active() else runtime.NativeStderrToLog(log_path):
            app.run()
    finally:
        if saved_stderr is not None:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
    code = app.return_code or 0
    _leave(app, code)
    return code


def _leave(app, code: int) -> None:
    """Quit means quit: the terminal is restored and progress is on disk when app.run returns, so leave now,
    without waiting for worker threads (a training step, TensorFlow's import) or TensorFlow's own teardown,
    which takes seconds."""
    app.flush_progress(timeout=1.0)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _doctor(argv: list[str]) -> int:
    """The environment report: text for people, --json for scripts. Works without a terminal."""
    from tutor import doctor
    from tutor.engine import runtime
    from tutor.progress import state_dir

    parser = argparse.ArgumentParser(prog="rnn-tutor doctor",
                                     description="What this machine gives the tutor: versions, device, "
                                                 "terminal, and where files are kept.")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the text report")
    parser.add_argument("--no-device", action="store_true", help="skip the device probe (does not load TensorFlow)")
    args = parser.parse_args(argv)
    log_path = state_dir() / "tensorflow.log"
    runtime.prepare_environment()
    with runtime.NativeStderrToLog(log_path):  # CUDA's and TensorFlow's native chatter goes to the log
        report = doctor.run_all(with_device=not args.no_device, log_path=log_path)
    if args.json:
        print(json.dumps(_jsonable(report.to_json()), allow_nan=False, indent=2))
    else:
        from rich.console import Console

        Console().print(doctor.render(report))
    return 0


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
        if as_json:  # a script reading stdout gets an answer too
            print(json.dumps({"experiment": name, "params": _jsonable(params), "error": f"diverged: {err}"}))
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
