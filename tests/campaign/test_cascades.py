"""Cascade trees and structural virality against exact values and igraph's all-pairs distances."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pyarrow as pa
from hypothesis import given, settings, strategies as st

from hashtide.campaign.cascades import forest, summary, trees


def nodes_from_parents(parents: list[int | None], platform: str = "twitter") -> pa.Table:
    """Nodes 0..n-1 in chronological order; parents[i] is an earlier index or None."""
    n = len(parents)
    return pa.table({
        "platform": [platform] * n,
        "post_id": [f"p{i:05d}" for i in range(n)],
        "parent_id": [None if p is None else f"p{p:05d}" for p in parents],
        "created_at": pa.array(range(n), pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "author_id": [f"a{i}" for i in range(n)],
        "author_handle": [f"h{i}" for i in range(n)],
        "author_followers": pa.array([i for i in range(n)], pa.int64()),
        "kind": ["original" if p is None else "repost" for p in parents],
    })


def virality_by_igraph(parents: list[int | None]) -> float:
    n = len(parents)
    g = ig.Graph(n=n, edges=[(i, p) for i, p in enumerate(parents) if p is not None])
    d = np.array(g.distances())
    return d[np.triu_indices(n, 1)].mean()


def test_star_and_chain_exact():
    for n in (2, 3, 10, 57):
        star = trees(forest(nodes_from_parents([None] + [0] * (n - 1))))
        assert star["structural_virality"][0].as_py() == 2 * (n - 1) / n
        chain = trees(forest(nodes_from_parents([None] + list(range(n - 1)))))
        assert abs(chain["structural_virality"][0].as_py() - (n + 1) / 3) < 1e-12
        assert chain["depth"][0].as_py() == n - 1


def test_forest_of_several_trees():
    parents = [None, 0, 0, None, 3, None, 4]  # tree {0,1,2}, tree {3,4,6} (a chain), single 5
    t = trees(forest(nodes_from_parents(parents)))
    assert t["post_id"].to_pylist() == ["p00000", "p00003", "p00005"]  # size, then time
    assert t["size"].to_pylist() == [3, 3, 1]
    assert t["depth"].to_pylist() == [1, 2, 0]
    assert t["structural_virality"].to_pylist() == [4 / 3, 4 / 3, None]
    s = summary(t)
    assert (s["count"], s["single_posts"], s["posts_in_cascades"]) == (2, 1, 6)


def test_links_to_missing_or_later_posts_make_roots():
    nodes = nodes_from_parents([None, 0, 0])
    ids = nodes["parent_id"].to_pylist()
    ids[0] = "p00002"  # a cycle through bad data: the later parent is ignored
    ids[1] = "gone"  # parent not in the corpus
    nodes = nodes.set_column(2, "parent_id", pa.array(ids))
    f = forest(nodes)
    assert f.parent.tolist() == [-1, -1, 0]


def test_other_platform_is_not_a_parent():
    a = nodes_from_parents([None, 0])
    b = nodes_from_parents([None, 0], platform="bluesky")
    both = pa.concat_tables([a.slice(0, 1), b.slice(1, 1)])  # bluesky p00001 points at p00000
    assert forest(both).parent.tolist() == [-1, -1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=40))
def test_virality_equals_mean_pairwise_distance(draws):
    parents = [None] + [d % (i + 1) for i, d in enumerate(draws)]  # a random recursive tree
    t = trees(forest(nodes_from_parents(parents)))
    assert t.num_rows == 1
    assert abs(t["structural_virality"][0].as_py() - virality_by_igraph(parents)) < 1e-9
