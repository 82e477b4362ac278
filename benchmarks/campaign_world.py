"""A synthetic campaign of N posts as one Arrow table, generated with numpy (for the report and
dashboard benchmarks): a launching post, reposts and replies hanging under earlier posts
(preferential towards the launch), 3 platforms, 12 countries, 6 languages, a few co-tags, and a
background of other tags."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from hashtide.model import POST_SCHEMA

LAUNCH_US = 1_508_112_000_000_000
HOUR_US = 3_600_000_000


def campaign_table(n: int, background: int = 0, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    total = n + background
    at = LAUNCH_US + np.sort(rng.gamma(1.5, 10 * HOUR_US, n)).astype(np.int64)
    at[0] = LAUNCH_US
    kind = rng.choice(np.array(["original", "repost", "reply", "quote"]), n, p=[0.4, 0.35, 0.2, 0.05])
    kind[0] = "original"
    # parents: a third to the launching post, the rest to a uniformly earlier post
    parent = (rng.random(n) * np.arange(n)).astype(np.int64)
    parent[rng.random(n) < 0.33] = 0
    has_parent = kind != "original"
    authors = rng.integers(0, max(n // 2, 1), n)
    authors[0] = -1
    cotag = rng.choice(np.array(["", "balancetonporc", "yotambien", "timesup"]), n, p=[0.9, 0.04, 0.03, 0.03])
    tags = [["metoo", c] if c else ["metoo"] for c in cotag]
    tags = [[] if k == "repost" else t for k, t in zip(kind, tags)]
    bg_at = LAUNCH_US + rng.integers(-24 * HOUR_US, 72 * HOUR_US, background)
    bg_tags = [[t] for t in rng.choice(np.array(["news", "music", "sport", "tv", "food"]), background)]
    countries = np.array(["US", "GB", "FR", "IN", "CA", "AU", "DE", "ES", "IT", "MX", "BR", "JP"])
    ids = np.arange(total).astype(str)
    columns = {
        "platform": rng.choice(np.array(["twitter", "mastodon", "bluesky"]), total, p=[0.9, 0.06, 0.04]),
        "post_id": ids,
        "created_at": np.concatenate([at, bg_at]),
        "author_id": np.concatenate([authors, rng.integers(0, max(background // 3, 1), background) + n]).astype(str),
        "author_followers": rng.pareto(1.2, total).astype(np.int64) * 100,
        "lang": rng.choice(np.array(["en", "fr", "es", "it", "de", "ja"]), total, p=[0.7, 0.1, 0.08, 0.05, 0.04, 0.03]),
        "country": rng.choice(countries, total),
        "kind": np.concatenate([kind, np.full(background, "original")]),
    }
    columns["platform"][: n][has_parent] = columns["platform"][parent[has_parent]]  # same platform as the parent
    table = {k: pa.array(v) for k, v in columns.items()}
    table["created_at"] = pa.array(columns["created_at"], type=pa.timestamp("us", tz="UTC"))
    table["author_handle"] = table["author_id"]
    table["parent_id"] = pa.array(np.concatenate([np.where(has_parent, parent, -1), np.full(background, -1)]).astype(str))
    table["parent_id"] = pa.array([None if p == "-1" else p for p in table["parent_id"].to_pylist()])
    table["hashtags"] = pa.array(tags + bg_tags, type=pa.list_(pa.string()))
    table["hashtag_forms"] = table["hashtags"]
    table["top_level"] = pa.array(np.ones(total, dtype=bool))
    return pa.table([table.get(f.name, pa.nulls(total, f.type)).cast(f.type) for f in POST_SCHEMA], schema=POST_SCHEMA)
