"""The chart's tick helpers, as pure functions: log axes ticked at powers of ten over wide ranges, time axes at
whole numbers with a round spacing, and the points a log axis can draw. (Ranges under two decades get 1-2-5
ticks, which are being reworked, and are not pinned here.)"""

import math

import pytest

from tutor.widgets.chart import _decade_ticks, _points, _whole_ticks


@pytest.mark.parametrize(("low", "high"), [(-8.0, -1.0), (-16.4, -0.9), (-3.2, 4.7), (0.0, 30.0)])
def test_wide_log_ranges_tick_whole_powers_of_ten(low, high):
    ticks, labels = _decade_ticks(low, high)
    assert 2 <= len(ticks) <= 6
    assert all(t.is_integer() for t in ticks)
    assert ticks == sorted(ticks) and len(set(ticks)) == len(ticks)
    assert ticks[0] == math.floor(low) and ticks[-1] <= math.ceil(high)
    steps = {b - a for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1, "evenly spaced decades"
    for t, label in zip(ticks, labels):
        assert label == ("1" if t == 0 else f"1e{int(t):+03d}")


def test_decade_labels_read_like_numbers():
    ticks, labels = _decade_ticks(-8.0, -3.0)
    assert list(zip(ticks, labels)) == [(-8.0, "1e-08"), (-7.0, "1e-07"), (-6.0, "1e-06"), (-5.0, "1e-05"),
                                        (-4.0, "1e-04"), (-3.0, "1e-03")]
    assert _decade_ticks(-1.0, 2.5)[1] == ["1e-01", "1", "1e+01", "1e+02", "1e+03"]


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
