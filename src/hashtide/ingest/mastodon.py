"""Mastodon: REST ``Status`` objects and ActivityPub outbox exports.

Shapes read (one decoded JSON value each; a JSON array of statuses is split by the pipeline):

- REST ``Status`` (``/api/v1/timelines/...``, ``/api/v1/statuses/:id``, streaming payloads saved
  as JSON): ``id``, ``uri``, ``created_at``, ``account``, ``content`` (HTML), ``language``,
  ``tags``, ``in_reply_to_id``, ``in_reply_to_account_id``, ``reblog``, ``quote``, counters.
  A status with the source ``text`` and no ``content`` is what ``DELETE /api/v1/statuses/:id``
  answers: ``Skip("delete")``.
- ``GET /api/v1/statuses/:id/context`` ``{"ancestors": [Status], "descendants": [Status]}``: every
  status of the thread around one status is a record (the status itself is not in the answer).
- Streaming API WebSocket messages ``{"stream": [...], "event", "payload"}`` (what a websocket
  client such as websocat writes, one per line): ``update`` and ``status.update`` carry a Status
  encoded as a JSON *string* in ``payload``, read as that status (an edit has the id of the
  status it edits, so it counts as a duplicate); ``delete`` is ``Skip("delete")``; any other
  event (``notification``, ``filters_changed``, ``announcement`` ...) is ``Skip("streaming <event>")``.
- ActivityPub ``OrderedCollection``/``OrderedCollectionPage`` (an account archive's
  ``outbox.json``): one item per ``orderedItems`` entry; ``Create`` of a ``Note``/``Question`` is a
  post, ``Announce`` a boost, anything else is skipped under its type.

Identifiers (one scheme per shape, each consistent with itself):

- REST: ``post_id``, ``parent_id`` and ``author_id`` are the ids *as the collecting server gives
  them* (``id``, ``in_reply_to_id``, ``reblog.id``, ``account.id``). Those ids are local to the
  server the API was asked: the same remote status has another id on another server, and the
  status JSON never names the server that served it (``uri``/``url`` name the status's origin,
  whose ids are different). Only the local ids make replies and boosts resolvable, because
  ``in_reply_to_id`` is local too; a ``{origin_host}/{id}`` key would pair the origin's host with
  another server's id. So a corpus should hold the collection of one server (the usual case:
  a hashtag or public timeline of one instance); collections from several servers do not merge
  their copies of a status (ids are snowflakes, ``ms << 16 | seq``, so they do not collide either).
- ActivityPub: ``post_id`` is the object's URI (``Note.id``, or the ``Announce`` activity's id),
  ``parent_id`` the ``inReplyTo`` or announced object URI, ``author_id`` the actor URI: the
  protocol's own global identifiers (a Note's id is the REST status's ``uri``).

``content`` is HTML: it becomes plain text with ``<br>`` as a line break and paragraphs separated
by a blank line. Hashtags come from the ``tags`` entities, shown in the form the author typed
when the text has it (Mastodon's ``tags[].name`` is the server's stored, often lower-cased form).
A boost (``reblog``) is a repost whose text and tags are the boosted status's; the boosted status
itself is kept as an embedded copy (``top_level`` False).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import msgspec

from hashtide.ingest.sources import JSON_ERRORS, decode_json
from hashtide.ingest.items import Item, Record, Reject, Skip
from hashtide.ingest.twitter_v2 import count
from hashtide.model import Post, User, hashtags_from_text, normalise_tag, parse_iso, tag_columns

NAME = "mastodon"
PLATFORM = "mastodon"

_COLLECTIONS = ("OrderedCollection", "OrderedCollectionPage")
_NOTE_TYPES = ("Note", "Question", "Article", "Page")


def sniff(doc: Any) -> bool:
    """Whether ``doc`` is a Mastodon Status or an ActivityPub (ordered) collection."""
    if not isinstance(doc, dict):
        return False
    if _is_streaming(doc) or _is_context(doc):
        return True
    if "account" in doc and "created_at" in doc and ("content" in doc or "text" in doc):
        return isinstance(doc["account"], dict)
    kind = doc.get("type")
    return kind in _COLLECTIONS and "orderedItems" in doc or (
        kind in ("Create", "Announce") and "actor" in doc and "object" in doc)


def read(doc: Any) -> Iterator[Item]:
    """The items of one document; see the module docstring for the shapes."""
    if not isinstance(doc, dict):
        yield Reject("mastodon document is not an object")
        return
    kind = doc.get("type")
    if _is_streaming(doc):
        yield _streaming(doc)
    elif _is_context(doc):
        for status in doc["ancestors"] + doc["descendants"]:  # a thread: each status is a record
            if isinstance(status, dict):
                yield _guarded(_status_record, status)
            else:
                yield Reject("mastodon thread entry is not an object", _raw(status))
    elif kind in _COLLECTIONS:
        items = doc.get("orderedItems")
        if not isinstance(items, list):
            yield Reject("ActivityPub collection whose orderedItems is not a list", _raw(doc))
            return
        for activity in items:
            yield _guarded(_activity, activity)
    elif kind in ("Create", "Announce") and "actor" in doc:
        yield _guarded(_activity, doc)
    elif "content" not in doc and "text" in doc:
        # DELETE /api/v1/statuses/:id answers with the deleted status, its source ``text`` in
        # place of the rendered ``content``: a receipt of the deletion, not a post seen live.
        yield Skip("delete")
    else:
        yield _guarded(_status_record, doc)


def _guarded(read_one, record: Any) -> Item:
    """One item for one record, whatever its content: a malformed record is a Reject."""
    try:
        return read_one(record)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        return Reject(f"malformed mastodon record ({type(exc).__name__}: {exc})", _raw(record))


def _raw(record: Any) -> bytes | None:
    try:
        return msgspec.json.encode(record)
    except (TypeError, msgspec.EncodeError):
        return None


# ---------------------------------------------------------------------------------------------
# Streaming API (WebSocket messages)


def _is_streaming(doc: dict) -> bool:
    return isinstance(doc.get("event"), str) and isinstance(doc.get("stream"), list)


def _is_context(doc: dict) -> bool:
    return isinstance(doc.get("ancestors"), list) and isinstance(doc.get("descendants"), list)


def _streaming(message: dict) -> Item:
    """One streaming message. Its ``payload`` is a Status *cast to a string* (the documentation's
    words): decoded here, or taken as it is when a client saved it decoded."""
    event = message.get("event")
    if event == "delete":
        return Skip("delete")
    if event not in ("update", "status.update"):
        return Skip(f"streaming {event}" if isinstance(event, str) else "streaming event")
    payload = message.get("payload")
    if isinstance(payload, str):
        try:
            payload = decode_json(payload.encode())  # as a line of JSON: half an emoji mended
        except JSON_ERRORS as exc:
            return Reject(f"mastodon streaming payload is not JSON ({exc})", _raw(message))
    if not isinstance(payload, dict):
        return Reject("mastodon streaming payload is not a status", _raw(message))
    return _guarded(_status_record, payload)


# ---------------------------------------------------------------------------------------------
# REST Status


def _status_record(status: dict) -> Item:
    post, user = _status(status)
    if post is None:
        return Reject("mastodon status without id or a valid created_at", _raw(status))
    users = [user] if user is not None else []
    reblog = status.get("reblog")
    if isinstance(reblog, dict):
        boosted, boosted_user = _status(reblog)
        if boosted is None:
            return Reject("mastodon boost whose reblog has no id or created_at", _raw(status))
        boosted.top_level = False
        post.kind, post.parent_id, post.parent_author_id = "repost", boosted.post_id, boosted.author_id
        post.text, post.lang = boosted.text, boosted.lang or post.lang
        post.hashtags, post.hashtag_forms = boosted.hashtags, boosted.hashtag_forms
        if boosted_user is not None:
            users.append(boosted_user)
        return Record(post, [boosted], users)
    quote = status.get("quote")
    quoted = quote.get("quoted_status") if isinstance(quote, dict) else None
    if isinstance(quoted, dict) and post.kind == "original":
        other, other_user = _status(quoted)
        if other is not None:
            other.top_level = False
            post.kind, post.parent_id, post.parent_author_id = "quote", other.post_id, other.author_id
            if other_user is not None:
                users.append(other_user)
            return Record(post, [other], users)
    return Record(post, [], users)


def _status(status: dict) -> tuple[Post | None, User | None]:
    """The post of one Status (its boost, if any, left to the caller) and its author."""
    post_id = _id(status.get("id"))
    created = _time(status.get("created_at"))
    if post_id is None or created is None:
        return None, None
    account = status.get("account")
    user = _user(account) if isinstance(account, dict) else None
    text = html_to_text(status.get("content"))
    hashtags, forms = tag_columns(_tag_forms(status.get("tags"), text))
    post = Post(platform=PLATFORM, post_id=post_id, created_at=created,
                author_id=user.user_id if user else None, author_handle=user.handle if user else None,
                author_followers=user.followers if user else None, text=text,
                lang=_str(status.get("language")), hashtags=hashtags, hashtag_forms=forms,
                likes=count(status.get("favourites_count")), reposts=count(status.get("reblogs_count")),
                replies=count(status.get("replies_count")), quotes=count(status.get("quotes_count")))
    parent = _id(status.get("in_reply_to_id"))
    if parent is not None:
        post.kind, post.parent_id = "reply", parent
        post.parent_author_id = _id(status.get("in_reply_to_account_id"))
    return post, user


def _tag_forms(tags: Any, text: str | None) -> list[str]:
    """Tag entities, each in the form the text shows it when the text has it."""
    names = [t["name"] for t in tags if isinstance(t, dict) and isinstance(t.get("name"), str)] \
        if isinstance(tags, list) else []
    if not names:
        return []
    written = {normalise_tag(form): form for form in reversed(hashtags_from_text(text))}
    return [written.get(normalise_tag(name), name) for name in names]


def _user(account: dict) -> User | None:
    user_id = _id(account.get("id"))
    if user_id is None:
        return None
    return User(platform=PLATFORM, user_id=user_id, handle=_str(account.get("acct")),
                name=_str(account.get("display_name")) or None,
                followers=count(account.get("followers_count")), created_at=_time(account.get("created_at")))


# ---------------------------------------------------------------------------------------------
# ActivityPub


def _activity(activity: Any) -> Item:
    if not isinstance(activity, dict):
        return Reject("ActivityPub item is not an object", _raw(activity))
    kind = activity.get("type")
    if kind == "Announce":
        return _announce(activity)
    note = activity.get("object")
    if kind != "Create" or not isinstance(note, dict) or note.get("type") not in _NOTE_TYPES:
        return Skip(str(kind).lower() if isinstance(kind, str) else "activity")
    post_id = _str(note.get("id"))
    created = _time(note.get("published")) or _time(activity.get("published"))
    if post_id is None or created is None:
        return Reject("ActivityPub note without id or a valid published time", _raw(activity))
    text = html_to_text(note.get("content"))
    entities = note.get("tag")
    forms = [t["name"] for t in entities if isinstance(t, dict) and t.get("type") == "Hashtag"
             and isinstance(t.get("name"), str)] if isinstance(entities, list) else None
    hashtags, shown = tag_columns(_tag_forms([{"name": f} for f in forms], text) if forms is not None
                                  else hashtags_from_text(text))
    contents = note.get("contentMap")
    lang = next(iter(contents), None) if isinstance(contents, dict) else None
    author = _str(note.get("attributedTo")) or _str(activity.get("actor"))
    post = Post(platform=PLATFORM, post_id=post_id, created_at=created, author_id=author, text=text,
                lang=lang, hashtags=hashtags, hashtag_forms=shown)
    parent = note.get("inReplyTo")
    parent = parent.get("id") if isinstance(parent, dict) else parent
    if isinstance(parent, str):
        post.kind, post.parent_id = "reply", parent
    return Record(post)


def _announce(activity: dict) -> Item:
    target = activity.get("object")
    target = target.get("id") if isinstance(target, dict) else target
    post_id = _str(activity.get("id"))
    created = _time(activity.get("published"))
    if not isinstance(target, str) or post_id is None or created is None:
        return Reject("ActivityPub Announce without id, object or a valid published time", _raw(activity))
    return Record(Post(platform=PLATFORM, post_id=post_id, created_at=created,
                       author_id=_str(activity.get("actor")), kind="repost", parent_id=target))


# ---------------------------------------------------------------------------------------------
# HTML


# Mastodon's sanitiser leaves a small, well-formed subset of HTML (p, br, a, span): a tag is
# ``<`` ... ``>`` with quoted attribute values, so a regex strips tags faster than a parser.
_TAG = re.compile(r"""<(/?)([a-zA-Z0-9]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")


def _replace_tag(match: re.Match) -> str:
    name = match.group(2).lower()
    if name == "br":
        return "\n"
    if name == "p" and not match.group(1):
        return "\n\n"
    return ""


def html_to_text(content: Any) -> str | None:
    """Plain text of a status's HTML ``content``.

    >>> html_to_text('<p>Me too <a href="https://m.s/tags/metoo" class="hashtag">#<span>MeToo</span></a></p><p>a<br>b &amp; c</p>')
    'Me too #MeToo\\n\\na\\nb & c'
    """
    if not isinstance(content, str):
        return None
    if "<" not in content:
        return unescape(content)
    text = _TAG.sub(_replace_tag, content)
    return unescape(text[2:] if text.startswith("\n\n") else text)


# ---------------------------------------------------------------------------------------------
# Small typed accessors: a value of the wrong type is unknown, never a crash later in Arrow.


def _id(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    return str(value) if type(value) is int else None


def _time(value: Any) -> int | None:
    if isinstance(value, str):
        try:
            return parse_iso(value)
        except ValueError:
            return None
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
