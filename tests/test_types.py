"""The typed contract, checked: mypy, at the strictness of pyproject.toml's [tool.mypy], is clean over tutor/.

The second test shows that this strictness catches what the contract is for: a key outside a ``Report``, a
``Series`` style its ``Literal`` does not allow, and a wrong-typed argument, each reported at its line, while
the same lines written correctly pass.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def mypy(cache: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), "--cache-dir", str(cache),
         "--no-color-output", "--no-error-summary", *targets],
        cwd=REPO, capture_output=True, text=True, timeout=600)


@pytest.fixture
def cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mypy's cache, kept between runs in pytest's own (ignored) cache folder when there is one."""
    kept = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    return Path(kept.mkdir("mypy")) if kept is not None else tmp_path_factory.mktemp("mypy")


def test_mypy_is_clean_over_the_package(cache):
    run = mypy(cache, "tutor")
    assert run.returncode == 0, run.stdout + run.stderr


WRONG = {
    "a key outside a Report": ('report: Report = {"summary": "done", "waiting": "for the slot"}',
                               "typeddict-unknown-key"),
    "a style the Literal does not allow": ('line = series("loss", [1.0, 0.5], style="area")', "arg-type"),
    "a wrong-typed argument": ('check_finite(float("nan"), "at step 3", "Lower the learning rate.")', "arg-type"),
}
RIGHT = ['report: Report = {"summary": "done"}',
         'line = series("loss", [1.0, 0.5], style="bar")',
         'check_finite(0.5, 3, "Lower the learning rate.")']
HEAD = "from tutor.engine.experiment import Report, check_finite, series\n\n"


def test_the_strictness_catches_what_the_contract_is_for(cache, tmp_path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text(HEAD + "\n".join(line for line, _ in WRONG.values()) + "\n", encoding="utf-8")
    right = tmp_path / "right.py"
    right.write_text(HEAD + "\n".join(RIGHT) + "\n", encoding="utf-8")

    run = mypy(cache, str(wrong))
    errors = [line for line in run.stdout.splitlines() if line.startswith(str(wrong))]
    for number, (what, (_, code)) in enumerate(WRONG.items(), start=3):
        assert any(f":{number}:" in e and f"[{code}]" in e for e in errors), f"{what} not caught:\n{run.stdout}"

    run = mypy(cache, str(right))
    assert run.returncode == 0, run.stdout + run.stderr
