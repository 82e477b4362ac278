"""Reddit: API ``Listing`` responses and Pushshift-style NDJSON of submissions and comments.

Shapes read (one decoded JSON value each):

- ``{"kind": "Listing", "data": {"children": [{"kind": "t1"|"t3"|"more", "data": {...}}]}}``
  (``/new``, ``/r/x/comments``, a thread's comment tree: nested ``replies`` Listings are read too,
  each comment a record). A thread page is a JSON array of two Listings, which the pipeline splits.
- A single thing ``{"kind": "t1"|"t3", "data": {...}}``.
- Pushshift / Arctic Shift dumps: bare objects with ``id`` and ``created_utc`` and either
  ``title``/``selftext`` (a submission) or ``body``/``parent_id``/``link_id`` (a comment).
- A page of the search APIs that serve those objects (Pushshift, PullPush, Arctic Shift):
  ``{"data": [object, ...]}``, each object a record, as a child of a Listing is.

Identifiers are fullnames (``t3_abc`` a submission, ``t1_def`` a comment, ``name`` when given,
else the kind prefix and ``id``). A submission is an ``original`` whose text is the title, a blank
line and the self text; a comment is a ``reply`` to ``parent_id`` in the thread ``link_id``
(``root_id``); a crosspost (``crosspost_parent``) is a ``quote`` of its source, which
``crosspost_parent_list`` carries whole (stored as an embedded copy). ``author_id`` is
``author_fullname`` (``t2_...``) when present, else the user name; ``[deleted]`` accounts have no
author. ``score`` is ``likes``, ``num_comments`` is ``replies``. Texts are HTML-unescaped (the API
escapes ``& < >`` unless asked for ``raw_json=1``); hashtags come from the text (Reddit has no
tag entities). Overlapping polls repeat comments: every child is a record; the pipeline dedups.
Pushshift's API of 2022-2023 wrote a reply's ``parent_id`` as the base-10 integer of the parent
comment's base-36 id, and null for a top-level comment: both are turned back into fullnames.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape
from typing import Any

import msgspec

from hashtide.ingest.items import Item, Record, Reject, Skip
from hashtide.ingest.twitter_v2 import count
from hashtide.model import Post, User, hashtags_from_text, parse_epoch, tag_columns

NAME = "reddit"
PLATFORM = "reddit"

_DELETED = ("[deleted]", "[removed]")


def sniff(doc: Any) -> bool:
    """Whether ``doc`` is a Listing, a single t1/t3 thing or a Pushshift submission/comment."""
    if not isinstance(doc, dict):
        return False
    kind = doc.get("kind")
    if kind is not None:
        return kind in ("Listing", "t1", "t3") and isinstance(doc.get("data"), dict)
    return _is_search_page(doc) or _is_dump_object(doc)


def _is_dump_object(doc: Any) -> bool:
    return isinstance(doc, dict) and "created_utc" in doc and "id" in doc and ("body" in doc or "title" in doc)


def _is_search_page(doc: dict) -> bool:
    """``{"data": [...]}`` as the Pushshift, PullPush and Arctic Shift search APIs answer (the
    saved answer is what a user has): dump objects under ``data``, or no object at all on the
    page past the last one. A twarc2 page, also ``data``, holds tweets, which have no
    ``created_utc``, and twitter-v2 is asked first."""
    data = doc.get("data")
    if type(data) is not list or "created_utc" in doc:
        return False
    return _is_dump_object(data[0]) if data else not doc.keys() - _PAGE_KEYS


_PAGE_KEYS = frozenset({"data", "metadata"})  # Pushshift's API added "metadata" when asked for it


def read(doc: Any) -> Iterator[Item]:
    """The items of one document; see the module docstring for the shapes."""
    if not isinstance(doc, dict):
        yield Reject("reddit document is not an object")
        return
    kind = doc.get("kind")
    if kind == "Listing":
        yield from _listing(doc)
    elif kind is not None:
        yield from _thing(doc)
    elif _is_search_page(doc):
        yield from _search_page(doc["data"])
    else:
        yield _guarded(doc, "t3" if "title" in doc else "t1")


def _search_page(objects: list) -> Iterator[Item]:
    for found in objects:
        if isinstance(found, dict):
            yield _guarded(found, "t3" if "title" in found else "t1")
        else:
            yield Reject("reddit search result is not an object", _raw(found))


def _listing(listing: dict, parent: Post | None = None) -> Iterator[Item]:
    data = listing.get("data")
    children = data.get("children") if isinstance(data, dict) else None
    if not isinstance(children, list):
        yield Reject("reddit Listing without data.children", _raw(listing))
        return
    for child in children:
        yield from _thing(child, parent)


def _thing(thing: Any, parent: Post | None = None) -> Iterator[Item]:
    """One child and, for a comment of a thread page, the replies nested in it: a reply's
    ``parent_author_id`` is the author of the comment it is nested in (``parent``)."""
    if not isinstance(thing, dict):
        yield Reject("reddit listing child is not an object", _raw(thing))
        return
    kind = thing.get("kind")
    data = thing.get("data")
    if kind not in ("t1", "t3"):
        yield Skip(kind if isinstance(kind, str) else "unknown")  # "more" stubs, t2 accounts...
        return
    if not isinstance(data, dict):
        yield Reject(f"reddit {kind} without data", _raw(thing))
        return
    item = _guarded(data, kind)
    post = item.post if isinstance(item, Record) else None
    if post is not None and parent is not None and post.parent_id == parent.post_id:
        post.parent_author_id = parent.author_id
    yield item
    replies = data.get("replies")
    if isinstance(replies, dict) and replies.get("kind") == "Listing":
        yield from _listing(replies, post)


def _guarded(data: dict, kind: str) -> Item:
    """One item for one record, whatever its content: a malformed record is a Reject."""
    try:
        return _record(data, kind)
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as exc:
        return Reject(f"malformed reddit {kind} ({type(exc).__name__}: {exc})", _raw(data))


def _record(data: dict, kind: str) -> Item:
    post_id = _fullname(data, kind)
    created = _time(data.get("created_utc"))
    if post_id is None or created is None:
        return Reject(f"reddit {kind} without id or a valid created_utc", _raw(data))
    if kind == "t3":
        title, body = _str(data.get("title")), _str(data.get("selftext"))
        text = f"{title}\n\n{body}" if title and body else title or body
    else:
        text = _str(data.get("body"))
    if text and "&" in text:
        text = unescape(text)
    hashtags, forms = tag_columns(hashtags_from_text(text))
    handle = _str(data.get("author"))
    if handle in _DELETED:
        handle = None
    author_id = (_str(data.get("author_fullname")) or handle) if handle else None
    post = Post(platform=PLATFORM, post_id=post_id, created_at=created, author_id=author_id,
                author_handle=handle, text=text, hashtags=hashtags, hashtag_forms=forms,
                likes=_int(data.get("score")), replies=count(data.get("num_comments")))
    if kind == "t1":
        post.kind = "reply"
        post.root_id = _str(data.get("link_id"))
        post.parent_id = _parent(data.get("parent_id"), post.root_id)
    users = [User(platform=PLATFORM, user_id=author_id, handle=handle)] if author_id else []
    embedded: list[Post] = []
    if kind == "t3" and isinstance(data.get("crosspost_parent"), str):
        post.kind, post.parent_id = "quote", data["crosspost_parent"]
        source = _crosspost_source(data, post.parent_id)
        if source is not None:
            post.parent_author_id = source.post.author_id
            embedded, users = [source.post], users + source.users
    return Record(post, embedded, users)


def _crosspost_source(data: dict, fullname: str) -> Record | None:
    """The crossposted submission, which the API and the dumps carry whole in
    ``crosspost_parent_list``: an embedded copy, as a retweeted tweet is, so that the origin of
    a crossposted thread is in the corpus even when the collection never returned it."""
    copies = data.get("crosspost_parent_list")
    for copy in copies if isinstance(copies, list) else ():
        if isinstance(copy, dict) and _fullname(copy, "t3") == fullname:
            found = _guarded(copy, "t3")
            return found if isinstance(found, Record) else None
    return None


def _fullname(data: dict, kind: str) -> str | None:
    name = data.get("name")
    if isinstance(name, str) and name[:3] == kind + "_":
        return name
    thing_id = data.get("id")
    if isinstance(thing_id, str) and thing_id:
        return thing_id if thing_id[:3] == kind + "_" else f"{kind}_{thing_id}"
    return None


def _parent(parent_id: Any, link_id: str | None) -> str | None:
    """The fullname a comment replies to. Pushshift's API of 2022-2023 gave a reply's parent as
    the integer of a base-36 comment id and a top-level comment's as null (its thread's
    submission); the API and the dumps give the fullname."""
    if type(parent_id) is int and parent_id >= 0:
        return "t1_" + _base36(parent_id)
    if parent_id is None:
        return link_id
    return _str(parent_id)


def _base36(number: int) -> str:
    """
    >>> _base36(41785179015)  # a parent id in a Pushshift answer of 2023 (snscrape issue 699)
    'j71teh3'
    """
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _DIGITS36[digit] + digits
        if not number:
            return digits


_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _time(value: Any) -> int | None:
    if type(value) in (int, float) or isinstance(value, str):
        try:
            return parse_epoch(value)  # bounded to the calendar
        except (ValueError, OverflowError):
            return None
    return None


def _raw(record: Any) -> bytes | None:
    try:
        return msgspec.json.encode(record)
    except (TypeError, msgspec.EncodeError):
        return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    """A signed int64 (Reddit's score is upvotes minus downvotes, and may be negative)."""
    return value if type(value) is int and -_INT64 <= value < _INT64 else None


_INT64 = 1 << 63
