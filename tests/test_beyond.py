"""Lesson 8: the shipped splice-junction data, the NumPy parts of sequence classification (split, crops,
baselines, scores) and the message-passing lab."""

import hashlib
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tutor import data
from tutor.engine import registry
from tutor.engine import sequence_classify as sc
from tutor.engine.experiment import ParamError, RunContext

DATA_DIR = Path(data.__file__).parent


# -- the data ----------------------------------------------------------------------------------------------
def test_splice_matches_its_checksum_in_data_md():
    doc = (DATA_DIR / "DATA.md").read_text()
    listed = dict((name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", doc, re.M))
    assert hashlib.sha256((DATA_DIR / "splice.csv").read_bytes()).hexdigest() == listed["splice.csv"]


def test_splice_is_3186_windows_of_60_bases_in_three_classes():
    x, y = sc.load_splice()
    assert x.shape == (3186, 60) and x.min() == 0 and x.max() == 3
    assert dict(zip(sc.CLASSES, np.bincount(y).tolist())) == {"ei": 767, "ie": 765, "n": 1654}


def test_splice_windows_carry_the_junction_consensus():
    # Positions +1,+2 (indices 30, 31) of a donor (ei) are almost always GT; −2,−1 of an acceptor (ie) AG.
    x, y = sc.load_splice()
    letters = np.array(list(sc.BASES))[x]
    donors = Counter("".join(w[30:32]) for w in letters[y == 0])
    acceptors = Counter("".join(w[28:30]) for w in letters[y == 1])
    assert donors["GT"] == 759 and acceptors["AG"] == 761


# -- split and crops -----------------------------------------------------------------------------------------
def test_split_is_fixed_and_disjoint():
    a, b = sc.splice_split(), sc.splice_split()
    assert a.x_train.shape == (2000, 60) and a.x_test.shape == (1000, 60)
    assert np.array_equal(a.x_test, b.x_test) and np.array_equal(a.y_train, b.y_train)
    x, y = sc.distinct_windows()
    assert sorted(np.concatenate([a.y_train, a.y_test]).tolist()) == sorted(y.tolist())


def test_shift_crop_takes_a_contiguous_piece_at_an_offset_up_to_shift():
    x = np.tile(np.arange(60), (50, 1))  # each value names its position, so the offset can be read back
    cropped = sc.shift_crop(x, 20, np.random.default_rng(0))
    assert cropped.shape == (50, 40)
    offsets = cropped[:, 0]
    assert np.array_equal(cropped, offsets[:, None] + np.arange(40))
    assert offsets.min() >= 0 and offsets.max() <= 20 and len(set(offsets.tolist())) > 5
    assert np.array_equal(sc.shift_crop(x, 0, np.random.default_rng(0)), x)
    with pytest.raises(ValueError):
        sc.shift_crop(x, 60, np.random.default_rng(0))


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_junction_crop_keeps_the_junction_and_masks_the_padding(padding):
    x = np.tile(np.arange(60) % 4, (200, 1))
    position = np.tile(np.arange(60), (200, 1))
    tokens, mask = sc.junction_crop(x, 10, np.random.default_rng(1), padding)
    lengths = mask.sum(axis=1)
    assert lengths.min() >= 10 and lengths.max() <= 60 and len(set(lengths.tolist())) > 10
    assert np.all((tokens == sc.PAD) == ~mask)
    # The same crop of the position array: every crop holds positions 28..31 (−2..+2) in order.
    ptok, pmask = sc.junction_crop(position, 10, np.random.default_rng(1), padding)
    for row, m in zip(ptok.astype(int), pmask):
        kept = row[m] - 1
        assert np.array_equal(kept, np.arange(kept[0], kept[0] + len(kept))) and kept[0] <= 28 and kept[-1] >= 31
    assert mask[:, -1 if padding == "pre" else 0].all()


def test_one_hot_and_kmers_ignore_padding():
    x = np.array([[0, 1, 2, 3]])
    assert np.array_equal(sc.one_hot(x)[0], np.eye(4))
    tokens, mask = np.array([[1, 2, 0, 0]]), np.array([[True, True, False, False]])
    assert np.array_equal(sc.one_hot(tokens, mask)[0], [[1, 0, 0, 0], [0, 1, 0, 0], [0] * 4, [0] * 4])
    counts = sc.kmer_counts(np.array([[0, 0, 1]]), 2)  # AA, AC: ids 0 and 1, half each
    assert counts[0, 0] == counts[0, 1] == 0.5 and counts.sum() == 1
    masked = sc.kmer_counts(tokens, 2, mask)  # only AC is whole
    assert masked[0, 1] == 1 and masked.sum() == 1


# -- baselines ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def split():
    return sc.splice_split()


def test_aligned_windows_suit_the_positional_baseline(split):
    scores = sc.baselines(split.x_train, split.y_train, split.x_test, split.y_test)
    assert 0.45 < scores["chance"] < 0.55  # "neither" is about half of the windows
    assert scores["positional"] > 0.90  # each position's bases carry the junction's consensus
    assert scores["chance"] + 0.05 < scores["kmers"] < scores["positional"]


def test_a_moving_junction_costs_the_positional_baseline_most(split):
    rng = np.random.default_rng(0)
    train, test = sc.shift_crop(split.x_train, 20, rng), sc.shift_crop(split.x_test, 20, rng)
    scores = sc.baselines(train, split.y_train, test, split.y_test)
    assert scores["positional"] < 0.75  # it fell from above 0.9
    assert scores["kmers"] > scores["chance"] + 0.05


# -- scores ------------------------------------------------------------------------------------------------
def test_metrics_match_a_hand_computed_case():
    y_true = np.array([0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 1, 2, 2])
    matrix = sc.confusion(y_true, y_pred)
    assert matrix.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    rows = {r["class"]: r for r in sc.per_class(matrix)}
    # ei: precision 2/2, recall 2/3, F1 = 2·1·(2/3) / (5/3) = 0.8
    assert rows["ei"]["precision"] == 1.0 and rows["ei"]["recall"] == pytest.approx(2 / 3)
    assert rows["ei"]["f1"] == pytest.approx(0.8) and rows["ei"]["support"] == 3
    # ie: precision 1/2, recall 1/2, F1 1/2; n: precision 1/2, recall 1, F1 2/3
    assert rows["ie"]["precision"] == rows["ie"]["recall"] == rows["ie"]["f1"] == 0.5
    assert rows["n"]["precision"] == 0.5 and rows["n"]["recall"] == 1.0 and rows["n"]["f1"] == pytest.approx(2 / 3)
    lines = sc.table_lines(matrix)
    assert max(len(line) for line in lines) <= 80 and lines[-1].split() == ["n", "0", "0", "1"]


def test_a_class_never_predicted_scores_zero_not_nan():
    rows = sc.per_class(sc.confusion(np.array([0, 1]), np.array([0, 0])))
    assert rows[1] == {"class": "ie", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert rows[2]["support"] == 0 and rows[2]["f1"] == 0.0


# -- message passing ---------------------------------------------------------------------------------------
def run(name, **params):
    return registry.run(name, params, RunContext())


def test_graphs_have_the_shape_their_name_says():
    from tutor.engine.experiments.beyond.message_passing import hop_distances, make_graph

    path, n, _ = make_graph("path", 5)
    assert n == 5 and path.sum(axis=1).tolist() == [1, 2, 2, 2, 1]
    ring, _, _ = make_graph("ring", 5)
    assert ring.sum(axis=1).tolist() == [2] * 5 and hop_distances(ring, 0) == [0, 1, 2, 2, 1]
    star, _, _ = make_graph("star", 5)
    assert star.sum(axis=1).tolist() == [4, 1, 1, 1, 1] and hop_distances(star, 1) == [1, 0, 2, 2, 2]
    grid, n, picture = make_graph("grid", 10)  # the nearest square: 3 × 3
    assert n == 9 and len(picture) == 3 and hop_distances(grid, 0) == [0, 1, 2, 1, 2, 3, 2, 3, 4]
    assert all(np.array_equal(a, a.T) for a in (path, ring, star, grid))


@pytest.mark.parametrize("graph", ["path", "ring", "star", "grid"])
@pytest.mark.parametrize("seed", [0, 1])
def test_the_source_reaches_one_hop_further_each_step(graph, seed):
    result = run("message-passing", graph=graph, nodes=16, steps=5, seed=seed, source=2)
    influence = np.array(result["influence"])
    for v, d in enumerate(result["distance"]):
        assert np.all(influence[:min(d, 6), v] == 0), f"node {v} heard before step {d}"
        if d <= 5:
            assert np.all(influence[d:, v] > 0), f"node {v} at {d} hops has not heard by step {d}"
    assert result["first_reached"] == [d if d <= 5 else None for d in result["distance"]]
    assert "one hop per step" in result["summary"]


def test_influence_is_the_derivative_a_finite_difference_measures():
    from tutor.engine.experiments.beyond.message_passing import GatedGraph, make_graph

    adjacency, n, _ = make_graph("ring", 6)
    layer = GatedGraph(4, seed=3)
    rng = np.random.default_rng(0)
    h = rng.normal(0, 0.5, (n, 4))
    d = np.zeros((n, 4))
    d[0] = rng.standard_normal(4)
    eps = 1e-6
    plus, minus, tangent = h + eps * d, h - eps * d, d
    for _ in range(3):
        h, tangent = layer.step(adjacency, h, tangent)
        plus, _ = layer.step(adjacency, plus)
        minus, _ = layer.step(adjacency, minus)
    assert np.allclose((plus - minus) / (2 * eps), tangent, atol=1e-8)


def test_message_passing_clamps_what_the_graph_cannot_hold():
    result = run("message-passing", graph="grid", nodes=20, source=30, steps=2)
    assert result["nodes"] == 16 and result["source"] == 15
    assert result["set_params"] == {"nodes": 16, "source": 15}
    # a corner of a 4 × 4 grid: 1 + 2 + 3 nodes within 2 hops, the opposite corner 6 hops away
    assert "6 of 16 nodes had heard from node 15; 10 lie more than 2 hops away (the farthest is 6 hops away)" \
        in result["summary"]


def test_message_passing_stops_when_cancelled():
    from tutor.engine.experiment import Cancelled

    with pytest.raises(Cancelled):
        registry.run("message-passing", {}, RunContext(is_cancelled=lambda: True))


def test_message_passing_refuses_a_graph_it_does_not_know():
    with pytest.raises(ParamError):
        registry.get("message-passing").validate({"graph": "tree"})


def test_a_source_past_the_last_node_is_said_not_changed_silently():
    from tutor.engine import registry
    from tutor.engine.experiment import RunContext

    result = registry.run("message-passing", {"graph": "star", "nodes": 5, "source": 30}, RunContext())
    assert result["source"] == 4 and result["set_params"] == {"source": 4}
    assert "Source 30 is past the last node, 4: node 4 was used." in result["summary"]
