"""The plain facts of a campaign: origin, magnitude, timeline and spread, as Ibis expressions.

Every function takes tables -- ``u`` the posts using the tag (:func:`hashtide.campaign.usage.using`,
materialised once), ``authors`` their per-account summary (:func:`per_author`), ``posts`` the
corpus' posts in the window -- and returns an Ibis table expression; few queries, each answering
several figures, because every query has a fixed cost. Orders break ties by ``post_id`` (then
``platform``) so every result is deterministic.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

BUCKETS = {"minute": "m", "hour": "h", "day": "D"}
KINDS = ("original", "repost", "reply", "quote")
SPREAD_COLUMNS = {"platforms": "platform", "countries": "country", "languages": "lang"}
NODE_COLUMNS = ("platform", "post_id", "parent_id", "created_at", "author_id", "author_handle",
                "author_followers", "kind")


def chronological(table: ir.Table) -> ir.Table:
    return table.order_by([table.created_at, table.post_id, table.platform])


def author_key(table: ir.Table) -> ir.StringValue:
    """One value per account across platforms (platform and id)."""
    return table.platform.concat(":", table.author_id)


def count_rows(table: ir.Table) -> ir.Table:
    """One row, one column ``posts``: the rows of ``table``."""
    return table.aggregate(posts=table.count())


def collection_start(posts: ir.Table) -> ir.Table:
    """One row, ``collected_from``: the time of the first top-level post of ``posts`` (the whole
    corpus: the collection's start whatever the window; embedded copies may be far older)."""
    return posts.aggregate(collected_from=posts.created_at.min(where=posts.top_level))


def extent(windowed: ir.Table, posts: ir.Table) -> ir.Table:
    """One row: ``posts`` in the window, and ``collected_from`` (:func:`collection_start`)."""
    return windowed.aggregate(posts=windowed.count()).cross_join(collection_start(posts))


# -- origin ----------------------------------------------------------------------------------

def origin(u: ir.Table) -> ir.Table:
    """The first post using the tag (ties: smallest post_id)."""
    return chronological(u).limit(1)


def children_of_origin(u: ir.Table, posts: ir.Table, kind: str) -> ir.Table:
    """Posts of ``kind`` whose parent is the origin -- replies whether or not they carry the tag."""
    first = origin(u).select(o_platform="platform", o_post_id="post_id")
    p = posts.filter(posts.kind == kind)
    return p.semi_join(first, [p.platform == first.o_platform, p.parent_id == first.o_post_id])


def origin_with_children(u: ir.Table, posts: ir.Table) -> ir.Table:
    """The origin row, with ``replies_to_origin`` and ``reposts_of_origin`` (reposts of the
    origin all use the tag through their subject): one query, one scan of the posts."""
    first = origin(u)
    o = first.select(o_platform="platform", o_post_id="post_id")
    p = posts.filter(posts.kind.isin(["reply", "repost"]))
    children = p.semi_join(o, [p.platform == o.o_platform, p.parent_id == o.o_post_id])
    counts = children.aggregate(replies_to_origin=(children.kind == "reply").sum().fill_null(0).cast("int64"),
                                 reposts_of_origin=(children.kind == "repost").sum().fill_null(0).cast("int64"))
    return first.cross_join(counts)


# -- magnitude -------------------------------------------------------------------------------

def per_author(u: ir.Table) -> ir.Table:
    """Per account (platform, author_id): handle, most followers seen, posts by kind, first and
    last use. Materialised: magnitude, timeline, amplifiers and the network read it."""
    return u.group_by(["platform", "author_id"]).aggregate(
        author_handle=u.author_handle.max(),
        followers=u.author_followers.max(),
        posts=u.count(),
        first=u.created_at.min(),
        last=u.created_at.max(),
        **{kind: (u.kind == kind).sum().cast("int64") for kind in KINDS},
    )


def accounts(authors: ir.Table, wanted: ir.Table) -> ir.Table:
    """(platform, author_id, author_handle, followers) of the ``wanted`` accounts (column
    ``account``: platform and id joined by \\x1f)."""
    a = authors.mutate(account=authors.platform.concat("\x1f", authors.author_id))
    a = a.semi_join(wanted, a.account == wanted.account)
    return a.select("platform", "author_id", "author_handle", "followers")


def magnitude(authors: ir.Table) -> ir.Table:
    """One row: posts, posts by kind, distinct authors, reach, first and last use.

    Reach is the sum over distinct authors of the most followers seen for them: an upper bound
    of the accounts that could have seen a post (audiences overlap; followers are not viewers).
    """
    a = authors
    return a.aggregate(
        # DuckDB sums 64-bit integers into 128 bits: back to int64 (Arrow decimals otherwise)
        posts=a.posts.sum().cast("int64"),
        distinct_authors=a.author_id.count(),
        reach_upper_bound=a.followers.sum().cast("int64"),
        first_seen=a.first.min(),
        last_seen=a.last.max(),
        **{kind: a[kind].sum().cast("int64") for kind in KINDS},
    )


def by_kind(u: ir.Table) -> ir.Table:
    return u.group_by("kind").aggregate(posts=u.count()).order_by("kind")


# -- timeline --------------------------------------------------------------------------------

def timeline(u: ir.Table, authors: ir.Table, bucket: str = "hour") -> ir.Table:
    """Per bucket: posts, authors seen for the first time, and the cumulative posts."""
    unit = BUCKETS[bucket]
    posts = u.group_by(bucket=u.created_at.truncate(unit)).aggregate(posts=u.count())
    new = authors.group_by(bucket=authors.first.truncate(unit)).aggregate(new_authors=authors.count())
    joined = posts.left_join(new, "bucket").select(
        posts.bucket, posts.posts, new_authors=new.new_authors.fill_null(0)
    )
    cumulative = ibis.window(order_by=joined.bucket, preceding=None, following=0)
    return joined.mutate(cumulative_posts=joined.posts.sum().over(cumulative).cast("int64")).order_by("bucket")


def peak(t: ir.Table) -> ir.Table:
    """The bucket of timeline ``t`` with the most posts (ties: the earliest)."""
    return t.order_by([ibis.desc(t.posts), t.bucket]).limit(1).select("bucket", "posts")


# -- spread ----------------------------------------------------------------------------------

def spread_of(u: ir.Table, dimension: str) -> ir.Table:
    """Per value of a dimension (platforms, countries, languages): posts, distinct authors,
    first seen. Countries come only from the posts' own place/geo (the ``country`` column);
    rows with no value are left out."""
    column = SPREAD_COLUMNS[dimension]
    v = u.filter(u[column].notnull())
    return (
        v.group_by(name=v[column].cast("string"))  # nullable: the dimensions' unions line up
        .aggregate(posts=v.count(), authors=author_key(v).nunique(), first_seen=v.created_at.min())
        .order_by([ibis.desc("posts"), "name"])
    )


def spread(u: ir.Table) -> ir.Table:
    """:func:`spread_of` every dimension in one query, with a ``dimension`` column."""
    parts = [spread_of(u, d).mutate(dimension=ibis.literal(d)) for d in SPREAD_COLUMNS]
    t = ibis.union(*parts)
    return t.order_by(["dimension", ibis.desc("posts"), "name"])


def profile_locations(authors: ir.Table, users: ir.Table, limit: int = 20) -> ir.Table:
    """Free-text profile locations of the authors (a guess, not a place: reported apart)."""
    a = authors.select("platform", "author_id")
    located = a.join(users, [a.platform == users.platform, a.author_id == users.user_id])
    located = located.filter(located.location.notnull() & (located.location.strip() != ""))
    return (
        located.group_by(location=located.location.strip())
        .aggregate(authors=located.count())
        .order_by([ibis.desc("authors"), "location"])
        .limit(limit)
    )


def iso(moment) -> str | None:
    """An aware or naive-UTC datetime (or pandas Timestamp) as ISO 8601 with 'Z'."""
    if moment is None:
        return None
    if hasattr(moment, "to_pydatetime"):
        moment = moment.to_pydatetime()
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    spec = "seconds" if not moment.microsecond else "milliseconds" if not moment.microsecond % 1000 else "microseconds"
    return moment.isoformat(timespec=spec) + "Z"
