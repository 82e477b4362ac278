"""PageRank of the account graph: numbered by the engine, ranked by igraph, ties broken by name."""

from __future__ import annotations

import igraph as ig
import pyarrow as pa
from hypothesis import given, settings, strategies as st

from hashtide.campaign import amplifiers as amp
from hashtide.campaign.story import Campaign

from campaign.campaign_worlds import T0


def _numbered(con, edges: pa.Table) -> pa.Table:
    import ibis

    expr = amp.numbered(ibis.table(ibis.Schema.from_pyarrow(edges.schema), name="e"))
    con.register("e", edges)
    return con.sql(str(ibis.to_sql(expr, dialect="duckdb"))).to_arrow_table()


def _edges(triples: list[tuple[str, str, str, int]]) -> pa.Table:
    platform, source, target, weight = (list(c) for c in zip(*triples))
    at = pa.array([T0] * len(triples), pa.timestamp("us", tz="UTC"))
    return pa.table({"platform": platform, "source": source, "target": target, "weight": pa.array(weight, pa.int64()),
                     "first": at, "last": at})


def _reference(edges: pa.Table) -> list[tuple[str, str, float]]:
    """igraph on the account names themselves, sorted by rank, then name."""
    rows = edges.to_pylist()
    names = sorted({(r["platform"], r["source"]) for r in rows} | {(r["platform"], r["target"]) for r in rows})
    index = {n: i for i, n in enumerate(names)}
    graph = ig.Graph(n=len(names), edges=[(index[(r["platform"], r["source"])], index[(r["platform"], r["target"])])
                                          for r in rows], directed=True)
    rank = graph.pagerank(weights=[float(r["weight"]) for r in rows], directed=True)
    return sorted(((p, a, round(x, 9)) for (p, a), x in zip(names, rank)), key=lambda t: (-t[2], t[0], t[1]))


def test_ties_break_by_platform_then_id(story):
    edges = _edges([("twitter", "b", "hub", 1), ("twitter", "a", "hub", 1), ("mastodon", "c", "hub", 2),
                    ("mastodon", "hub", "a", 1)])
    ranked = amp.pagerank(_numbered(story.con, edges))
    got = list(zip(*(ranked[c].to_pylist() for c in ("platform", "author_id", "pagerank"))))
    assert got == _reference(edges)
    assert [(p, a) for p, a, _ in got][-3:] == [("mastodon", "c"), ("twitter", "a"), ("twitter", "b")]  # tied


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["twitter", "bluesky"]), st.sampled_from("abcdefg"),
                          st.sampled_from("abcdefg"), st.integers(1, 5)), min_size=1, max_size=30,
                unique_by=lambda t: t[:3]))
def test_equals_igraph_on_names(triples):
    import duckdb

    edges = _edges(triples)
    ranked = amp.pagerank(_numbered(duckdb.connect(), edges))
    got = list(zip(*(ranked[c].to_pylist() for c in ("platform", "author_id", "pagerank"))))
    assert got == _reference(edges)


def test_campaign_pagerank_is_the_ranking_of_its_edges(story):
    with Campaign(story, "#MeToo", reveal_authors=True) as c:
        edges = c.account_edges
        ranked = c.pagerank
    got = list(zip(*(ranked[col].to_pylist() for col in ("platform", "author_id", "pagerank"))))
    assert got == _reference(edges)
    assert got[0][1] == "star"


def test_no_edges():
    assert amp.pagerank(_edges([("twitter", "a", "b", 1)]).slice(0, 0).append_column(
        "source_n", pa.array([], pa.int64())).append_column("target_n", pa.array([], pa.int64()))).num_rows == 0
