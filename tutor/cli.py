"""The `rnn-tutor` command. With no command it starts the tutor; otherwise it runs one of the commands that
:func:`build_parser` declares, in one argparse tree whose help is generated: `rnn-tutor --help` lists the
commands, `rnn-tutor run --help` the experiments, and `rnn-tutor run NAME --help` that experiment's
parameters, made from the registry's :class:`~tutor.engine.experiment.Param` declarations.

A usage error is one line on stderr and exit status 2; so is a file or folder that cannot be used.
Nothing here imports NumPy or TensorFlow; `run` reaches them through the engine only for the experiments
that need them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import sys
import threading
import time
from typing import Any, Callable, NoReturn, Sequence

from tutor import __version__, webpath
from tutor.engine.experiment import Param, ParamError

EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_CANCELLED = 130

# The exercise commands' numeric options, parsed like an experiment's parameters (same refusals, same words);
# the check's own time limit is declared in build_parser, beside the checker's default it names.
INTERVAL = Param("interval", "float", 0.5, "seconds between looks at the files", 0.1, 60)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `rnn-tutor experiments | head`: the reader left; that is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not fail again
        return 0


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            where: argparse.ArgumentParser = getattr(args, "command_parser", parser)
            where.error(_unrecognized(args, extra))
    except SystemExit as stop:  # --help and --version (0), or a usage error already explained on stderr (2)
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        return _app(getattr(args, "lesson", None))
    try:
        return handler(args)
    except BrokenPipeError:
        raise
    except OSError as err:  # a folder that cannot be written, a file that is a folder or a pipe: say which
        print(f"{args.command_parser.prog}: {err}", file=sys.stderr)
        return EXIT_USAGE


# -- the parse tree -------------------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse as the tutor uses it: whole option names only (no `--seq` for `--seq-len`), a value that
    starts with a minus sign and a digit read as a value, and a usage error as one line on stderr with exit
    status 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        # argparse takes only "-1" and "-0.5" for negative numbers (3.14 adds "-1e-3": cpython gh-105712), so
        # `--inputs -1,0.5` or `--slope -1e-3` would be "expected one argument". No option here starts with a
        # digit, so a minus sign and a digit always begin a value.
        self._negative_number_matcher = re.compile(r"-\.?\d")

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        # argparse's check of a choice; for an unknown experiment it would list all of them, where the
        # registry suggests the close names.
        if action.dest == "experiment" and action.choices is not None and value not in action.choices:
            from tutor.engine import registry

            raise argparse.ArgumentError(None, str(registry.UnknownExperiment(value)))
        super()._check_value(action, value)


class _Once(argparse.Action):
    """Store an option's value, refusing the option a second time (argparse would keep the last silently).
    Its default is SUPPRESS: the attribute exists once the option is given, and the command fills in
    its own default."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["default"] = argparse.SUPPRESS
        super().__init__(*args, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        if hasattr(namespace, self.dest):
            parser.error(f"{option_string} is given twice; give it once")
        setattr(namespace, self.dest, values)


_METAVARS = {"int": "N", "float": "X", "floats": "X,Y,...", "text": "TEXT", "bool": "yes|no"}


def describe(param: Param, default: str | None = None) -> str:
    """A parameter in one line, for the help and `experiments`: what it does, what it accepts, its default
    (``default`` words one that the command decides elsewhere)."""
    return f"{param.help} ({param.describe_range()}; default {default or param.format(param.default)})"


def add_param(parser: argparse.ArgumentParser, param: Param, default: str | None = None) -> None:
    """``param`` as an option of ``parser``, parsed by the parameter itself, so the refusals keep its words."""
    def parse(raw: str) -> Any:
        try:
            return param.parse(raw)
        except ParamError as err:  # argparse would say only "invalid value" for a plain ValueError
            raise argparse.ArgumentTypeError(err.message) from None

    parser.add_argument(param.flag, dest=param.name, action=_Once, type=parse,
                        metavar=_METAVARS.get(param.kind, param.name.upper()),
                        help=describe(param, default).replace("%", "%%"))  # argparse expands % in help


def _exercise_name(raw: str) -> str:
    from tutor.exercises.catalogue import BY_NAME, EXERCISES

    name = raw.removesuffix(".py")
    if name not in BY_NAME:
        known = ", ".join(e.name for e in EXERCISES)
        raise argparse.ArgumentTypeError(f"no exercise named {name!r}; exercises: {known}")
    return name


def build_parser() -> argparse.ArgumentParser:
    """Every command, with its options; ``run`` has one parser per registered experiment."""
    from tutor import serve
    from tutor.engine import registry
    from tutor.exercises.catalogue import EXERCISES
    from tutor.exercises.checker import DEFAULT_TIMEOUT

    parser = _Parser(prog="rnn-tutor",
                     description="Learn RNNs, LSTMs and GRUs in the terminal. With no command, starts the tutor.",
                     epilog="`rnn-tutor COMMAND --help` shows a command's arguments.")
    parser.add_argument("--version", action="version", version=f"rnn-tutor {__version__}")
    parser.add_argument("--lesson", metavar="ID", action=_Once, help="open this lesson directly")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str, description: str = "",
                within: Any = commands) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = within.add_parser(name, help=help,
                                                         description=description or help[0].upper() + help[1:])
        sub.set_defaults(handler=handler, command_parser=sub)
        return sub

    command("list", _list, "the lessons with your progress, without the UI")
    command("experiments", _experiments, "every lab's experiment and its parameters")

    run = command("run", _run, "run a lab's experiment without the UI",
                  "Run a lab's experiment without the UI: the same function the lab runs, with progress on stderr "
                  "and the result on stdout. `rnn-tutor run EXPERIMENT --help` lists its parameters.")
    experiments = run.add_subparsers(title="experiments", metavar="EXPERIMENT", dest="experiment",
                                     required=True)
    for name, exp in sorted(registry.all_experiments().items()):
        engine = "Keras" if exp.uses_tensorflow else "NumPy"
        sub = command(name, _run, f"{exp.title} ({engine})", within=experiments)
        sub.add_argument("--json", action="store_true", help="print the result as one JSON object")
        for param in exp.params:
            add_param(sub, param)

    reset = command("reset", _reset, "forget a lesson's progress, or restore an exercise's file")
    reset.add_argument("name", nargs="?", metavar="LESSON|EXERCISE",
                       help="a lesson: forget its pages, checks and review cards (none: every lesson's; settings "
                            "stay); an exercise: its original file back, yours kept as NAME.py.bak-<time>")
    reset.add_argument("-y", "--yes", action="store_true", help="do not ask first (needed without a terminal)")

    doctor = command("doctor", _doctor, "what this machine gives the tutor: versions, device, terminal",
                     "What this machine gives the tutor: versions, device, terminal, and where files are kept.")
    doctor.add_argument("--json", action="store_true", help="one JSON object instead of the text report")
    doctor.add_argument("--no-device", action="store_true", help="skip the device probe (does not load TensorFlow)")

    command("exercises", _exercises, "the from-scratch exercises, their status and their folder",
            "The from-scratch exercises, their status and their folder (copied there on first use).")
    check = command("check", _check, "check an exercise: exit 0 passes, 1 fails")
    watch = command("watch", _watch, "check each exercise you save; move on when it passes",
                    "Check the first unsolved exercise, then again each time an exercise file is saved, and move "
                    "on to the next unsolved one when it passes. Ctrl+C stops.")
    hint = command("hint", _hint, "the next hint for an exercise")
    solution = command("solution", _solution, "the reference solution of an exercise, once yours passes")
    for sub in (check, hint, solution):
        sub.add_argument("name", type=_exercise_name, metavar="NAME",
                         help="the exercise (`rnn-tutor exercises` lists them)")
    timeout = Param("timeout", "float", DEFAULT_TIMEOUT, "seconds a check may run before it is stopped", 0.5, 600)
    for sub in (check, watch):
        add_param(sub, timeout, default=f"{DEFAULT_TIMEOUT:g}, or $RNN_TUTOR_CHECK_TIMEOUT")
    add_param(watch, INTERVAL)
    most = max(len(e.hints) for e in EXERCISES)  # an exercise with fewer hints refuses a level it lacks itself
    add_param(hint, Param("level", "int", 1, "which hint: 1 is the gentlest", 1, most),
              default="the one after the last shown")

    web = command("serve", serve.main, "the tutor in a browser: a tutor process per visitor",
                  "The tutor in a browser: one tutor process per visitor, on this machine only unless "
                  "--allow-remote (there is no login).")
    serve.add_arguments(web)
    return parser


def _unrecognized(args: argparse.Namespace, extra: list[str]) -> str:
    """What was not understood; for an experiment, the parameters it does have."""
    flag = next((arg.partition("=")[0] for arg in extra if arg.startswith("--")), None)
    if getattr(args, "experiment", None) and flag:
        from tutor.engine import registry

        known = ", ".join(p.flag for p in registry.get(args.experiment).params)
        return f"no parameter {flag[2:]!r} (it has {known})"
    return f"unrecognized arguments: {' '.join(extra)}"


# -- the commands ---------------------------------------------------------------------------------------

def _list(args: argparse.Namespace) -> int:
    from tutor.curriculum import load_curriculum
    from tutor.progress import ProgressStore, lesson_shape

    curriculum = load_curriculum()
    progress = ProgressStore(lessons=map(lesson_shape, curriculum.lessons))
    if progress.warning:
        print(progress.warning, file=sys.stderr)
    if not curriculum.lessons and not curriculum.errors:
        from tutor.curriculum.loader import default_lessons_dir

        print(f"No lessons in {default_lessons_dir()} (lesson files end in .md).", file=sys.stderr)
        return EXIT_FAILED
    width = max((len(lesson.id) for lesson in curriculum.lessons), default=2)
    for lesson in curriculum.lessons:
        shape = lesson_shape(lesson)
        print(f"{lesson.order:>2}  {lesson.id:<{width}}  {lesson.title:<46}  {progress.status(shape)}")
    from tutor.exercises import workspace

    done, total = workspace.passed_count(progress)
    print(f"    exercises: {done} of {total} passed (rnn-tutor exercises)")
    from datetime import datetime, timezone

    from tutor import review

    due = len(review.due(progress, curriculum, datetime.now(timezone.utc)))
    print(f"    review: {due} due (r on the tutor's contents asks them)")
    for error in curriculum.errors:
        print(f"error: {error}", file=sys.stderr)
    return 0 if curriculum.lessons or not curriculum.errors else EXIT_FAILED


def _reset(args: argparse.Namespace) -> int:
    """A lesson's progress (or every lesson's), or an exercise's file (the learner's copy is kept beside it,
    so nothing is asked). Any other name is refused with exit 2."""
    name = args.name
    if name is not None:
        from tutor.exercises.catalogue import BY_NAME
        from tutor.exercises.cli import reset_exercise

        if name.removesuffix(".py") in BY_NAME:
            return reset_exercise(name.removesuffix(".py"))
    return reset_progress(name, assume_yes=args.yes)


def reset_progress(lesson_id: str | None, assume_yes: bool = False) -> int:
    """Forget the progress of one lesson (or of all, with None) after asking; returns the exit status.
    Refuses to ask where there is no terminal to answer (exit 2) unless ``assume_yes``."""
    from tutor import review
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
            reply = input(f"Forget the pages seen, checks answered and review cards of {what}? [y/N] ")
        except EOFError:
            reply = ""
        if reply.strip().lower() not in ("y", "yes"):
            print("Nothing was reset.")
            return EXIT_FAILED
    progress.reset(lesson_id)
    review.forget(progress, lesson_id)
    if not progress.flush(timeout=10.0):
        print(f"rnn-tutor reset: {progress.save_error or 'the progress file could not be written'}",
              file=sys.stderr)
        return EXIT_FAILED
    print(f"Progress of {what} reset.")
    return 0


def _experiments(args: argparse.Namespace) -> int:
    from tutor.engine import registry

    for name, exp in sorted(registry.all_experiments().items()):
        engine = "Keras" if exp.uses_tensorflow else "NumPy"
        print(f"{name}  ({engine}) — {exp.title}")
        for p in exp.params:
            print(f"    {p.flag:<20} {describe(p)}")
    return 0


NEEDS_A_TERMINAL = (
    "rnn-tutor needs a terminal: its input and its output must be one (here {what} not).\n"
    "Without a terminal, `rnn-tutor list` shows the lessons and your progress, and\n"
    "`rnn-tutor run EXPERIMENT` runs a lab headless (`rnn-tutor experiments` lists them)."
)


def _terminal_problem() -> str | None:
    """Why the UI cannot run here, or None. Textual reads keys from stdin and draws on stderr; when only
    stderr is redirected (`rnn-tutor 2>/dev/null`, to hide noise) the UI is drawn on stdout instead."""
    def tty(stream: Any) -> bool:
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
    from tutor.curriculum.outline import read_outline
    from tutor.engine import runtime
    from tutor.paths import tensorflow_log

    runtime.prepare_environment()
    if lesson:  # the front matter names the lessons; the app reads their bodies after its first screen
        outline = read_outline()
        if outline.get(lesson) is None:
            known = ", ".join(item.id for item in outline.heads)
            print(f"rnn-tutor: no lesson {lesson!r}; lessons: {known}", file=sys.stderr)
            return EXIT_USAGE
    log_path = webpath.log_path() or tensorflow_log()
    app = TutorApp(start_lesson=lesson, log_path=log_path, standalone=True)
    saved_stderr = None
    stderr: Any = sys.__stderr__
    if not webpath.active() and not stderr.isatty():  # draw on stdout's terminal (see _terminal_problem)
        stderr.flush()
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
    app.leave(code)


def _doctor(args: argparse.Namespace) -> int:
    """The environment report: text for people, --json for scripts. Works without a terminal."""
    from tutor import doctor
    from tutor.engine import runtime
    from tutor.paths import tensorflow_log

    log_path = tensorflow_log()
    runtime.prepare_environment()
    with runtime.NativeStderrToLog(log_path):  # CUDA's and TensorFlow's native chatter goes to the log
        report = doctor.run_all(with_device=not args.no_device, log_path=log_path)
    if args.json:
        print(json.dumps(_jsonable(report.to_json()), allow_nan=False, indent=2))
    else:
        from rich.console import Console

        console = Console()
        console.print(doctor.render(report, width=console.width))
    return 0


def _run(args: argparse.Namespace) -> int:
    from tutor.engine import registry, runtime
    from tutor.engine.experiment import DISPLAY_KEYS, Cancelled, Diverged, Report, RunContext
    from tutor.paths import tensorflow_log

    name, as_json = args.experiment, args.json
    exp = registry.get(name)

    def refuse(err: ParamError) -> int:
        flag = "--" + err.name.replace("_", "-")
        print(f"rnn-tutor run {name}: {flag}: {err.message}", file=sys.stderr)
        return EXIT_USAGE

    given = {p.name: getattr(args, p.name) for p in exp.params if hasattr(args, p.name)}
    try:
        params = exp.validate(given)  # the defaults, and values that are fine alone but not together
    except ParamError as err:
        return refuse(err)

    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    last = [0.0]

    def progress(snapshot: Report) -> None:
        now = time.monotonic()
        if snapshot.get("summary") and now - last[0] >= 1.0:
            last[0] = now
            print(f"[{name}] {snapshot['summary']}", file=sys.stderr, flush=True)

    ctx = RunContext(on_progress=progress, is_cancelled=stop.is_set)
    runtime.prepare_environment()
    try:
        with runtime.NativeStderrToLog(tensorflow_log()):
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


def _exercises(args: argparse.Namespace) -> int:
    from tutor.exercises import cli

    return cli.cmd_exercises()


def _check(args: argparse.Namespace) -> int:
    from tutor.exercises import cli

    return cli.cmd_check(args.name, getattr(args, "timeout", None))


def _watch(args: argparse.Namespace) -> int:
    from tutor.exercises import cli

    return cli.cmd_watch(getattr(args, "interval", INTERVAL.default), getattr(args, "timeout", None))


def _hint(args: argparse.Namespace) -> int:
    from tutor.exercises import cli

    return cli.cmd_hint(args.name, getattr(args, "level", None))


def _solution(args: argparse.Namespace) -> int:
    from tutor.exercises import cli

    return cli.cmd_solution(args.name)


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
