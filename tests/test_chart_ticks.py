"""The chart's tick helpers, as pure functions: time axes at whole numbers with a round spacing, and the points a
log axis can draw (log and linear value axes are also pinned in tests/test_chart_faults.py); and, drawn, the
labels at even distances, and one legend entry for a baseline runs repeat."""

import math
import re

import pytest

from tutor.widgets.chart import _points, log_ticks, whole_ticks as _whole_ticks

from .conftest import chart_rows


@pytest.mark.parametrize(("low", "high", "expected"), [
    (3, 7, [3, 4, 5, 6, 7]),
    (0, 0, [0]),
    (0, 49, [0, 10, 20, 30, 40, 49]),  # QA b1e7222 row 32: gradient-flow's axis stopped at 40 of 0..49
    (0, 12, [0, 2, 4, 6, 8, 10, 12]),
    (1, 1500, [200, 400, 600, 800, 1000, 1200, 1400]),
    (5, 100, [20, 40, 60, 80, 100]),
])
def test_whole_ticks_are_round_and_inside_the_data(low, high, expected):
    assert _whole_ticks(low, high) == [float(v) for v in expected]


@pytest.mark.parametrize("high", [1, 9, 10, 37, 99, 250, 999, 5000, 123456])
def test_whole_ticks_never_exceed_eight_and_use_1_2_5_spacings(high):
    ticks = _whole_ticks(0, high)
    assert 1 <= len(ticks) <= 8 and all(t.is_integer() and 0 <= t <= high for t in ticks)
    if len(ticks) > 1:
        step = ticks[1] - ticks[0]
        assert step / 10 ** math.floor(math.log10(step)) in (1, 2, 5)


def test_points_drop_what_an_axis_cannot_draw():
    xs, ys = [0, 1, 2, 3, 4], [1.0, None, float("nan"), 0.0, -2.0]
    assert _points(xs, ys, log=False) == ([0, 3, 4], [1.0, 0.0, -2.0])
    assert _points(xs, ys, log=True) == ([0], [1.0])


@pytest.mark.parametrize(("low", "high", "most"), [(-24, 0, 6), (-36, 0, 4), (-15.3, -0.2, 6), (-4.5, 0.3, 3)])
def test_log_decades_are_multiples_of_one_round_step(low, high, most):
    ticks, labels = log_ticks(low, high, most=most)
    steps = {b - a for a, b in zip(ticks, ticks[1:])}
    assert 2 <= len(ticks) <= most and len(steps) == 1
    step = steps.pop()
    assert step in (1, 2, 3, 5, 10, 20) and all(t % step == 0 for t in ticks), (ticks, labels)


def _labelled_rows(rows: list[str]) -> list[tuple[int, str]]:
    return [(i, r.split("┤")[0].strip()) for i, r in enumerate(rows) if "┤" in r]


async def test_log_axis_labels_are_evenly_spaced():
    """QA row 32: 1e-12 and 1e-15 sat on adjacent rows, other decades three rows apart."""
    rows = await chart_rows({"title": "gradient", "xlabel": "t", "ylabel": "norm", "yscale": "log", "series": [
        {"label": "rnn", "x": list(range(50)), "y": [10.0 ** (-0.7 * t) for t in range(50)]}]})
    labelled = _labelled_rows(rows)
    gaps = [b[0] - a[0] for a, b in zip(labelled, labelled[1:])]
    assert len(labelled) >= 2 and min(gaps) >= 2 and max(gaps) - min(gaps) <= 1, "\n".join(rows)


async def test_a_baseline_repeated_by_kept_runs_has_one_legend_entry():
    """QA row 31: the memory task's "chance" was listed once for each kept run."""
    chance = {"label": "chance", "x": [5, 80], "y": [0.5, 0.5]}
    kept = [{"label": "simple_rnn", "x": [5, 20, 80], "y": [1.0, 0.9, 0.5]}, dict(chance)]
    rows = await chart_rows({"title": "memory", "xlabel": "d", "ylabel": "accuracy", "series": [
        {"label": "lstm", "x": [5, 20, 80], "y": [1.0, 1.0, 0.6]}, dict(chance)]}, kept)
    assert sum(len(re.findall(r"\bchance\b", r)) for r in rows) == 1, "\n".join(rows)
    assert any("simple_rnn" in r for r in rows) and any("lstm" in r for r in rows)


async def test_a_flat_reference_line_carries_its_own_label():
    """QA row 32: seq2seq's 90% line, under a four-line legend, was drawn on the row labelled 0.8."""
    xs = list(range(0, 2001, 100))
    rows = await chart_rows({"title": "held-out sums", "xlabel": "training step", "ylabel": "share right", "series": [
        {"label": "exact match, greedy", "x": xs, "y": [min(0.97, 0.03 + 0.0006 * x) for x in xs]},
        {"label": "per char, greedy", "x": xs, "y": [min(0.99, 0.3 + 0.0005 * x) for x in xs]},
        {"label": "per char, teacher forced", "x": xs, "y": [min(0.995, 0.35 + 0.0005 * x) for x in xs]},
        {"label": "90%", "x": [0, 2000], "y": [0.9, 0.9]}]})
    line = next(i for i, r in enumerate(rows) if re.search(r"[⠁-⣿]{60}", r))  # the flat 90% line
    assert dict(_labelled_rows(rows)).get(line) == "0.9", "\n".join(rows)
