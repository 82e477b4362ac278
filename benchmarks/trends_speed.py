"""Speed and memory of the trend detector, in one run.

Usage: python benchmarks/trends_speed.py [--posts 2000000] [--world DIR]

1. detector updates per second on pre-parsed posts (Arrow, POST_SCHEMA), all four scope
   dimensions, 5-minute buckets (target >= 1,000,000 posts/s per core; the whole Twitter
   firehose peaked at 143,199 tweets/s);
2. end to end ``hashtide watch FILE --no-follow`` on the largest twarc2 file of a simulated world,
   piped, the file read once before (target >= 150,000 posts/s on this machine);
3. the hashed state's memory after 1,000,000 distinct tags (target < 256 MB), and the process'
   resident memory growth;
4. Kleinberg bursts on the same per-tag series: hashtide.trends.bursts (Viterbi, numpy) against
   the burst_detection package (greedy two-state pass, pandas + mpmath), with the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa

from hashtide.model import POST_SCHEMA
from hashtide.trends.bursts import kleinberg
from hashtide.trends.signitrend import SigniTrend

COUNTRIES = np.array(["US", "GB", "FR", "IT", "DE", "ES", "JP", "BR", "IN", "CA"] + [None] * 10, dtype=object)
LANGS = np.array(["en", "fr", "it", "de", "es", "ja", "pt"], dtype=object)
PLATFORMS = np.array(["twitter", "bluesky", "mastodon"], dtype=object)
KINDS = np.array(["original", "repost", "reply", "quote"], dtype=object)


def synthetic_posts(n: int, vocabulary: int, start_us: int, span_us: int, seed: int = 0) -> pa.Table:
    """Posts with 0-3 Zipf-distributed tags each, in time order, as parsed Arrow."""
    rng = np.random.default_rng(seed)
    tags_per_post = rng.choice(4, n, p=[0.45, 0.35, 0.15, 0.05])
    total = int(tags_per_post.sum())
    ranks = np.minimum(rng.zipf(1.1, total), vocabulary) - 1
    names = pa.array([f"tag{i}" for i in range(vocabulary)])
    flat = names.take(pa.array(ranks))
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(tags_per_post, out=offsets[1:])
    hashtags = pa.ListArray.from_arrays(pa.array(offsets), flat)
    columns = {
        "platform": pa.array(PLATFORMS[rng.integers(0, 3, n)], pa.string()),
        "post_id": pa.array(np.arange(n).astype(str)),
        "created_at": pa.array(start_us + np.sort(rng.integers(0, span_us, n)), pa.int64()).cast(POST_SCHEMA.field("created_at").type),
        "author_id": pa.array(rng.integers(0, n // 3 + 1, n).astype(str)),
        "lang": pa.array(LANGS[rng.integers(0, len(LANGS), n)], pa.string()),
        "country": pa.array(COUNTRIES[rng.integers(0, len(COUNTRIES), n)], pa.string()),
        "hashtags": hashtags,
        "hashtag_forms": hashtags,
        "kind": pa.array(KINDS[rng.choice(4, n, p=[0.3, 0.45, 0.15, 0.1])], pa.string()),
    }
    return pa.table(columns)


def detector_speed(n: int) -> float:
    table = synthetic_posts(n, 200_000, 1_500_000_000_000_000, 6 * 3_600_000_000)
    batches = table.to_batches(max_chunksize=100_000)
    detector = SigniTrend(bucket=dt.timedelta(minutes=5), warmup=0)
    started = time.process_time()
    for batch in batches:
        detector.update(batch)
    detector.flush()
    cpu = time.process_time() - started
    rate = n / cpu
    print(f"detector: {n:,} posts, {table.column('hashtags').combine_chunks().values.__len__():,} tag uses, "
          f"all scopes, 5 min buckets: {cpu:.2f} s CPU -> {rate:,.0f} posts/s per core "
          f"({rate / 1_000_000:.2f}x the 1 M/s target, {rate / 143_199:.1f}x Twitter's firehose peak)")
    return rate


def state_memory() -> None:
    process = psutil.Process()
    before = process.memory_info().rss
    detector = SigniTrend(bucket=dt.timedelta(minutes=5), warmup=0)
    n = 1_000_000
    names = pa.array([f"distinct{i}" for i in range(n)])
    offsets = pa.array(np.arange(n + 1, dtype=np.int32))
    hashtags = pa.ListArray.from_arrays(offsets, names)
    table = pa.table({"platform": pa.array(["twitter"] * n), "created_at": pa.array(
        1_500_000_000_000_000 + np.arange(n) * 1000, pa.int64()).cast(POST_SCHEMA.field("created_at").type),
        "author_id": pa.array(np.arange(n).astype(str)), "lang": pa.array(["en"] * n), "country": pa.array(["US"] * n),
        "hashtags": hashtags, "hashtag_forms": hashtags})
    for batch in table.to_batches(max_chunksize=100_000):
        detector.update(batch)
    detector.flush()
    grown = process.memory_info().rss - before
    print(f"state after {n:,} distinct tags (x4 scopes): hashed table {detector.state_bytes / 2**20:.0f} MB "
          f"(fixed; target < 256 MB, {256 * 2**20 / detector.state_bytes:.1f}x under); "
          f"process grew {grown / 2**20:.0f} MB including the 1 M-post input")


def watch_speed(world: Path | None) -> None:
    if world is None:
        print("watch end to end: skipped (give --world DIR of a simulated world)")
        return
    files = sorted(world.glob("twitter/twarc2-*.jsonl"))
    if not files:
        print(f"watch end to end: no twarc2 file under {world}")
        return
    source = max(files, key=lambda p: p.stat().st_size)
    command = [str(Path(sys.executable).parent / "hashtide"), "watch", str(source), "--no-follow", "--every", "5m",
               "--scope", "all", "--lateness", "1h", "--format", "twitter-v2"]
    posts = _count_tweets(source)  # read once before timing: the file is in the page cache, as after it was written
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    elapsed = time.perf_counter() - started
    if result.returncode:
        print("watch failed:", result.stderr[-500:])
        return
    rate = posts / elapsed
    print(f"watch end to end: {source.name} {source.stat().st_size / 2**20:.0f} MB, {posts:,} posts in "
          f"{elapsed:.2f} s -> {rate:,.0f} posts/s ({rate / 150_000:.2f}x the 150k/s target), "
          f"{len(result.stdout.splitlines())} alerts")


def _count_tweets(path: Path) -> int:
    from hashtide.ingest import read_posts

    return sum(t.num_rows for t in read_posts([str(path)]))


class _NumpyForBurstDetection:
    """numpy as burst_detection 0.1.3 (2018) expects it: ``np.float`` (removed in numpy 1.24), and
    ``np.where`` of one condition as a (1, m) array, which ``q[t] = np.where(cost == min(cost))``
    can store (numpy 2 refuses to store the tuple) and ``np.where(...)[0]`` still indexes."""

    float = float

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def where(condition, *rest):
        return np.where(condition, *rest) if rest else np.stack(np.where(condition))


def bursts_vs_peer() -> None:
    rng = np.random.default_rng(1)
    n = 2000
    d = rng.poisson(5000, n)
    rate = np.full(n, 0.002)
    rate[800:900] = 0.01
    r = rng.binomial(d, rate)
    started = time.perf_counter()
    ours = kleinberg(r, d, s=2.0, gamma=1.0)
    mine = time.perf_counter() - started
    try:
        import pandas as pd
        import burst_detection as bd

        bd.np = _NumpyForBurstDetection()
        tau = bd.tau  # numpy 1 turned its one-element array argument into a number; numpy 2 does not
        bd.tau = lambda i1, i2, gamma, n: tau(float(np.asarray(i1).ravel()[0]), i2, gamma, n)
        started = time.perf_counter()
        q, _, _, _ = bd.burst_detection(pd.Series(r), pd.Series(d), n, s=2.0, gamma=1.0, smooth_win=1)
        peer = time.perf_counter() - started
        theirs = bd.enumerate_bursts(q, "tag")
    except Exception as exc:  # the peer is optional
        print(f"bursts: ours {mine * 1000:.1f} ms for {n} buckets; burst_detection failed ({exc})")
        return
    print(f"bursts on {n} buckets: hashtide {mine * 1000:.1f} ms, burst_detection {peer * 1000:.0f} ms "
          f"-> {peer / mine:.0f}x faster; intervals hashtide {[(b.first, b.last) for b in ours]}, "
          f"burst_detection {list(zip(theirs['begin'], theirs['end']))[:6]} (planted 800-899)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=2_000_000)
    parser.add_argument("--world", type=Path, default=None)
    args = parser.parse_args()
    detector_speed(args.posts)
    watch_speed(args.world)
    state_memory()
    bursts_vs_peer()


if __name__ == "__main__":
    main()
