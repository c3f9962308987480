"""The layers, checked statically by import-linter (every import statement, function-level ones too; imports
made only under TYPE_CHECKING are left out): cli > app > screens > widgets > messages > doctor > curriculum >
exercises > progress > engine, each importing only those below it, and every module of tutor/ in one of
them; Textual only in the UI; TensorFlow/Keras only in tutor.engine.runtime. The contracts are in
pyproject.toml; tests/test_import_hygiene.py checks the last two at run time.
"""

from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_layer_contracts_are_kept(monkeypatch):
    monkeypatch.chdir(PYPROJECT.parent)
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True) == 0, "run lint-imports for the details"

