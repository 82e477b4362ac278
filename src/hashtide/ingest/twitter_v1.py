"""Twitter API v1.1 statuses: stream lines, single statuses, ``search/tweets`` responses.

Shapes read (Twitter v1.1 Tweet object, https://developer.x.com/en/docs/twitter-api/v1/data-dictionary;
the tweet-updates guide for 280 characters, https://github.com/twitterdev/tweet-updates):

- a status (a stream line, a single document, an element of a timeline array): one Record;
- a search response ``{"statuses": [...], "search_metadata": ...}``: one Record per status;
- stream messages that are not statuses (``delete``, ``limit``, ``warning``, ``scrub_geo``,
  ``status_withheld``, ``user_withheld``, ``disconnect``, user-stream ``event`` and ``friends``):
  one ``Skip`` named by the message.

Definitions (the same as :mod:`hashtide.ingest.twitter_v2`, so a tweet read from either format is
the same row): ids are always ``id_str`` (ids exceed 2^53); the text is the untruncated one
(``extended_tweet.full_text``, then ``full_text``, then ``text``) with its entities; a retweet is
a ``repost`` whose text and hashtags are the retweeted status's, a reply beats a quote; ``root_id``
is the tweet's own id when it is not a reply (v2's ``conversation_id``), unknown for a reply.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from hashtide.ingest.items import Item, Record, Reject, Skip
from hashtide.ingest.twitter_v2 import NO_LANGUAGE, count, snowflake_time, tag_lists
from hashtide.model import Post, User, hashtags_from_text, parse_rfc2822

NAME = "twitter-v1.1"
PLATFORM = "twitter"

# stream messages that are not statuses, by their single key
_MESSAGES = ("delete", "limit", "warning", "scrub_geo", "status_withheld", "user_withheld", "disconnect")
_MAX_NESTING = 2  # a retweet of a quote: the retweeted status and the status it quotes


def sniff(doc: Any) -> bool:
    """A v1.1 status, search response or stream message."""
    if type(doc) is not dict:
        return False
    if "id_str" in doc:
        return "user" in doc and ("text" in doc or "full_text" in doc)
    if "statuses" in doc:
        return type(doc["statuses"]) is list and ("search_metadata" in doc or len(doc) == 1)
    return _message_kind(doc) is not None


def _message_kind(doc: dict) -> str | None:
    for key in _MESSAGES:
        if key in doc and type(doc[key]) is dict:
            return key
    if type(doc.get("event")) is str and "source" in doc and "target" in doc:
        return "event"
    if type(doc.get("friends")) is list or type(doc.get("friends_str")) is list:
        return "friends"
    return None


def read(doc: Any) -> Iterator[Item]:
    """The items of one v1.1 document; see the module docstring. Never raises for bad content."""
    if type(doc) is not dict:
        yield Reject("not a JSON object")
        return
    statuses = doc.get("statuses")
    if "id_str" not in doc and statuses is not None:
        if type(statuses) is not list:
            yield Reject(f"'statuses' is a JSON {type(statuses).__name__}, not a list")
            return
        for status in statuses:
            yield _record(status, in_response=True)
        return
    kind = None if "id_str" in doc else _message_kind(doc)
    yield Skip(kind) if kind else _record(doc, in_response=False)


def _record(status: Any, in_response: bool) -> Item:
    raw = _raw(status) if in_response else None
    if type(status) is not dict:
        return Reject(f"a status that is a JSON {type(status).__name__}", raw=raw)
    try:
        post = _post(status, True)
        embedded: dict[str, Post] = {}
        users: dict[str, User] = {}
        _collect(status, embedded, users, 0)
    except Exception as exc:  # a malformed status is quarantined, never a traceback
        return Reject(f"unreadable status ({type(exc).__name__}: {exc})", raw=raw)
    embedded.pop(post.post_id, None)
    return Record(post, list(embedded.values()), list(users.values()))


def _raw(value: Any) -> bytes | None:
    try:
        return msgspec.json.encode(value)
    except Exception:
        return None


def _collect(status: dict, posts: dict, users: dict, depth: int) -> None:
    """The author of ``status`` and the statuses embedded in it (retweeted, quoted), recursively."""
    user = _user(status.get("user"))
    if user is not None:
        users[user.user_id] = user
    if depth >= _MAX_NESTING:
        return
    for key in ("retweeted_status", "quoted_status"):
        inner = status.get(key)
        if type(inner) is dict:
            try:
                post = _post(inner, False)
            except Exception:  # an unreadable embedded copy is not a record: leave it out
                continue
            posts.setdefault(post.post_id, post)
            _collect(inner, posts, users, depth + 1)


def _post(status: dict, top_level: bool) -> Post:
    get = status.get
    post_id = id_string(status, "id")
    if post_id is None:
        raise ValueError("status without an id_str")
    user = get("user")
    if type(user) is not dict:
        user = _EMPTY
    kind, parent_id, parent_author_id, parent = _reference(status)
    content = parent if parent is not None else status
    text, entities = _text(content)
    hashtags, forms = _tags(entities, text)
    lang = get("lang")
    place = get("place")
    country = place.get("country_code") if type(place) is dict else None
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        created_at=_created_at(get("created_at"), post_id),
        author_id=id_string(user, "id"),
        author_handle=_str(user.get("screen_name")),
        author_followers=count(user.get("followers_count")),
        text=text,
        lang=lang if type(lang) is str and lang not in NO_LANGUAGE else None,
        country=country if type(country) is str and country else None,
        hashtags=hashtags,
        hashtag_forms=forms,
        kind=kind,
        parent_id=parent_id,
        root_id=None if kind == "reply" else post_id,
        parent_author_id=parent_author_id,
        likes=count(get("favorite_count")),
        reposts=count(get("retweet_count")),
        replies=count(get("reply_count")),
        quotes=count(get("quote_count")),
        top_level=top_level,
    )


_EMPTY: dict = {}


def _reference(status: dict) -> tuple[str, str | None, str | None, dict | None]:
    """``(kind, parent_id, parent_author_id, retweeted status)``: repost, then reply, then quote."""
    retweeted = status.get("retweeted_status")
    if type(retweeted) is dict:
        parent_id = id_string(retweeted, "id")
        if parent_id is not None:
            return "repost", parent_id, _author_id(retweeted), retweeted
    reply_to = id_string(status, "in_reply_to_status_id")
    if reply_to is not None:
        return "reply", reply_to, id_string(status, "in_reply_to_user_id"), None
    quoted = status.get("quoted_status")
    if type(quoted) is dict:
        quoted_id = id_string(quoted, "id")
        if quoted_id is not None:
            return "quote", quoted_id, _author_id(quoted), None
    quoted_id = id_string(status, "quoted_status_id")  # quoted status withheld or deleted
    if quoted_id is not None:
        return "quote", quoted_id, None, None
    return "original", None, None, None


def _text(status: dict) -> tuple[str | None, Any]:
    """The untruncated text and the entities that index it."""
    extended = status.get("extended_tweet")
    if type(extended) is dict and type(extended.get("full_text")) is str:
        return extended["full_text"], extended.get("entities")
    text = status.get("full_text")
    if type(text) is not str:
        text = status.get("text")
    return (text if type(text) is str else None), status.get("entities")


def _tags(entities: Any, text: str | None) -> tuple[list[str], list[str]]:
    if type(entities) is dict:
        tags = entities.get("hashtags")
        if not tags or type(tags) is not list:
            return [], []
        return tag_lists(tuple([t["text"] for t in tags if type(t) is dict and type(t.get("text")) is str]))
    return tag_lists(tuple(hashtags_from_text(text)))


def _author_id(status: dict) -> str | None:
    user = status.get("user")
    return id_string(user, "id") if type(user) is dict else None


def _user(user: Any) -> User | None:
    if type(user) is not dict:
        return None
    user_id = id_string(user, "id")
    if user_id is None:
        return None
    verified = user.get("verified")
    return User(
        platform=PLATFORM,
        user_id=user_id,
        handle=_str(user.get("screen_name")),
        name=_str(user.get("name")),
        followers=count(user.get("followers_count")),
        location=_str(user.get("location")) or None,
        created_at=_time(user.get("created_at")),
        verified=verified if type(verified) is bool else None,
    )


def id_string(obj: dict, key: str) -> str | None:
    """``obj[key + "_str"]``, else the integer ``obj[key]`` as a string; None when neither."""
    value = obj.get(key + "_str")
    if type(value) is str and value.isascii() and value.isdigit():
        return value
    value = obj.get(key)
    if type(value) is int and value >= 0:
        return str(value)
    return None


def _str(value: Any) -> str | None:
    return value if type(value) is str else None


def _time(value: Any) -> int | None:
    if type(value) is not str:
        return None
    try:
        return parse_rfc2822(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


def _created_at(value: Any, post_id: str) -> int | None:
    moment = _time(value)
    return moment if moment is not None else snowflake_time(post_id)
