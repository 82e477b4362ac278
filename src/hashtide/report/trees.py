"""A radial tree layout for drawing cascades: the root at the centre, each level on a ring.

Leaves are spread evenly around the circle in depth-first order and each inner node sits at the
middle of the angles of its first and last leaf (the classic radial layout of Eades, "Drawing
free trees", Bulletin of the Institute for Combinatorics and its Applications 1992, with equal
leaf wedges). A star becomes a ring around its root, a chain a spoke. Trees drawn here are a few
hundred nodes, so plain Python is enough.

>>> xs, ys = radial_layout([-1, 0, 0])
>>> [round(v, 3) for v in xs], [round(v, 3) for v in ys]
([0.0, 1.0, -1.0], [0.0, 0.0, 0.0])
"""

from __future__ import annotations

import math


def radial_layout(parents: list[int]) -> tuple[list[float], list[float]]:
    """Coordinates for nodes given by parent index (-1 for the root); a parent precedes its
    children. Radius = depth."""
    n = len(parents)
    children: list[list[int]] = [[] for _ in range(n)]
    depth = [0] * n
    for node, parent in enumerate(parents):
        if parent >= 0:
            children[parent].append(node)
            depth[node] = depth[parent] + 1
    order = _depth_first(children, [i for i, p in enumerate(parents) if p < 0])
    leaves = [node for node in order if not children[node]]
    slot = {node: i for i, node in enumerate(leaves)}
    angle = [0.0] * n
    step = 2 * math.pi / max(len(leaves), 1)
    for node in reversed(order):  # children before their parents
        if children[node]:
            angle[node] = (angle[children[node][0]] + angle[children[node][-1]]) / 2
        else:
            angle[node] = slot[node] * step
    xs = [depth[i] * math.cos(angle[i]) for i in range(n)]
    ys = [depth[i] * math.sin(angle[i]) for i in range(n)]
    return [x + 0.0 for x in xs], [y + 0.0 for y in ys]


def _depth_first(children: list[list[int]], roots: list[int]) -> list[int]:
    order, stack = [], list(reversed(roots))
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(children[node]))
    return order
