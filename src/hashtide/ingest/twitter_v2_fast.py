"""A typed fast path for twarc2 *pages*: the same items as :func:`hashtide.ingest.twitter_v2.read`,
several times cheaper to decode.

A page line is decoded with a :class:`msgspec.json.Decoder` of structs that declare only the
fields the reader uses (msgspec skips the rest without building them), instead of into generic
dicts. The structs are strict on purpose: any value whose type the dict reader would treat
specially (a non-string id, a flattened tweet inlined into a reference, an ``author`` object, a
non-list ``errors``...) fails validation, and :func:`read_page` answers None so the caller falls
back to the generic path. Only the plain, common page shape is read here, so the fast path never
has to reproduce the generic path's rejects and corner cases; it must, and does, reproduce its
records exactly (tests/ingest/test_twitter_v2_fast.py compares both on every fixture).
"""

from __future__ import annotations

import msgspec

from hashtide.ingest.items import Item, Record, Referenced, Skip
from hashtide.ingest.sources import JSON_ERRORS
from hashtide.ingest.twitter_v2 import (
    NO_LANGUAGE,
    PLATFORM,
    _KIND_OF_REFERENCE,
    _MAX_INT64,
    _PRECEDENCE,
    _created_at,
    count,
    iso_time,
    tag_lists,
)
from hashtide.model import Post, User, hashtags_from_text

PAGE_PREFIXES = (b'{"data":[', b'{"data": [')


class _Metrics(msgspec.Struct, gc=False):
    like_count: int | None = None
    retweet_count: int | None = None
    reply_count: int | None = None
    quote_count: int | None = None


class _Tag(msgspec.Struct, gc=False):
    tag: str | None = None


class _Entities(msgspec.Struct, gc=False):
    hashtags: list[_Tag] | None = None


class _Ref(msgspec.Struct, gc=False):
    type: str | None = None
    id: str | None = None
    text: msgspec.UnsetType = msgspec.UNSET  # present: a flattened reference, the generic path's


class _Geo(msgspec.Struct, gc=False):
    place_id: str | None = None
    country_code: str | None = None


class _Tweet(msgspec.Struct, gc=False):
    id: str
    text: str | None  # required: a record without text is a counts bucket or user, generic path
    created_at: str | None = None
    author_id: str | None = None
    author: msgspec.UnsetType = msgspec.UNSET  # an inlined author: the generic path's
    note_tweet: msgspec.UnsetType = msgspec.UNSET  # a post over 280 characters: the generic path's
    conversation_id: str | None = None
    lang: str | None = None
    entities: _Entities | None = None
    referenced_tweets: list[_Ref] | None = None
    in_reply_to_user_id: str | None = None
    public_metrics: _Metrics | None = None
    geo: _Geo | None = None


class _UserMetrics(msgspec.Struct, gc=False):
    followers_count: int | None = None


class _User(msgspec.Struct, gc=False):
    id: str
    username: str | None = None
    name: str | None = None
    location: str | None = None
    created_at: str | None = None
    verified: bool | None = None
    public_metrics: _UserMetrics | None = None


class _Place(msgspec.Struct, gc=False):
    id: str
    country_code: str | None = None


class _Includes(msgspec.Struct, gc=False):
    users: list[_User] | None = None
    tweets: list[_Tweet] | None = None
    places: list[_Place] | None = None


class _Page(msgspec.Struct, gc=False):
    data: list[_Tweet]
    includes: _Includes | None = None
    errors: list[msgspec.Raw] | None = None


_DECODER = msgspec.json.Decoder(_Page)


class _Fallback(Exception):
    """The page is not of the plain shape: let the generic reader have it."""


def plain_pages(path: str, probe_bytes: int = 1 << 20) -> bool:
    """Whether the file at ``path`` starts with twarc2 page lines (a cheap look before a read)."""
    with open(path, "rb") as stream:
        head = stream.read(probe_bytes)
    lines = head.split(b"\n")[:-1] or [head]
    return bool(head) and all(line.startswith(PAGE_PREFIXES) for line in lines if line.strip())


def is_page_line(line: bytes) -> bool:
    """Cheap pre-check: the line starts like a twarc2 page (``{"data": [``)."""
    return line.startswith(PAGE_PREFIXES)


def read_page(line: bytes) -> list[Item] | None:
    """The items :func:`twitter_v2.read` yields for the page on ``line``; None when the page is
    not of the plain shape (the caller then decodes it generically, with identical results)."""
    try:
        page = _DECODER.decode(line)
    except (msgspec.ValidationError, *JSON_ERRORS):
        return None
    if not page.data:  # an empty page is sniffed on its meta keys: the generic path's
        return None
    try:
        return _items(page)
    except Exception:  # any oddity the dict reader handles its own way (empty ids, ...)
        return None


def _items(page: _Page) -> list[Item]:
    lookup = _Lookup(page.includes)
    items: list[Item] = [Record(_post(tweet, lookup, True)) for tweet in page.data]
    if page.errors is not None:
        items.extend(Skip("api_error") for _ in page.errors)
    posts = [_post(tweet, lookup, False) for tweet in lookup.tweets.values()]
    users = [_user(user) for user in lookup.users.values() if user.id]
    if posts or users:
        items.append(Referenced(posts, users))
    return items


class _Lookup:
    __slots__ = ("users", "tweets", "countries")

    def __init__(self, includes: _Includes | None):
        self.users: dict[str, _User] = {}
        self.tweets: dict[str, _Tweet] = {}
        self.countries: dict[str, str] = {}
        if includes is None:
            return
        if includes.users:
            self.users = {user.id: user for user in includes.users}
        if includes.tweets:
            self.tweets = {tweet.id: tweet for tweet in includes.tweets}
        if includes.places:
            places = {place.id: place for place in includes.places}
            self.countries = {pid: p.country_code for pid, p in places.items() if p.country_code}


def _post(tweet: _Tweet, lookup: _Lookup, top_level: bool) -> Post:
    post_id = tweet.id
    if not post_id:
        raise _Fallback("empty tweet id")
    author_id = tweet.author_id
    author = lookup.users.get(author_id) if author_id else None
    kind, parent_id, parent = _reference(tweet.referenced_tweets, lookup) if tweet.referenced_tweets else _ORIGINAL
    parent_author_id = None
    if kind == "reply":
        parent_author_id = tweet.in_reply_to_user_id
    elif parent is not None:
        parent_author_id = parent.author_id
    content = parent if kind == "repost" and parent is not None and parent.text is not None else tweet
    text = content.text
    hashtags, forms = _tags(content.entities, text)
    lang = tweet.lang
    metrics = tweet.public_metrics or _NO_METRICS
    # count() inlined: four calls per tweet are a tenth of the fast path's time
    likes, reposts, replies, quotes = (metrics.like_count, metrics.retweet_count, metrics.reply_count,
                                       metrics.quote_count)
    geo = tweet.geo
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        created_at=_created_at(tweet.created_at, post_id),
        author_id=author_id,
        author_handle=author.username if author is not None else None,
        author_followers=_followers(author) if author is not None else None,
        text=text,
        lang=lang if lang is not None and lang not in NO_LANGUAGE else None,
        country=_country(geo, lookup) if geo is not None else None,
        hashtags=hashtags,
        hashtag_forms=forms,
        kind=kind,
        parent_id=parent_id,
        root_id=tweet.conversation_id,
        parent_author_id=parent_author_id,
        likes=likes if likes is not None and 0 <= likes <= _MAX_INT64 else None,
        reposts=reposts if reposts is not None and 0 <= reposts <= _MAX_INT64 else None,
        replies=replies if replies is not None and 0 <= replies <= _MAX_INT64 else None,
        quotes=quotes if quotes is not None and 0 <= quotes <= _MAX_INT64 else None,
        top_level=top_level,
    )


_ORIGINAL = ("original", None, None)
_NO_METRICS = _Metrics()


def _reference(refs: list[_Ref] | None, lookup: _Lookup) -> tuple[str, str | None, _Tweet | None]:
    """As :func:`twitter_v2._reference`: a retweet beats a reply beats a quote."""
    if not refs:
        return "original", None, None
    best = None
    best_kind = "original"
    for ref in refs:
        kind = _KIND_OF_REFERENCE.get(ref.type) if ref.type is not None else None
        if kind is None or ref.id is None:
            continue
        if best is None or _PRECEDENCE[kind] < _PRECEDENCE[best_kind]:
            best, best_kind = ref, kind
    if best is None:
        return "original", None, None
    return best_kind, best.id, lookup.tweets.get(best.id)


def _tags(entities: _Entities | None, text: str | None) -> tuple[list[str], list[str]]:
    if entities is not None:
        tags = entities.hashtags
        if not tags:
            return [], []
        return tag_lists(tuple([t.tag for t in tags if t.tag is not None]))
    return tag_lists(tuple(hashtags_from_text(text)))


def _country(geo: _Geo | None, lookup: _Lookup) -> str | None:
    if geo is None:
        return None
    if geo.country_code:
        return geo.country_code
    return lookup.countries.get(geo.place_id) if geo.place_id is not None else None


def _followers(user: _User) -> int | None:
    metrics = user.public_metrics
    return count(metrics.followers_count) if metrics is not None else None


def _user(user: _User) -> User:
    return User(
        platform=PLATFORM,
        user_id=user.id,
        handle=user.username,
        name=user.name,
        followers=_followers(user),
        location=user.location,
        created_at=iso_time(user.created_at),
        verified=user.verified,
    )
