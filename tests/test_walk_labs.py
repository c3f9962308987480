"""Labs a newcomer's walk at 80×24 found hard to read (issue 20): lesson 8's message-passing chart (its legend's
distances, its x axis's name) and lesson 1's tokeniser on a text of one token. Each test failed before its fix."""

from __future__ import annotations

import re

import pytest

from tutor.engine import registry
from tutor.engine.experiment import ParamError, RunContext

from .conftest import chart_rows



def run(name: str, **params):
    return registry.run(name, params, RunContext())


def x_ticks(rows: list[str]) -> list[str]:
    return rows[next(i for i, r in enumerate(rows) if "└" in r) + 1].split()


# -- lesson 8: message passing -----------------------------------------------------------------------------
def hops(label: str) -> int:
    found = re.fullmatch(r"(\d+) hops?", label)
    assert found, f"a legend entry names a distance and nothing else: {label!r}"
    return int(found.group(1))


def test_the_legend_of_the_lessons_own_run_is_every_other_distance_it_reached():
    """The path of 8 and 6 steps drew 0, 1, 3, 4 and 6 hops ("(1 node)" after each) and dropped 7 unsaid."""
    result = run("message-passing", graph="path", nodes=8, steps=6)
    assert [s["label"] for s in result["figure"]["series"]] == ["0 hops", "2 hops", "4 hops", "6 hops"]
    assert "every 2nd distance" in result["figure"]["title"]


@pytest.mark.parametrize("graph, nodes, source, steps", [
    ("path", 8, 0, 6), ("path", 36, 0, 30), ("path", 36, 0, 7), ("path", 12, 0, 11), ("ring", 12, 0, 6),
    ("star", 9, 3, 6), ("grid", 25, 12, 6), ("grid", 36, 0, 2), ("path", 3, 1, 1)])
def test_the_legend_shows_evenly_spaced_distances_each_with_a_line(graph, nodes, source, steps):
    result = run("message-passing", graph=graph, nodes=nodes, source=source, steps=steps)
    lines = result["figure"]["series"]
    distances = [hops(s["label"]) for s in lines]
    reach = min(steps, max(result["distance"]))
    # evenly spaced from 0, and always the farthest reached: after the even ones if it is not one of them
    even = distances if len({b - a for a, b in zip(distances, distances[1:])}) <= 1 else distances[:-1]
    spacing = {b - a for a, b in zip(even, even[1:])}
    assert distances[0] == 0 and len(spacing) == 1 and len(distances) <= 6, distances
    assert distances[-1] == reach and reach - even[-1] < max(spacing), (distances, reach)
    if reach <= 5:
        assert distances == list(range(reach + 1)), "every distance, when they fit"
    for line in lines:
        assert any(y is not None and y > 0 for y in line["y"]), f"{line['label']} has nothing to draw"
    counts = {int(d): int(c) for d, c in re.findall(r"(\d+) hops?: (\d+) nodes?", result["text"])}
    assert counts == {d: result["distance"].count(d) for d in distances}, \
        "the text says how many nodes each line's mean is over"


async def test_the_message_passing_chart_names_both_axes_at_80x24():
    """The y axis's name, 49 characters, left no room for the x axis's: plotext drops a label that would touch."""
    fig = run("message-passing", graph="grid", nodes=25, source=12)["figure"]
    names = (await chart_rows(fig))[-1]
    assert fig["xlabel"] in names and fig["ylabel"] in names, names


async def test_a_long_y_name_gives_way_to_the_x_name():
    fig = {"title": "t", "xlabel": "message-passing step t", "ylabel": "influence (mean over the nodes at that "
           "distance)", "yscale": "log", "series": [{"label": "a", "x": [0, 1, 2, 3], "y": [1, 0.1, 0.01, 0.001]}]}
    names = (await chart_rows(fig))[-1]
    assert "message-passing step t" in names, names
    assert re.match(r"influence \(mean [^…]*…", names), names


# -- lesson 1: a text of one token -------------------------------------------------------------------------
def test_one_token_is_summarised_in_the_singular():
    result = run("text-to-sequences", sentences="hello", length=8)
    assert result["summary"] == "1 sentence, 1 distinct word token; 7 of 8 steps are padding, 0 tokens were cut."
    assert "s1: 1 token: hello" in result["text"] and "vocabulary: 1 token," in result["text"]
    many = run("text-to-sequences", sentences="the cat sat | the cat", length=2)
    assert many["summary"].startswith("2 sentences, 3 distinct word tokens; 0 of 4 steps are padding, 1 token was cut")


@pytest.mark.parametrize("length", [8, 0])  # 0: as long as the longest, here one step
async def test_one_sentence_draws_a_bar_over_its_number(length):
    """A one-token text drew a one-dot 'bar' (a bar of one point became a scatter), over ticks 0.5, 1, 1.5."""
    rows = await chart_rows(run("text-to-sequences", sentences="hello", length=length)["figure"])
    assert sum("█" in r.split("│", 1)[-1] for r in rows) >= 2, "\n".join(rows)  # the legend's marker and the bar
    assert x_ticks(rows) == ["1"], "\n".join(rows)
    assert any(r.lstrip().startswith("0┤") for r in rows), "the bar stands on 0"


async def test_several_sentences_keep_their_numbers_under_the_bars():
    rows = await chart_rows(run("text-to-sequences", sentences="a b | a b c | a", length=4)["figure"])
    assert x_ticks(rows) == ["1", "2", "3"]


@pytest.mark.parametrize("text", ["", "   ", " | ", "!!! | ?"])
def test_a_text_without_tokens_is_refused_in_its_field(text):
    with pytest.raises(ParamError) as err:
        registry.get("text-to-sequences").validate({"sentences": text})
    assert err.value.name == "sentences" and err.value.message
