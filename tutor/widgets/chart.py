"""A plotext chart that draws the engine's figure descriptions (see ``tutor.engine.experiment.figure``)."""

from __future__ import annotations

import math
from typing import Any, Sequence

from textual_plotext import PlotextPlot

# Named colours exist in every 16-colour palette; series are also told apart by marker where colour is off.
COLORS = ("blue", "red", "green", "magenta", "cyan", "yellow", "white")
ASCII_MARKERS = ("*", "o", "+", "x", "#", "%", "@")
PLOTEXT_MARKERS = {"braille": "braille", "blocks": "hd", "dots": "dot"}


class FigureChart(PlotextPlot):
    """Owns its figure; ``show()`` replaces it, ``replot()`` draws it. Touch only from the UI thread."""

    def __init__(self, marker: str = "braille", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.marker = marker
        self._figure: dict[str, Any] | None = None
        self._extra: list[dict[str, Any]] = []
        self.placeholder = "Not run yet"

    def show(self, fig: dict[str, Any] | None, extra: Sequence[dict[str, Any]] = ()) -> None:
        self._figure = fig
        self._extra = list(extra)
        self.replot()

    def set_marker(self, marker: str) -> None:
        self.marker = marker
        self.replot()

    def on_mount(self) -> None:
        super().on_mount()
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_figure()  # also resets scale and ticks; textual-plotext re-applies the theme on render
        fig = self._figure
        if fig is None:
            plt.title(self.placeholder)
            plt.xlabel("")
            plt.ylabel("")
            self.refresh()
            return
        # plotext's own log scale transforms the data in place on every build, so a second render (a
        # resize) takes the log of a log. Plot log10(y) on a linear axis and label the ticks instead.
        log = fig.get("yscale") == "log"
        plt.title(fig.get("title", ""))
        plt.xlabel(fig.get("xlabel", ""))
        plt.ylabel(fig.get("ylabel", ""))
        no_color = getattr(self.app, "no_color", False)
        drawn: list[float] = []
        for i, line in enumerate([*self._extra, *fig.get("series", [])]):
            xs, ys = _points(line["x"], line["y"], log)
            if not xs:
                continue
            if log:
                ys = [math.log10(y) for y in ys]
            drawn.extend(ys)
            marker = ASCII_MARKERS[i % len(ASCII_MARKERS)] if (no_color or self.marker == "ascii") \
                else PLOTEXT_MARKERS.get(self.marker, "braille")
            kwargs: dict[str, Any] = {"label": line.get("label", ""), "marker": marker}
            if not no_color:
                kwargs["color"] = COLORS[i % len(COLORS)]
            if line.get("style") == "scatter" or len(xs) == 1:
                plt.scatter(xs, ys, **kwargs)
            elif line.get("style") == "bar":
                plt.bar(xs, ys, **{k: v for k, v in kwargs.items() if k != "marker"})
            else:
                plt.plot(xs, ys, **kwargs)
        if log and drawn:
            plt.yticks(*_decade_ticks(min(drawn), max(drawn)))
        self.refresh()


def _points(xs: Sequence[float], ys: Sequence[float | None], log: bool) -> tuple[list[float], list[float]]:
    """Drop missing values (and, on a log axis, values that are not positive)."""
    keep_x, keep_y = [], []
    for x, y in zip(xs, ys):
        if y is None or not math.isfinite(y) or (log and y <= 0):
            continue
        keep_x.append(x)
        keep_y.append(y)
    return keep_x, keep_y


def _decade_ticks(low: float, high: float, most: int = 6) -> tuple[list[float], list[str]]:
    """Tick positions (exponents) spanning [low, high] in log10 units, labelled 1e-08 style."""
    first, last = math.floor(low), math.ceil(high)
    step = max(1, math.ceil((last - first + 1) / most))
    powers = list(range(first, last + 1, step))
    return [float(p) for p in powers], [f"1e{p:+03d}" if p else "1" for p in powers]
