"""The full fact sheet on a large corpus, and the same figures the way users compute them today.

    .venv/bin/python benchmarks/campaign_speed.py [--posts 1000000] [--seed 0]

Builds a corpus of N posts directly as Arrow (a campaign of 20 %, a sibling, reposts, replies,
quotes, background tags; twitter-shaped ids), times ``Campaign(...).facts()`` (every figure:
origin, kinds, authors, replies/reposts of the origin, reach, timeline, spread, cascades, amplifiers,
related tags), then the peer: a pandas pipeline over the same posts as a ``twarc2 csv``-shaped CSV
(read_csv, hashtag string matching, merges for reposts through their subject and replies to the
origin, groupbys for kinds, authors, spread and peak). It prints both times and the ratio; the
target is 10 M posts in under 5 s. The peer computes fewer figures (no cascades, PageRank,
related); its time is a lower bound for the same work.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hashtide.campaign import Campaign
from hashtide.corpus import Corpus
from hashtide.model import POST_SCHEMA

START_US = 1_507_766_400_000_000  # 2017-10-12T00:00:00Z
SPAN_US = 10 * 86_400 * 1_000_000
TAGS = np.array(["metoo", "balancetonporc", "news", "music", "love", "art", "travel", "tech"], dtype=object)


def synthetic(n: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    created = np.sort(START_US + rng.integers(0, SPAN_US, n))
    ids = np.arange(10**17, 10**17 + n).astype(str).astype(object)
    kind_codes = rng.choice(4, n, p=[0.4, 0.4, 0.15, 0.05])
    kinds = np.array(["original", "repost", "reply", "quote"], dtype=object)[kind_codes]
    parent_idx = (np.arange(n) * rng.random(n)).astype(np.int64)  # an earlier post
    has_parent = kind_codes > 0
    parent = np.where(has_parent, ids[parent_idx], None)
    authors = (rng.pareto(1.3, n) * 1000).astype(np.int64) % max(1, n // 3)
    followers = np.exp(rng.normal(5.2, 1.9, n)).astype(np.int64)
    tag_pick = rng.choice(len(TAGS), n, p=[0.2, 0.05, 0.25, 0.15, 0.1, 0.1, 0.1, 0.05])
    second = rng.random(n) < 0.1
    tags = [[TAGS[t]] + ([TAGS[(t + 2) % len(TAGS)]] if s else []) for t, s in zip(tag_pick, second)]
    # reposts carry their subject's tags, as Twitter retweets do
    tags = [tags[p] if k == 1 else t for t, k, p in zip(tags, kind_codes, parent_idx)]
    langs = np.array(["en", "fr", "es", "ja"], dtype=object)[rng.choice(4, n, p=[0.7, 0.1, 0.1, 0.1])]
    country = np.where(rng.random(n) < 0.1, np.array(["US", "FR", "GB", "JP"], dtype=object)[rng.integers(0, 4, n)], None)
    cols = {
        "platform": pa.array(["twitter"] * n), "post_id": pa.array(ids, pa.string()),
        "created_at": pa.array(created, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "author_id": pa.array(authors.astype(str), pa.string()), "author_handle": pa.array(("u" + authors.astype(str)).astype(object), pa.string()),
        "author_followers": pa.array(followers), "text": pa.nulls(n, pa.string()), "lang": pa.array(langs, pa.string()),
        "country": pa.array(country, pa.string()), "hashtags": pa.array(tags, pa.list_(pa.string())),
        "hashtag_forms": pa.array(tags, pa.list_(pa.string())), "kind": pa.array(kinds, pa.string()),
        "parent_id": pa.array(parent, pa.string()), "root_id": pa.nulls(n, pa.string()),
        "parent_author_id": pa.array(np.where(has_parent, authors[parent_idx].astype(str), None), pa.string()),
    }
    for c in ("likes", "reposts", "replies", "quotes", "source_offset"):
        cols[c] = pa.nulls(n, pa.int64())
    cols["source"] = pa.nulls(n, pa.string())
    cols["top_level"] = pa.array(np.ones(n, dtype=bool))
    return pa.table({f.name: cols[f.name] for f in POST_SCHEMA}, schema=POST_SCHEMA)


def twarc_csv(table: pa.Table, path: Path) -> None:
    """The columns `twarc2 csv` writes that the pipeline needs, hashtags as its JSON strings."""
    import pyarrow.csv as pcsv

    kind = table["kind"]
    out = pa.table({
        "id": table["post_id"], "created_at": pc.strftime(table["created_at"], "%Y-%m-%dT%H:%M:%SZ"),
        "author_id": table["author_id"], "author.public_metrics.followers_count": table["author_followers"],
        "lang": table["lang"], "geo.country_code": table["country"],
        "entities.hashtags": pa.array([json.dumps([{"tag": t} for t in tags]) for tags in table["hashtags"].to_pylist()]),
        "referenced_tweets.retweeted.id": pc.if_else(pc.equal(kind, "repost"), table["parent_id"], None),
        "referenced_tweets.replied_to.id": pc.if_else(pc.equal(kind, "reply"), table["parent_id"], None),
        "referenced_tweets.quoted.id": pc.if_else(pc.equal(kind, "quote"), table["parent_id"], None),
    })
    pcsv.write_csv(out, path)


def pandas_way(path: Path, tag: str) -> dict:
    import pandas as pd

    df = pd.read_csv(path, dtype=str)
    df["created_at"] = pd.to_datetime(df["created_at"])
    carries = df["entities.hashtags"].str.lower().str.contains(f'"tag": "{tag}"', regex=False, na=False)
    own = df[carries]
    through = df[df["referenced_tweets.retweeted.id"].isin(own["id"]) & ~carries]
    uses = pd.concat([own, through])
    uses = uses.assign(kind=uses["referenced_tweets.retweeted.id"].notna().map({True: "repost", False: ""}))
    uses.loc[uses["referenced_tweets.replied_to.id"].notna(), "kind"] = "reply"
    uses.loc[uses["referenced_tweets.quoted.id"].notna(), "kind"] = "quote"
    uses.loc[uses["kind"] == "", "kind"] = "original"
    origin = uses.sort_values(["created_at", "id"]).iloc[0]
    per_hour = uses.groupby(uses["created_at"].dt.floor("h")).size()
    return {
        "posts": len(uses), "by_kind": uses["kind"].value_counts().to_dict(),
        "distinct_authors": uses["author_id"].nunique(), "origin": origin["id"],
        "replies_to_origin": int((df["referenced_tweets.replied_to.id"] == origin["id"]).sum()),
        "reposts_of_origin": int((df["referenced_tweets.retweeted.id"] == origin["id"]).sum()),
        "peak": int(per_hour.max()),
        "languages": uses.groupby("lang").agg(posts=("id", "size"), authors=("author_id", "nunique")).to_dict(),
        "countries": uses.groupby("geo.country_code").agg(posts=("id", "size"), first=("created_at", "min")).to_dict(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        table = synthetic(args.posts, args.seed)
        path = Path(tmp) / "c.duckdb"
        with Corpus.open(path) as corpus:
            corpus.con.register("_bench", table)
            corpus.con.execute("insert into posts select * from _bench")
            corpus.con.unregister("_bench")
        with Corpus.open(path, read_only=True) as corpus:
            began = time.perf_counter()
            with Campaign(corpus, "metoo") as story:
                facts = story.facts()
            ours = time.perf_counter() - began
        print(f"hashtide campaign: {args.posts:,} posts, {facts['posts']:,} use #metoo: {ours:.2f} s "
              f"(target for 10 M: < 5 s)")
        if args.no_peer:
            return
        csv_path = Path(tmp) / "tweets.csv"
        twarc_csv(table, csv_path)
        began = time.perf_counter()
        peer = pandas_way(csv_path, "metoo")
        theirs = time.perf_counter() - began
        same = peer["posts"] == facts["posts"] and peer["replies_to_origin"] == facts["replies_to_origin"]
        print(f"pandas over twarc2 csv (fewer figures): {theirs:.2f} s; ratio {theirs / ours:.1f}x; "
              f"same posts and replies to origin: {same}")


if __name__ == "__main__":
    main()
