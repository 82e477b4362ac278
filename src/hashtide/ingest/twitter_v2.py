"""X (Twitter) API v2 as written by twarc2: pages, ``twarc2 flatten`` lines, stream messages.

Shapes read (X API v2 reference, https://developer.x.com/en/docs/x-api/data-dictionary; twarc2's
``flatten`` in ``twarc/expansions.py``):

- a page ``{"data": [tweets], "includes": {...}, "errors": [...], "meta": ..., "__twarc": ...}``:
  one :class:`Record` per tweet, one ``Skip("api_error")`` per ``errors`` entry, and one
  :class:`Referenced` holding ``includes.tweets`` and ``includes.users``;
- a stream message ``{"data": {tweet}, "includes": ..., "matching_rules": ...}``: one Record;
- a flattened tweet (``twarc2 flatten``), a single tweet object with ``author``,
  ``in_reply_to_user`` and the referenced tweets inlined: one Record whose ``embedded`` posts are
  the inlined referenced tweets;
- not tweets: ``/2/tweets/counts`` pages (one ``Skip("counts")`` per bucket), user pages (one
  ``Skip("user")`` per user, carrying the profile), compliance-job lines (``Skip("compliance")``),
  and the problems a stream sends in place of tweets, ``{"title": ..., "detail": ..., "type":
  "https://api.twitter.com/2/problems/..."}`` (a disconnection, too many connections: one
  ``Skip("api_error")``).

Definitions the analyses rely on:

- ``kind``: ``retweeted`` -> repost, ``replied_to`` -> reply, ``quoted`` -> quote. A tweet that
  both replies and quotes is a **reply** (it sits in a conversation; the quote is its attachment),
  with ``parent_id`` the tweet replied to.
- ``root_id`` is ``conversation_id`` (for a tweet that is not a reply, its own id).
- A retweet's ``text`` and hashtags are the retweeted tweet's when it is at hand (the retweet's own
  text is cut at 140 characters), else its own.
- A post longer than 280 characters, when ``note_tweet`` was requested, has its whole text and
  its tags in ``note_tweet`` (``text`` and ``entities`` hold the first 280 characters' only); they
  are taken from there.
- ``lang`` codes that name no language (``und``, ``zxx``, ``qme``...) become null.
- A tweet without ``created_at`` (not requested in ``tweet.fields``) gets its time from its id:
  tweet ids are Snowflake ids whose high bits are milliseconds since 2010-11-04
  (https://developer.x.com/en/docs/twitter-ids).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from hashtide.ingest.items import Item, Record, Referenced, Reject, Skip
from hashtide.model import Post, User, hashtags_from_text, parse_iso, tag_columns

NAME = "twitter-v2"
PLATFORM = "twitter"

_KIND_OF_REFERENCE = {"retweeted": "repost", "replied_to": "reply", "quoted": "quote"}
# Twitter's lang codes that are not languages: undetermined, no linguistic content, and the
# "q" codes for media-only, hashtags-only, cashtags-only, mentions-only, text too short.
NO_LANGUAGE = frozenset({"und", "zxx", "qam", "qct", "qht", "qme", "qst"})
_MAX_INT64 = 2**63 - 1
_SNOWFLAKE_EPOCH_MS = 1_288_834_974_657
_FIRST_SNOWFLAKE = 10**14  # pre-Snowflake (sequential) tweet ids stayed below ~3e10
_MAX_NESTING = 3  # flattened referenced tweets inside referenced tweets, as deep as we follow


# ---------------------------------------------------------------------------------------------
# Detection


def sniff(doc: Any) -> bool:
    """A v2 page, stream message, flattened or single tweet, counts page, compliance line or
    stream problem."""
    if type(doc) is not dict:
        return False
    if _is_problem(doc):
        return True
    data = doc.get("data")
    if data is not None:
        if type(data) is list:
            first = data[0] if data else None
            if type(first) is dict:
                return "id" in first and ("text" in first or "username" in first) or "tweet_count" in first
            return not data and ("meta" in doc or "__twarc" in doc)
        return type(data) is dict and "id" in data and "text" in data
    if "id" in doc and "text" in doc:
        return (type(doc["id"]) is str and "id_str" not in doc and "user" not in doc and "verb" not in doc
                and "account" not in doc and "uri" not in doc)  # a Mastodon status or delete receipt
    if "action" in doc and "id" in doc:
        return type(doc["action"]) is str and "created_at" in doc
    errors = doc.get("errors")
    if type(errors) is not list or doc.keys() - _ERROR_PAGE_KEYS:
        return False
    # a stream's own message has no meta or __twarc unless twarc2 wrote it (an operational
    # disconnect: {"errors": [problem]}); then every entry must be one of the API's problems
    return "__twarc" in doc or "meta" in doc or (bool(errors) and all(map(_is_problem_entry, errors)))


_ERROR_PAGE_KEYS = frozenset({"errors", "meta", "__twarc", "includes", "matching_rules"})
_PROBLEM_TYPES = "https://api.twitter.com/2/problems/"


def _is_problem(doc: dict) -> bool:
    kind = doc.get("type")
    return type(kind) is str and kind.startswith(_PROBLEM_TYPES) and "title" in doc and "data" not in doc


def _is_problem_entry(error: Any) -> bool:
    return type(error) is dict and _is_problem(error)


# ---------------------------------------------------------------------------------------------
# Reading


def read(doc: Any) -> Iterator[Item]:
    """The items of one v2 document; see the module docstring. Never raises for bad content."""
    if type(doc) is not dict:
        yield Reject("not a JSON object")
        return
    if "data" in doc or "errors" in doc:
        yield from _read_response(doc)
    elif "action" in doc and "text" not in doc:
        yield Skip("compliance")
    elif _is_problem(doc):
        yield Skip("api_error")
    else:
        yield from _read_flat(doc)


def _read_response(doc: dict) -> Iterator[Item]:
    lookup = _Lookup(doc.get("includes"))
    data = doc.get("data")
    if type(data) is dict:
        yield _record(data, lookup, in_page=True)
    elif type(data) is list:
        for record in data:
            yield _record(record, lookup, in_page=True)
    elif data is not None:
        yield Reject(f"'data' is a JSON {type(data).__name__}, not tweets", raw=_raw(data))
    errors = doc.get("errors")
    if type(errors) is list:
        for _ in errors:
            yield Skip("api_error")
    elif errors is not None:
        yield Reject(f"'errors' is a JSON {type(errors).__name__}, not a list", raw=_raw(errors))
    referenced = lookup.referenced()
    if referenced.posts or referenced.users:
        yield referenced


def _record(record: Any, lookup: _Lookup, in_page: bool) -> Item:
    """One top-level record of ``data``: a tweet, a counts bucket or a user."""
    if type(record) is not dict:
        return Reject(f"a tweet that is a JSON {type(record).__name__}", raw=_raw(record) if in_page else None)
    if "text" not in record:
        if "tweet_count" in record:
            return Skip("counts")
        if "username" in record:
            user = _user(record)
            return Skip("user", users=[user] if user else [])
    try:
        post = _post(record, lookup, True)
    except Exception as exc:  # a malformed tweet is quarantined, never a traceback
        return Reject(f"unreadable tweet ({type(exc).__name__}: {exc})", raw=_raw(record) if in_page else None)
    if in_page:
        return Record(post)
    embedded: dict[str, Post] = {}
    users: dict[str, User] = {}
    _collect_inlined(record, lookup, embedded, users, 0)
    embedded.pop(post.post_id, None)
    return Record(post, list(embedded.values()), list(users.values()))


def _read_flat(tweet: dict) -> Iterator[Item]:
    yield _record(tweet, _NO_INCLUDES, in_page=False)


def _raw(value: Any) -> bytes | None:
    try:
        return msgspec.json.encode(value)
    except Exception:  # an unencodable value (cannot come from JSON, but never raise here)
        return None


# ---------------------------------------------------------------------------------------------
# The includes of a page, indexed once per page


class _Lookup:
    """``includes`` of a page, by id: users, tweets and the country code of each place."""

    __slots__ = ("users", "tweets", "countries")

    def __init__(self, includes: Any):
        self.users: dict[str, dict] = {}
        self.tweets: dict[str, dict] = {}
        self.countries: dict[str, str] = {}
        if type(includes) is not dict:
            return
        self.users = _by_id(includes.get("users"))
        self.tweets = _by_id(includes.get("tweets"))
        for place in _by_id(includes.get("places")).values():
            code = place.get("country_code")
            if type(code) is str and code:
                self.countries[place["id"]] = code

    def referenced(self) -> Referenced:
        """``includes.tweets`` as posts (not top-level) and ``includes.users`` as users."""
        posts = []
        for tweet in self.tweets.values():
            try:
                posts.append(_post(tweet, self, False))
            except Exception:  # an unreadable include is not a record: nothing to account for
                continue
        users = [user for user in map(_user, self.users.values()) if user is not None]
        return Referenced(posts, users)


def _by_id(objects: Any) -> dict[str, dict]:
    if type(objects) is not list:
        return {}
    return {o["id"]: o for o in objects if type(o) is dict and type(o.get("id")) is str}


_NO_INCLUDES = _Lookup(None)


# ---------------------------------------------------------------------------------------------
# One tweet


def _post(tweet: dict, lookup: _Lookup, top_level: bool) -> Post:
    post_id = tweet["id"]
    if type(post_id) is not str or not post_id:
        raise ValueError(f"tweet id {post_id!r} is not an id string")
    get = tweet.get
    author_id = get("author_id")
    if type(author_id) is not str:
        author_id = None
    author = get("author")
    if type(author) is not dict or not author:
        author = lookup.users.get(author_id) if author_id else None
    kind, parent_id, parent = _reference(get("referenced_tweets"), lookup)
    parent_author_id = None
    if kind == "reply":
        parent_author_id = get("in_reply_to_user_id")
    elif parent is not None:
        parent_author_id = parent.get("author_id")
    content = parent if kind == "repost" and parent is not None and type(parent.get("text")) is str else tweet
    text, entities = _long_form(content)
    hashtags, forms = _tags(entities, text)
    lang = get("lang")
    metrics = get("public_metrics")
    if type(metrics) is not dict:
        metrics = _EMPTY
    conversation_id = get("conversation_id")
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        created_at=_created_at(get("created_at"), post_id),
        author_id=author_id,
        author_handle=_str(author.get("username")) if author else None,
        author_followers=_followers(author) if author else None,
        text=text,
        lang=lang if type(lang) is str and lang not in NO_LANGUAGE else None,
        country=_country(get("geo"), lookup),
        hashtags=hashtags,
        hashtag_forms=forms,
        kind=kind,
        parent_id=parent_id,
        root_id=conversation_id if type(conversation_id) is str else None,
        parent_author_id=parent_author_id if type(parent_author_id) is str else None,
        likes=count(metrics.get("like_count")),
        reposts=count(metrics.get("retweet_count")),
        replies=count(metrics.get("reply_count")),
        quotes=count(metrics.get("quote_count")),
        top_level=top_level,
    )


_EMPTY: dict = {}


def _long_form(tweet: dict) -> tuple[str | None, Any]:
    """``(text, entities)``: of ``note_tweet`` for a post longer than 280 characters (``text``
    then holds its first 280 and ``entities`` their tags only), else the tweet's own."""
    note = tweet.get("note_tweet")
    if type(note) is dict and type(note.get("text")) is str and note["text"]:
        return note["text"], note.get("entities")
    text = tweet.get("text")
    return (text if type(text) is str else None), tweet.get("entities")


def _reference(refs: Any, lookup: _Lookup) -> tuple[str, str | None, dict | None]:
    """``(kind, parent_id, parent tweet if at hand)``; a retweet beats a reply beats a quote."""
    if not refs or type(refs) is not list:
        return "original", None, None
    best = None
    best_kind = "original"
    for ref in refs:
        if type(ref) is not dict:
            continue
        kind = ref.get("type")
        kind = _KIND_OF_REFERENCE.get(kind) if type(kind) is str else None
        if kind is None or type(ref.get("id")) is not str:
            continue
        if best is None or _PRECEDENCE[kind] < _PRECEDENCE[best_kind]:
            best, best_kind = ref, kind
    if best is None:
        return "original", None, None
    parent_id = best["id"]
    # flattened output inlines the referenced tweet into the reference itself
    parent = best if "text" in best else lookup.tweets.get(parent_id)
    return best_kind, parent_id, parent


_PRECEDENCE = {"repost": 0, "reply": 1, "quote": 2}


def _tags(entities: Any, text: str | None) -> tuple[list[str], list[str]]:
    """Hashtags from ``entities.hashtags``; from the text only when the tweet has no entities."""
    if type(entities) is dict:
        tags = entities.get("hashtags")
        if not tags or type(tags) is not list:
            return [], []
        return tag_lists(tuple([t["tag"] for t in tags if type(t) is dict and type(t.get("tag")) is str]))
    return tag_lists(tuple(hashtags_from_text(text)))


_TAG_CACHE: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}
_TAG_CACHE_SIZE = 65_536


def tag_lists(forms: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """:func:`hashtide.model.tag_columns`, remembered: the same few tags recur in nearly every
    tweet of a collection, and normalising one (NFKC, casefold, grammar check) costs more than
    the rest of the tweet's fields together."""
    if not forms:
        return [], []
    known = _TAG_CACHE.get(forms)
    if known is None:
        if len(_TAG_CACHE) >= _TAG_CACHE_SIZE:
            _TAG_CACHE.clear()
        known = _TAG_CACHE[forms] = tag_columns(forms)
    return known[0].copy(), known[1].copy()  # copies: a post's lists are its own


def _country(geo: Any, lookup: _Lookup) -> str | None:
    if type(geo) is not dict:
        return None
    code = geo.get("country_code")  # flattened: the place is merged into ``geo``
    if type(code) is str and code:
        return code
    place_id = geo.get("place_id")
    return lookup.countries.get(place_id) if type(place_id) is str else None


def _followers(user: dict) -> int | None:
    metrics = user.get("public_metrics")
    return count(metrics.get("followers_count")) if type(metrics) is dict else None


def _collect_inlined(tweet: dict, lookup: _Lookup, posts: dict, users: dict, depth: int) -> None:
    """The users and referenced tweets ``twarc2 flatten`` inlined into ``tweet``, recursively."""
    for key in ("author", "in_reply_to_user"):
        user = _user(tweet.get(key))
        if user is not None:
            users[user.user_id] = user
    refs = tweet.get("referenced_tweets")
    if depth >= _MAX_NESTING or type(refs) is not list:
        return
    for ref in refs:
        if type(ref) is dict and "text" in ref and type(ref.get("id")) is str and ref["id"] not in posts:
            try:
                posts[ref["id"]] = _post(ref, lookup, False)
            except Exception:  # an unreadable embedded copy is not a record: leave it out
                continue
            _collect_inlined(ref, lookup, posts, users, depth + 1)


# ---------------------------------------------------------------------------------------------
# Users and values


def _user(user: Any) -> User | None:
    """A v2 user object as a :class:`User`; None when it has no id string."""
    if type(user) is not dict:
        return None
    user_id = user.get("id")
    if type(user_id) is not str or not user_id:
        return None
    verified = user.get("verified")
    return User(
        platform=PLATFORM,
        user_id=user_id,
        handle=_str(user.get("username")),
        name=_str(user.get("name")),
        followers=_followers(user),
        location=_str(user.get("location")),
        created_at=iso_time(user.get("created_at")),
        verified=verified if type(verified) is bool else None,
    )


def _str(value: Any) -> str | None:
    return value if type(value) is str else None


def count(value: Any) -> int | None:
    """An engagement counter, or None when it is not a non-negative int64 (-1 means unknown)."""
    return value if type(value) is int and 0 <= value <= _MAX_INT64 else None


def iso_time(value: Any) -> int | None:
    """An ISO 8601 time as epoch microseconds, None when absent or unreadable."""
    if type(value) is not str:
        return None
    try:
        return parse_iso(value)
    except (ValueError, OverflowError):
        return None


def snowflake_time(post_id: str) -> int | None:
    """The creation time encoded in a Snowflake tweet id, as epoch microseconds.

    >>> snowflake_time("1574186989737459712")  # created_at 2022-09-25T23:59:59.000Z
    1664150399990000
    """
    if not (post_id.isascii() and post_id.isdigit()) or len(post_id) > 19:
        return None
    number = int(post_id)
    if number < _FIRST_SNOWFLAKE or number > _MAX_INT64:
        return None
    return ((number >> 22) + _SNOWFLAKE_EPOCH_MS) * 1000


def _created_at(value: Any, post_id: str) -> int | None:
    if type(value) is str:
        try:
            return parse_iso(value)
        except (ValueError, OverflowError):
            pass
    return snowflake_time(post_id)
