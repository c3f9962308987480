"""Experiments of the from-scratch lesson (lesson 7): a NumPy cell trained end to end, with no TensorFlow.

- ``scratch-train``: a from-scratch SimpleRNN, LSTM or GRU learning the adding problem (SGD or Adam, clipping,
  truncated BPTT), against the predict-the-mean baseline.
"""

from __future__ import annotations

from typing import Any

from tutor.engine.experiment import SEED, Param, Report, RunContext, cell_param, figure, series
from tutor.engine.limits import Deadline, time_limit_param
from tutor.engine.registry import experiment


@experiment(
    "scratch-train",
    "Train a from-scratch NumPy cell on the adding problem",
    [
        cell_param("lstm", "recurrent cell (NumPy)"),
        Param("seq_len", "int", 20, "sequence length", 2, 400),
        Param("units", "int", 16, "hidden units", 1, 128),
        Param("steps", "int", 400, "optimiser steps of 32 sequences", 1, 20000),
        Param("optimizer", "choice", "adam", "update rule", choices=("adam", "sgd")),
        Param("learning_rate", "float", 0.01, "step size", 1e-5, 5.0),
        Param("clip_norm", "float", 1.0, "global gradient-norm cap (0: none)", 0.0, 1000.0),
        Param("truncate", "int", 0, "truncated BPTT: carry gradients this many steps (0: full BPTT)", 0, 400),
        time_limit_param(300),
        SEED,
    ],
)
def scratch_train(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    from tutor.engine import datasets
    from tutor.engine.scratch_train import TrainConfig, train

    split = datasets.adding_split(2048, 512, p["seq_len"], np.random.default_rng(p["seed"])).astype(np.float64)
    x, y, x_test, y_test = split.x_train, split.y_train, split.x_test, split.y_test
    config = TrainConfig(p["cell"], p["units"], p["steps"], 32, p["optimizer"], p["learning_rate"],
                         p["clip_norm"], p["truncate"] or None, p["seed"])
    baseline = datasets.mean_baseline(y, y_test)  # in float64, like the training

    def snapshot(history: dict[str, list[float]]) -> Report:
        return {"figure": figure(f"From-scratch {p['cell']} on the adding problem (T={p['seq_len']})",
                                 [series("training MSE", history["loss"]),
                                  series("predict-the-mean MSE", [baseline, baseline], [0, p["steps"] - 1])],
                                 "step", "MSE", "log"),
                "summary": f"step {len(history['loss'])}/{p['steps']}, loss {history['loss'][-1]:.4f}"}

    deadline = Deadline(p["time_limit"])
    model, history = train(config, x, y, ctx, snapshot, should_stop=deadline.passed)
    test_mse = float(np.mean((model.predict(x_test) - y_test) ** 2))
    result: dict[str, Any] = dict(snapshot(history))
    result.update(test_mse=test_mse, baseline_mse=baseline, losses=history["loss"],
                  summary=(f"NumPy {p['cell']}, no TensorFlow: test MSE {test_mse:.4f} against {baseline:.4f} for "
                           f"always predicting the mean ({test_mse / baseline:.1%} of it)." + deadline.note()),
                  stopped_by_time_limit=deadline.reached)
    return result
