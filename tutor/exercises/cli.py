"""The exercise commands of ``rnn-tutor``: ``exercises``, ``check NAME``, ``watch``, ``hint NAME``,
``reset NAME`` and ``solution NAME``. Their arguments are parsed, and an exercise name checked, by the one
parser in :mod:`tutor.cli`. Exit status: 0 done (a check passed), 1 a check failed (or a solution asked for
before a pass), 2 a usage error, 130 a watch stopped with Ctrl+C.
"""

from __future__ import annotations

import os
import sys
import time

from tutor.exercises import workspace
from tutor.exercises.catalogue import BY_NAME, EXERCISES
from tutor.exercises.checker import CheckResult, check
from tutor.progress import ProgressStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


def _store() -> ProgressStore:
    """The learner's progress store, as the app opens it; what went wrong reading it is said on stderr."""
    store = ProgressStore()
    if store.warning:
        print(store.warning, file=sys.stderr)
    return store


def _saved(store: ProgressStore) -> None:
    """Wait for the store's writes (this process exits soon); say so if they could not be made."""
    if not store.save():
        print(store.save_error or "Your progress could not be saved yet.", file=sys.stderr)


def cmd_exercises() -> int:
    store = _store()
    copied = workspace.ensure()
    if copied:
        print(f"Copied {len(copied)} exercise file{'s' if len(copied) != 1 else ''} to {workspace.folder()}")
    print(f"Exercises in {workspace.folder()} — open one in your editor, then `rnn-tutor check NAME` "
          f"(or `rnn-tutor watch`).")
    width = max(len(e.name) for e in EXERCISES)
    for n, e in enumerate(EXERCISES, 1):
        mark = "passed" if store.exercise_passed(e.name) else "to do"
        print(f"{n:>2}  {e.name:<{width}}  {mark:<6}  {e.title}")
    done, total = workspace.passed_count(store)
    print(f"{done} of {total} passed.")
    return EXIT_OK


def show(result: CheckResult) -> None:
    if result.passed:
        print(f"✓ {result.message}  ({result.seconds:.1f} s)")
    else:
        print(f"✗ {result.name}: {result.message}")
    if result.output:
        print("Your code printed:\n" + "\n".join("  " + line for line in result.output.splitlines()))


def run_check(name: str, store: ProgressStore, timeout: float | None = None) -> CheckResult:
    """Check the learner's file and record a pass in ``store`` (merged under its lock with what the app, or
    another check, records meanwhile)."""
    workspace.ensure()
    result = check(name, workspace.path(name), timeout)
    if result.passed:
        store.record_pass(name)
        _saved(store)
    return result


def cmd_check(name: str, timeout: float | None) -> int:
    store = _store()
    result = run_check(name, store, timeout)
    show(result)
    if result.passed:
        following = workspace.first_unsolved(store)
        print(f"Next: rnn-tutor check {following.name}   ({following.title})" if following
              else "Every exercise passes.")
        print(f"`rnn-tutor solution {name}` shows the reference solution to compare with yours.")
    else:
        print(f"Edit {workspace.path(name)} and check again; `rnn-tutor hint {name}` gives a hint.")
    return EXIT_OK if result.passed else EXIT_FAILED


def cmd_watch(interval: float, timeout: float | None) -> int:
    store = _store()
    workspace.ensure()
    clear = sys.stdout.isatty() and not os.environ.get("NO_COLOR")

    def mtimes() -> dict[str, int]:
        out = {}
        for e in EXERCISES:
            try:
                out[e.name] = workspace.path(e.name).stat().st_mtime_ns
            except OSError:
                out[e.name] = -1
        return out

    def report(name: str, fresh: bool = True) -> CheckResult:
        if clear and fresh:  # a new check replaces the last one's text, as rustlings does
            print("\033[2J\033[H", end="")
        print(f"[{time.strftime('%H:%M:%S')}] checking {workspace.path(name)}")
        result = run_check(name, store, timeout)
        show(result)
        done, total = workspace.passed_count(store)
        print(f"Progress: {done}/{total} exercises pass.")
        return result

    try:
        current = workspace.first_unsolved(store)
        if current is None:
            print("Every exercise already passes. `rnn-tutor reset NAME` starts one again.")
            return EXIT_OK
        report(current.name)
        print(f"Watching {workspace.folder()}: save {current.name}.py to check it again. Ctrl+C stops.",
              flush=True)
        seen = mtimes()
        while True:
            time.sleep(interval)
            now = mtimes()
            changed = [e.name for e in EXERCISES if now[e.name] != seen[e.name]]
            seen = now
            for name in changed:
                report(name)
            if changed:
                following = workspace.first_unsolved(store)
                if following is None:
                    print("Every exercise passes. Well done!", flush=True)
                    return EXIT_OK
                if following.name != current.name:
                    current = following
                    print(f"\nNext exercise: {current.name} — {current.title}")
                    report(current.name, fresh=False)  # keep the pass just shown on screen
                print(f"Watching: save {current.name}.py to check it again. Ctrl+C stops.", flush=True)
    except KeyboardInterrupt:
        print("\nStopped watching.")
        return EXIT_CANCELLED


def cmd_hint(name: str, level: int | None) -> int:
    total = len(BY_NAME[name].hints)
    if level is not None and not 1 <= level <= total:
        print(f"rnn-tutor hint: --level must be 1 to {total}", file=sys.stderr)
        return EXIT_USAGE
    store = _store()
    shown, text = workspace.next_hint(store, name, level)
    _saved(store)
    print(f"Hint {shown} of {total} for {name}:\n{text}")
    if shown < total:
        print(f"(`rnn-tutor hint {name}` again gives hint {shown + 1}.)")
    return EXIT_OK


def reset_exercise(name: str) -> int:
    """Restore the original NAME.py, keeping the learner's version beside it. For ``rnn-tutor reset NAME``."""
    store = _store()
    backup = workspace.reset(name, store)
    _saved(store)
    print(f"Restored {workspace.path(name)}." + (f" Your version is kept as {backup.name}." if backup else ""))
    return EXIT_OK


def cmd_solution(name: str) -> int:
    # The file is checked again, not only the record of a pass: progress.json is a file anyone can edit.
    if not _store().exercise_passed(name) or not check(name, workspace.path(name)).passed:
        print(f"rnn-tutor solution: the reference solution of {name} is shown once your own file passes "
              f"(`rnn-tutor check {name}`). `rnn-tutor hint {name}` helps meanwhile.", file=sys.stderr)
        return EXIT_FAILED
    print(workspace.solution(name).read_text(encoding="utf-8"), end="")
    return EXIT_OK
