"""A straightforward recount of a campaign from ingested posts (DuckDB over the corpus), to hold
the simulator's truth against: the same definitions, computed the plain way."""

from __future__ import annotations

from typing import Any

from hashtide.simulate.truth import iso

USES = """
create or replace temp table uses as
select p.platform, p.post_id, p.author_id, p.kind, p.country, p.lang, p.parent_id,
       epoch_ms(p.created_at) as ms
from posts p
left join posts q on p.kind = 'repost' and q.platform = p.platform and q.post_id = p.parent_id
where p.top_level and (list_contains(p.hashtags, $key) or (p.kind = 'repost' and list_contains(q.hashtags, $key)))
"""


def recount(con, key: str) -> dict[str, Any]:
    """The truth entry's counts for the tag ``key``, recomputed from the ``posts`` table."""
    con.execute(USES, {"key": key})
    one = lambda sql, *a: con.execute(sql, list(a)).fetchone()  # noqa: E731
    posts, authors = one("select count(*), count(distinct platform || ':' || author_id) from uses")
    if not posts:
        return {"posts": 0}
    first_ms = one("select min(ms) from uses")[0]
    origins = con.execute("select platform, post_id, author_id from uses where ms = ?", [first_ms]).fetchall()
    origin_platform, origin_id, origin_author = origins[0]
    by_kind = dict(con.execute("select kind, count(*) from uses group by kind").fetchall())

    def tally(column: str) -> dict:
        rows = con.execute(f"select {column}, count(*), count(distinct platform || ':' || author_id), min(ms) "
                           f"from uses where {column} is not null group by {column}").fetchall()
        return {name: {"posts": n, "authors": a, "first_seen": iso(ms)} for name, n, a, ms in rows}

    def children(kind: str) -> int:
        return one("select count(*) from posts where top_level and kind = ? and platform = ? and parent_id = ?",
                   kind, origin_platform, origin_id)[0]

    return {
        "posts": posts,
        "origin_candidates": len(origins),
        "origin": {"platform": origin_platform, "post_id": origin_id, "created_at": iso(first_ms), "author_id": origin_author},
        "by_kind": {k: by_kind.get(k, 0) for k in ("original", "repost", "reply", "quote")},
        "distinct_authors": authors,
        "replies_to_origin": children("reply"),
        "reposts_of_origin": children("repost"),
        "platforms": tally("platform"),
        "countries": tally("country"),
        "languages": tally("lang"),
    }


def cooccurrence(con, key_a: str, key_b: str) -> int:
    """Posts using both tags."""
    con.execute(USES, {"key": key_a})
    con.execute("create or replace temp table uses_a as select platform, post_id from uses")
    con.execute(USES, {"key": key_b})
    return con.execute("select count(*) from uses join uses_a using (platform, post_id)").fetchone()[0]
