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
        all_x: list[float] = []
        for i, line in enumerate([*self._extra, *fig.get("series", [])]):
            xs, ys = _points(line["x"], line["y"], log)
            if not xs:
                continue
            if log:
                ys = [math.log10(y) for y in ys]
            drawn.extend(ys)
            all_x.extend(xs)
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
        if all_x and all(float(x).is_integer() for x in all_x):  # time steps: whole-number ticks only
            plt.xticks(_whole_ticks(min(all_x), max(all_x)))
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
    """Tick positions (exponents) spanning [low, high] in log10 units, labelled 1e-08 style; when the data
    spans less than two decades, 2 and 5 times each power are ticked too."""
    first, last = math.floor(low), math.ceil(high)
    if high - low < 2:
        ticks = [(math.log10(m) + p, f"{m}e{p:+03d}" if p else str(m))
                 for p in range(first, last + 1) for m in (1, 2, 5)]
        inside = [(t, label) for t, label in ticks if low - 1e-9 <= t <= high + 1e-9]
        if len(inside) >= 2:
            return [t for t, _ in inside], [label for _, label in inside]
    step = max(1, math.ceil((last - first + 1) / most))
    powers = list(range(first, last + 1, step))
    return [float(p) for p in powers], [f"1e{p:+03d}" if p else "1" for p in powers]


def _whole_ticks(low: float, high: float, most: int = 8) -> list[float]:
    """Whole-number ticks from ``low`` to ``high`` at a round spacing (1, 2, 5, 10, 20, 50, …)."""
    span = max(1.0, high - low)
    step = 1
    while span / step > most:
        for factor in (2, 2.5, 2):  # 1 → 2 → 5 → 10 → 20 → 50 → 100 …
            step = int(step * factor)
            if span / step <= most:
                break
    start = math.ceil(low / step) * step
    return [float(v) for v in range(int(start), int(high) + 1, step)]
