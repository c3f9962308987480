"""The command line under faults: reset, an empty lessons folder, float-looking whole numbers, a diverged run
with --json, unknown experiments, binary lesson files, times out of range, and exercise files or folders that
cannot be used (each one line and exit 2, not a traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tutor.cli import main
from tutor.progress import LessonShape, ProgressStore

from .conftest import toasts


def _cli(*args: str, home, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True, timeout=60,
                          input=stdin, env={**os.environ, "RNN_TUTOR_HOME": str(home), **env})


def _progress(home) -> ProgressStore:
    store = ProgressStore(home / "progress.json")
    store.see_page(LessonShape("gru", 5, ()), 1)
    store.see_page(LessonShape("lstm", 6, ()), 0)
    assert store.flush()
    return store


def test_reset_one_lesson_then_all(tmp_path):
    _progress(tmp_path)
    done = _cli("reset", "gru", "--yes", home=tmp_path)
    assert done.returncode == 0 and "reset" in done.stdout
    listing = _cli("list", home=tmp_path).stdout
    assert [line.split()[-1] for line in listing.splitlines() if " gru " in line] == ["started"]
    assert any(" lstm " in line and "in progress" in line for line in listing.splitlines())
    assert _cli("reset", "-y", home=tmp_path).returncode == 0
    assert "in progress" not in _cli("list", home=tmp_path).stdout


def test_reset_refuses_without_a_terminal_and_an_unknown_lesson(tmp_path):
    _progress(tmp_path)
    done = _cli("reset", "gru", home=tmp_path, stdin="y\n")  # piped stdin is not a terminal
    assert done.returncode == 2 and "--yes" in done.stderr
    done = _cli("reset", "no-such-lesson", "--yes", home=tmp_path)
    assert done.returncode == 2 and "no lesson or exercise 'no-such-lesson'" in done.stderr and "gru" in done.stderr
    assert "in progress" in _cli("list", home=tmp_path).stdout, "nothing was reset"


def test_reset_asks_and_takes_no_for_an_answer(tmp_path, monkeypatch, capsys):
    from tutor.cli import reset_progress

    monkeypatch.setenv("RNN_TUTOR_HOME", str(tmp_path))
    _progress(tmp_path)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert reset_progress("gru", assume_yes=False) == 1
    assert ProgressStore(tmp_path / "progress.json").status(LessonShape("gru", 5, ())) == "in progress"
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert reset_progress("gru", assume_yes=False) == 0
    assert ProgressStore(tmp_path / "progress.json").status(LessonShape("gru", 5, ())) == "not started"


def test_list_with_an_empty_lessons_folder_says_so(tmp_path):
    (tmp_path / "lessons").mkdir()
    done = _cli("list", home=tmp_path, RNN_TUTOR_LESSONS=str(tmp_path / "lessons"))
    assert done.returncode == 1 and f"No lessons in {tmp_path / 'lessons'}" in done.stderr


def test_binary_lesson_is_not_reported_at_line_0(tmp_path):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "pic.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    done = _cli("list", home=tmp_path, RNN_TUTOR_LESSONS=str(tmp_path / "lessons"))
    assert "pic.md" in done.stderr and "line 0" not in done.stderr


@pytest.mark.parametrize("raw, expected", [("1e3", 1000), ("1000.0", 1000), (" 64 ", 64)])
def test_float_looking_whole_numbers_are_accepted(raw, expected):
    from tutor.engine import registry

    assert registry.get("windowing").validate({"length": raw})["length"] == expected


@pytest.mark.parametrize("raw", ["1.5", "1e400", "nan", "abc"])
def test_refusals_quote_the_input(raw, capsys):
    assert main(["run", "windowing", "--length", raw]) == 2
    assert f"got '{raw}'" in capsys.readouterr().err


def test_unknown_experiment_is_short_and_suggests(capsys):
    assert main(["run", "windowwing"]) == 2
    err = capsys.readouterr().err
    assert "did you mean windowing" in err and "rnn-tutor experiments" in err
    assert "gradient-flow" not in err, "not the whole list"


def test_diverged_run_with_json_prints_an_error_object(monkeypatch, capsys):
    from tutor.engine import registry
    from tutor.engine.experiment import Diverged

    def diverge(name, params, ctx, **_):
        raise Diverged("The loss became nan at step 3.")

    monkeypatch.setattr(registry, "run", diverge)
    assert main(["run", "scalar-decay", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["experiment"] == "scalar-decay" and "nan at step 3" in out["error"]


async def test_contents_says_when_there_are_no_lessons(make_app, tmp_path, monkeypatch):
    (tmp_path / "none").mkdir()
    monkeypatch.setenv("RNN_TUTOR_LESSONS", str(tmp_path / "none"))
    app = make_app(lessons=tmp_path / "none")
    async with app.run_test(size=(80, 24)):
        assert "No lessons in" in str(app.screen.query_one("#lesson-errors").render())


async def test_many_broken_lessons_scroll_in_one_focusable_list(make_app, tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    for i in range(7):
        (folder / f"{i}-bad.md").write_text(f'+++\nid = "bad-{i}"\ntitle = "B"\norder = {i}\n+++\n## P\n'
                                            f'```lab\nexperiment = "nope{i}"\n```\n')
    app = make_app(lessons=folder)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one("#lesson-errors").render())
        assert all(f"{i}-bad.md" in text for i in range(7))
        box = app.screen.query_one("#lesson-errors-box")
        assert box.max_scroll_y > 0, "the list is longer than the box"
        await pilot.press("tab")
        assert app.focused is box
        await pilot.press("end")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        assert len(toasts(app)) == 1, "one toast, not seven"


def _one_line_refusal(capsys, argv: list[str], *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert all(needle in err for needle in needles), err
    return err


@pytest.mark.parametrize("argv, reason", [
    (["check", "rnn_step", "--timeout", "nan"], "--timeout: expected a finite number, got 'nan'"),
    (["check", "rnn_step", "--timeout", "inf"], "--timeout: expected a finite number, got 'inf'"),
    (["check", "rnn_step", "--timeout", "1e400"], "--timeout: expected a finite number, got '1e400'"),
    (["check", "rnn_step", "--timeout", "0"], "--timeout: must be at least"),
    (["check", "rnn_step", "--timeout", "-5"], "--timeout: must be at least"),
    (["watch", "--timeout", "nan"], "--timeout: expected a finite number, got 'nan'"),
    (["watch", "--interval", "-1"], "--interval: must be at least"),
    (["watch", "--interval", "nan"], "--interval: expected a finite number, got 'nan'"),
    (["watch", "--interval", "0"], "--interval: must be at least"),
    (["hint", "rnn_step", "--level", "0"], "--level: must be at least 1, got 0"),
])
def test_a_time_or_level_out_of_range_is_one_line_and_exit_2(argv, reason, capsys):
    _one_line_refusal(capsys, argv, f"rnn-tutor {argv[0]}: argument {reason}")


@pytest.mark.parametrize("make", ["directory", "named pipe"])
def test_reset_of_an_exercise_that_is_not_a_file_is_one_line_and_exit_2(make, private_home, capsys):
    from tutor.exercises import workspace

    assert main(["exercises"]) == 0
    target = workspace.path("rnn_step")
    target.unlink()
    target.mkdir() if make == "directory" else os.mkfifo(target)
    _one_line_refusal(capsys, ["reset", "rnn_step"], "rnn-tutor reset: ", str(target))


# (`hint` needs no folder: hint levels are kept in progress.json.)
@pytest.mark.parametrize("argv", [["exercises"], ["check", "rnn_step"], ["watch"], ["reset", "rnn_step"]])
def test_an_exercises_folder_that_is_a_file_is_one_line_and_exit_2(argv, private_home, capsys):
    private_home.mkdir(parents=True, exist_ok=True)
    (private_home / "exercises").write_text("not a folder")
    _one_line_refusal(capsys, argv, f"rnn-tutor {argv[0]}: ", str(private_home / "exercises"))


def test_reset_takes_one_name(capsys):
    _one_line_refusal(capsys, ["reset", "gru", "lstm", "--yes"], "rnn-tutor reset: unrecognized arguments: lstm")
