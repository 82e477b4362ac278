"""The story of a campaign: origin, magnitude, timeline, spread, cascades, amplifiers and related
hashtags of one tag, every figure traceable to its query and its posts (:class:`Campaign`).

>>> import tempfile, os
>>> from hashtide.corpus import Corpus
>>> from hashtide.model import Post
>>> corpus = Corpus.open(os.path.join(tempfile.mkdtemp(), "c.duckdb"))
>>> _ = corpus.write_posts([
...     Post(platform="twitter", post_id="1", created_at=0, author_id="a", hashtags=["metoo"]),
...     Post(platform="twitter", post_id="2", created_at=60_000_000, author_id="b", kind="repost", parent_id="1"),
...     Post(platform="twitter", post_id="3", created_at=90_000_000, author_id="c", kind="reply", parent_id="1"),
... ])
>>> with Campaign(corpus, "#MeToo") as story:
...     facts = story.facts()
>>> facts["posts"], facts["by_kind"], facts["replies_to_origin"], facts["reposts_of_origin"]
(2, {'original': 1, 'repost': 1, 'reply': 0, 'quote': 0}, 1, 1)
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hashtide.campaign import amplifiers as amp
from hashtide.campaign import cascades as casc
from hashtide.campaign import facts as F
from hashtide.campaign import related as rel
from hashtide.campaign.privacy import MIN_GROUP, PUBLIC_THRESHOLD, Privacy
from hashtide.campaign.queries import NAMES, Runner
from hashtide.campaign.usage import args_row, tag_key
from hashtide.model import shifted

__all__ = ["Campaign", "tag_key"]

# Two posts carrying both tags: one may be chance, two is the least evidence of a pairing. Lift and
# affinity then keep out what goes with everything. A sibling launched days before its campaign
# shares few posts with it in a small world: #quellavoltache went with #MeToo in 3 of 26,165 posts
# of the metoo-2017 world at scale 0.03 (seed 5), and a threshold of 5 lost it; decoys share none.
MIN_COOCCURRENCE = 2
MIN_LIFT = 1.0
MIN_AFFINITY = 0.5


@dataclass(frozen=True)
class Sources:
    """Ibis expressions bound to the corpus: its posts in the window (posts with no known time are
    in none), and the posts using the tag (the campaign's materialised table), for analyses
    written outside this package."""

    posts: ir.Table
    uses: ir.Table


class Campaign:
    """One tag's campaign in a corpus; parts are Arrow tables, :meth:`facts` the JSON dict.

    ``since`` / ``until`` bound the posts considered (``since <= created_at < until``, UTC).
    The posts using the tag are computed once, into a temporary table every figure is read
    from; close the campaign (or use it as a context manager) to drop it.
    """

    def __init__(self, corpus, tag: str, since: dt.datetime | None = None, until: dt.datetime | None = None,
                 *, bucket: str = "hour", reveal_authors: bool = False,
                 public_threshold: int = PUBLIC_THRESHOLD, top: int = 10,
                 min_cooccurrence: int = MIN_COOCCURRENCE, min_lift: float = MIN_LIFT,
                 min_affinity: float = MIN_AFFINITY):
        if bucket not in F.BUCKETS:
            raise ValueError(f"bucket {bucket!r}: one of {', '.join(F.BUCKETS)}")
        self.corpus = corpus
        self.key = tag_key(tag)
        self.since, self.until, self.bucket = since, until, bucket
        self.top, self.min_cooccurrence, self.min_lift = top, min_cooccurrence, min_lift
        self.min_affinity = min_affinity
        self.privacy = Privacy(corpus, reveal=reveal_authors, public_threshold=public_threshold)
        self.runner = Runner.for_corpus(corpus)
        self.runner.put(NAMES["args"], args_row(self.key, since, until, min_cooccurrence))
        self.runner.materialise(NAMES["uses"])
        self.runner.materialise(NAMES["authors"])

    def __enter__(self) -> Campaign:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.runner.close()

    @cached_property
    def src(self) -> Sources:
        backend = self.corpus.ibis
        posts = backend.table("posts")
        posts = posts.filter(posts.created_at.notnull())  # a post with no known time is in no window
        if self.since is not None:
            posts = posts.filter(posts.created_at >= ibis.literal(_utc(self.since)))
        if self.until is not None:
            posts = posts.filter(posts.created_at < ibis.literal(_utc(self.until)))
        return Sources(posts=posts, uses=backend.table(self.runner.names[NAMES["uses"]]))

    # -- parts as tables ---------------------------------------------------------------------

    @cached_property
    def uses(self) -> pa.Table:
        """The posts using the tag, chronological (ids as collected: apply privacy to show)."""
        return self.runner.run("use_rows")

    def timeline(self, bucket: str | None = None) -> pa.Table:
        return self._timeline(bucket or self.bucket)

    def spread(self, what: str) -> pa.Table:
        """``what``: platforms, countries or languages."""
        t = self._spread
        return t.filter(pc.equal(t["dimension"], what)).drop_columns(["dimension"])

    @cached_property
    def forest(self) -> casc.Forest:
        return casc.forest(self.runner.run("nodes"))

    @cached_property
    def cascades(self) -> pa.Table:
        """One row per tree (root, size, depth, structural_virality), largest first."""
        return casc.trees(self.forest)

    @cached_property
    def account_edges(self) -> pa.Table:
        return self._edges("edge_rows")

    @cached_property
    def pagerank(self) -> pa.Table:
        return amp.pagerank(self._edges("numbered_edges"))

    def _edges(self, query: str) -> pa.Table:
        """A query over the account edges, aggregated once per campaign into its own table."""
        if not self.runner.made_table(NAMES["edges"]):
            self.runner.materialise(NAMES["edges"])
        return self.runner.run(query)

    @cached_property
    def authors(self) -> pa.Table:
        """Per account: handle, followers, posts (by kind), first and last use."""
        return self.runner.run("author_rows")

    @cached_property
    def related(self) -> pa.Table:
        """Related tags with share, lift, correlation, relation (see :mod:`.related`)."""
        return pa.Table.from_pylist(self._related_rows(), schema=_RELATED_SCHEMA)

    # -- figures -----------------------------------------------------------------------------

    def facts(self, audit: bool = True) -> dict[str, Any]:
        """The fact sheet as a JSON-ready dict (deterministic: same corpus, same bytes); with
        ``audit``, the SQL of every figure (compiled once per process, then free)."""
        totals = self._magnitude
        origin_row = self._origin_row
        posts = totals["posts"]
        facts: dict[str, Any] = {
            "tag": "#" + self._display_form(),
            "key": self.key,
            "window": {"since": F.iso(self.since), "until": F.iso(self.until), "bucket": self.bucket},
            "origin": self._post(origin_row),
            "igniting_post": None,
            "posts": posts,
            "by_kind": {kind: totals[kind] for kind in F.KINDS},
            "distinct_authors": totals["distinct_authors"],
            "replies_to_origin": origin_row["replies_to_origin"] if origin_row else 0,
            "reposts_of_origin": origin_row["reposts_of_origin"] if origin_row else 0,
            "reach_upper_bound": totals["reach_upper_bound"],
            "first_seen": F.iso(totals["first_seen"]),
            "collected_from": None,
            "last_seen": F.iso(totals["last_seen"]),
            "peak": None,
            "timeline": [],
            "platforms": {}, "countries": {}, "languages": {},
            "profile_locations": {"note": "free-text profile locations of the authors: a guess, not a place"
                                          + ("" if self.privacy.reveal else f"; only those {MIN_GROUP} or more authors share"),
                                  "top": []},
            "cascades": {"count": 0, "largest": [], "structural_virality": {"median": None, "max": None}},
            "amplifiers": [],
            "related": [],
        }
        if posts:
            collected_from = self._extent["collected_from"]
            facts["collected_from"] = F.iso(collected_from)
            # an origin older than the collection was only seen inside it (quoted, reposted,
            # replied to): the first post *in the corpus*, not necessarily the tag's first
            facts["origin"]["before_collection"] = bool(collected_from and origin_row["created_at"] < collected_from)
            self._fill(facts, origin_row)
        facts["privacy"] = {
            "authors": "as collected" if self.privacy.reveal else
            f"pseudonymised; handles shown from {self.privacy.public_threshold:,} followers",
            "public_threshold": self.privacy.public_threshold,
        }
        if audit:
            facts["audit"] = self.audit()
        return facts

    def _fill(self, facts: dict, origin_row: dict) -> None:
        # The trees and PageRank are numpy, Arrow and igraph work on tables already fetched; they
        # run beside the queries of the other figures, which leave a core idle much of the time.
        with ThreadPoolExecutor(1) as pool:
            graphs = pool.submit(self._graphs, self.runner.run("nodes"), self._edges("numbered_edges"))
            self._fill_tables(facts, origin_row)
            graphs.result()
        facts["cascades"] = self._cascade_facts()
        facts["igniting_post"] = self._igniting(self._peak_row()["bucket"], origin_row)
        facts["amplifiers"] = self._amplifiers()

    def _graphs(self, nodes: pa.Table, numbered_edges: pa.Table) -> None:
        """Fill the cached ``forest``, ``cascades`` and ``pagerank`` (no query: thread-safe)."""
        self.__dict__["forest"] = casc.forest(nodes)
        self.__dict__["cascades"] = casc.trees(self.forest)
        self.__dict__["pagerank"] = amp.pagerank(numbered_edges)

    def _fill_tables(self, facts: dict, origin_row: dict) -> None:
        """The figures read straight from queries: timeline, peak, spread, related tags."""
        timeline = self.timeline().to_pylist()
        facts["timeline"] = [{**r, "bucket": F.iso(r["bucket"])} for r in timeline]
        top = self._peak_row()
        facts["peak"] = {"bucket": F.iso(top["bucket"]), "posts": top["posts"], "unit": self.bucket,
                         "per_hour": round(top["posts"] * _per_hour(self.bucket), 3)}
        origin_at = origin_row["created_at"]
        for what in F.SPREAD_COLUMNS:
            facts[what] = {
                r["name"]: {"posts": r["posts"], "authors": r["authors"], "first_seen": F.iso(r["first_seen"]),
                            "share": round(r["posts"] / facts["posts"], 6),
                            "lag_hours": round((r["first_seen"] - origin_at) / dt.timedelta(hours=1), 3)}
                for r in self.spread(what).to_pylist()
            }
        facts["profile_locations"]["top"] = self.privacy.shared(self.runner.run("profile_locations").to_pylist())
        facts["related"] = [{**r, "first_seen": F.iso(r["first_seen"])} for r in self._related_rows()]

    @cached_property
    def _magnitude(self) -> dict:
        row = self.runner.run("magnitude").to_pylist()[0]
        # sums over no rows are null
        return {k: (0 if v is None and k not in ("first_seen", "last_seen") else v) for k, v in row.items()}

    @cached_property
    def _extent(self) -> dict:
        """The window's posts, and ``collected_from``: the corpus' first top-level post's time."""
        return self.runner.run("extent").to_pylist()[0]

    @cached_property
    def _spread(self) -> pa.Table:
        return self.runner.run("spread")

    def _timeline(self, bucket: str) -> pa.Table:
        cache = self.__dict__.setdefault("_timelines", {})
        if bucket not in cache:
            cache[bucket] = self.runner.run("timeline", bucket)
        return cache[bucket]

    def _peak_row(self) -> dict:
        """The bucket with the most posts (ties: the earliest), from the timeline."""
        t = self.timeline()
        posts = t["posts"].to_numpy()
        i = int(np.argmax(posts))  # the timeline is ordered by bucket: argmax takes the first
        return {"bucket": t["bucket"][i].as_py(), "posts": int(posts[i])}

    @cached_property
    def _origin_row(self) -> dict | None:
        rows = self.runner.run("origin").to_pylist()
        return rows[0] if rows else None

    def _post(self, row: dict | None) -> dict | None:
        if row is None:
            return None
        shown = self.privacy.account(row)
        return {k: (F.iso(v) if k == "created_at" else v) for k, v in shown.items()
                if k in ("platform", "post_id", "created_at", "author_id", "author_handle",
                         "author_followers", "kind", "lang", "country")}

    def _display_form(self) -> str:
        forms = rel.main_forms(self.runner.run("forms").to_pylist())
        return forms.get(self.key, self.key)

    def _cascade_facts(self) -> dict:
        s = casc.summary(self.cascades, self.top)
        largest = []
        for row in s.pop("largest_rows").to_pylist():
            post = self._post(row)
            largest.append({"root": post, "size": row["size"], "depth": row["depth"],
                            "structural_virality": casc._round(row["structural_virality"])})
        return {**s, "largest": largest}

    def _igniting(self, peak_bucket, origin_row: dict) -> dict | None:
        """The root of the largest cascade started before the end of the peak bucket (ties:
        earliest): the post that set the campaign off, which may be later than the first."""
        trees = self.cascades  # largest first, then chronological
        end = _utc(_bucket_end(peak_bucket, self.bucket))
        before = np.flatnonzero(pc.less(trees["created_at"], pa.scalar(end, trees.schema.field("created_at").type))
                                .to_numpy(zero_copy_only=False))
        if len(before) == 0:
            return None
        best = trees.slice(int(before[0]), 1).to_pylist()[0]
        post = self._post(best)
        post["cascade_size"] = best["size"]
        post["same_as_origin"] = (best["platform"], best["post_id"]) == (origin_row["platform"], origin_row["post_id"])
        return post

    def _amplifiers(self) -> list[dict]:
        def authors(keys: list[str]) -> pa.Table:
            self.runner.put(NAMES["accounts"], pa.table({"account": pa.array(keys, pa.string())}))
            return self.runner.run("accounts")

        rows = amp.ranking(self.cascades, self.pagerank, authors, self.top)
        return [self.privacy.account(r, followers_key="followers") for r in rows]

    @cached_property
    def _related_cache(self) -> list[dict]:
        run = self.runner
        run.materialise(NAMES["cotags"])
        co = run.run("cotag_rows").to_pylist()
        if not co:
            return []
        run.materialise(NAMES["tag_carriers"])
        run.materialise(NAMES["tag_uses"])
        profile = {r["tag"]: r for r in run.run("tag_profile").to_pylist()}
        langs, forms, curves = [], [], {}
        for r in run.run("tag_details").to_pylist():
            if r["part"] == "lang":
                langs.append({"tag": r["tag"], "lang": r["value"], "posts": r["posts"]})
            elif r["part"] == "form":
                forms.append({"tag": r["tag"], "form": r["value"], "posts": r["posts"]})
            else:
                curves.setdefault(r["tag"], {})[r["hour"]] = r["posts"]
        langs = rel.main_languages(langs)
        forms = rel.main_forms(forms)
        a_lang = rel.main_languages([{"tag": self.key, "lang": r["name"], "posts": r["posts"]}
                                     for r in self.spread("languages").to_pylist()]).get(self.key)
        a_curve = {r["bucket"]: r["posts"] for r in self.timeline("hour").to_pylist()}
        n_all = self._extent["posts"]
        collected_from = self._extent["collected_from"] and self._extent["collected_from"].replace(tzinfo=None)
        n_a = self._magnitude["posts"]
        origin_at = self._origin_row["created_at"].replace(tzinfo=None)
        rows = []
        for r in co:
            b = profile[r["tag"]]
            share = r["together"] / n_a
            lift = share / (b["posts"] / n_all)
            affinity = r["together"] / b["cotagged"] if b["cotagged"] else 0.0
            if lift <= self.min_lift and affinity < self.min_affinity:
                continue
            first_b = b["first_seen"].replace(tzinfo=None)
            rows.append({
                "key": r["tag"],
                "relation": rel.classify(a_lang, origin_at, langs.get(r["tag"]), first_b,
                                         collected_from=collected_from),
                "share": round(share, 6), "lift": round(lift, 6), "affinity": round(min(affinity, 1.0), 6),
                "correlation": rel.correlation(a_curve, curves.get(r["tag"], {})),
                "together": r["together"], "posts": b["posts"], "first_seen": b["first_seen"],
                "lang": langs.get(r["tag"]), "reply_share": round(b["replies"] / b["posts"], 6),
                "lag_hours": round((first_b - origin_at) / dt.timedelta(hours=1), 3),
            })
        rows.sort(key=lambda r: (-r["share"], r["key"]))
        rows = rows[: self.top * 2]
        return [{"tag": "#" + forms.get(r["key"], r["key"]), **r} for r in rows]

    def _related_rows(self) -> list[dict]:
        if not self._magnitude["posts"]:
            return []
        return [dict(r) for r in self._related_cache]

    def facts_igniting_key(self) -> tuple[str, str] | None:
        """(platform, post_id) of the igniting post, or None when nothing uses the tag."""
        origin_row = self._origin_row
        if origin_row is None:
            return None
        post = self._igniting(self._peak_row()["bucket"], origin_row)
        return (post["platform"], post["post_id"]) if post else None

    # -- audit -------------------------------------------------------------------------------

    def audit(self) -> dict[str, str]:
        from hashtide.campaign.audit import figure_sql

        return figure_sql(self)

    def figure_posts(self, figure: str) -> pa.Table:
        """The posts behind ``figure`` (e.g. ``replies_to_origin``, ``by_kind.reply``,
        ``platforms.mastodon``), chronological, with privacy applied to authors."""
        from hashtide.campaign.audit import posts_behind

        return posts_behind(self, figure)


_RELATED_SCHEMA = pa.schema([
    ("tag", pa.string()), ("key", pa.string()), ("relation", pa.string()), ("share", pa.float64()),
    ("lift", pa.float64()), ("affinity", pa.float64()), ("correlation", pa.float64()), ("together", pa.int64()), ("posts", pa.int64()),
    ("first_seen", pa.timestamp("us", tz="UTC")), ("lang", pa.string()), ("reply_share", pa.float64()),
    ("lag_hours", pa.float64()),
])


def _per_hour(bucket: str) -> float:
    return {"minute": 60.0, "hour": 1.0, "day": 1 / 24}[bucket]


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def _bucket_end(start, bucket: str) -> dt.datetime:
    start = start.replace(tzinfo=None)
    return shifted(start, {"minute": dt.timedelta(minutes=1), "hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}[bucket])
