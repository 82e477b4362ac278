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

import ibis
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


def numbered(edges: ir.Table) -> ir.Table:
    """``edges`` with their accounts numbered for the graph algorithm: ``source_n`` and
    ``target_n`` count from 0 in the order of (platform, account), so ties in a ranking break by
    name. Numbered by the engine, on every core: on 2.1 M edges between 1.4 M accounts, 1.2 s
    where hashing and sorting the names in Arrow took 3.6 s. ``edges`` is read three times: pass
    a table (the campaign's materialised edges), not a query to recompute."""
    ends = edges.select("platform", account=edges.source).union(
        edges.select("platform", account=edges.target), distinct=True)
    names = ends.mutate(n=ibis.row_number().over(order_by=[ends.platform, ends.account]))
    s = names.select(s_platform="platform", s_account="account", source_n="n")
    t = names.select(t_platform="platform", t_account="account", target_n="n")
    joined = edges.join(s, [edges.platform == s.s_platform, edges.source == s.s_account])
    joined = joined.join(t, [joined.platform == t.t_platform, joined.target == t.t_account])
    return joined.select(*edges.columns, "source_n", "target_n")


def pagerank(edges: pa.Table) -> pa.Table:
    """PageRank of every account in ``edges`` (:func:`numbered`): (platform, author_id, pagerank),
    best first (ties by platform and id)."""
    if edges.num_rows == 0:
        return pa.table({"platform": pa.array([], pa.string()), "author_id": pa.array([], pa.string()),
                         "pagerank": pa.array([], pa.float64())})
    ends = np.concatenate([edges["source_n"].to_numpy(), edges["target_n"].to_numpy()]).astype(np.int64)
    accounts = int(ends.max()) + 1
    graph = ig.Graph(n=accounts, directed=True)
    graph.add_edges(np.column_stack(np.split(ends, 2)))  # an array: 3x faster than Graph(edges=list)
    graph.es["weight"] = edges["weight"].to_numpy().astype(float)
    rank = np.round(np.asarray(graph.pagerank(weights="weight", directed=True)), 9)
    row_of = np.empty(accounts, np.int64)  # a row naming each account
    row_of[ends] = np.arange(len(ends))
    row_of = pa.array(row_of)
    names = pa.table({
        "platform": pa.chunked_array(edges["platform"].chunks * 2).take(row_of),
        "author_id": pa.chunked_array(edges["source"].chunks + edges["target"].chunks).take(row_of),
        "pagerank": rank,
    })
    return names.take(pa.array(np.lexsort((np.arange(accounts), -rank))))


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


def ranking(tree_table: pa.Table, ranks: pa.Table, authors, top: int = 10) -> list[dict]:
    """The union of the ``top`` accounts of both rankings (cascades triggered, from
    ``tree_table``; PageRank, ``ranks`` from :func:`pagerank`), each with both ranks.

    ``authors(keys)`` gives (platform, author_id, author_handle, followers) of the accounts
    ``keys`` ("platform\\x1fauthor_id"), for accounts that only appear as reposted targets. Only the chosen accounts become Python objects: the rankings
    themselves stay Arrow, however many accounts there are.
    """
    cascades = by_cascades(tree_table)
    c_keys = _keys(cascades)
    r_keys = _keys(ranks)
    chosen = pa.concat_arrays([c_keys.slice(0, top), r_keys.slice(0, top)]).unique()
    c_at, r_at = _positions(chosen, c_keys), _positions(chosen, r_keys)
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


def _positions(chosen: pa.Array, keys: pa.Array) -> list[int | None]:
    """Where each of the few ``chosen`` keys first sits in ``keys`` (None if absent): a scan of the
    millions of ``keys`` against the few, not a hash table of the millions (0.7 s at 1.4 M)."""
    hits = np.flatnonzero(pc.is_in(keys, value_set=chosen).to_numpy(zero_copy_only=False))
    at = pc.index_in(keys.take(pa.array(hits, pa.int64())), value_set=chosen).to_pylist()
    first: dict[int, int] = {}
    for position, i in zip(hits.tolist(), at):
        first.setdefault(i, position)
    return [first.get(i) for i in range(len(chosen))]
