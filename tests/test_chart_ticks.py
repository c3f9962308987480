"""The chart's tick helpers, as pure functions: time axes at whole numbers with a round spacing, and the points a
log axis can draw. (Log and linear value axes are pinned in tests/test_chart_faults.py.)"""

import math

import pytest

from tutor.widgets.chart import _points, whole_ticks as _whole_ticks


@pytest.mark.parametrize(("low", "high", "expected"), [
    (3, 7, [3, 4, 5, 6, 7]),
    (0, 0, [0]),
    (0, 49, [0, 10, 20, 30, 40]),
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
