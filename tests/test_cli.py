"""The command line: list, version, experiments, the generated help, and refusing bad input with a clear message."""

import json
import os
import subprocess
import sys

from tutor.cli import main


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as stop:
        assert stop.code == 0
    assert "rnn-tutor 0." in capsys.readouterr().out


def test_list_shows_lessons_and_progress(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "vanishing-gradients" in out and "not started" in out
    for lesson_id in ("sequential-data", "vanilla-rnn", "lstm", "gru"):
        assert f" {lesson_id} " in out


def test_run_refuses_bad_input(capsys):
    assert main(["run", "gradient-flow", "--seq-len", "0"]) == 2
    assert "--seq-len: must be at least 2" in capsys.readouterr().err
    assert main(["run", "gradient-flow", "--units", "lots"]) == 2
    assert "expected a whole number" in capsys.readouterr().err
    assert main(["run", "gradient-flow", "--cell", "transformer"]) == 2
    assert "unknown choice" in capsys.readouterr().err
    assert main(["run", "no-such-lab"]) == 2
    assert "unknown experiment" in capsys.readouterr().err
    assert main(["run", "gradient-flow", "--hidden", "3"]) == 2
    assert "no parameter 'hidden'" in capsys.readouterr().err


def test_run_numpy_experiment_prints_summary(capsys):
    assert main(["run", "scalar-decay", "--steps", "5"]) == 0
    assert "break_even_scale: 2.0" in capsys.readouterr().out


def test_run_json_and_a_refusal_raised_by_the_experiment(capsys):
    assert main(["run", "param-count", "--input-size", "3", "--units", "4", "--output-size", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["simple_rnn"] == 42
    assert main(["run", "windowing", "--length", "10", "--window", "10"]) == 2
    assert "--window:" in capsys.readouterr().err


def test_list_runs_from_another_folder(tmp_path):
    """Without any override, the lessons are found next to the installed package (or in the checkout)."""
    env = {k: v for k, v in os.environ.items() if k != "RNN_TUTOR_LESSONS"}
    out = subprocess.run([sys.executable, "-m", "tutor", "list"], cwd=tmp_path, capture_output=True, text=True,
                         check=True, env=env)
    assert "vanishing-gradients" in out.stdout


COMMANDS = ("list", "experiments", "run", "reset", "doctor", "exercises", "check", "watch", "hint", "solution", "serve")


def _help(capsys, *argv: str) -> str:
    """The help text of ``rnn-tutor ARGV --help``, its whitespace made single (argparse wraps lines)."""
    assert main([*argv, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())


def test_help_lists_every_command_and_each_answers_its_own_help(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["--help"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = [line.split()[0] for line in lines[lines.index("commands:") + 2:]
              if line.startswith("    ") and not line.startswith("     ")]  # not a help line wrapped under it
    assert tuple(listed) == COMMANDS
    for command in COMMANDS:
        assert _help(capsys, command).startswith(f"usage: rnn-tutor {command}")


def test_run_help_lists_the_experiments_and_each_experiments_parameters(capsys, monkeypatch):
    from tutor.engine import registry

    monkeypatch.setenv("COLUMNS", "80")
    experiments = registry.all_experiments()
    listing = _help(capsys, "run")
    assert all(f" {name} {exp.title}" in listing for name, exp in experiments.items())
    forecast = _help(capsys, "run", "forecast")
    assert forecast.startswith("usage: rnn-tutor run forecast")
    for p in experiments["forecast"].params:
        assert f"{p.help} ({p.describe_range()}; default {p.format(p.default)})" in forecast, p.name


def test_a_repeated_flag_is_refused(capsys):
    assert main(["run", "scalar-decay", "--steps", "5", "--steps", "6"]) == 2
    assert capsys.readouterr().err == "rnn-tutor run scalar-decay: --steps is given twice; give it once\n"
    assert main(["run", "scalar-decay", "--steps=3", "--steps=3"]) == 2
    assert "--steps is given twice" in capsys.readouterr().err
    assert main(["check", "rnn_step", "--timeout", "5", "--timeout", "6"]) == 2
    assert "--timeout is given twice" in capsys.readouterr().err


def test_an_unknown_or_shortened_flag_is_refused_naming_the_parameters(capsys):
    assert main(["run", "scalar-decay", "--hidden=3"]) == 2
    err = capsys.readouterr().err
    assert "no parameter 'hidden'" in err and "--steps" in err and len(err.splitlines()) == 1
    assert main(["run", "scalar-decay", "--step", "5"]) == 2, "not read as --steps"
    assert "no parameter 'step'" in capsys.readouterr().err
    assert main(["--bogus"]) == 2
    assert "rnn-tutor: unrecognized arguments: --bogus" in capsys.readouterr().err
    assert main(["list", "extra"]) == 2
    assert "rnn-tutor list: unrecognized arguments: extra" in capsys.readouterr().err


def test_an_unknown_command_names_every_command(capsys):
    assert main(["foo"]) == 2
    err = capsys.readouterr().err
    assert all(repr(command) in err for command in COMMANDS) and len(err.splitlines()) == 1


def test_starting_the_tutor_and_help_load_neither_numpy_nor_tensorflow():
    """The parse tree is built before the tutor starts: it may load the registry, not what the labs use."""
    code = ("import sys, tutor.cli as cli\n"
            "cli._app = lambda lesson: print('app', lesson) or 0\n"
            "assert cli.main([]) == 0 and cli.main(['--lesson', 'gru']) == 0 and cli.main(['--help']) == 0\n"
            "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[:2] == ["app None", "app gru"] and "commands:" in lines
    modules = set(lines[-1].split(","))
    assert "argparse" in modules and not {"numpy", "tensorflow", "keras"} & modules


def test_negative_values_are_values_not_flags(capsys):
    assert main(["run", "rnn-step", "--inputs", "-1,0.5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["params"]["inputs"] == [-1.0, 0.5]
    assert main(["run", "series-parts", "--slope", "-1e-3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["params"]["slope"] == -0.001
