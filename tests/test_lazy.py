"""tutor.lazy: experiment modules name NumPy at the top, and NumPy loads only when a run uses it."""

import subprocess
import sys


def test_experiments_load_numpy_only_when_one_runs():
    code = ("import sys\n"
            "from tutor.curriculum import load_curriculum\n"
            "from tutor.engine import registry\n"
            "load_curriculum(); registry.all_experiments()\n"
            "print('numpy' in sys.modules)\n"
            "from tutor.engine.experiment import RunContext\n"
            "result = registry.run('scalar-decay', {'steps': 3}, RunContext())\n"
            "print('numpy' in sys.modules, result['factors']['2'])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["False", "True [1.0, 1.0, 1.0, 1.0]"]


def test_a_lazy_module_is_the_module_once_used():
    from tutor.lazy import lazy

    json = lazy("json")
    assert json.dumps([1]) == "[1]" and json.loads is sys.modules["json"].loads
