"""Charts: ticks only inside the data (at least two), whole numbers on count axes, the legend kept off the
data, and the marker following the app's one setting."""

from __future__ import annotations

import math
import re

import pytest

from tutor.widgets.chart import FigureChart, legend_box, legend_room, log_ticks, nice_ticks, whole_ticks

from .conftest import chart_rows



@pytest.mark.parametrize("low, high", [(0.152, 0.29), (0.03, 0.9), (1e-5, 2e3), (0.2501, 0.2509), (0.9, 1.1),
                                       (3e-8, 4e-8), (0.5, 700.0)])
def test_log_ticks_lie_inside_the_data_and_are_at_least_two(low, high):
    ticks, labels = log_ticks(math.log10(low), math.log10(high))
    assert len(ticks) >= 2 and len(ticks) == len(labels) and len(set(labels)) == len(labels)
    assert all(math.log10(low) - 1e-9 <= t <= math.log10(high) + 1e-9 for t in ticks)
    for t, label in zip(ticks, labels):  # each label says the value at its position
        assert float(label) == pytest.approx(10 ** t, rel=0.02)


def test_adding_problem_range_gets_plain_numbers():
    ticks, labels = log_ticks(math.log10(0.152), math.log10(0.29))
    assert labels == ["0.2", "0.25"]


@pytest.mark.parametrize("low, high", [(0.5, 1.0), (0.0, 1.0), (-3.2, 7.9), (0.1234, 0.1239), (101.0, 102.5)])
def test_nice_ticks_inside_and_round(low, high):
    ticks, labels = nice_ticks(low, high)
    assert 2 <= len(ticks) <= 8
    assert all(low - 1e-9 <= t <= high + 1e-9 for t in ticks)


def test_whole_ticks_have_no_fractions():
    assert whole_ticks(1, 3) == [1.0, 2.0, 3.0]
    assert all(t.is_integer() for t in whole_ticks(0, 997))
    assert len(whole_ticks(0, 997)) <= 8


def test_legend_room_moves_data_out_of_the_corner():
    drawn = [([5, 10, 20, 40, 80], [1, 1, 1, 1, 0.51], "simple_rnn", "line")]
    box = legend_box(["simple_rnn", "lstm"])
    x, y = legend_room(drawn, (5, 80), (0.51, 1), 66, 11, box)
    assert x[0] <= 5 <= 80 <= x[1] and y[0] <= 0.51 <= 1 <= y[1], "the new limits still hold all the data"
    assert legend_room(drawn, x, y, 66, 11, box) is None, "and the legend's corner is clear of it"
    assert legend_room([([0, 10], [0, 0.1], "rising", "line")], (0, 10), (0, 1), 66, 11, box) is None, \
        "data far from the corner leaves the axes alone"


async def test_narrow_log_chart_has_labels_on_the_frame():
    rows = await chart_rows({"title": "adding", "xlabel": "step", "ylabel": "loss", "yscale": "log", "series": [
        {"label": "loss", "x": list(range(20)), "y": [0.29 - 0.007 * i for i in range(20)]}]})
    labelled = [r for r in rows if "┤" in r]
    assert len(labelled) >= 2, "\n".join(rows)
    frame = [i for i, r in enumerate(rows) if "┌" in r or "└" in r]
    assert all(frame[0] < rows.index(r) < frame[1] for r in labelled), "labels inside the frame"
    assert not any(re.search(r"\d", rows[i]) for i in (frame[0], frame[0] - 1) if i >= 0 and "┌" in rows[i])


async def test_legend_does_not_cover_a_line_at_the_top():
    rows = await chart_rows({"title": "Memory task", "xlabel": "d", "ylabel": "accuracy", "series": [
        {"label": "simple_rnn", "x": [5, 10, 20, 40, 80], "y": [1, 1, 1, 1, 0.51]},
        {"label": "lstm", "x": [5, 10, 20, 40, 80], "y": [0.9, 0.9, 0.9, 0.9, 0.53]}]})
    legend_rows = [i for i, r in enumerate(rows) if "simple_rnn" in r or " lstm" in r]
    top_line = next(i for i, r in enumerate(rows) if re.search(r"[⠁-⣿]{10}", r.split("│", 1)[-1]))
    assert top_line > max(legend_rows), "\n".join(rows)
    assert rows[-2].split() and all(t.isdigit() for t in rows[-2].split()), "whole-number delays"


async def test_count_axes_have_whole_numbers():
    rows = await chart_rows({"title": "tokens", "xlabel": "sentence", "ylabel": "tokens", "series": [
        {"label": "tokens", "x": [1, 2, 3], "y": [2, 4, 3], "style": "bar"}]})
    labels = [r.split("┤")[0].strip() for r in rows if "┤" in r]
    assert labels and all(label.isdigit() for label in labels), labels


async def test_marker_follows_the_app_setting(make_app):
    app = make_app(start_lesson="sequential-data")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen  # pages are composed when first shown: show the first one with a chart
        screen.show_page(next(index for index, page in enumerate(screen.lesson.pages) if page.labs))
        await pilot.pause()
        assert screen.query(FigureChart)
        app.set_marker("ascii")
        await pilot.pause()
        assert all(chart.marker == "ascii" for chart in app.screen.query(FigureChart))
        assert app.progress.marker == "ascii"
