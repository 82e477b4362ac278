"""What a corpus holds, at a glance: the figures of ``hashtide info``."""

from __future__ import annotations

from typing import Any

from hashtide.corpus import Corpus
from hashtide.model import to_datetime


def top_hashtags(corpus: Corpus, limit: int = 10) -> list[dict[str, Any]]:
    """The most used tags, each in its most frequent display form, with posts using it."""
    rows = corpus.con.execute(
        """
        with uses as (
            select unnest(hashtags) as tag, unnest(hashtag_forms) as form from posts
        ), forms as (
            select tag, form, count(*) as n from uses group by tag, form
        )
        select tag, arg_max(form, n order by n, form desc) as shown, sum(n)::bigint as posts
        from forms group by tag order by posts desc, tag limit ?
        """,
        [limit],
    ).fetchall()
    # a post written through the Python API may carry keys without their display forms
    return [{"tag": "#" + (shown or tag), "key": tag, "posts": posts} for tag, shown, posts in rows]


def summary(corpus: Corpus, top: int = 10) -> dict[str, Any]:
    """Posts in total, by platform and kind, the time range (and posts with no time), top tags,
    quarantine by reason."""
    con = corpus.con
    posts, top_level, first, last, dated = con.execute(
        "select count(*), count(*) filter (where top_level), "
        "epoch_us(min(created_at)), epoch_us(max(created_at)), count(created_at) from posts"
    ).fetchall()[0]
    by = lambda column: dict(  # noqa: E731
        con.execute(f"select {column}, count(*) from posts group by 1 order by 2 desc, 1").fetchall()
    )
    by_platform_kind: dict[str, dict[str, int]] = {}
    for platform, kind, n in con.execute(
        "select platform, kind, count(*) from posts group by 1, 2 order by 1, 2"
    ).fetchall():
        by_platform_kind.setdefault(platform, {})[kind] = n
    quarantine = dict(
        con.execute(
            "select split_part(split_part(reason, ' (', 1), ': ', 1) as r, count(*) "
            "from quarantine group by r order by 2 desc, 1"
        ).fetchall()
    )
    iso = lambda us: None if us is None else to_datetime(us).isoformat().replace("+00:00", "Z")  # noqa: E731
    return {
        "corpus": corpus.path,
        "posts": posts,
        "top_level": top_level,
        "referenced": posts - top_level,
        "platforms": by("platform"),
        "kinds": by("kind"),
        "platform_kinds": by_platform_kind,
        "first_post": iso(first),
        "last_post": iso(last),
        "undated": posts - dated,  # no time known: in no campaign, trend or window
        "users": con.execute("select count(*) from users").fetchall()[0][0],
        "top_hashtags": top_hashtags(corpus, top),
        "quarantined": sum(quarantine.values()),
        "quarantine_by_reason": quarantine,
        "ingests": con.execute("select count(*) from ingest_log").fetchall()[0][0],
    }
