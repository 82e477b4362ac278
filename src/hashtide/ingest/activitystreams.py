"""Gnip Activity Streams: enterprise Twitter (PowerTrack, Historical, Search) in the Activity
Streams 1.0 dialect Gnip wrote until 2020.

Shapes read (Gnip's "Activity Streams data format" and the tweet-updates samples,
https://github.com/twitterdev/tweet-updates/tree/master/samples/activity_streams):

- ``verb: "post"``: an original tweet, a reply (``inReplyTo``) or a quote
  (``twitter_quoted_status``, itself an activity, stored as an embedded post);
- ``verb: "share"``: a retweet of ``object`` (the retweeted activity, stored as an embedded post);
- compliance activities (``delete``, ``scrub_geo``, ``user_protect``...): ``Skip(verb)``.

The tweet is the same tweet as in v1.1 and v2, so the rows match :mod:`twitter_v2`'s: platform
``twitter``, ``post_id`` the numeric id of ``tag:search.twitter.com,2005:<id>``, authors by their
numeric id (``id:twitter.com:<id>``), text and tags from ``long_object`` when the tweet is over
140 characters. ``country`` comes only from the tweet's place (``location``, ISO code in
``twitter_country_code``), never from Gnip's profile-location guesses. Gnip writes ``-1`` for
counts it did not collect; those are null.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hashtide.ingest.items import Item, Record, Reject, Skip
from hashtide.ingest.twitter_v2 import NO_LANGUAGE, count, snowflake_time, tag_lists
from hashtide.model import Post, User, hashtags_from_text, parse_iso

NAME = "twitter-activitystreams"
PLATFORM = "twitter"

_COMPLIANCE_VERBS = frozenset(
    {"delete", "scrub_geo", "user_protect", "user_unprotect", "user_delete", "user_undelete",
     "user_suspend", "user_unsuspend", "user_withheld", "status_withheld"}
)


def sniff(doc: Any) -> bool:
    """A Gnip activity: ``verb`` and ``actor``, or a compliance activity."""
    if type(doc) is not dict or type(doc.get("verb")) is not str:
        return False
    return "actor" in doc or doc.get("objectType") == "activity"


def read(doc: Any) -> Iterator[Item]:
    """The item of one activity; see the module docstring. Never raises for bad content."""
    if type(doc) is not dict:
        yield Reject("not a JSON object")
        return
    verb = doc.get("verb")
    if type(verb) is not str:
        yield Reject("activity without a verb")
        return
    if verb in _COMPLIANCE_VERBS or verb == "favorite":
        yield Skip("like" if verb == "favorite" else verb)
        return
    if verb not in ("post", "share"):
        yield Reject(f"activity verb {verb!r} is neither a post nor a share")
        return
    try:
        post = _post(doc, True)
        embedded = [p for p in (_embedded(doc.get("object")), _embedded(doc.get("twitter_quoted_status"))) if p]
        users = {}
        for activity in (doc, doc.get("object"), doc.get("twitter_quoted_status")):
            user = _user(activity.get("actor")) if type(activity) is dict else None
            if user is not None:
                users.setdefault(user.user_id, user)
    except Exception as exc:  # a malformed activity is quarantined, never a traceback
        yield Reject(f"unreadable activity ({type(exc).__name__}: {exc})")
        return
    yield Record(post, [p for p in embedded if p.post_id != post.post_id], list(users.values()))


def _embedded(activity: Any) -> Post | None:
    """A retweeted or quoted activity as an embedded post (a share's ``object`` is one)."""
    if type(activity) is not dict or activity.get("objectType") != "activity":
        return None
    try:
        return _post(activity, False)
    except Exception:  # an unreadable embedded copy is not a record: leave it out
        return None


def _post(activity: dict, top_level: bool) -> Post:
    get = activity.get
    post_id = _tail_id(get("id"))
    if post_id is None:
        raise ValueError(f"activity id {get('id')!r} is not a tweet id")
    actor = get("actor")
    if type(actor) is not dict:
        actor = _EMPTY
    kind, parent_id, parent_author_id, parent = _reference(activity)
    text, hashtags, forms = _content(parent if parent is not None else activity)
    lang = get("twitter_lang")
    created_at = None
    if type(get("postedTime")) is str:
        try:
            created_at = parse_iso(get("postedTime"))
        except (ValueError, OverflowError):
            pass
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        created_at=created_at if created_at is not None else snowflake_time(post_id),
        author_id=_tail_id(actor.get("id")),
        author_handle=_str(actor.get("preferredUsername")),
        author_followers=count(actor.get("followersCount")),
        text=text,
        lang=lang if type(lang) is str and lang not in NO_LANGUAGE else None,
        country=_country(get("location")),
        hashtags=hashtags,
        hashtag_forms=forms,
        kind=kind,
        parent_id=parent_id,
        root_id=None if kind == "reply" else post_id,
        parent_author_id=parent_author_id,
        likes=count(get("favoritesCount")),
        reposts=count(get("retweetCount")),
        top_level=top_level,
    )


_EMPTY: dict = {}


def _reference(activity: dict) -> tuple[str, str | None, str | None, dict | None]:
    """``(kind, parent_id, parent_author_id, shared activity)``: share, then reply, then quote."""
    if activity.get("verb") == "share":
        shared = activity.get("object")
        if type(shared) is dict:
            parent_id = _tail_id(shared.get("id"))
            if parent_id is not None:
                return "repost", parent_id, _actor_id(shared), shared
    reply_to = activity.get("inReplyTo")
    if type(reply_to) is dict:
        # only the link is given: http://twitter.com/<handle>/statuses/<id>
        link = reply_to.get("link")
        parent_id = _tail_id(link, "/")
        if parent_id is not None:
            return "reply", parent_id, _replied_author_id(activity, link), None
    quoted = activity.get("twitter_quoted_status")
    if type(quoted) is dict:
        parent_id = _tail_id(quoted.get("id"))
        if parent_id is not None:
            return "quote", parent_id, _actor_id(quoted), None
    return "original", None, None, None


def _replied_author_id(activity: dict, link: str) -> str | None:
    """The id of the account replied to: the link names its handle, the mentions give its id."""
    parts = link.split("/")
    handle = parts[-3].casefold() if len(parts) >= 3 else ""
    for source in (activity.get("long_object"), activity):
        entities = source.get("twitter_entities") if type(source) is dict else None
        mentions = entities.get("user_mentions") if type(entities) is dict else None
        for mention in mentions if type(mentions) is list else ():
            if type(mention) is dict and str(mention.get("screen_name")).casefold() == handle:
                user_id = mention.get("id_str")
                return user_id if type(user_id) is str and user_id.isascii() and user_id.isdigit() else None
    return None


def _content(activity: dict) -> tuple[str | None, list[str], list[str]]:
    """Text and tags, from ``long_object`` when the tweet is over 140 characters."""
    long = activity.get("long_object")
    source = long if type(long) is dict and type(long.get("body")) is str else activity
    text = source.get("body")
    if type(text) is not str:
        text = None
    entities = source.get("twitter_entities")
    if type(entities) is dict:
        tags = entities.get("hashtags")
        if not tags or type(tags) is not list:
            return text, [], []
        forms = tuple([t["text"] for t in tags if type(t) is dict and type(t.get("text")) is str])
    else:
        forms = tuple(hashtags_from_text(text))
    hashtags, shown = tag_lists(forms)
    return text, hashtags, shown


def _country(location: Any) -> str | None:
    """The ISO code of the tweet's place; Gnip's ``country_code`` is often the country's name."""
    if type(location) is not dict or location.get("objectType") != "place":
        return None
    for key in ("twitter_country_code", "country_code"):
        code = location.get(key)
        if type(code) is str and len(code) == 2 and code.isascii() and code.isalpha():
            return code.upper()
    return None


def _actor_id(activity: dict) -> str | None:
    actor = activity.get("actor")
    return _tail_id(actor.get("id")) if type(actor) is dict else None


def _user(actor: Any) -> User | None:
    if type(actor) is not dict:
        return None
    user_id = _tail_id(actor.get("id"))
    if user_id is None:
        return None
    location = actor.get("location")
    verified = actor.get("verified")
    created_at = None
    if type(actor.get("postedTime")) is str:
        try:
            created_at = parse_iso(actor["postedTime"])
        except (ValueError, OverflowError):
            pass
    return User(
        platform=PLATFORM,
        user_id=user_id,
        handle=_str(actor.get("preferredUsername")),
        name=_str(actor.get("displayName")),
        followers=count(actor.get("followersCount")),
        location=_str(location.get("displayName")) if type(location) is dict else None,
        created_at=created_at,
        verified=verified if type(verified) is bool else None,
    )


def _tail_id(value: Any, separator: str = ":") -> str | None:
    """The numeric id at the end of a Gnip id (``tag:search.twitter.com,2005:123`` -> ``123``)."""
    if type(value) is not str:
        return None
    tail = value.rpartition(separator)[2]
    return tail if tail.isascii() and tail.isdigit() else None


def _str(value: Any) -> str | None:
    return value if type(value) is str else None
