"""Experiments by name, and the one function that runs any of them (for the TUI and the command line alike).

Experiment modules are named after the lesson they serve and register themselves with :func:`experiment`;
:func:`all_experiments` imports them on first use. None of them imports TensorFlow (or NumPy) when it is
imported: they bind NumPy and the engine's NumPy modules with :func:`tutor.lazy.lazy`, loaded on first use.
Listing and validating experiments is cheap: the curriculum validates every lab when the app starts.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from tutor.engine import runtime
from tutor.engine.experiment import Experiment, Param, ParsedParams, Result, RunContext

# One module per lesson id (dashes become underscores), in lesson order; lessons 6 and 8 have a package
# of one module per lab.
_MODULES = (
    "tutor.engine.experiments.sequential_data",
    "tutor.engine.experiments.vanilla_rnn",
    "tutor.engine.experiments.vanishing_gradients",
    "tutor.engine.experiments.lstm",
    "tutor.engine.experiments.gru",
    "tutor.engine.experiments.applications.forecast",
    "tutor.engine.experiments.applications.char_rnn",
    "tutor.engine.experiments.applications.seq2seq",
    "tutor.engine.experiments.from_scratch",
    "tutor.engine.experiments.beyond.splice",
    "tutor.engine.experiments.beyond.attention",
    "tutor.engine.experiments.beyond.message_passing",
)
_REGISTRY: dict[str, Experiment] = {}
_loaded = False


ExperimentFn = Callable[[ParsedParams, RunContext], Result]


def experiment(name: str, title: str, params: list[Param], uses_tensorflow: bool = False,
               check: Callable[[dict[str, Any]], None] | None = None) -> Callable[[ExperimentFn], ExperimentFn]:
    """Register ``fn(params, ctx) -> result`` under ``name``; ``check(params)`` refuses combinations of
    values that are each in range but wrong together (raising ParamError), wherever parameters are parsed."""

    def register(fn: ExperimentFn) -> ExperimentFn:
        if name in _REGISTRY:
            raise ValueError(f"experiment {name!r} is registered twice")
        exp = Experiment(name, title, fn, tuple(params), uses_tensorflow, check)
        exp.defaults()  # a default that its own parameter refuses is a bug: fail at import, not in a lab
        _REGISTRY[name] = exp
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
        import difflib  # noqa: PLC0415 - only for a mistyped name, not on the first screen

        close = difflib.get_close_matches(name, sorted(all_experiments()), n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        super().__init__(f"unknown experiment {name!r}; {hint}`rnn-tutor experiments` lists them")
        self.message = self.args[0]

    def __str__(self) -> str:
        return self.message


def get(name: str) -> Experiment:
    experiments = all_experiments()
    if name not in experiments:
        raise UnknownExperiment(name)
    return experiments[name]


def run(name: str, params: ParsedParams | dict[str, Any], ctx: RunContext,
        on_wait: Callable[[], None] | None = None) -> Result:
    """Run the experiment; TensorFlow ones load TF and hold the training slot.

    ``params`` come parsed from the edge (the lab's form, the command line: :meth:`Experiment.validate`) and
    are used as they are; a plain dict (a test, a script) is parsed here first, missing values defaulted.
    """
    exp = get(name)
    if not isinstance(params, ParsedParams):
        params = exp.validate(params)
    if not exp.uses_tensorflow:
        return exp.fn(params, ctx)
    runtime.tensorflow()
    ctx.check()
    with runtime.training_slot(ctx.is_cancelled, on_wait):
        ctx.check()
        return exp.fn(params, ctx)
