"""The command line: list, version, experiments, and refusing bad input with a clear message."""

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
    import json

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
