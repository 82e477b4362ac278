"""Which posts use a tag: the one definition every campaign figure is built on, and the tables
every campaign query is written over.

A post *uses* tag T when its own hashtags carry T (keys are normalised: NFKC + casefold, see
:func:`hashtide.model.normalise_tag`), or when it is a repost whose reposted post (``parent_id``
on the same platform) carries T -- so Bluesky reposts and Mastodon boosts, which carry no text of
their own, count through their subject. The window (``since`` / ``until``) applies to the using
post's own time; the subject of a repost may lie before it.

Every query is an Ibis expression over *unbound* tables (:data:`POSTS`, :data:`USERS`,
:data:`ARGS` and the campaign's materialised tables): the tag and the window are not literals in
the query but the one row of :data:`ARGS`, read through scalar subqueries. So each query is built
and compiled once per process and dialect (:mod:`hashtide.campaign.queries`), whatever the tag,
and the same SQL runs on DuckDB and, through Ibis' pyspark compiler, on Spark.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from hashtide.model import HASHTAG_GRAMMAR, POST_SCHEMA, USER_SCHEMA, normalise_tag

# The columns the analyses read; ``text`` and engagement counters stay in the store.
USE_COLUMNS = (
    "platform", "post_id", "created_at", "author_id", "author_handle", "author_followers",
    "lang", "country", "hashtags", "hashtag_forms", "kind", "parent_id", "parent_author_id",
)

ARGS_SCHEMA = pa.schema([
    ("key", pa.string()), ("since", pa.timestamp("us", tz="UTC")), ("until", pa.timestamp("us", tz="UTC")),
    ("min_cooccurrence", pa.int64()),
])

POSTS = ibis.table(ibis.Schema.from_pyarrow(POST_SCHEMA), name="posts")
USERS = ibis.table(ibis.Schema.from_pyarrow(USER_SCHEMA), name="users")
ARGS = ibis.table(ibis.Schema.from_pyarrow(ARGS_SCHEMA), name="hashtide_campaign_args")


def tag_key(tag: str) -> str:
    """The normalised key of ``tag`` ('#MeToo' -> 'metoo'); ValueError for a non-tag.

    >>> tag_key("#MeToo"), tag_key("＃ＭｅＴｏｏ")
    ('metoo', 'metoo')
    """
    key = normalise_tag(tag)
    if key is None:
        raise ValueError(f"{tag!r} is not a hashtag ({HASHTAG_GRAMMAR})")
    return key


def args_row(key: str, since: dt.datetime | None, until: dt.datetime | None, min_cooccurrence: int) -> pa.Table:
    """The one row of :data:`ARGS` for a campaign."""
    return pa.table({"key": [key], "since": [_utc(since)], "until": [_utc(until)],
                     "min_cooccurrence": [min_cooccurrence]}, schema=ARGS_SCHEMA)


def the_key() -> ir.StringScalar:
    return ARGS.key.as_scalar()


def carrying(posts: ir.Table, key) -> ir.Table:
    """Posts whose own hashtags carry ``key``."""
    return posts.filter(posts.hashtags.contains(key).fill_null(False))


def window(table: ir.Table) -> ir.Table:
    """Rows with ``since <= created_at < until`` (either bound may be open, i.e. null). A post
    whose time is unknown (an id older than 2010 collected without ``created_at``) is in no
    window: it cannot be placed on a timeline, nor before or after another."""
    since, until = ARGS.since.as_scalar(), ARGS.until.as_scalar()
    return table.filter(table.created_at.notnull(), since.isnull() | (table.created_at >= since),
                        until.isnull() | (table.created_at < until))


def windowed_posts() -> ir.Table:
    return window(POSTS)


def using(posts: ir.Table = POSTS) -> ir.Table:
    """Posts using the key of :data:`ARGS` (own tags, or a repost of a post carrying it), within
    the window. Columns: :data:`USE_COLUMNS` plus ``via_subject`` (true when only the reposted
    post carries the tag)."""
    key = the_key()
    own = carrying(posts, key)
    subjects = own.select(s_platform=own.platform, s_post_id=own.post_id)
    reposts = posts.filter(posts.kind == "repost", ~posts.hashtags.contains(key).fill_null(False))
    through = reposts.semi_join(
        subjects, [reposts.platform == subjects.s_platform, reposts.parent_id == subjects.s_post_id]
    )
    own = own.select(*USE_COLUMNS, via_subject=ibis.literal(False))
    # a semi-join loses NOT NULL on the key columns: align the schemas for the union
    uses = own.union(through.select(*USE_COLUMNS, via_subject=ibis.literal(True)).cast(own.schema()))
    return window(uses)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)
