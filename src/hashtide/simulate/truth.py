"""The ground truth of a simulated world, counted from the generated posts as they are written
(streaming counters, bounded memory; the files are never read back).

The definitions are those the campaign analyses use; they are written into ``truth.json``
(:data:`DEFINITIONS`) so that a reader of the file knows exactly what each number counts.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import numpy as np

from hashtide.model import normalise_tag
from hashtide.simulate.rows import tag_ids
from hashtide.simulate.scenarios import COUNTRY_CODES, KIND_NAMES, LANGUAGES, PLATFORM_NAMES, REPLY, REPOST, Scenario

DEFINITIONS = {
    "uses": "a post uses tag T when its own hashtags carry T (NFKC + casefold, hashtide.model.normalise_tag), "
            "or it is a repost whose reposted post carries T",
    "posts": "every post written once as a top-level record; copies embedded in other records "
             "(twarc2 includes, Mastodon reblog, Bluesky subject) are the same posts, not extra posts",
    "origin": "the first post using the tag (earliest created_at as written in the files)",
    "launcher": "the author of the planted launching post",
    "by_kind": "posts using the tag, by kind: original, repost, reply, quote (they sum to posts)",
    "distinct_authors": "distinct (platform, author_id) among the posts using the tag",
    "replies_to_origin": "posts of kind reply whose parent_id is the origin post (direct replies, "
                         "whether or not they carry the tag)",
    "reposts_of_origin": "posts of kind repost whose parent_id is the origin post",
    "platforms": "per platform: posts using the tag, distinct authors, first_seen (earliest created_at)",
    "countries": "per ISO country code, over the posts using the tag whose country is known from the "
                 "post's place (Twitter geo.place_id -> includes.places country_code): posts, authors, first_seen",
    "languages": "per language code, over the posts using the tag whose language is known: Twitter lang, "
                 "Bluesky langs[0], Mastodon language; a repost has the reposted post's language, and a Bluesky "
                 "repost record carries none",
    "cooccurrence": "posts using both tags",
    "onset": "the planted onset time of the burst (the launching post's created_at)",
    "times": "ISO 8601 UTC with milliseconds and 'Z'; Twitter created_at has whole seconds",
    "background": "posts of no planted burst; steady_tags are the background's most used tags",
}


def iso(ms: int) -> str:
    """Epoch milliseconds as ``2017-10-15T20:21:00.000Z``.

    >>> iso(1508098860123)
    '2017-10-15T20:21:00.123Z'
    """
    ms = int(ms)
    return f"{_second(ms // 1000)}.{ms % 1000:03d}Z"


def _second(seconds: int) -> str:
    day, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    return f"{_day(day)}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


@lru_cache(maxsize=4096)
def _day(days: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=days)).isoformat()


def shown_ms(rows: np.ndarray) -> np.ndarray:
    """created_at as the files show it: Twitter v2 gives whole seconds."""
    twitter = rows["platform"] == PLATFORM_NAMES.index("twitter")
    return np.where(twitter, rows["t"] // 1000 * 1000, rows["t"])


class _Tally:
    """posts, distinct authors and first-seen per category (platform, country or language)."""

    def __init__(self, categories: int):
        self.posts = np.zeros(categories, np.int64)
        self.first = np.full(categories, np.iinfo(np.int64).max, np.int64)

    def add(self, category: np.ndarray, times: np.ndarray) -> None:
        self.posts += np.bincount(category, minlength=len(self.posts))
        np.minimum.at(self.first, category, times)

    def as_dict(self, names, authors: np.ndarray) -> dict[str, Any]:
        return {names[i]: {"posts": int(self.posts[i]), "authors": int(authors[i]), "first_seen": iso(self.first[i])}
                for i in np.flatnonzero(self.posts)}


class _AccountSet:
    """A set of account numbers of one pool, as bits (an eighth of a byte an account).

    >>> s = _AccountSet(20); s.add(np.array([3, 17, 3])); len(s), s.members().tolist()
    (2, [3, 17])
    """

    def __init__(self, accounts: int):
        self.accounts = accounts
        self.bits = np.zeros((accounts + 7) // 8, np.uint8)

    def add(self, members: np.ndarray) -> None:
        members = np.asarray(members, np.int64)
        np.bitwise_or.at(self.bits, members >> 3, np.left_shift(1, members & 7).astype(np.uint8))

    def members(self) -> np.ndarray:
        return np.flatnonzero(np.unpackbits(self.bits, count=self.accounts, bitorder="little"))

    def __len__(self) -> int:
        return int(np.bitwise_count(self.bits).sum())


class _BurstTruth:
    def __init__(self, index: int, tag_id: int, pools: dict, enabled: np.ndarray):
        self.index = index
        self.tag_id = tag_id
        self.posts = 0
        self.by_kind = np.zeros(4, np.int64)
        self.origin: dict[str, Any] | None = None
        self.origin_serial = -1
        self.replies_to_origin = 0
        self.reposts_of_origin = 0
        self.platforms = _Tally(len(PLATFORM_NAMES))
        self.countries = _Tally(len(COUNTRY_CODES))
        self.languages = _Tally(len(LANGUAGES))
        names = [PLATFORM_NAMES[p] for p in range(len(PLATFORM_NAMES)) if enabled[p]]
        self.seen = {n: _AccountSet(len(pools[n])) for n in names if n in pools}
        self.seen_geo = {n: _AccountSet(len(pools[n])) for n in self.seen}
        # distinct (language, author): mostly an author in their own language (a set per platform),
        # else reposts of another language's post, as (language, platform, author) keys
        self.own_language = {n: _AccountSet(len(pools[n])) for n in self.seen}
        self.other_language = np.zeros(0, np.int64)  # distinct keys, sorted
        self.other_pending: list[np.ndarray] = []  # keys since, merged in when they outnumber them
        self.other_pending_count = 0

    def add_languages(self, platform: str, pool, code: np.ndarray, authors: np.ndarray) -> None:
        own = code == pool.lang[authors]
        self.own_language[platform].add(authors[own])
        keys = (code[~own] << 34) | (PLATFORM_NAMES.index(platform) << 32) | authors[~own].astype(np.int64)
        self.other_pending.append(keys)
        self.other_pending_count += len(keys)
        if self.other_pending_count > max(100_000, len(self.other_language)):  # amortised: a merge per doubling
            self._merge_other_languages()

    def _merge_other_languages(self) -> None:
        self.other_language = np.unique(np.concatenate([self.other_language, *self.other_pending]))
        self.other_pending, self.other_pending_count = [], 0

    def authors_by_language(self, pools: dict) -> np.ndarray:
        self._merge_other_languages()
        counts = np.bincount(self.other_language >> 34, minlength=len(LANGUAGES))
        for name, authors in self.own_language.items():
            counts += np.bincount(pools[name].lang[authors.members()], minlength=len(LANGUAGES))
        return counts


class TruthBuilder:
    """Counts what is planted, chunk by chunk, in the order the posts are written."""

    def __init__(self, scenario: Scenario, world, tags, formats_platforms: set[str], seed: int, scale: float):
        self.scenario = scenario
        self.world = world
        self.tags = tags
        self.seed = seed
        self.scale = scale
        self.enabled = np.array([p in formats_platforms for p in PLATFORM_NAMES])
        self.bursts = [_BurstTruth(b, tags.burst_tag_id(b), world.pools, self.enabled) for b in range(len(scenario.bursts))]
        self.pair = np.zeros((len(self.bursts), len(self.bursts)), np.int64)
        self.vocab_uses = np.zeros(scenario.vocabulary, np.int64)
        self.totals_platform = np.zeros(len(PLATFORM_NAMES), np.int64)
        self.totals_kind = np.zeros(4, np.int64)
        self.background_posts = 0

    def update(self, rows: np.ndarray) -> None:
        rows = rows[self.enabled[rows["platform"]]]
        if not len(rows):
            return
        shown = shown_ms(rows)
        ids = tag_ids(rows["tags"])
        self.totals_platform += np.bincount(rows["platform"], minlength=len(PLATFORM_NAMES))
        self.totals_kind += np.bincount(rows["kind"], minlength=4)
        self.background_posts += int((rows["burst"] < 0).sum())
        vocab = ids[(ids >= 0) & (ids < self.scenario.vocabulary)]
        self.vocab_uses += np.bincount(vocab, minlength=self.scenario.vocabulary)
        uses = np.stack([(ids == b.tag_id).any(axis=1) for b in self.bursts], axis=1)
        self.pair += uses.T.astype(np.int64) @ uses.astype(np.int64)
        for b in self.bursts:
            self._burst(b, rows, shown, uses[:, b.index])

    def _burst(self, b: _BurstTruth, rows, shown, uses) -> None:
        if b.origin is None and uses.any():
            candidates = np.flatnonzero(uses)
            first = candidates[np.lexsort((rows["serial"][candidates], shown[candidates]))[0]]
            b.origin_serial = int(rows["serial"][first])
            b.origin = self._describe(rows[first], int(shown[first]))
        if b.origin_serial >= 0:
            child = rows["parent"] == b.origin_serial
            b.replies_to_origin += int((child & (rows["kind"] == REPLY)).sum())
            b.reposts_of_origin += int((child & (rows["kind"] == REPOST)).sum())
        if not uses.any():
            return
        r = rows[uses]
        t = shown[uses]
        b.posts += len(r)
        b.by_kind += np.bincount(r["kind"], minlength=4)
        b.platforms.add(r["platform"].astype(np.int64), t)
        for p in np.unique(r["platform"]):
            name = PLATFORM_NAMES[p]
            pool = self.world.pools[name]
            on = r["platform"] == p
            authors = r["author"][on]
            b.seen[name].add(authors)
            geo = on & r["geo"]
            if geo.any():
                b.seen_geo[name].add(r["author"][geo])
                b.countries.add(pool.country[r["author"][geo]].astype(np.int64), t[geo])
            lang = on & ((r["kind"] != REPOST) | (name != "bluesky"))
            if lang.any():
                # a repost's language is the reposted post's (its author's language)
                speaker = np.where(r["kind"][lang] == REPOST, r["parent_author"][lang], r["author"][lang])
                code = pool.lang[speaker].astype(np.int64)
                b.languages.add(code, t[lang])
                b.add_languages(name, pool, code, r["author"][lang])

    def _describe(self, row, shown: int) -> dict[str, Any]:
        platform = PLATFORM_NAMES[int(row["platform"])]
        pool = self.world.pools[platform]
        author = int(row["author"])
        return {"platform": platform, "post_id": self.tags.post_id(platform, row), "created_at": iso(shown),
                "author_id": pool.user_id(author), "author_handle": pool.handle(author)}

    # -- the result ---------------------------------------------------------------------------

    def result(self, files: dict[str, list[str]], formats: list[str]) -> dict[str, Any]:
        campaigns, decoys = [], []
        for b, burst in zip(self.bursts, self.scenario.bursts):
            entry = self._entry(b, burst)
            (decoys if burst.role == "decoy" else campaigns).append(entry)
        steady = np.argsort(-self.vocab_uses, kind="stable")[:10]
        vocab = self.tags.vocab
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "scale": self.scale,
            "formats": formats,
            "window": {"start": iso(self.scenario.start_us // 1000), "end": iso(self.scenario.end_us // 1000)},
            "definitions": DEFINITIONS,
            "files": files,
            "totals": {
                "posts": int(self.totals_platform.sum()),
                "by_platform": {PLATFORM_NAMES[p]: int(n) for p, n in enumerate(self.totals_platform) if self.enabled[p]},
                "by_kind": {KIND_NAMES[k]: int(n) for k, n in enumerate(self.totals_kind)},
                "background_posts": self.background_posts,
            },
            "campaigns": campaigns,
            "decoys": decoys,
            "background": {
                "posts": self.background_posts,
                "steady_tags": [{"tag": vocab[i], "key": normalise_tag(vocab[i]), "posts": int(self.vocab_uses[i])}
                                for i in steady if self.vocab_uses[i]],
            },
        }

    def _entry(self, b: _BurstTruth, burst) -> dict[str, Any]:
        platform, account = self.world.launchers[burst.tag]
        pool = self.world.pools[platform]
        related = {"sibling": [], "answer": []}
        for other, other_burst in zip(self.bursts, self.scenario.bursts):
            if burst.tag in other_burst.cooccur and other_burst.role in related:
                related[other_burst.role].append({"tag": other_burst.tag, "key": normalise_tag(other_burst.tag),
                                                  "cooccurrence": int(self.pair[b.index, other.index])})
        authors_by_platform = np.zeros(len(PLATFORM_NAMES), np.int64)
        authors_by_country = np.zeros(len(COUNTRY_CODES), np.int64)
        authors_by_lang = b.authors_by_language(self.world.pools)
        for name, seen in b.seen.items():
            pool_n = self.world.pools[name]
            authors_by_platform[PLATFORM_NAMES.index(name)] = len(seen)
            authors_by_country += np.bincount(pool_n.country[b.seen_geo[name].members()], minlength=len(COUNTRY_CODES))
        entry = {
            "tag": burst.tag,
            "key": normalise_tag(burst.tag),
            "role": burst.role,
            "onset": iso(burst.onset_us // 1000),
            "origin": b.origin,
            "launcher": {"platform": platform, "author_id": pool.user_id(account), "author_handle": pool.handle(account),
                         "followers": int(pool.followers[account]), "country": burst.launcher_country},
            "posts": b.posts,
            "by_kind": {KIND_NAMES[k]: int(n) for k, n in enumerate(b.by_kind)},
            "distinct_authors": int(authors_by_platform.sum()),
            "replies_to_origin": b.replies_to_origin,
            "reposts_of_origin": b.reposts_of_origin,
            "platforms": b.platforms.as_dict(PLATFORM_NAMES, authors_by_platform),
            "countries": b.countries.as_dict(COUNTRY_CODES, authors_by_country),
            "languages": b.languages.as_dict(LANGUAGES, authors_by_lang),
            "cooccurrence": {other_burst.tag: int(self.pair[b.index, other.index])
                             for other, other_burst in zip(self.bursts, self.scenario.bursts)
                             if other is not b and self.pair[b.index, other.index]},
            "planted": {
                "posts_expected": round(burst.posts * self.scale),
                "origin_replies": round(burst.origin_replies * self.scale),
                "origin_reposts": round(burst.origin_reposts * self.scale),
                "branching": burst.branching,
                "countries": {c: {"share": s, "lag_hours": lag} for c, (s, lag) in sorted(burst.countries.items())},
                "platforms": {p: {"share": s, "lag_hours": lag} for p, (s, lag) in sorted(burst.platforms.items())},
                "cooccur": dict(burst.cooccur),
            },
        }
        if burst.role != "decoy":
            entry["siblings"] = related["sibling"]
            entry["answers"] = related["answer"]
        return entry
