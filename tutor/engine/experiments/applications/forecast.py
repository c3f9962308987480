"""``forecast``: a GRU or LSTM forecasts the held-out tail of a series, recursively, against the naive and
seasonal-naive forecasts (lesson 6)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from tutor.engine.experiment import CELL_NAMES, SEED, Param, ParamError, ParsedParams, Report, Result, RunContext, \
    figure, series
from tutor.engine.limits import Deadline, time_limit_param
from tutor.engine.registry import experiment
from tutor.engine.training import TrainHistory
from tutor.engine.wording import forecast_verdict
from tutor.lazy import lazy

if TYPE_CHECKING:  # the checker reads the real modules; at run time they load on first use (tutor.lazy)
    import numpy as np

    from tutor.engine import forecasting, models
else:
    np, forecasting, models = lazy("numpy"), lazy("tutor.engine.forecasting"), lazy("tutor.engine.models")

EVERY = 100  # training steps between two forecasts of the held-out tail
ADVICE = "Lower the learning rate, or predict the change instead of the level."


class _ForecastRun:
    """The series, its held-out tail and baselines, the network, and its forecast error as it trains."""

    def __init__(self, p: ParsedParams) -> None:
        self.p, self.horizon, self.window = p, p["horizon"], p["window"]
        s = self.s = forecasting.load_series(p["series"], p["seed"])
        self.n_train = len(s.y) - self.horizon
        self.signal = forecasting.model_signal(s.y[:self.n_train], p["predict"])
        if len(self.signal) - self.window < 20:
            raise ParamError("window", f"{s.name} leaves {self.n_train} training values after the held-out "
                                       f"{self.horizon}: too few for windows of {self.window}; shorten the window "
                                       "or horizon")
        # Fitted on the training part only: the held-out tail must not shape the inputs.
        self.scaler = forecasting.Scaler.fit(self.signal)
        self.x, self.y = forecasting.series_windows(self.scaler(self.signal), self.window)
        self.history, self.truth = s.y[:self.n_train], s.y[self.n_train:]
        self.naive = forecasting.naive_forecast(self.history, self.horizon)
        self.seasonal = forecasting.seasonal_naive_forecast(self.history, self.horizon, s.season)
        self.naive_mae = forecasting.mae(self.naive, self.truth)
        self.seasonal_mae = forecasting.mae(self.seasonal, self.truth)
        models.seed_everything(p["seed"])
        model = models.build_model(p["cell"], p["units"], input_dim=1, output_dim=1, seq_len=self.window)
        self.trainer = models.Trainer(model, loss="mse", learning_rate=p["learning_rate"], clip_norm=1.0,
                                      seed=p["seed"])
        self.name = CELL_NAMES[p["cell"]]
        self.pred = self.forecast()
        self.mae_history: list[tuple[int, float]] = [(0, forecasting.mae(self.pred, self.truth))]

    def forecast(self) -> np.ndarray:
        """Recursive: each prediction is appended to the input window and read back for the next step."""
        inputs = list(self.scaler(self.signal[-self.window:]))
        level = float(self.history[-1])
        out = []
        for _ in range(self.horizon):
            z = float(self.trainer.predict(np.array(inputs[-self.window:], np.float32)[None, :, None])[0, 0])
            inputs.append(z)
            value = float(self.scaler.inverse(np.array(z)))
            level = level + value if self.p["predict"] == "change" else value
            out.append(level)
        return np.array(out)

    def measure(self, history: TrainHistory) -> None:
        """Forecast the held-out tail with the network as it is now, and keep its error."""
        self.pred = self.forecast()
        self.mae_history.append((history.steps, forecasting.mae(self.pred, self.truth)))

    def snapshot(self, summary: str) -> Report:
        s, tail = self.s, self.s.season * 5  # seasons of history drawn before the forecast
        fx = s.x[self.n_train:]
        lines = [series("history", self.history[-tail:], s.x[self.n_train - tail: self.n_train]),
                 series("held-out truth", self.truth, fx),
                 series(f"{self.name} forecast", self.pred, fx),
                 series("naive", self.naive, fx),
                 series(f"seasonal naive ({s.season})", self.seasonal, fx)]
        return {"figure": figure(f"{s.describe}: the last {self.horizon} held out", lines, s.label,
                                 s.unit or "value"),
                "summary": summary}

    def progress(self) -> str:
        h = self.trainer.history
        return (f"step {h.steps}/{self.p['steps']}: training MSE {h.losses[-1]:.3f} (scaled), forecast MAE "
                f"{self.mae_history[-1][1]:.3g} against seasonal naive {self.seasonal_mae:.3g}")

    def spread(self) -> str:
        """How much the held-out error moved over the second half of training, when it moved a lot.

        The held-out error is only watched during training, never used to pick the weights kept (that would
        tune on the test); its spread says how far one number can be trusted."""
        late = [m for step, m in self.mae_history[1:] if step > self.trainer.history.steps / 2]
        if len(late) < 2 or max(late) <= 1.5 * min(late):
            return ""
        return (f" Over its last {len(late)} checkpoints the forecast error moved between {min(late):.3g} and "
                f"{max(late):.3g}: one held-out stretch and one run make a noisy test; try another seed.")

    def result(self, seconds: float, deadline: Deadline) -> Result:
        s, p, steps = self.s, self.p, self.trainer.history.steps
        model_mae = forecasting.mae(self.pred, self.truth)
        unit = f" {s.unit}" if s.unit else ""
        summary = (f"{self.name} on {s.name}, predicting the {p['predict']}: mean absolute error over the held-out "
                   f"{self.horizon} steps {model_mae:.3g}{unit}; naive {self.naive_mae:.3g}, seasonal naive "
                   f"{self.seasonal_mae:.3g}. {forecast_verdict(model_mae, self.naive_mae, self.seasonal_mae)}"
                   f"{self.spread()} {steps} steps in {seconds:.1f} s." + deadline.note())
        lines = [f"mean absolute error over the last {self.horizon} steps ({s.unit or 'units'}):",
                 f"  {self.name + ' forecast':<22}{model_mae:>9.3f}",
                 f"  {'naive (last value)':<22}{self.naive_mae:>9.3f}",
                 f"  {'seasonal naive':<22}{self.seasonal_mae:>9.3f}   (one season = {s.season} steps)",
                 f"The scaler's mean and spread come from the first {self.n_train} values only."]
        result: Result = dict(self.snapshot(summary))
        result.update(
            series=s.name, cell=p["cell"], predict=p["predict"], horizon=self.horizon, window=self.window,
            model_mae=model_mae, naive_mae=self.naive_mae, seasonal_naive_mae=self.seasonal_mae,
            forecast=self.pred.tolist(), truth=self.truth.tolist(), naive_forecast=self.naive.tolist(),
            seasonal_naive_forecast=self.seasonal.tolist(), season=s.season, forecast_x=s.x[self.n_train:].tolist(),
            losses=self.trainer.history.losses, mae_history=self.mae_history, steps=steps, seconds=seconds,
            stopped_by_time_limit=self.trainer.history.stopped_by_time_limit,
            scaler={"mean": self.scaler.mean, "std": self.scaler.std}, text="\n".join(lines),
        )
        return result


@experiment(
    "forecast",
    "Forecast the held-out tail of a real series, against naive and seasonal naive",
    [
        Param("series", "choice", "co2", "co2: Mauna Loa CO₂, monthly; sunspots: yearly; synthetic: made here",
              choices=("co2", "sunspots", "synthetic")),
        Param("cell", "choice", "gru", "recurrent cell", choices=("gru", "lstm")),
        Param("predict", "choice", "change", "what the network predicts: the change from the last value, or "
              "the level itself", choices=("change", "level")),
        Param("horizon", "int", 24, "steps forecast (and held out) at the end of the series", 1, 120),
        Param("window", "int", 24, "past steps the network reads for each prediction", 2, 120),
        Param("units", "int", 32, "hidden units", 1, 256),
        Param("steps", "int", 800, "Adam steps of 32 windows", 1, 20000),
        Param("learning_rate", "float", 0.005, "Adam's step size", 1e-5, 0.5),
        time_limit_param(60),
        SEED,
    ],
    uses_tensorflow=True,
)
def forecast(p: ParsedParams, ctx: RunContext) -> Result:
    run = _ForecastRun(p)
    deadline = Deadline(p["time_limit"])
    started = time.monotonic()

    def every_100_steps(history: TrainHistory) -> None:
        run.measure(history)
        ctx.report(run.snapshot(run.progress()), force=True)  # one report per 100 steps: each is worth drawing

    run.trainer.fit((run.x, run.y), p["steps"], ctx, batch_size=32, deadline=deadline, chunk=EVERY,
                    on_chunk=every_100_steps, advice=ADVICE)
    return run.result(time.monotonic() - started, deadline)
