"""Bluesky (AT Protocol): Jetstream events, XRPC views and repository records.

Shapes read (one decoded JSON value each):

- Jetstream events ``{"did", "time_us", "kind": "commit"|"identity"|"account", "commit": {"rev",
  "operation", "collection", "rkey", "record", "cid"}}`` (bluesky-social/jetstream README).
  A created or updated ``app.bsky.feed.post`` is a post, an ``app.bsky.feed.repost`` a repost;
  ``delete`` is ``Skip("delete")``; other collections are skipped under their short name
  (``like``, ``follow`` ...); ``identity`` events carry a handle (``Skip("identity", users=...)``)
  and ``account`` events are ``Skip("account")``.
- XRPC views: ``getAuthorFeed``/``getTimeline``/``getFeed`` ``{"feed": [{"post", "reply"?,
  "reason"?}]}``, ``getPostThread`` ``{"thread": threadViewPost}`` (every post of the thread is a
  record: the anchor, its parents and its replies), ``searchPosts``/``getPosts`` ``{"posts":
  [postView]}``, ``getFollows``/``getFollowers`` (one ``Skip("follows")`` carrying the profiles),
  ``getLikes``/``getRepostedBy`` (one ``Skip("likes")`` or ``Skip("reposted_by")``, the same).
  A feed item or a thread node saved on its own (``jq -c '.feed[]'`` writes one per line) is
  read as it is inside its answer. An empty page (``{"feed": []}``, the last page of a feed, or a
  search without hits) holds no record: it is recognised and yields nothing.
- Repository records ``{"uri", "cid", "value": record}`` (``getRecord``), ``listRecords``
  ``{"records": [...]}``, and bare records (``{"$type": "app.bsky.feed.post", ...}``).

Identifiers: ``post_id`` is the record's AT URI ``at://{did}/{collection}/{rkey}``, ``author_id``
the DID. A bare post record carries no URI and no author, so it cannot be keyed:
``Reject("bluesky post record without uri")``.

A feed item whose ``reason`` is ``reasonRepost`` is a repost by ``reason.by`` of the post, which is
kept as an embedded copy (``top_level`` False). The repost's id is ``reason.uri`` when the view
carries it (newer AppViews do); otherwise ``at://{by.did}/app.bsky.feed.repost/h{digest}`` where
``digest`` is the first 13 hex digits of BLAKE2b over ``by.did``, the post URI and
``reason.indexedAt``: stable across re-collections of the same feed; the ``h`` prefix marks it
as derived, not a record key read from the network.

Times without a zone are UTC (AT Protocol datetimes should carry one; older SDKs did not).
Hashtags come from tag facets (``app.bsky.richtext.facet#tag``) plus the record's ``tags``; the text
is searched only when the record has no facets at all. A reply (``reply.parent``) outranks a quote
(``embed`` of a post record) for ``kind``: the conversation tree is what cascades follow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import msgspec

from hashtide.ingest.items import Item, Record, Reject, Skip
from hashtide.ingest.twitter_v2 import count
from hashtide.model import LAST_US, Post, User, hashtags_from_text, parse_iso, tag_columns

NAME = "bluesky"
PLATFORM = "bluesky"

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
TAG_FEATURE = "app.bsky.richtext.facet#tag"
_QUOTE_EMBEDS = ("app.bsky.embed.record", "app.bsky.embed.record#view")
_MEDIA_QUOTE_EMBEDS = ("app.bsky.embed.recordWithMedia", "app.bsky.embed.recordWithMedia#view")
_REASON_REPOST = "app.bsky.feed.defs#reasonRepost"
_THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"
_MISSING_NODES = ("app.bsky.feed.defs#notFoundPost", "app.bsky.feed.defs#blockedPost")
_LIST_KEYS = ("feed", "posts", "records")
_PAGE_KEYS = ("cursor", "hitsTotal")  # what an XRPC list answer holds beside its list
_PROFILE_LIST_KEYS = ("follows", "followers")


def sniff(doc: Any) -> bool:
    """Whether ``doc`` is a Jetstream event, an XRPC view or an AT Protocol record."""
    if not isinstance(doc, dict):
        return False
    if "time_us" in doc and "did" in doc and "kind" in doc:
        return True
    uri = doc.get("uri")
    if isinstance(uri, str):
        return uri.startswith("at://")
    kind = doc.get("$type")
    if isinstance(kind, str):
        return kind.startswith("app.bsky.")
    thread = doc.get("thread")
    if isinstance(thread, dict):
        return "post" in thread or str(thread.get("$type", "")).startswith("app.bsky.")
    for key in _LIST_KEYS:
        items = doc.get(key)
        if isinstance(items, list):
            if not items:  # the last page of a feed, a search without hits: no records
                return not doc.keys() - {key, *_PAGE_KEYS}
            first = items[0]
            return isinstance(first, dict) and (
                "post" in first or str(first.get("uri", "")).startswith("at://"))
    for key in _PROFILE_LIST_KEYS:
        if isinstance(doc.get(key), list) and isinstance(doc.get("subject"), dict):
            return "did" in doc["subject"]
    post = doc.get("post")  # a feed item on its own, as `jq -c '.feed[]'` writes it
    return isinstance(post, dict) and _uri_of(post) is not None and "record" in post


def read(doc: Any) -> Iterator[Item]:
    """The items of one document; see the module docstring for the shapes."""
    if not isinstance(doc, dict):
        yield Reject("bluesky document is not an object")
        return
    if "time_us" in doc and "kind" in doc:
        yield _guarded(_jetstream, doc)
    elif "thread" in doc:
        yield from _thread(doc["thread"])
    elif isinstance(doc.get("feed"), list):
        for entry in doc["feed"]:
            yield _guarded(_feed_item, entry)
    elif isinstance(doc.get("posts"), list):
        for view in doc["posts"]:
            yield _guarded(_post_view_record, view)
    elif isinstance(doc.get("records"), list):
        for entry in doc["records"]:
            yield _guarded(_repo_record, entry)
    elif any(isinstance(doc.get(key), list) for key in _PROFILE_LIST_KEYS):
        yield _guarded(_profiles, doc)
    elif isinstance(doc.get("likes"), list) or isinstance(doc.get("repostedBy"), list):
        yield _guarded(_engagers, doc)
    elif isinstance(doc.get("post"), dict):  # one feed item or thread node, saved on its own
        if doc.get("$type") == _THREAD_VIEW or "parent" in doc or "replies" in doc:
            yield from _thread(doc)  # a feed item has "reply" and "reason", never these
        else:
            yield _guarded(_feed_item, doc)
    elif doc.get("$type") in _MISSING_NODES:  # a thread's missing post, saved on its own
        yield from _thread(doc)
    elif "value" in doc or "$type" in doc:
        yield _guarded(_repo_record, doc)
    elif "record" in doc and "author" in doc:
        yield _guarded(_post_view_record, doc)
    else:
        yield Reject("bluesky document of an unknown shape", msgspec.json.encode(doc))


def _guarded(read_one, record: Any) -> Item:
    """One item for one record, whatever its content: a malformed record is a Reject."""
    try:
        return read_one(record)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        return Reject(f"malformed bluesky record ({type(exc).__name__}: {exc})", _raw(record))


def _raw(record: Any) -> bytes | None:
    try:
        return msgspec.json.encode(record)
    except (TypeError, msgspec.EncodeError):
        return None


# ---------------------------------------------------------------------------------------------
# Jetstream


def _jetstream(event: dict) -> Item:
    kind = event.get("kind")
    did = event.get("did")
    if kind == "identity":
        identity = event.get("identity") or {}
        handle = _str(identity.get("handle"))
        users = [User(platform=PLATFORM, user_id=did, handle=handle)] if isinstance(did, str) and handle else []
        return Skip("identity", users=users)
    if kind == "account":
        return Skip("account")
    if kind != "commit":
        return Skip(f"jetstream {kind}" if isinstance(kind, str) else "jetstream event")
    commit = event.get("commit")
    if not isinstance(commit, dict) or not isinstance(did, str):
        return Reject("jetstream commit without did or commit", _raw(event))
    operation = commit.get("operation")
    collection = commit.get("collection")
    if operation == "delete":
        return Skip("delete")
    if collection not in (POST, REPOST):
        return Skip(_short(collection))
    rkey = commit.get("rkey")
    record = commit.get("record")
    if not isinstance(rkey, str) or not isinstance(record, dict):
        return Reject("jetstream commit without rkey or record", _raw(event))
    uri = f"at://{did}/{collection}/{rkey}"
    return _record_post(uri, did, record, _time_us(event.get("time_us")))


def _time_us(value: Any) -> int | None:
    """Jetstream's ``time_us`` as a fallback time, when it is one: a damaged event's count of
    microseconds beyond the calendar (year 9999) would make the whole batch fail in Arrow."""
    return value if type(value) is int and 0 <= value <= LAST_US else None


def _short(collection: Any) -> str:
    """``app.bsky.feed.like`` -> ``like``."""
    return collection.rsplit(".", 1)[-1] if isinstance(collection, str) and collection else "record"


# ---------------------------------------------------------------------------------------------
# Records (``{"uri", "cid", "value"}`` and bare)


def _repo_record(entry: dict) -> Item:
    if "value" not in entry:  # a bare record
        kind = entry.get("$type")
        if kind == POST or kind == REPOST:
            return Reject(f"bluesky {_short(kind)} record without uri", _raw(entry))
        return Skip(_short(kind))
    value = entry["value"]
    uri = entry.get("uri")
    if not isinstance(value, dict) or not isinstance(uri, str) or not uri.startswith("at://"):
        return Reject("bluesky record without at:// uri or value", _raw(entry))
    collection = value.get("$type") or _uri_collection(uri)
    if collection not in (POST, REPOST):
        return Skip(_short(collection))
    return _record_post(uri, _uri_did(uri), value, None)


def _record_post(uri: str, did: str, record: dict, fallback_us: int | None) -> Item:
    """A post or repost known from its record alone (no view: no handle, no counters)."""
    if _uri_collection(uri) == REPOST or record.get("$type") == REPOST:
        subject = _uri_of(record.get("subject"))
        created = _time(record.get("createdAt"), fallback_us)
        if subject is None or created is None:
            return Reject("bluesky repost without subject uri or createdAt", _raw(record))
        post = Post(platform=PLATFORM, post_id=uri, created_at=created, author_id=did, kind="repost",
                    parent_id=subject, parent_author_id=_uri_did(subject))
        return Record(post)
    post = _post(uri, did, record, fallback_us)
    if post is None:
        return Reject("bluesky post without a valid createdAt", _raw(record))
    return Record(post)


def _post(uri: str, did: str | None, record: dict, fallback_us: int | None) -> Post | None:
    """The post of ``record`` (an ``app.bsky.feed.post``) at ``uri``; None without a time."""
    created = _time(record.get("createdAt"), fallback_us)
    if created is None:
        return None
    text = _str(record.get("text"))
    langs = record.get("langs")
    lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    hashtags, forms = tag_columns(_tag_forms(record, text))
    post = Post(platform=PLATFORM, post_id=uri, created_at=created, author_id=did, text=text, lang=lang,
                hashtags=hashtags, hashtag_forms=forms)
    reply = record.get("reply")
    parent = _uri_of(reply.get("parent")) if isinstance(reply, dict) else None
    if parent is not None:
        post.kind, post.parent_id = "reply", parent
        post.root_id = _uri_of(reply.get("root"))
        post.parent_author_id = _uri_did(parent)
        return post
    quoted = _quoted_uri(record.get("embed"))
    if quoted is not None:
        post.kind, post.parent_id, post.parent_author_id = "quote", quoted, _uri_did(quoted)
    return post


def _tag_forms(record: dict, text: str | None) -> list[str]:
    facets = record.get("facets")
    extra = record.get("tags")
    forms = [t for t in extra if isinstance(t, str)] if isinstance(extra, list) else []
    if not facets or not isinstance(facets, list):
        return hashtags_from_text(text) + forms
    tags = []
    for facet in facets:
        features = facet.get("features") if isinstance(facet, dict) else None
        if isinstance(features, list):
            for feature in features:
                if isinstance(feature, dict) and feature.get("$type") == TAG_FEATURE:
                    tag = feature.get("tag")
                    if isinstance(tag, str):
                        tags.append(tag)
    return tags + forms


def _quoted_uri(embed: Any) -> str | None:
    """The URI of the post a record embeds (a quote), from the record or its view."""
    if not isinstance(embed, dict):
        return None
    kind = embed.get("$type")
    inner = embed.get("record")
    if kind in _MEDIA_QUOTE_EMBEDS and isinstance(inner, dict):
        inner = inner.get("record")
    elif kind not in _QUOTE_EMBEDS:
        return None
    uri = _uri_of(inner)
    return uri if uri is not None and _uri_collection(uri) == POST else None


# ---------------------------------------------------------------------------------------------
# Views


def _feed_item(entry: dict) -> Item:
    view = entry["post"]
    post, embedded, users = _from_view(view)
    if post is None:
        return Reject("bluesky post view without uri or createdAt", _raw(entry))
    reply = entry.get("reply")
    if isinstance(reply, dict):  # the reply context: full views of parent and root
        for key in ("parent", "root"):
            context = reply.get(key)
            if isinstance(context, dict) and "record" in context:
                other, more, who = _from_view(context)
                if other is not None:
                    embedded.extend(_embedded(other, more))
                    users.extend(who)
    reason = entry.get("reason")
    if isinstance(reason, dict) and reason.get("$type") == _REASON_REPOST:
        return _repost_by_reason(reason, post, embedded, users, entry)
    return Record(post, embedded, users)


def _repost_by_reason(reason: dict, post: Post, embedded: list, users: list, entry: dict) -> Item:
    by = reason.get("by")
    did = by.get("did") if isinstance(by, dict) else None
    if not isinstance(did, str):
        return Reject("bluesky repost reason without by.did", _raw(entry))
    indexed = _str(reason.get("indexedAt")) or ""
    uri = _str(reason.get("uri"))
    if uri is None or not uri.startswith("at://"):
        digest = hashlib.blake2b(f"{did}\n{post.post_id}\n{indexed}".encode(), digest_size=8).hexdigest()
        uri = f"at://{did}/{REPOST}/h{digest[:13]}"
    created = _time(indexed, None)
    repost = Post(platform=PLATFORM, post_id=uri, created_at=created, author_id=did,
                  author_handle=_str(by.get("handle")), text=post.text, lang=post.lang,
                  hashtags=post.hashtags, hashtag_forms=post.hashtag_forms, kind="repost",
                  parent_id=post.post_id, parent_author_id=post.author_id)
    users.append(_user(by))
    return Record(repost, _embedded(post, embedded), users)


def _embedded(post: Post, more: list[Post]) -> list[Post]:
    """``post`` and what it embeds, marked as known only from an embedded copy."""
    post.top_level = False
    return [post, *more]


def _post_view_record(view: dict) -> Item:
    post, embedded, users = _from_view(view)
    if post is None:
        return Reject("bluesky post view without uri or createdAt", _raw(view))
    return Record(post, embedded, users)


def _from_view(view: dict) -> tuple[Post | None, list[Post], list[User]]:
    """The post of a postView (or an embed's viewRecord), the posts it embeds, its author."""
    uri = view.get("uri")
    record = view.get("record", view.get("value"))
    if not isinstance(uri, str) or not isinstance(record, dict):
        return None, [], []
    author = view.get("author")
    did = author.get("did") if isinstance(author, dict) else None
    if not isinstance(did, str):
        did = _uri_did(uri)
    post = _post(uri, did, record, _time(view.get("indexedAt"), None))
    if post is None:
        return None, [], []
    post.author_handle = _str(author.get("handle")) if isinstance(author, dict) else None
    post.likes = count(view.get("likeCount"))
    post.reposts = count(view.get("repostCount"))
    post.replies = count(view.get("replyCount"))
    post.quotes = count(view.get("quoteCount"))
    users = [_user(author)] if isinstance(author, dict) and isinstance(author.get("did"), str) else []
    embedded: list[Post] = []
    shown = _embedded_view(view.get("embed", view.get("embeds")))
    if shown is not None:
        other, more, who = _from_view(shown)
        if other is not None:
            embedded.extend(_embedded(other, more))
            users.extend(who)
    return post, embedded, users


def _embedded_view(embed: Any) -> dict | None:
    """The viewRecord of a quoted post inside an embed view (``record#view`` or
    ``recordWithMedia#view``; a viewRecord's own ``embeds`` is a list)."""
    if isinstance(embed, list):
        embed = embed[0] if embed else None
    if not isinstance(embed, dict):
        return None
    inner = embed.get("record")
    if embed.get("$type") in _MEDIA_QUOTE_EMBEDS and isinstance(inner, dict):
        inner = inner.get("record")
    uri = inner.get("uri") if isinstance(inner, dict) else None
    if isinstance(uri, str) and "value" in inner and _uri_collection(uri) == POST:
        return inner
    return None


def _thread(node: Any) -> Iterator[Item]:
    """Every post of a threadViewPost, parents first: each is a record."""
    if not isinstance(node, dict):
        yield Reject("bluesky thread node is not an object", _raw(node))
        return
    kind = node.get("$type", "")
    if "post" not in node:
        yield Skip("not_found" if "notFound" in str(kind) else "blocked" if "blocked" in str(kind)
                   else "thread_node")
        return
    parent = node.get("parent")
    if isinstance(parent, dict):
        yield from _thread(parent)
    yield _guarded(_post_view_record, node["post"])
    replies = node.get("replies")
    if isinstance(replies, list):
        for reply in replies:
            yield from _thread(reply)


def _profiles(doc: dict) -> Item:
    users = []
    for key in ("subject", *_PROFILE_LIST_KEYS):
        value = doc.get(key)
        for profile in value if isinstance(value, list) else [value]:
            if isinstance(profile, dict) and isinstance(profile.get("did"), str):
                users.append(_user(profile))
    return Skip("follows", users=users)


def _engagers(doc: dict) -> Item:
    """A ``getLikes`` answer (``{"uri", "likes": [{"actor": profileView, ...}]}``) or a
    ``getRepostedBy`` one (``{"uri", "repostedBy": [profileView]}``): who liked or reposted a
    post. It holds no post; its profiles are kept, as a ``getFollows`` answer's are."""
    likes = doc.get("likes")
    if isinstance(likes, list):
        kind, profiles = "likes", [like.get("actor") for like in likes if isinstance(like, dict)]
    else:
        kind, profiles = "reposted_by", doc["repostedBy"]
    users = [_user(p) for p in profiles if isinstance(p, dict) and isinstance(p.get("did"), str)]
    return Skip(kind, users=users)


def _user(profile: dict) -> User:
    return User(platform=PLATFORM, user_id=profile["did"], handle=_str(profile.get("handle")),
                name=_str(profile.get("displayName")), followers=count(profile.get("followersCount")),
                created_at=_time(profile.get("createdAt"), None))


# ---------------------------------------------------------------------------------------------
# Small typed accessors: a value of the wrong type is unknown, never a crash later in Arrow.


def _uri_of(ref: Any) -> str | None:
    uri = ref.get("uri") if isinstance(ref, dict) else None
    return uri if isinstance(uri, str) and uri.startswith("at://") else None


def _uri_did(uri: str) -> str | None:
    """``at://did:plc:x/app.bsky.feed.post/rkey`` -> ``did:plc:x``."""
    did = uri[5:].split("/", 1)[0]
    return did or None


def _uri_collection(uri: str) -> str | None:
    parts = uri[5:].split("/")
    return parts[1] if len(parts) > 2 else None


def _time(value: Any, fallback: int | None) -> int | None:
    if isinstance(value, str):
        try:
            return parse_iso(value)
        except ValueError:
            pass
    return fallback


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
