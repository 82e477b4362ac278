"""One writer per format, each writing the records its real client writes, a file per day.

- ``twarc2``: X API v2 search pages as twarc2 saves them (one page per line: ``data`` of up to 100
  tweets newest first, ``includes`` {users, tweets, places}, ``meta``, ``__twarc``), modelled on
  the pages twarc2 wrote in DocNow/twarc-csv's test data;
- ``jetstream``: Bluesky Jetstream events, one per line (``commit`` events creating
  ``app.bsky.feed.post`` and ``app.bsky.feed.repost`` records, and an ``identity`` event giving
  an account's handle before its first post), as documented by bluesky-social/jetstream;
- ``mastodon``: Mastodon REST ``Status`` entities, one per line (what a client following the
  federated timeline stores), modelled on the statuses Mastodon.py recorded.

Rows arrive in time order, a chunk at a time, with a parallel array of their parents' rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from pathlib import Path

import msgspec
import numpy as np

from hashtide.simulate import ids
from hashtide.simulate.names import Names
from hashtide.simulate.scenarios import COUNTRIES, LANGUAGES, PLATFORM_NAMES, QUOTE, REPLY, REPOST
from hashtide.simulate.text import compose_body, utf8_spans, with_tags
from hashtide.simulate.truth import iso
from hashtide.simulate.world import COLLECTING_SERVER, SERVERS

FORMATS = {"twarc2": "twitter", "jetstream": "bluesky", "mastodon": "mastodon"}
FILE_PATTERNS = {"twarc2": "twitter/twarc2-{day}.jsonl", "jetstream": "bluesky/jetstream-{day}.jsonl",
                 "mastodon": "mastodon/statuses-{day}.jsonl"}

# positions of the ROW fields in ``ndarray.tolist()`` tuples
SERIAL, T, PLATFORM, KIND, BURST, AUTHOR, PARENT, PARENT_AUTHOR, ROOT_AUTHOR, PARENT_PID, ROOT_PID, PID, SEED, GEO, TAGS = range(15)

_TWARC_URL = (
    "https://api.twitter.com/2/tweets/search/all?expansions=author_id%2Cin_reply_to_user_id%2C"
    "referenced_tweets.id%2Creferenced_tweets.id.author_id%2Centities.mentions.username%2Cgeo.place_id"
    "&tweet.fields=author_id%2Cconversation_id%2Ccreated_at%2Centities%2Cgeo%2Cid%2Cin_reply_to_user_id"
    "%2Clang%2Cpublic_metrics%2Ctext%2Cpossibly_sensitive%2Creferenced_tweets%2Creply_settings%2Csource"
    "%2Cedit_history_tweet_ids&user.fields=created_at%2Cdescription%2Cid%2Clocation%2Cname"
    "%2Cprofile_image_url%2Cprotected%2Cpublic_metrics%2Curl%2Cusername%2Cverified"
    "&place.fields=country%2Ccountry_code%2Cfull_name%2Cgeo%2Cid%2Cname%2Cplace_type"
    "&start_time={start}&end_time={end}&query=has%3Ahashtags%20OR%20-is%3Anullcast&max_results=100"
)
_SOURCES = ("Twitter for iPhone", "Twitter for Android", "Twitter Web Client", "TweetDeck")
_CENTRES = {  # rough (lon, lat) of each country's places, for the place bounding boxes
    "US": (-95.7, 37.1), "GB": (-1.5, 52.4), "CA": (-79.4, 45.5), "IN": (77.2, 23.6), "FR": (2.35, 46.2),
    "AU": (146.0, -34.0), "IT": (12.5, 42.5), "ES": (-3.7, 40.4), "MX": (-99.1, 19.4), "AR": (-58.4, -34.6),
    "CO": (-74.1, 4.7), "DE": (10.4, 51.1), "BR": (-46.6, -23.5), "JP": (139.7, 35.7), "SE": (18.1, 59.3),
    "BE": (4.4, 50.8), "CH": (8.5, 47.0), "IE": (-6.3, 53.3), "NG": (3.4, 6.5), "PH": (121.0, 14.6),
    "KR": (127.0, 37.6), "NL": (4.9, 52.4), "ZA": (28.0, -26.2), "TR": (29.0, 41.0),
}


def day_of(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%d")


class _DailyFiles:
    """Opens one file per UTC day under ``out_dir`` and remembers their relative paths."""

    def __init__(self, out_dir: Path, pattern: str):
        self.out_dir = out_dir
        self.pattern = pattern
        self.day: str | None = None
        self.handle = None
        self.paths: list[str] = []

    def switch(self, day: str) -> bool:
        """Make ``day``'s file current; True when that changed the file."""
        if day == self.day:
            return False
        self.close()
        rel = self.pattern.format(day=day)
        path = self.out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(path, "wb", buffering=1 << 20)
        self.paths.append(rel)
        self.day = day
        return True

    def write(self, data: bytes) -> None:
        self.handle.write(data)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


class _Renderer:
    """What every format shares: texts, languages, tag forms, handles."""

    def __init__(self, names: Names, platform: str):
        self.names = names
        self.platform = platform
        self.pool = names.world.pools[platform]

    def lang(self, author: int) -> str:
        return LANGUAGES[self.pool.lang[author]]

    def forms(self, tags) -> list[str]:
        return [self.names.display(c) for c in tags if c >= 0]

    def body(self, r) -> str:
        return compose_body(self.lang(r[AUTHOR]), r[SEED])


def _hexhash(*parts) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).hexdigest()


# ---------------------------------------------------------------------------------------------
# twarc2


class Twarc2Writer(_Renderer):
    """X API v2 search pages (twarc2 output), 100 tweets a page, newest first in each page."""

    PAGE = 100

    def __init__(self, out_dir: Path, names: Names, window: tuple[int, int], retrieved_at: str):
        super().__init__(names, "twitter")
        self.files = _DailyFiles(out_dir, FILE_PATTERNS["twarc2"])
        self.pending: list[tuple] = []
        self.encoder = msgspec.json.Encoder()
        # kept encoded (a third of the dicts' size): busy users and recent tweets come again and again
        self.user = lru_cache(maxsize=1 << 15)(lambda author: msgspec.Raw(self.encoder.encode(self._user(author))))
        self.rendered: dict[int, tuple[str, msgspec.Raw]] = {}  # recent tweets by id, for their replies and retweets
        self.url = _TWARC_URL.format(start=iso(window[0]).replace(":", "%3A"), end=iso(window[1]).replace(":", "%3A"))
        self.retrieved_at = retrieved_at

    def write(self, rows: list, parents: list) -> None:
        for r, p in zip(rows, parents):
            day = day_of(r[T])
            if self.files.day != day:
                self._flush()
                self.files.switch(day)
            self.pending.append(self._item(r, p))
            if len(self.pending) == self.PAGE:
                self._flush()

    def close(self) -> None:
        self._flush()
        self.files.close()

    def _item(self, r, p) -> tuple:
        tweet = self._encoded(self.tweet(r, p))
        if len(self.rendered) > 50_000:
            self.rendered.clear()
        self.rendered[r[PID]] = tweet
        users = [r[AUTHOR]]
        included = None
        if r[PARENT] >= 0:
            included = self.rendered.get(p[PID])
            if included is None:
                included = self._encoded(self.tweet(p, None))
            users.append(p[AUTHOR])
        place = self.place(r[AUTHOR]) if r[GEO] else None
        return tweet, included, users, place

    def _encoded(self, tweet: dict) -> tuple[str, msgspec.Raw]:
        return tweet["id"], msgspec.Raw(self.encoder.encode(tweet))

    def text(self, r) -> tuple[str, list, list, list]:
        """Text and its hashtag, mention and url entities, for a tweet that is not a retweet."""
        prefix = ""
        mentions = []
        if r[KIND] == REPLY:
            handle = self.pool.username(r[PARENT_AUTHOR])
            prefix = f"@{handle} "
            mentions.append({"start": 0, "end": len(handle) + 1, "username": handle, "id": self.pool.user_id(r[PARENT_AUTHOR])})
        text, spans = with_tags(prefix + self.body(r), self.forms(r[TAGS]))
        hashtags = [{"start": s, "end": e, "tag": form} for s, e, form in spans]
        urls = []
        if r[KIND] == QUOTE:
            short = "https://t.co/" + _hexhash("tco", r[PID])[:10]
            start = len(text) + 1
            text = f"{text} {short}"
            quoted = self.pool.username(r[PARENT_AUTHOR])
            urls.append({"start": start, "end": len(text), "url": short,
                         "expanded_url": f"https://twitter.com/{quoted}/status/{r[PARENT_PID]}",
                         "display_url": f"twitter.com/{quoted}/status/{str(r[PARENT_PID])[:5]}…"})
        return text, hashtags, mentions, urls

    def tweet(self, r, p) -> dict:
        """The v2 tweet object of row ``r`` (``p``: its parent's row, needed for a retweet)."""
        tid = str(r[PID])
        if r[KIND] == REPOST:
            parent_text, parent_tags, parent_mentions, _ = self.text(p)
            handle = self.pool.username(p[AUTHOR])
            prefix = f"RT @{handle}: "
            text = prefix + parent_text
            shift = len(prefix)
            hashtags = [{**h, "start": h["start"] + shift, "end": h["end"] + shift} for h in parent_tags]
            mentions = [{"start": 3, "end": 4 + len(handle), "username": handle, "id": self.pool.user_id(p[AUTHOR])}]
            mentions += [{**m, "start": m["start"] + shift, "end": m["end"] + shift} for m in parent_mentions]
            urls = []
            if len(text) > 140:  # v2 gives a retweet's text cut at 140 characters
                text = text[:139] + "…"
                hashtags = [h for h in hashtags if h["end"] <= 139]
                mentions = [m for m in mentions if m["end"] <= 139]
        else:
            text, hashtags, mentions, urls = self.text(r)
        obj = {
            "id": tid,
            "text": text,
            "created_at": iso(r[T] // 1000 * 1000),
            "author_id": self.pool.user_id(r[AUTHOR]),
            "conversation_id": str(r[ROOT_PID]),
            "lang": self.lang(p[AUTHOR] if r[KIND] == REPOST else r[AUTHOR]),
            "edit_history_tweet_ids": [tid],
        }
        entities = {}
        if hashtags:
            entities["hashtags"] = hashtags
        if mentions:
            entities["mentions"] = mentions
        if urls:
            entities["urls"] = urls
        if entities:
            obj["entities"] = entities
        if r[KIND] != 0:
            kind = {REPOST: "retweeted", REPLY: "replied_to", QUOTE: "quoted"}[r[KIND]]
            obj["referenced_tweets"] = [{"type": kind, "id": str(r[PARENT_PID])}]
        if r[KIND] == REPLY:
            obj["in_reply_to_user_id"] = self.pool.user_id(r[PARENT_AUTHOR])
        seed = r[SEED]
        obj["public_metrics"] = {"retweet_count": (seed >> 3) % 5 if r[KIND] != REPOST else (p[SEED] >> 3) % 5,
                                 "reply_count": (seed >> 6) % 3 if r[KIND] != REPOST else 0,
                                 "like_count": (seed >> 8) % 17 if r[KIND] != REPOST else 0,
                                 "quote_count": (seed >> 12) % 2 if r[KIND] != REPOST else 0}
        if r[GEO]:
            obj["geo"] = {"place_id": self.place_id(r[AUTHOR])}
        obj["possibly_sensitive"] = False
        obj["reply_settings"] = "everyone"
        obj["source"] = _SOURCES[seed % len(_SOURCES)]
        return obj

    def _user(self, author: int) -> dict:
        pool = self.pool
        followers = int(pool.followers[author])
        user = {
            "id": pool.user_id(author),
            "name": pool.display_name(author),
            "username": pool.username(author),
            "created_at": iso(pool.created_ms(author) // 1000 * 1000),
            "description": "",
            "public_metrics": {"followers_count": followers, "following_count": (author * 7919) % 2000,
                               "tweet_count": 50 + (author * 104729) % 40000, "listed_count": followers // 500},
            "profile_image_url": "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png",
            "protected": False,
            "url": "",
            "verified": followers >= 1_000_000,
        }
        if pool.geotag[author]:
            user["location"] = self._city(author)[1]
        return user

    def _city(self, author: int) -> tuple[COUNTRIES[0].__class__, str, int]:
        country = COUNTRIES[self.pool.country[author]]
        k = author % len(country.cities)
        return country, country.cities[k], k

    def place_id(self, author: int) -> str:
        country, city, _ = self._city(author)
        return _hexhash("place", country.code, city)

    def place(self, author: int) -> dict:
        country, city, k = self._city(author)
        lon, lat = _CENTRES[country.code]
        lon, lat = lon + 0.7 * k, lat - 0.4 * k
        return {
            "full_name": city,
            "country": country.name,
            "country_code": country.code,
            "geo": {"type": "Feature", "bbox": [round(lon - 0.2, 6), round(lat - 0.15, 6), round(lon + 0.2, 6), round(lat + 0.15, 6)],
                    "properties": {}},
            "id": self.place_id(author),
            "name": city.split(",")[0],
            "place_type": "city",
        }

    def _flush(self) -> None:
        if not self.pending:
            return
        # newest first, as the search endpoint returns them: by id, which within one millisecond
        # follows the worker bits rather than the order of creation
        items = sorted(self.pending, key=lambda item: int(item[0][0]), reverse=True)
        self.pending = []
        page_ids, data, tweets, users, places = [], [], {}, {}, {}
        for (tweet_id, tweet), included, authors, place in items:
            page_ids.append(tweet_id)
            data.append(tweet)
            if included is not None:
                tweets.setdefault(included[0], included[1])
            for a in authors:
                if a not in users:
                    users[a] = None
            if place is not None:
                places.setdefault(place["id"], place)
        includes = {"users": [self.user(a) for a in users]}
        if tweets:
            includes["tweets"] = list(tweets.values())
        if places:
            includes["places"] = list(places.values())
        page = {
            "data": data,
            "includes": includes,
            "meta": {"newest_id": page_ids[0], "oldest_id": page_ids[-1], "result_count": len(data),
                     "next_token": "b26v89c19zqg8o3f" + _hexhash("next", page_ids[-1]) + _hexhash("token", page_ids[0])[:13]},
            "__twarc": {"url": self.url, "version": "2.14.0", "retrieved_at": self.retrieved_at},
        }
        self.files.write(self.encoder.encode(page) + b"\n")


# ---------------------------------------------------------------------------------------------
# Bluesky Jetstream


class JetstreamWriter(_Renderer):
    """Jetstream events: an ``identity`` event before an account's first post, then ``commit``
    events creating its posts and reposts."""

    def __init__(self, out_dir: Path, names: Names):
        super().__init__(names, "bluesky")
        self.files = _DailyFiles(out_dir, FILE_PATTERNS["jetstream"])
        self.announced = np.zeros(len(self.pool), bool)
        self.encoder = msgspec.json.Encoder()
        self.seq = 0

    def uri(self, author: int, pid: int, kind: int) -> str:
        return self.names.post_id_of("bluesky", pid, author, kind)

    def ref(self, author: int, pid: int) -> dict:
        uri = self.uri(author, pid, 0)
        return {"cid": ids.cid(uri), "uri": uri}

    def write(self, rows: list, parents: list) -> None:
        out = []
        for r, p in zip(rows, parents):
            if self.files.day != day_of(r[T]):
                if out:
                    self.files.write(b"".join(out))
                    out = []
                self.files.switch(day_of(r[T]))
            time_us = r[T] * 1000 + (r[PID] >> 10) % 1000
            author = r[AUTHOR]
            did = self.pool.did(author)
            if not self.announced[author]:
                self.announced[author] = True
                self.seq += 1
                out.append(self.encoder.encode({
                    "did": did, "time_us": time_us - 1, "kind": "identity",
                    "identity": {"did": did, "handle": self.pool.handle(author), "seq": 4_000_000_000 + self.seq,
                                 "time": iso(r[T] - 1)}}) + b"\n")
            self.seq += 1
            out.append(self.encoder.encode(self.event(r, p, did, time_us)) + b"\n")
        if out:
            self.files.write(b"".join(out))

    def event(self, r, p, did: str, time_us: int) -> dict:
        rkey = ids.tid_string(r[PID])
        created = iso(r[T])
        if r[KIND] == REPOST:
            collection = "app.bsky.feed.repost"
            record = {"$type": collection, "createdAt": created, "subject": self.ref(p[AUTHOR], p[PID])}
        else:
            collection = "app.bsky.feed.post"
            text, spans = with_tags(self.body(r), self.forms(r[TAGS]))
            record = {"$type": collection, "createdAt": created}
            if r[KIND] == QUOTE:
                record["embed"] = {"$type": "app.bsky.embed.record", "record": self.ref(p[AUTHOR], p[PID])}
            if spans:
                record["facets"] = [
                    {"$type": "app.bsky.richtext.facet",
                     "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": form}],
                     "index": {"byteEnd": e, "byteStart": s}}
                    for s, e, form in utf8_spans(text, spans)]
            record["langs"] = [self.lang(r[AUTHOR])]
            if r[KIND] == REPLY:
                record["reply"] = {"parent": self.ref(p[AUTHOR], p[PID]), "root": self.ref(r[ROOT_AUTHOR], r[ROOT_PID])}
            record["text"] = text
        uri = self.uri(r[AUTHOR], r[PID], r[KIND])
        return {"did": did, "time_us": time_us, "kind": "commit",
                "commit": {"rev": ids.tid_string(ids.tid(time_us + 7, 0)), "operation": "create",
                           "collection": collection, "rkey": rkey, "record": record, "cid": ids.cid(uri)}}

    def close(self) -> None:
        self.files.close()


# ---------------------------------------------------------------------------------------------
# Mastodon


class MastodonWriter(_Renderer):
    """Mastodon ``Status`` entities as the collecting server's API returns them."""

    def __init__(self, out_dir: Path, names: Names):
        super().__init__(names, "mastodon")
        self.files = _DailyFiles(out_dir, FILE_PATTERNS["mastodon"])
        self.encoder = msgspec.json.Encoder()

    def write(self, rows: list, parents: list) -> None:
        out = []
        for r, p in zip(rows, parents):
            if self.files.day != day_of(r[T]):
                if out:
                    self.files.write(b"".join(out))
                    out = []
                self.files.switch(day_of(r[T]))
            out.append(self.encoder.encode(self.status(r, p)) + b"\n")
        if out:
            self.files.write(b"".join(out))

    def close(self) -> None:
        self.files.close()

    def _server(self, author: int) -> str:
        return SERVERS[self.pool.server(author)]

    def account(self, author: int) -> dict:
        pool = self.pool
        server = self._server(author)
        name = pool.username(author)
        aid = pool.user_id(author)
        avatar = f"https://{COLLECTING_SERVER}/avatars/original/missing.png"
        created = dt.datetime.fromtimestamp(pool.created_ms(author) // 86_400_000 * 86_400, dt.timezone.utc)
        return {
            "id": aid, "username": name, "acct": pool.handle(author), "display_name": pool.display_name(author),
            "locked": False, "bot": False, "discoverable": True, "indexable": True, "group": False,
            "created_at": created.strftime("%Y-%m-%dT00:00:00.000Z"), "note": "",
            "url": f"https://{server}/@{name}", "uri": f"https://{server}/users/{name}",
            "avatar": avatar, "avatar_static": avatar, "avatar_description": "",
            "header": f"https://{COLLECTING_SERVER}/headers/original/missing.png",
            "header_static": f"https://{COLLECTING_SERVER}/headers/original/missing.png", "header_description": "",
            "followers_count": int(pool.followers[author]), "following_count": (author * 7919) % 2000,
            "statuses_count": 20 + (author * 104729) % 9000, "last_status_at": None,
            "hide_collections": False, "noindex": False, "emojis": [], "roles": [], "fields": [],
        }

    def status(self, r, p) -> dict:
        author = r[AUTHOR]
        server = self._server(author)
        name = self.pool.username(author)
        sid = str(r[PID])
        if r[KIND] == REPOST:
            inner = self.status(p, None)
            return self._envelope(sid, r, f"https://{server}/users/{name}/statuses/{sid}/activity", None,
                                  author, content="", language=None, tags=[], mentions=[], reblog=inner)
        mentions = []
        mention_html = ""
        if r[KIND] == REPLY:
            target = r[PARENT_AUTHOR]
            t_server, t_name = self._server(target), self.pool.username(target)
            mentions.append({"id": self.pool.user_id(target), "username": t_name,
                             "url": f"https://{t_server}/@{t_name}", "acct": self.pool.handle(target)})
            mention_html = (f'<span class="h-card" translate="no"><a href="https://{t_server}/@{t_name}" '
                            f'class="u-url mention">@<span>{t_name}</span></a></span> ')
        forms = self.forms(r[TAGS])
        links = "".join(f' <a href="https://{COLLECTING_SERVER}/tags/{f.lower()}" class="mention hashtag" rel="tag">#<span>{f}</span></a>'
                        for f in forms)
        content = f"<p>{mention_html}{self.body(r)}{links}</p>"
        tags = [{"name": f.lower(), "url": f"https://{COLLECTING_SERVER}/tags/{f.lower()}"} for f in forms]
        return self._envelope(sid, r, f"https://{server}/users/{name}/statuses/{sid}", f"https://{server}/@{name}/{sid}",
                              author, content=content, language=self.lang(author), tags=tags, mentions=mentions, reblog=None)

    def _envelope(self, sid, r, uri, url, author, content, language, tags, mentions, reblog) -> dict:
        reply = r[KIND] == REPLY
        seed = r[SEED]
        return {
            "id": sid, "created_at": iso(r[T]),
            "in_reply_to_id": str(r[PARENT_PID]) if reply else None,
            "in_reply_to_account_id": self.pool.user_id(r[PARENT_AUTHOR]) if reply else None,
            "sensitive": False, "spoiler_text": "", "visibility": "public", "language": language,
            "uri": uri, "url": url,
            "replies_count": (seed >> 6) % 3, "reblogs_count": (seed >> 3) % 5, "favourites_count": (seed >> 8) % 17,
            "quotes_count": 0, "edited_at": None, "favourited": False, "reblogged": False, "muted": False,
            "bookmarked": False, "content": content, "filtered": [], "reblog": reblog,
            "application": None, "account": self.account(author), "media_attachments": [], "mentions": mentions,
            "tags": tags, "emojis": [], "quote": None, "card": None, "poll": None,
        }


def platform_of(fmt: str) -> str:
    return FORMATS[fmt]


PLATFORM_FORMAT = {v: k for k, v in FORMATS.items()}
assert set(PLATFORM_FORMAT) == set(PLATFORM_NAMES)
