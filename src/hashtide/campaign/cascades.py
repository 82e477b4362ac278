"""Cascades: the trees that parent links draw among the posts using a tag.

Nodes are the posts using the tag; each post hangs under its parent (``parent_id`` on the same
platform: the replied-to, quoted or reposted post -- reposts attach to their subject) when the
parent uses the tag too. A post whose parent is absent or does not use the tag is a root. Edges
only ever point to an earlier post (by time, then post_id), so bad data cannot make a cycle.

Structural virality (Goel, Anderson, Hofman & Watts, "The Structural Virality of Online
Diffusion", Management Science 62(1), 2016) is the mean shortest-path distance over all pairs of
nodes of a tree of n >= 2 nodes. In a tree every edge (v, parent v) lies on the paths of exactly
s(v) * (n - s(v)) pairs, s(v) being the size of v's subtree, so the Wiener index is
W = sum_v s(v) (n - s(v)) and the virality is W / C(n, 2). This is O(n) over all trees at once
(vectorised with numpy by depth level), where igraph's all-pairs distances are O(n^2) per tree;
the tests check the two agree. A star of n nodes has virality 2(n-1)/n, a chain of n nodes (n+1)/3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NODE_COLUMNS = ("platform", "post_id", "parent_id", "created_at", "author_id", "author_handle",
                "author_followers", "kind")


@dataclass
class Forest:
    """Parent links as indices into ``nodes`` (chronological), with roots, depths and sizes."""

    nodes: pa.Table  # NODE_COLUMNS, in chronological order
    parent: np.ndarray  # int64, -1 for a root
    root: np.ndarray  # int64 index of each node's root
    depth: np.ndarray  # int64 distance to the root
    subtree: np.ndarray  # int64 size of the subtree under each node (itself included)


def forest(nodes: pa.Table) -> Forest:
    """The trees of ``nodes``, which must be sorted chronologically (time, post_id, platform)."""
    n = nodes.num_rows
    keys = pc.binary_join_element_wise(nodes["platform"], nodes["post_id"], "\x1f")
    parent_keys = pc.binary_join_element_wise(nodes["platform"], nodes["parent_id"], "\x1f")
    parent = pc.index_in(parent_keys, value_set=keys).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    parent[parent >= np.arange(n)] = -1  # a parent must come earlier: no cycles, no self-links
    root, depth = _roots_and_depths(parent)
    return Forest(nodes, parent, root, depth, _subtree_sizes(parent, depth))


def _roots_and_depths(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pointer jumping: O(n log depth) vectorised steps."""
    index = np.arange(len(parent))
    jump = np.where(parent < 0, index, parent)
    dist = (parent >= 0).astype(np.int64)
    while True:
        nxt = jump[jump]
        if np.array_equal(nxt, jump):
            return jump, dist
        dist = dist + dist[jump]
        jump = nxt


def _subtree_sizes(parent: np.ndarray, depth: np.ndarray) -> np.ndarray:
    size = np.ones(len(parent), dtype=np.int64)
    if len(parent) == 0:
        return size
    order = np.argsort(-depth, kind="stable")
    levels = np.split(order, np.flatnonzero(np.diff(depth[order])) + 1)
    for level in levels:  # deepest first: a level's sizes are final before they flow up
        level = level[parent[level] >= 0]
        np.add.at(size, parent[level], size[level])
    return size


def trees(f: Forest) -> pa.Table:
    """One row per tree: its root post, size, depth and structural virality (null for n = 1).

    Sorted by size (desc), then root time and post_id.
    """
    n = len(f.parent)
    roots = np.flatnonzero(f.parent < 0)
    slot = np.full(n, -1, dtype=np.int64)
    slot[roots] = np.arange(len(roots))
    tree_of = slot[f.root]
    size = np.bincount(tree_of, minlength=len(roots)).astype(np.int64)
    depth = np.zeros(len(roots), dtype=np.int64)
    np.maximum.at(depth, tree_of, f.depth)
    non_root = f.parent >= 0
    tree_n = size[tree_of[non_root]]
    s = f.subtree[non_root]
    wiener = np.bincount(tree_of[non_root], weights=(s * (tree_n - s)).astype(np.float64), minlength=len(roots))
    pairs = size * (size - 1) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        virality = np.where(size >= 2, wiener / pairs, np.nan)
    table = f.nodes.take(pa.array(roots)).select(
        ["platform", "post_id", "created_at", "author_id", "author_handle", "author_followers", "kind"]
    )
    table = table.append_column("size", pa.array(size)).append_column("depth", pa.array(depth))
    table = table.append_column("structural_virality", pa.array(virality, from_pandas=True))
    order = np.lexsort((np.arange(len(roots)), -size))  # roots are already chronological
    return table.take(pa.array(order))


def summary(tree_table: pa.Table, largest: int = 10) -> dict:
    """Counts and virality over cascades (trees of at least two posts), and the largest."""
    sizes = tree_table["size"].to_numpy()
    virality = tree_table["structural_virality"].to_numpy(zero_copy_only=False)
    cascading = sizes >= 2
    v = virality[cascading].astype(float)
    return {
        "count": int(cascading.sum()),
        "single_posts": int((~cascading).sum()),
        "posts_in_cascades": int(sizes[cascading].sum()),
        "largest_size": int(sizes.max()) if len(sizes) else 0,
        "max_depth": int(tree_table["depth"].to_numpy().max()) if len(sizes) else 0,
        "structural_virality": {
            "median": _round(float(np.median(v))) if len(v) else None,
            "mean": _round(float(v.mean())) if len(v) else None,
            "max": _round(float(v.max())) if len(v) else None,
        },
        "largest_rows": tree_table.slice(0, min(largest, int(cascading.sum()))),
    }


def _round(x: float) -> float:
    return round(x, 6)
