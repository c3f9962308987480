"""The first screen must not wait for TensorFlow; the curriculum and engine must not pull in Textual."""

import subprocess
import sys

import pytest


def loaded_after(statement: str) -> set[str]:
    code = (f"import sys\n{statement}\n"
            "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.strip().split(","))


@pytest.mark.parametrize(("statement", "loaded"), [("import tutor.app", "textual"), ("import tutor.cli", "argparse")])
def test_app_start_does_not_import_tensorflow(statement, loaded):
    modules = loaded_after(statement)
    assert loaded in modules, "the statement really ran"
    assert not {"tensorflow", "keras"} & modules


def test_listing_experiments_does_not_import_tensorflow():
    modules = loaded_after("from tutor.engine import registry; registry.all_experiments()")
    assert not {"tensorflow", "keras", "textual"} & modules


def test_curriculum_imports_neither_textual_nor_tensorflow():
    modules = loaded_after("from tutor.curriculum import load_curriculum; load_curriculum()")
    assert not {"tensorflow", "keras", "textual"} & modules
