"""Experiments by name, and the one function that runs any of them (for the TUI and the command line alike).

Experiment modules register themselves with :func:`experiment`; :func:`all_experiments` imports them on first
use. None of them imports TensorFlow at module level, so listing and validating experiments is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from tutor.engine import runtime
from tutor.engine.experiment import Experiment, Param, RunContext

_MODULES = (
    "tutor.engine.experiments.sequences",
    "tutor.engine.experiments.rnn_basics",
    "tutor.engine.experiments.gradients",
    "tutor.engine.experiments.gated",
    "tutor.engine.experiments.scratch_lab",
    "tutor.engine.experiments.from_scratch_labs",
)
_REGISTRY: dict[str, Experiment] = {}
_loaded = False


def experiment(name: str, title: str, params: list[Param], uses_tensorflow: bool = False):
    """Register ``fn(params, ctx) -> result`` under ``name``."""

    def register(fn: Callable[[dict[str, Any], RunContext], dict[str, Any]]):
        if name in _REGISTRY:
            raise ValueError(f"experiment {name!r} is registered twice")
        _REGISTRY[name] = Experiment(name, title, fn, tuple(params), uses_tensorflow)
        return fn

    return register


def all_experiments() -> dict[str, Experiment]:
    global _loaded
    if not _loaded:
        for module in _MODULES:
            importlib.import_module(module)
        _loaded = True
    return dict(_REGISTRY)


class UnknownExperiment(KeyError):
    def __init__(self, name: str) -> None:
        known = ", ".join(sorted(all_experiments()))
        super().__init__(f"unknown experiment {name!r}; known experiments: {known}")
        self.message = self.args[0]

    def __str__(self) -> str:
        return self.message


def get(name: str) -> Experiment:
    experiments = all_experiments()
    if name not in experiments:
        raise UnknownExperiment(name)
    return experiments[name]


def run(name: str, raw_params: dict[str, Any], ctx: RunContext,
        on_wait: Callable[[], None] | None = None) -> dict[str, Any]:
    """Validate the parameters and run the experiment; TensorFlow ones load TF and hold the training slot."""
    exp = get(name)
    params = exp.validate(raw_params)
    if not exp.uses_tensorflow:
        return exp.fn(params, ctx)
    runtime.tensorflow()
    ctx.check()
    with runtime.training_slot(ctx.is_cancelled, on_wait):
        ctx.check()
        return exp.fn(params, ctx)
