"""Lesson 8's message-passing lab (NumPy only):

- ``message-passing``: the gated graph neural network of Li, Tarlow, Brockschmidt & Zemel (2016) on a small
  graph — every node's state updated by a GRU step from the sum of its neighbours' messages — and how far the
  source node's initial state has spread after each step, measured by perturbing it.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from tutor.engine.experiment import SEED, Param, RunContext, figure, series, step_grid
from tutor.engine.registry import experiment

GRAPHS = ("path", "ring", "star", "grid")


def make_graph(kind: str, nodes: int) -> tuple[Any, int, list[str]]:
    """(adjacency (n, n) of 0/1, the number of nodes used, the graph drawn as text lines with node numbers).

    ``path``: 0 — 1 — … — n−1; ``ring``: the path closed into a loop; ``star``: node 0 joined to every
    other; ``grid``: a side × side lattice, side = round(√nodes), numbered row by row (so the grid may use
    a different number of nodes than asked). A long path or ring is broken after a dash, never before one."""
    import numpy as np

    if kind == "grid":
        side = max(2, round(nodes ** 0.5))
        n = side * side
        edges = [(r * side + c, r * side + c + 1) for r in range(side) for c in range(side - 1)]
        edges += [(r * side + c, (r + 1) * side + c) for r in range(side - 1) for c in range(side)]
        picture = [" ".join(f"{r * side + c:>3}" for c in range(side)) for r in range(side)]
    else:
        n = nodes
        if kind == "star":
            edges = [(0, v) for v in range(1, n)]
            picture = [f"0 joined to each of 1..{n - 1}"]
        else:
            edges = [(v, v + 1) for v in range(n - 1)] + ([(n - 1, 0)] if kind == "ring" and n > 2 else [])
            picture = _joined([str(v) for v in range(n)] + (["(back to 0)"] if kind == "ring" else []), " — ")
    adjacency = np.zeros((n, n))
    for a, b in edges:
        adjacency[a, b] = adjacency[b, a] = 1.0  # undirected: a message travels each edge both ways
    return adjacency, n, picture


def hop_distances(adjacency: Any, source: int) -> list[int | None]:
    """Breadth-first distance of every node from ``source`` (None if it cannot be reached)."""
    distance: list[int | None] = [None] * len(adjacency)
    distance[source] = 0
    frontier, hops = [source], 0
    while frontier:
        hops += 1
        nxt = []
        for u in frontier:
            for v in map(int, adjacency[u].nonzero()[0]):
                if distance[v] is None:
                    distance[v] = hops
                    nxt.append(v)
        frontier = nxt
    return distance


class GatedGraph:
    """One gated-graph layer: messages m_v = Σ_{u ∈ N(v)} h_u W_msg + b_msg, then h_v ← GRU(m_v, h_v) for
    every node at once, with the same weights at every node and every step (as an RNN shares them across
    time). The GRU uses Keras's layout and gate convention (h = z ⊙ h_prev + (1 − z) ⊙ h̃, ``reset_after``);
    Li et al. write z for 1 − z, which is the same family of functions."""

    def __init__(self, units: int, seed: int) -> None:
        import numpy as np

        from tutor.engine.scratch import glorot_uniform, init_weights

        rng = np.random.default_rng(seed)
        self.message = glorot_uniform(units, units, rng)
        self.message_bias = np.zeros(units)
        self.kernel, self.recurrent, self.bias = init_weights("gru", units, units, rng)
        self.units = units

    def step(self, adjacency: Any, h: Any, dh: Any = None) -> tuple[Any, Any]:
        """One update of every node: (new states, and with ``dh`` the directional derivative of the new
        states along ``dh`` — forward mode, exact, so a node the change cannot have reached gets exactly 0)."""
        import numpy as np

        from tutor.engine.scratch import sigmoid

        u = self.units
        m = adjacency @ (h @ self.message) + self.message_bias  # row v sums the messages of v's neighbours
        xp = m @ self.kernel + self.bias[0]
        rec = h @ self.recurrent + self.bias[1]
        z = sigmoid(xp[:, :u] + rec[:, :u])
        r = sigmoid(xp[:, u: 2 * u] + rec[:, u: 2 * u])
        candidate = np.tanh(xp[:, 2 * u:] + r * rec[:, 2 * u:])
        new = z * h + (1.0 - z) * candidate
        if dh is None:
            return new, None
        dxp = (adjacency @ (dh @ self.message)) @ self.kernel
        drec = dh @ self.recurrent
        dz = z * (1.0 - z) * (dxp[:, :u] + drec[:, :u])
        dr = r * (1.0 - r) * (dxp[:, u: 2 * u] + drec[:, u: 2 * u])
        dcandidate = (1.0 - candidate ** 2) * (dxp[:, 2 * u:] + dr * rec[:, 2 * u:] + r * drec[:, 2 * u:])
        return new, dz * (h - candidate) + z * dh + (1.0 - z) * dcandidate


def _joined(items: list[str], joint: str = ", ", width: int = 68) -> list[str]:
    """``items`` joined by ``joint`` into lines of at most ``width`` characters, broken between items only: a
    line that breaks ends with the joint's mark ("," or " —"), so the next line starts with an item. Room for
    the mark is kept on every line (an item too long for a line of its own gets one anyway)."""
    mark = joint.rstrip()
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + len(joint) + len(item) + len(mark) <= width:
            lines[-1] += joint + item
        else:
            if lines:
                lines[-1] += mark
            lines.append(item)
    return lines


def _plural(count: int, word: str) -> str:
    """``word`` with an s unless ``count`` is 1 ("1 hop", "3 hops")."""
    return word if count == 1 else word + "s"


def _ordinal(k: int) -> str:
    return f"{k}{'nd' if k == 2 else 'rd' if k == 3 else 'th'}"  # k ≥ 2: every 2nd, 3rd, … 6th distance


def _cell(value: float) -> str:
    return "0" if value == 0 else f"{value:.0e}"


@experiment(
    "message-passing",
    "Message passing: how far the source's state has spread after each step",
    [
        Param("graph", "choice", "path", "the graph: path, ring, star or grid", choices=GRAPHS),
        Param("nodes", "int", 8, "nodes (a grid uses the nearest square, side × side)", 3, 36),
        Param("source", "int", 0, "the node whose initial state is perturbed", 0, 35),
        Param("steps", "int", 6, "message-passing steps (one GRU update of every node each)", 1, 30),
        Param("units", "int", 8, "state size of every node", 1, 64),
        SEED,
    ],
)
def message_passing(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    adjacency, n, picture = make_graph(p["graph"], p["nodes"])
    source = min(p["source"], n - 1)
    steps, units = p["steps"], p["units"]
    layer = GatedGraph(units, p["seed"])
    rng = np.random.default_rng(p["seed"] + 1)
    h = rng.normal(0.0, 0.5, (n, units))  # every node starts from a state of its own
    direction = np.zeros((n, units))
    direction[source] = rng.standard_normal(units)
    direction[source] /= np.linalg.norm(direction[source])

    # Influence of the source's initial state on node v after t steps: ‖∂h_v(t)/∂h_source(0) · d‖ along one
    # unit direction d, carried forward exactly with the states. A node that no path of ≤ t edges joins to
    # the source computes without the source's state at all, so its influence is exactly 0.
    influence = np.zeros((steps + 1, n))
    influence[0, source] = 1.0
    tangent = direction
    for t in range(1, steps + 1):
        ctx.check()
        h, tangent = layer.step(adjacency, h, tangent)
        influence[t] = np.linalg.norm(tangent, axis=1)

    distance = hop_distances(adjacency, source)
    first = [next((t for t in range(steps + 1) if influence[t, v] > 0), None) for v in range(n)]
    reached = [v for v in range(n) if first[v] is not None]
    matches = all(first[v] == distance[v] for v in reached) and \
        all(distance[v] is not None and distance[v] > steps for v in range(n) if first[v] is None)
    far = max(d for d in distance if d is not None)

    # The chart's lines: distances the steps reached (a farther one has nothing to draw), evenly spaced, at most
    # six (every distance up to 5, else every k-th from 0), and always the farthest reached: the legend read
    # 0, 1, 3, 4, 6 hops, and left out 7, which six steps cannot reach, without a word; and thinned to every
    # 2nd, a reach of 7 drew 0, 2, 4, 6, with the farthest the source got to drawn nowhere. Evenly spaced
    # up to reach − 1 gives at most five, so with the farthest there are still at most six.
    reach = min(steps, far)
    every = math.ceil(reach / 5) if reach > 5 else 1
    drawn = list(range(0, reach + 1, every))
    farthest_added = drawn[-1] != reach
    if farthest_added:
        drawn.append(reach)
    by_hops = []
    for d in drawn:
        mean = influence[:, [v for v in range(n) if distance[v] == d]].mean(axis=1)
        by_hops.append(series(f"{d} {_plural(d, 'hop')}", [y if y > 0 else float("nan") for y in mean]))
    # The title has about 66 columns at 80×24 (plotext drops a longer one): "path, 36 nodes, source 35:
    # influence, every 6th distance, and 29" is the longest; the legend's labels say the unit, hops.
    shown = "every distance in hops" if every == 1 else f"every {_ordinal(every)} distance" + \
        (f", and {reach}" if farthest_added else "")
    chart = figure(f"{p['graph']}, {n} nodes, source {source}: influence, {shown}",
                   by_hops, "after t steps", "mean influence", "log")
    at_distance = Counter(d for d in distance if d is not None)

    first_text = ["-" if f is None else str(f) for f in first]
    if p["graph"] == "grid":
        side = round(n ** 0.5)
        layout = [" ".join(f"{first_text[r * side + c]:>3}" for c in range(side)) for r in range(side)]
    else:
        layout = _joined([f"{v}:{first_text[v]}" for v in range(n)], "   ")  # node:steps pairs
    # Counted as the x axis counts, "after t steps" (0: the initial state), not as a step index: lessons 2, 3
    # and 7 call the first update step 0, so "node 1: step 1" would read as the second update.
    text = ["The graph (node numbers):", *picture, "",
            "Each line of the chart is the mean over the nodes at its distance:",
            *_joined([f"{line['label']}: {at_distance[d]} {_plural(at_distance[d], 'node')}"
                      for d, line in zip(drawn, by_hops)]), "",
            "After how many steps each node's state first depends on the source",
            f"('-': not within {steps} {_plural(steps, 'step')}):", *layout, "",
            "Influence on each node (rows) after each step (columns); 0 = exactly none:",
            *step_grid([(f"node {v}", influence[:, v].tolist()) for v in range(n)], 6, _cell)]

    untouched = n - len(reached)
    if matches:
        summary = (f"Each node's state first depended on the source after as many steps as it lies hops away: "
                   f"one hop per step. After {steps} {_plural(steps, 'step')}, {len(reached)} of {n} nodes "
                   f"had heard from node {source}")
        if untouched:  # "the farthest, 8" read as node 8; it is a distance
            summary += (f"; {untouched} {'lies' if untouched == 1 else 'lie'} more than {steps} "
                        f"{_plural(steps, 'hop')} away (the farthest is {far} {_plural(far, 'hop')} away).")
        else:
            summary += "."
    else:  # not expected for this layer; said plainly if it happens
        summary = (f"Some node's state first depended on the source after a number of steps other than its "
                   f"distance in hops (steps {first_text}, distances {distance}).")
    if n != p["nodes"]:
        summary += f" (A grid takes the nearest square: {n} nodes, not {p['nodes']}.)"
    if source != p["source"]:
        summary += f" (Source {p['source']} is past the last node, {n - 1}: node {source} was used.)"
    result: dict[str, Any] = {
        "graph": p["graph"],
        "nodes": n,
        "source": source,
        "distance": distance,
        "first_reached": first,
        "influence": influence.tolist(),
        "figure": chart,
        "text": "\n".join(text),
        "summary": summary,
    }
    changed = {k: v for k, v in (("nodes", n), ("source", source)) if v != p[k]}
    if changed:
        result["set_params"] = changed
    return result
