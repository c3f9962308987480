"""A plotext chart that draws the engine's figure descriptions (see ``tutor.engine.experiment.figure``).

Ticks are chosen here, not by plotext: only inside the data's range (plotext draws a tick outside it on the
frame or the title row), always at least two where the data has a span, whole numbers on count axes. plotext 5
always draws the legend in the plot's top-left corner; when data passes under it, the axis is widened on the
cheaper side (headroom above, or a margin on the left) so the legend sits where there is no data.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from textual.reactive import Reactive
from textual_plotext import PlotextPlot

from tutor.engine.experiment import Figure, Series

# Named colours exist in every 16-colour palette; series are also told apart by marker where colour is off.
COLORS = ("blue", "red", "green", "magenta", "cyan", "yellow", "white")
ASCII_MARKERS = ("*", "o", "+", "x", "#", "%", "@")
PLOTEXT_MARKERS = {"braille": "braille", "blocks": "hd", "dots": "dot"}


class FigureChart(PlotextPlot):
    """Owns its figure; ``show()`` replaces it, ``replot()`` draws it. Touch only from the UI thread.
    The marker follows the app's ``marker`` reactive when the app has one (else it is braille)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.marker = "braille"
        self._figure: Figure | None = None
        self._extra: list[Series] = []
        self._drawn_size: tuple[int, int] | None = None
        self.placeholder = "Not run yet"

    def show(self, fig: Figure | None, extra: Sequence[Series] = ()) -> None:
        self._figure = fig
        self._extra = list(extra)
        self.replot()

    def set_marker(self, marker: str) -> None:
        if marker != self.marker:
            self.marker = marker
            self.replot()

    def on_mount(self) -> None:
        super().on_mount()
        if isinstance(getattr(type(self.app), "marker", None), Reactive):  # the one setting, on the app
            self.watch(self.app, "marker", self.set_marker)  # and takes its value now
        self.replot()

    def on_resize(self) -> None:
        if self._figure is not None and self._drawn_size != (self.size.width, self.size.height):
            self.replot()  # where the legend fits depends on the size

    def replot(self) -> None:
        plt = self.plt
        plt.clear_figure()  # also resets scale and ticks; textual-plotext re-applies the theme on render
        self._drawn_size = (self.size.width, self.size.height)
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
        drawn: list[tuple[list[float], list[float], str, str]] = []
        in_legend: set[tuple[str, frozenset[float]]] = set()
        for i, line in enumerate([*self._extra, *fig.get("series", [])]):
            xs, ys = _points(line["x"], line["y"], log)
            if not xs:
                continue
            label = line.get("label", "") or ""
            # A baseline every kept run repeats ("chance" at 0.5) gets one legend entry, not one per run.
            baseline = (label, frozenset(ys))
            if label and baseline in in_legend:
                label = ""
            in_legend.add(baseline)
            if log:
                ys = [math.log10(y) for y in ys]
            style = line.get("style", "line")
            if len(xs) == 1 and style == "line":
                style = "scatter"  # a line needs two points; a single bar is still a bar
            drawn.append((xs, ys, label, style))
            marker = ASCII_MARKERS[i % len(ASCII_MARKERS)] if (no_color or self.marker == "ascii") \
                else PLOTEXT_MARKERS.get(self.marker, "braille")
            kwargs: dict[str, Any] = {"label": label, "marker": marker}
            if not no_color:
                kwargs["color"] = COLORS[i % len(COLORS)]
            if style == "scatter":
                plt.scatter(xs, ys, **kwargs)
            elif style == "bar":
                plt.bar(xs, ys, **{k: v for k, v in kwargs.items() if k != "marker"})
            else:
                plt.plot(xs, ys, **kwargs)
        if drawn:
            self._axes(drawn, log)
        self.refresh()

    def _axes(self, drawn: list[tuple[list[float], list[float], str, str]], log: bool) -> None:
        plt = self.plt
        all_x = [x for xs, _, _, _ in drawn for x in xs]
        all_y = [y for _, ys, _, _ in drawn for y in ys]
        bars = any(style == "bar" for *_, style in drawn)
        x0, x1 = min(all_x), max(all_x)
        y0, y1 = min(all_y), max(all_y)
        if bars:
            y0, y1 = min(y0, 0.0), max(y1, 0.0)  # bars stand on zero
        width, height = self.size.width, self.size.height
        rows = height - 3 - bool(self._figure and self._figure.get("title")) \
            - bool(self._figure and (self._figure.get("xlabel") or self._figure.get("ylabel")))
        data_y = (y0, y1)
        whole_y = all(float(y).is_integer() for y in all_y)

        def value_ticks(data_rows: float) -> tuple[list[float], list[str]]:
            # Labels at least two rows apart: closer ones shared rows with data they did not mean (a 0.9 line
            # on the row labelled 0.8) and made a log axis's decades look unevenly spaced.
            most = max(2, min(6, 1 + int(data_rows - 1) // 2)) if data_rows > 0 else 6
            if log:
                return log_ticks(*data_y, most=most)
            if whole_y:
                ticks = whole_ticks(*data_y, most=most)
                return ticks, [str(int(t)) for t in ticks]
            return nice_ticks(*data_y, most=most)

        yticks, ylabels = value_ticks(rows)
        bar_x = [x for xs, _, _, style in drawn if style == "bar" for x in xs]
        if bar_x and all(float(x).is_integer() for x in bar_x):  # numbered bars (sentence 1, 2, …): ticks under them
            xticks = whole_ticks(min(bar_x), max(bar_x))
            xlabels = [str(int(t)) for t in xticks]
        elif all(float(x).is_integer() for x in all_x):  # time steps, counts: whole-number ticks only
            xticks = whole_ticks(x0, x1)
            xlabels = [str(int(t)) for t in xticks]
        else:
            xticks, xlabels = nice_ticks(x0, x1)
        labels = [label for *_, label, _ in drawn if label]
        if labels and x1 > x0 and y1 > y0:
            cols = width - 2 - max((len(t) for t in ylabels), default=1)
            box = legend_box(labels)
            if bars:  # plotext pads bars sideways, so only the headroom above them can be placed exactly
                if rows - 1 - box[0] > 2:
                    y1 = y1 + (y1 - y0) * box[0] / (rows - 1 - box[0])
                    plt.ylim(y0, y1)
            else:
                lims = legend_room(drawn, (x0, x1), (y0, y1), cols, rows, box)
                if lims is not None:
                    (x0, x1), (y0, y1) = lims
                    plt.xlim(x0, x1)
                    plt.ylim(y0, y1)
            if (y0, y1) != data_y and data_y[1] > data_y[0]:  # headroom for the legend: the data has fewer rows
                yticks, ylabels = value_ticks(rows * (data_y[1] - data_y[0]) / (y1 - y0))
        if not log and rows > 1 and y1 > y0:
            yticks, ylabels = label_flat_lines(yticks, ylabels, drawn, (y1 - y0) / (rows - 1))
        plt.yticks(yticks, ylabels)
        plt.xticks(xticks, xlabels)
        self._fit_axis_names(max((len(label) for label in ylabels), default=1))

    def _fit_axis_names(self, tick_width: int) -> None:
        """plotext writes the y axis's name from the left of the bottom row and the x axis's name centred under
        the plot, and leaves the x name out when the two would touch: lesson 8's message passing lost its x name
        at 80×24 that way. The y name gives way, cut with an ellipsis."""
        fig = self._figure
        xlabel, ylabel = (fig.get("xlabel", ""), fig.get("ylabel", "")) if fig else ("", "")
        if not (xlabel and ylabel):
            return
        start = tick_width + 1  # the tick labels, then the left axis
        room = start + (self.size.width - start - 1) // 2 - len(xlabel) // 2 - 1  # a blank column between
        if len(ylabel) > room:
            self.plt.ylabel(ylabel[:room - 1] + "…" if room > 1 else "")


def label_flat_lines(ticks: list[float], labels: list[str],
                     drawn: Sequence[tuple[Sequence[float], Sequence[float], str, str]], row: float
                     ) -> tuple[list[float], list[str]]:
    """A flat reference line (a 90% target, chance at 0.5) gets its own label, in place of any label within
    about a row of it: on a coarse chart the line was drawn on the row labelled 0.8, the row it shared."""
    flat = sorted({ys[0] for xs, ys, _, style in drawn
                   if style == "line" and len(ys) >= 2 and len(set(ys)) == 1})
    if not flat:
        return ticks, labels
    kept = [(t, label) for t, label in zip(ticks, labels) if all(abs(t - f) >= 1.5 * row for f in flat)]
    kept += [(f, _label(round(f, 6))) for f in flat if all(abs(f - t) >= 1e-12 for t, _ in kept)]
    kept.sort()
    return [t for t, _ in kept], [label for _, label in kept]


def legend_box(labels: Sequence[str]) -> tuple[int, int]:
    """(rows, columns) plotext 5 uses for a legend: one row a label, three marker cells and the padded label."""
    return len(labels), 3 + max(len(label) for label in labels) + 2


def legend_room(drawn: Sequence[tuple[Sequence[float], Sequence[float], str, str]], xr: tuple[float, float],
                yr: tuple[float, float], cols: int, rows: int, box: tuple[int, int]
                ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """New (x, y) limits that keep the data out of the legend's top-left box, or None when it is clear
    already (or the canvas is too small to say). Widens the side that costs the smaller share of the plot."""
    box_rows, box_cols = box
    if cols < 10 or rows < 4:
        return None
    (x0, x1), (y0, y1) = xr, yr

    def cell(x: float, y: float) -> tuple[int, int]:
        return (round((x - x0) / (x1 - x0) * (cols - 1)), round((y1 - y) / (y1 - y0) * (rows - 1)))

    hit = False
    for xs, ys, _, style in drawn:
        points = list(zip(xs, ys))
        samples = list(points)
        if style != "scatter":  # a line also covers the cells between its points
            for (xa, ya), (xb, yb) in zip(points, points[1:]):
                steps = max(1, abs(cell(xb, yb)[0] - cell(xa, ya)[0]) * 2)
                samples.extend((xa + (xb - xa) * k / steps, ya + (yb - ya) * k / steps) for k in range(steps))
        if any(c < box_cols and r < box_rows for c, r in (cell(x, y) for x, y in samples)):
            hit = True
            break
    if not hit:
        return None
    up = box_rows / max(1, rows - 1 - box_rows) if rows - 1 - box_rows > 2 else math.inf
    left = (box_cols + 2) / max(1, cols - 1 - box_cols) if cols - 1 - box_cols > 10 else math.inf
    if math.isinf(up) and math.isinf(left):
        return None
    if box_rows / rows <= (box_cols + 2) / cols and not math.isinf(up):  # the smaller share of the plot
        return (x0, x1), (y0, y1 + (y1 - y0) * up)
    return (x0 - (x1 - x0) * left, x1), (y0, y1)


def _points(xs: Sequence[float], ys: Sequence[float | None], log: bool) -> tuple[list[float], list[float]]:
    """Drop missing values (and, on a log axis, values that are not positive)."""
    keep_x, keep_y = [], []
    for x, y in zip(xs, ys):
        if y is None or not math.isfinite(y) or (log and y <= 0):
            continue
        keep_x.append(x)
        keep_y.append(y)
    return keep_x, keep_y


def _label(value: float) -> str:
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.6g}"
    text = f"{value:.3e}"
    mantissa, exponent = text.split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent):+03d}"


def nice_ticks(low: float, high: float, most: int = 8) -> tuple[list[float], list[str]]:
    """Round ticks (1, 2 or 5 times a power of ten apart) inside [low, high]: at least two when the range has
    a span, at most ``most``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [], []
    if high - low <= 1e-12 * max(1.0, abs(high)):
        return [low], [_label(low)]
    span = high - low
    best: list[float] = []
    power = 10.0 ** math.floor(math.log10(span))
    for step in (power * 5, power * 2, power, power / 2, power / 5, power / 10, power / 20, power / 50):
        first = math.ceil(low / step - 1e-9)
        ticks = [k * step for k in range(first, math.floor(high / step + 1e-9) + 1)]
        if len(ticks) > most:
            if len(best) < 2:  # one step too coarse, the next too fine: every k-th of the finer ticks
                best = [t for t in ticks if round(t / step) % math.ceil(len(ticks) / most) == 0] or best
            break
        best = ticks
        if len(ticks) >= 3:
            break
    if len(best) < 2:
        best = [low, high]  # a range too narrow for round numbers: its two ends
    digits = max(0, -math.floor(math.log10(span / 10)) if span < 10 else 0)
    labels = [_label(round(t, digits + 2)) for t in best]
    return [round(t, digits + 6) for t in best], labels


def log_ticks(low: float, high: float, most: int = 6) -> tuple[list[float], list[str]]:
    """Ticks for a log axis drawn in log10 units, all inside [low, high]: every decade (or every k-th), else
    1-2-5 within a decade, else plain round numbers when the data spans less than a 1-2-5 step."""
    if high - low <= 1e-12:
        return [low], [_label(10 ** low)]
    eps = 1e-9
    decades = [float(p) for p in range(math.ceil(low - eps), math.floor(high + eps) + 1)]
    if 2 <= len(decades):
        # Every k-th decade, k from a round set and the ticks at multiples of k (1e-24, 1e-12, 1e+00, not
        # 1e-24, 1e-17, 1e-10, 1e-03), so labels keep the same distance along the axis.
        chosen = decades
        for step in (1, 2, 3, 5, 10, 20, 30, 50, 100):
            chosen = [p for p in decades if p % step == 0]
            if len(chosen) <= most:
                break
        if len(chosen) >= 2:
            if all(-2 <= p <= 4 for p in chosen):
                return chosen, [_label(10 ** p) for p in chosen]
            return chosen, [f"1e{int(p):+03d}" for p in chosen]  # one style along the axis
    one_two_five = [math.log10(m) + p for p in range(math.floor(low) - 1, math.ceil(high) + 1) for m in (1, 2, 5)]
    inside = [t for t in one_two_five if low - eps <= t <= high + eps]
    if 2 <= len(inside) <= most:
        return inside, [_label(10 ** t) for t in inside]
    values, _ = nice_ticks(10 ** low, 10 ** high, most=most)
    positions = [math.log10(v) for v in values if v > 0]
    positions = [min(max(p, low), high) for p in positions]
    return positions, [_label(v) for v in values if v > 0]


def whole_ticks(low: float, high: float, most: int = 8) -> list[float]:
    """Whole-number ticks from ``low`` to ``high`` at a round spacing (1, 2, 5, 10, 20, 50, …), and ``high``
    itself where the last round tick falls well short of it."""
    high = float(high)
    span = max(1.0, high - low)
    step = 1
    while span // step + 1 > most:  # ticks, not intervals
        for factor in (2, 2.5, 2):  # 1 → 2 → 5 → 10 → 20 → 50 → 100 …
            step = int(step * factor)
            if span // step + 1 <= most:
                break
    start = math.ceil(low / step) * step
    ticks = [float(v) for v in range(int(start), int(math.floor(high)) + 1, step)]
    if ticks and high.is_integer() and high - ticks[-1] >= 0.6 * step:
        ticks.append(float(high))  # the axis reaches its last step (49 of 0..49), with room for its label
    return ticks

