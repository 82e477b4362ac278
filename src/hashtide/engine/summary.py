"""What a corpus holds, at a glance (``hashtide info``), written once in Ibis for both engines.

Gives the dict of :func:`hashtide.corpus.summary.summary` (DuckDB SQL) on DuckDB and on Spark;
the differential test checks the two engines agree, and that on DuckDB this equals the SQL one.
"""

from __future__ import annotations

from typing import Any

import ibis

from hashtide.model import micros

# The reason without its particulars (what :func:`hashtide.ingest.pipeline.reason_class` does):
# the text before the first " (" or ": ".
_REASON_CLASS = r"^(.*?)( \(|: |$)"


def _rows(expr) -> list[dict[str, Any]]:
    return expr.to_pyarrow().to_pylist()


def _counts(table, *columns: str, order_by_count: bool = True) -> list[dict[str, Any]]:
    grouped = table.group_by(list(columns)).aggregate(n=table.count())
    order = [ibis.desc("n"), *columns] if order_by_count else [*columns]
    return _rows(grouped.order_by(order))


def top_hashtags(posts, limit: int = 10) -> list[dict[str, Any]]:
    """The most used tags, each in its most frequent display form (ties: the greatest form in
    code-point order, as the DuckDB SQL of :func:`hashtide.corpus.summary.top_hashtags` gives)."""
    pairs = posts.select(pair=posts.hashtags.zip(posts.hashtag_forms).unnest())
    uses = pairs.select(tag=pairs.pair.f1, form=pairs.pair.f2)
    forms = uses.group_by(["tag", "form"]).aggregate(n=uses.count())
    first = ibis.row_number().over(group_by=forms.tag, order_by=[ibis.desc(forms.n), ibis.desc(forms.form)])
    ranked = forms.mutate(rank=first, total=forms.n.sum().over(group_by=forms.tag))
    top = ranked.filter(ranked.rank == 0).order_by([ibis.desc("total"), "tag"]).limit(limit)
    return [{"tag": "#" + (r["form"] or r["tag"]), "key": r["tag"], "posts": r["total"]} for r in _rows(top)]


def _iso(moment) -> str | None:
    if moment is None:
        return None
    from hashtide.model import to_datetime

    return to_datetime(micros(moment)).isoformat().replace("+00:00", "Z")


def summary(engine, top: int = 10) -> dict[str, Any]:
    """Posts in total, by platform and kind, the time range, top tags, quarantine by reason."""
    posts = engine.posts()
    totals = _rows(posts.aggregate(
        posts=posts.count(), top_level=posts.count(where=posts.top_level),
        first=posts.created_at.min(), last=posts.created_at.max(), dated=posts.created_at.count(),
    ))[0]
    platform_kinds: dict[str, dict[str, int]] = {}
    for row in _counts(posts, "platform", "kind", order_by_count=False):
        platform_kinds.setdefault(row["platform"], {})[row["kind"]] = row["n"]
    rejected = engine.quarantine()
    classed = rejected.select(reason=rejected.reason.re_extract(_REASON_CLASS, 1))
    quarantine = {r["reason"]: r["n"] for r in _counts(classed, "reason")}
    users = engine.users()
    return {
        "corpus": engine.path,
        "posts": totals["posts"],
        "top_level": totals["top_level"],
        "referenced": totals["posts"] - totals["top_level"],
        "platforms": {r["platform"]: r["n"] for r in _counts(posts, "platform")},
        "kinds": {r["kind"]: r["n"] for r in _counts(posts, "kind")},
        "platform_kinds": platform_kinds,
        "first_post": _iso(totals["first"]),
        "last_post": _iso(totals["last"]),
        "undated": totals["posts"] - totals["dated"],
        "users": _rows(users.aggregate(n=users.count()))[0]["n"],
        "top_hashtags": top_hashtags(posts, top),
        "quarantined": sum(quarantine.values()),
        "quarantine_by_reason": quarantine,
        "ingests": engine.ingests(),
    }
