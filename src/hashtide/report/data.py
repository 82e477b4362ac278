"""What a campaign report shows, gathered once from the corpus: the campaign's fact sheet plus the
few presentation tables the fact sheet does not carry (curves per platform and country, trending
ranks around the launch, the largest cascades as node lists, related tags' curves, coverage).

Everything leaving this module is already shown as the privacy policy says
(:mod:`hashtide.campaign.privacy`): account ids are pseudonyms, handles only from the public
threshold up, and -- unless authors are revealed -- counts of fewer than ``MIN_GROUP`` distinct
authors are printed as "<10" and such groups are folded into "other" in the small multiples.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hashtide.campaign import Campaign
from hashtide.campaign.facts import iso
from hashtide.campaign.privacy import MIN_GROUP, group_count
from hashtide.corpus import Corpus
from hashtide.corpus.summary import summary
from hashtide.model import shifted
from hashtide.report.trees import radial_layout
from hashtide.trends.batch import corpus_trends
from hashtide.trends.charts import iso as trend_iso
from hashtide.trends.signitrend import SigniTrend
from hashtide.wording import counted

TREES = 3  # largest cascades drawn
TREE_NODES = 400  # nodes drawn per tree (its first posts, so the drawn part is connected)
RELATED_CURVES = 6
TRENDING_BEFORE = dt.timedelta(hours=12)
TRENDING_AFTER = dt.timedelta(hours=48)
TRENDING_COUNTRIES = 8
SMALL_MULTIPLES = 8  # panels per small-multiples chart; the rest is folded into "other"


def gather(corpus: Corpus, tag: str, *, reveal_authors: bool = False) -> dict[str, Any]:
    """The report's content for ``tag`` as plain JSON-ready data."""
    with Campaign(corpus, tag, reveal_authors=reveal_authors) as story:
        facts = story.facts()
        facts.pop("audit", None)
        data: dict[str, Any] = {
            "facts": facts,
            "reveal_authors": reveal_authors,
            "coverage": _coverage(corpus),
            "parameters": {"public_threshold": story.privacy.public_threshold, "min_group": MIN_GROUP,
                           "bucket": story.bucket, "min_cooccurrence": story.min_cooccurrence,
                           "min_lift": story.min_lift, "top": story.top, "tree_nodes": TREE_NODES},
        }
        if not facts["posts"]:
            return data | {"words": [f"{facts['tag']} is not used in this corpus."], "empty": True}
        origin = _utc(facts["origin"]["created_at"])
        data["first_day"] = _first_day(story, origin)
        data["timeline"] = _timeline(facts["timeline"])
        data["by_group"] = {what: _curves_by(story, column, reveal_authors)
                            for what, column in (("platform", "platform"), ("country", "country"))}
        data["trending"] = trending_ranks(corpus, story.key, origin)
        data["lags"] = _lags(facts, reveal_authors)
        data["trees"] = _trees(story)
        data["related_curves"] = _related_curves(story, facts, origin)
        data["words"] = fact_sentences(data)
        data["empty"] = False
    return data


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _coverage(corpus: Corpus) -> dict[str, Any]:
    s = summary(corpus, top=5)
    # summary() ends on fetchone(); DuckDB 2 then refuses relation queries until it completes
    corpus.con.complete()
    return {k: s[k] for k in ("posts", "platforms", "first_post", "last_post", "quarantined",
                              "quarantine_by_reason", "ingests", "top_level", "referenced")}


def _first_day(story: Campaign, origin: dt.datetime) -> dict[str, int]:
    """Posts and distinct authors within 24 hours of the first use."""
    u = story.src.uses
    day = u.filter(u.created_at < ibis.literal(shifted(origin, dt.timedelta(hours=24))))
    row = day.aggregate(posts=day.count(), authors=(day.platform.concat(":", day.author_id)).nunique())
    return row.to_pyarrow().to_pylist()[0]


def _timeline(rows: list[dict]) -> list[dict]:
    authors = 0
    out = []
    for r in rows:
        authors += r["new_authors"]
        out.append({**r, "cumulative_authors": authors})
    return out


def _curves_by(story: Campaign, column: str, reveal: bool) -> list[dict]:
    """Posts per hour per value of ``column``; the largest groups each get a panel, groups of
    fewer than MIN_GROUP authors (unless revealed) and the long tail are folded into "other"."""
    u = story.src.uses
    u = u.filter(u[column].notnull())
    sizes = u.group_by(name=u[column]).aggregate(posts=u.count(),
                                                 authors=u.platform.concat(":", u.author_id).nunique())
    sizes = sizes.order_by([ibis.desc("posts"), "name"]).to_pyarrow().to_pylist()
    shown = [r["name"] for r in sizes if reveal or r["authors"] >= MIN_GROUP][:SMALL_MULTIPLES]
    hourly = u.group_by(name=u[column], hour=u.created_at.truncate("h")).aggregate(posts=u.count())
    totals: dict[tuple[str, str], int] = {}
    for r in hourly.to_pyarrow().to_pylist():
        key = (r["name"] if r["name"] in shown else "other", iso(r["hour"]))
        totals[key] = totals.get(key, 0) + r["posts"]
    order = {name: i for i, name in enumerate(shown + ["other"])}
    return [{"name": name, "hour": hour, "posts": posts}
            for (name, hour), posts in sorted(totals.items(), key=lambda kv: (order[kv[0][0]], kv[0][1]))]


def trending_ranks(corpus: Corpus, key: str, origin: dt.datetime) -> list[dict]:
    """Rank of the tag in each country's trending chart, per hour around the launch: the charts
    of ``hashtide trends --scope country:XX --since START`` (SigniTrend, hourly buckets, its
    default parameters), for the countries where the tag was used most in the window. Only the
    hours in which it trended are listed.
    """
    start, end = shifted(origin, -TRENDING_BEFORE), shifted(origin, TRENDING_AFTER)
    countries = _top_countries(corpus, key, start, end)
    if not countries:
        return []
    ranks = []
    for bucket in corpus_trends(corpus, SigniTrend(dimensions=("country",)), since=start, until=end):
        for country in countries:
            ranks += [{"country": country, "hour": trend_iso(bucket.start), "rank": entry.rank, "posts": entry.posts}
                      for entry in bucket.chart(f"country:{country}") if entry.key == key]
    return sorted(ranks, key=lambda r: (countries.index(r["country"]), r["hour"]))


def _top_countries(corpus: Corpus, key: str, start: dt.datetime, end: dt.datetime) -> list[str]:
    posts = corpus.ibis.table("posts")
    p = posts.filter(posts.country.notnull(), posts.created_at >= ibis.literal(start),
                     posts.created_at < ibis.literal(end), posts.hashtags.contains(key))
    top = p.group_by("country").aggregate(total=p.count()).order_by([ibis.desc("total"), "country"])
    return top.limit(TRENDING_COUNTRIES).country.to_pyarrow().to_pylist()


def _lags(facts: dict, reveal: bool) -> list[dict]:
    """Onset lag (hours from the first use to the first use there) per platform, country, language."""
    rows = []
    for what, label in (("platforms", "platform"), ("countries", "country"), ("languages", "language")):
        for name, r in facts[what].items():
            rows.append({"dimension": label, "name": name, "lag_hours": r["lag_hours"], "posts": r["posts"],
                         "authors": r["authors"] if reveal else group_count(r["authors"]),
                         "share": r["share"], "first_seen": r["first_seen"]})
    return rows


def _trees(story: Campaign) -> list[dict]:
    """The largest cascades as laid-out node lists (first TREE_NODES posts of each)."""
    f = story.forest
    cascades = story.cascades.slice(0, TREES).to_pylist()
    out = []
    for c in cascades:
        if c["size"] < 2:
            break
        root = _node(f.nodes, c["platform"], c["post_id"])
        members = np.flatnonzero(f.root == root)[:TREE_NODES]  # chronological: parents come first
        local = {int(m): k for k, m in enumerate(members)}
        parents = [local.get(int(f.parent[m]), -1) if f.parent[m] >= 0 else -1 for m in members]
        nodes = story.privacy.table(f.nodes.take(pa.array(members)).select(
            ["platform", "author_id", "author_handle", "author_followers", "kind", "created_at"]))
        xs, ys = radial_layout(parents)
        handles, kinds, times = (nodes[c].to_pylist() for c in ("author_handle", "kind", "created_at"))
        node_rows = [{"id": k, "x": round(xs[k], 4), "y": round(ys[k], 4), "kind": kinds[k],
                      "author": handles[k], "at": iso(times[k]), "depth": int(f.depth[m] - f.depth[root])}
                     for k, m in enumerate(members)]
        edges = [{"x": node_rows[p]["x"], "y": node_rows[p]["y"], "x2": node_rows[k]["x"], "y2": node_rows[k]["y"]}
                 for k, p in enumerate(parents) if p >= 0]
        root_shown = story.privacy.account({"platform": c["platform"], "author_id": c["author_id"],
                                            "author_handle": c["author_handle"],
                                            "author_followers": c["author_followers"]})
        out.append({"root": root_shown["author_handle"], "platform": c["platform"], "size": c["size"],
                    "depth": c["depth"], "drawn": len(members), "created_at": iso(c["created_at"]),
                    "structural_virality": c["structural_virality"], "nodes": node_rows, "edges": edges})
    return out


def _node(nodes: pa.Table, platform: str, post_id: str) -> int:
    """The row of a post in the forest's nodes (a vectorised scan: a few cascades are drawn, and
    a Python index of a million nodes would cost a second)."""
    hit = pc.and_(pc.equal(nodes.column("platform"), platform), pc.equal(nodes.column("post_id"), post_id))
    return int(np.flatnonzero(hit.to_numpy(zero_copy_only=False))[0])


def _related_curves(story: Campaign, facts: dict, origin: dt.datetime) -> list[dict]:
    """Hourly posts of the campaign and its most shared related tags, on one clock (hours since
    the campaign's first use) and scaled to each tag's own peak, so shapes and lags compare."""
    related = facts["related"][:RELATED_CURVES]
    keys = [r["key"] for r in related]
    shown = {r["key"]: r["tag"] for r in related} | {story.key: facts["tag"]}
    curves: dict[str, dict[float, int]] = {facts["tag"]: {}}
    for r in facts["timeline"]:
        curves[facts["tag"]][_hours(_utc(r["bucket"]), origin)] = r["posts"]
    if keys:
        posts = story.src.posts
        carrying = posts.filter(posts.hashtags.intersect(ibis.literal(keys, type="array<string>")).length() > 0)
        u = carrying.select(hour=carrying.created_at.truncate("h"), tag=carrying.hashtags.unnest())
        u = u.filter(u.tag.isin(keys))
        for r in u.group_by(["tag", "hour"]).aggregate(posts=u.count()).to_pyarrow().to_pylist():
            curves.setdefault(shown[r["tag"]], {})[_hours(r["hour"], origin)] = r["posts"]
    out = []
    for name, curve in curves.items():
        peak = max(curve.values(), default=0) or 1
        out += [{"tag": name, "hours": h, "posts": n, "of_peak": round(n / peak, 4)} for h, n in sorted(curve.items())]
    return out


def _hours(moment, origin: dt.datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return round((moment - origin) / dt.timedelta(hours=1), 3)


# -- words -----------------------------------------------------------------------------------

def _when(text: str | None) -> str:
    if not text:
        return "an unknown time"
    return _utc(text).strftime("%d %B %Y at %H:%M UTC").lstrip("0")


def _people(n: int, reveal: bool) -> str:
    return f"{n:,}" if reveal or n >= MIN_GROUP else f"fewer than {MIN_GROUP}"


def _hours_phrase(h: float) -> str:
    if h < 1:
        return f"{round(h * 60)} minutes"
    return f"{h:,.1f} hours" if h < 48 else f"{h / 24:,.1f} days"


def fact_sentences(data: dict) -> list[str]:
    """The fact sheet as a news report would phrase it."""
    f, reveal = data["facts"], data["reveal_authors"]
    o = f["origin"]
    words = [
        f"{f['tag']} was first used on {_when(o['created_at'])} by {o['author_handle']} on {o['platform']}.",
        f"In the 24 hours that followed, it was used by {_people(data['first_day']['authors'], reveal)} people "
        f"in {counted(data['first_day']['posts'], 'post')}.",
        f"In all, the corpus holds {counted(f['posts'], 'post')} using it by {_people(f['distinct_authors'], reveal)} "
        f"accounts, from {_when(f['first_seen'])} to {_when(f['last_seen'])}.",
        f"The first post drew {counted(f['replies_to_origin'], 'reply', 'replies')} and "
        f"{counted(f['reposts_of_origin'], 'repost')}.",
    ]
    if f["peak"]:
        words.append(f"Use peaked at {counted(f['peak']['posts'], 'post')} in the {f['peak']['unit']} from "
                     f"{_when(f['peak']['bucket'])}.")
    ig = f.get("igniting_post")
    if ig and not ig.get("same_as_origin"):
        words.append(f"The post that set it off was {ig['author_handle']}'s on {ig['platform']} "
                     f"({_when(ig['created_at'])}), whose cascade grew to {counted(ig['cascade_size'], 'post')}.")
    later = sorted((r for r in f["platforms"].items() if r[1]["lag_hours"] > 0), key=lambda kv: kv[1]["lag_hours"])
    words.append(f"It was used on {counted(len(f['platforms']), 'platform')}"
                 f" and in {counted(len(f['countries']), 'country', 'countries')} (where posts say so)"
                 + (f"; it reached {later[0][0]} {_hours_phrase(later[0][1]['lag_hours'])} after it began." if later else "."))
    c = f["cascades"]
    if c["count"]:
        words.append(f"{counted(c['posts_in_cascades'], 'post')} formed {counted(c['count'], 'cascade')}; the largest "
                     f"has {counted(c['largest_size'], 'post')} and is {counted(c['max_depth'], 'level')} deep at most.")
    if f["related"]:
        r = f["related"][0]
        when = "before" if r["lag_hours"] < 0 else "after"
        words.append(f"The tag most used with it is {r['tag']} ({r['relation']}), first seen "
                     f"{_hours_phrase(abs(r['lag_hours']))} {when} it.")
    return words
