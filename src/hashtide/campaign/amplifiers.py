"""Amplifiers: the accounts that carried a campaign.

Two rankings, side by side:

- *cascades triggered*: per account, the cascades (trees of >= 2 posts, see
  :mod:`hashtide.campaign.cascades`) whose root it wrote, and the posts in them;
- *PageRank* (Brin & Page 1998; igraph's PRPACK, damping 0.85) on the weighted, directed account
  graph where each repost, reply or quote using the tag is an edge from its author to the author
  of the post it answers -- attention flows to the account that is reposted or answered.
  Self-edges (threads, self-reposts) are left out.

Where Ibis can say it (the edge list) it does; the graph algorithm runs in igraph on the small
aggregated edge list.
"""

from __future__ import annotations

import igraph as ig
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ibis.expr.types as ir

ENGAGING_KINDS = ("repost", "reply", "quote")


def account_edges(u: ir.Table, posts: ir.Table) -> ir.Table:
    """(platform, source, target, weight, first, last): who reposted/answered whom, how often
    (in no particular order).

    The target is ``parent_author_id`` where the format gives it, else the author of the parent
    post found in the corpus.
    """
    u = u.filter(u.kind.isin(ENGAGING_KINDS))
    given = u.filter(u.parent_author_id.notnull())
    given = given.select("platform", "created_at", source=given.author_id, target=given.parent_author_id)
    # only posts whose format names no parent author look their parent up (a join on all posts)
    missing = u.filter(u.parent_author_id.isnull())
    p = posts.select(p_platform="platform", p_post_id="post_id", p_author="author_id")
    joined = missing.left_join(p, [missing.platform == p.p_platform, missing.parent_id == p.p_post_id])
    looked_up = joined.select("platform", "created_at", source=joined.author_id, target=joined.p_author)
    edges = given.union(looked_up.cast(given.schema()))
    edges = edges.filter(edges.source.notnull() & edges.target.notnull() & (edges.source != edges.target))
    return (
        edges.group_by(["platform", "source", "target"])
        .aggregate(weight=edges.count(), first=edges.created_at.min(), last=edges.created_at.max())
    )  # unordered: sorting millions of string triples costs more than everything done with them


def pagerank(edges: pa.Table) -> pa.Table:
    """PageRank of every account in ``edges``: (platform, author_id, pagerank), best first
    (ties by platform and id)."""
    if edges.num_rows == 0:
        return pa.table({"platform": pa.array([], pa.string()), "author_id": pa.array([], pa.string()),
                         "pagerank": pa.array([], pa.float64())})
    src = pc.binary_join_element_wise(edges["platform"], edges["source"], "\x1f").combine_chunks()
    dst = pc.binary_join_element_wise(edges["platform"], edges["target"], "\x1f").combine_chunks()
    # one hashing pass numbers the accounts; renumbered in sorted order so ties break by name
    encoded = pa.concat_arrays([src, dst]).dictionary_encode()
    first_seen_names = encoded.dictionary
    order = pc.sort_indices(first_seen_names).to_numpy()
    renumber = np.empty(len(order), dtype=np.int64)
    renumber[order] = np.arange(len(order))
    names = first_seen_names.take(pa.array(order))
    ends = renumber[encoded.indices.to_numpy()]
    s, d = ends[: len(src)], ends[len(src):]
    graph = ig.Graph(n=len(names), edges=np.column_stack([s, d]).tolist(), directed=True)  # lists: 5x faster than arrays
    rank = np.asarray(graph.pagerank(weights=edges["weight"].to_numpy().astype(float).tolist(), directed=True))
    split = pc.split_pattern(names, "\x1f", max_splits=1)
    table = pa.table({
        "platform": pc.list_element(split, 0),
        "author_id": pc.list_element(split, 1),
        "pagerank": pa.array(np.round(rank, 9)),
    })
    order = np.lexsort((np.arange(len(names)), -table["pagerank"].to_numpy()))
    return table.take(pa.array(order))


def by_cascades(tree_table: pa.Table) -> pa.Table:
    """Per root author: cascades triggered (>= 2 posts) and the posts in them, best first."""
    cascading = tree_table.filter(pc.greater_equal(tree_table["size"], 2))
    grouped = cascading.group_by(["platform", "author_id"], use_threads=False).aggregate(
        [("size", "count"), ("size", "sum"), ("size", "max"), ("author_followers", "max"), ("author_handle", "max")]
    )
    grouped = grouped.rename_columns(["platform", "author_id", "cascades", "cascade_posts", "largest_cascade",
                                      "followers", "author_handle"])
    return grouped.sort_by([("cascade_posts", "descending"), ("cascades", "descending"),
                            ("platform", "ascending"), ("author_id", "ascending")])


def ranking(tree_table: pa.Table, edges: pa.Table, authors, top: int = 10) -> list[dict]:
    """The union of the ``top`` accounts of both rankings, each with both ranks.

    ``authors(keys)`` gives (platform, author_id, author_handle, followers) of the accounts
    ``keys`` ("platform\\x1fauthor_id"), for accounts that only appear as reposted targets. Only the chosen accounts become Python objects: the rankings
    themselves stay Arrow, however many accounts there are.
    """
    cascades = by_cascades(tree_table)
    ranks = pagerank(edges)
    c_keys = _keys(cascades)
    r_keys = _keys(ranks)
    chosen = pa.concat_arrays([c_keys.slice(0, top), r_keys.slice(0, top)]).unique()
    c_at = pc.index_in(chosen, value_set=c_keys).to_pylist()
    r_at = pc.index_in(chosen, value_set=r_keys).to_pylist()
    known = authors(chosen.to_pylist())
    known = {(r["platform"], r["author_id"]): r for r in known.to_pylist()}
    c_rows = cascades.take(pa.array([i for i in c_at if i is not None], pa.int64())).to_pylist()
    c_rows = dict(zip([i for i in c_at if i is not None], c_rows))
    out = []
    for key, ci, ri in zip(chosen.to_pylist(), c_at, r_at):
        platform, author = key.split("\x1f", 1)
        if ci is not None:
            row = {**c_rows[ci], "rank_cascades": ci + 1}
        else:
            row = {"platform": platform, "author_id": author, "cascades": 0, "cascade_posts": 0,
                   "largest_cascade": 0, "rank_cascades": None, "followers": None, "author_handle": None}
        info = known.get((platform, author), {})
        if row.get("followers") is None:
            row["followers"] = info.get("followers")
        if row.get("author_handle") is None:
            row["author_handle"] = info.get("author_handle")
        row["rank_pagerank"] = None if ri is None else ri + 1
        row["pagerank"] = 0.0 if ri is None else ranks["pagerank"][ri].as_py()
        out.append(row)
    big = cascades.num_rows + ranks.num_rows + 1
    out.sort(key=lambda r: (min(r["rank_cascades"] or big, r["rank_pagerank"] or big),
                            r["rank_cascades"] or big, r["platform"], r["author_id"]))
    return out


def _keys(table: pa.Table) -> pa.Array:
    return pc.binary_join_element_wise(table["platform"], table["author_id"], "\x1f").combine_chunks()
