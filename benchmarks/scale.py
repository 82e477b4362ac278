"""Ingest and fact-sheet time, DuckDB beside Spark local[2], on a simulated #MeToo world.

    .venv/bin/python benchmarks/scale.py --posts 1000000 [--posts 10000000] [--master local[2]]

For each size: simulate the ``metoo-2017`` scenario (twarc2 files, a file per day) scaled to
about that many posts, ingest it into a DuckDB corpus and into a Parquet dataset with Spark,
then time ``info`` (the Ibis summary of :mod:`hashtide.engine.summary`) and the #MeToo campaign
fact sheet (``Campaign.facts``, what ``hashtide campaign --json`` prints) on each. Prints a
Markdown table (the one in docs/scale.md) with the Spark/DuckDB ratio, all measured in one run.
Spark's session start is timed apart: a cluster pays it once per application.
"""

from __future__ import annotations

import argparse
import glob
import json
import shutil
import tempfile
import time
from pathlib import Path

POSTS_PER_SCALE = 2_763_100  # metoo-2017 with twarc2 only: 27,631 posts at scale 0.01


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def measure(posts: int, master: str, work: Path) -> dict:
    from hashtide.corpus import Corpus
    from hashtide.engine import DuckDBEngine, SparkEngine
    from hashtide.engine import spark as sparkmod
    from hashtide.engine.parquet import Dataset
    from hashtide.engine.summary import summary
    from hashtide.ingest import ingest
    from hashtide.simulate import simulate

    world = work / f"world-{posts}"
    if (world / "truth.json").exists():  # simulated by an earlier run in the same --work folder
        truth, simulated = json.loads((world / "truth.json").read_text()), 0.0
    else:
        truth, simulated = _timed(lambda: simulate("metoo-2017", world, scale=posts / POSTS_PER_SCALE, seed=1,
                                                   formats=("twarc2",)))
    files = sorted(glob.glob(str(world / "**" / "*.jsonl"), recursive=True))
    size = sum(Path(f).stat().st_size for f in files)
    row = {"posts": truth["totals"]["posts"], "bytes": size, "simulate_s": simulated}
    with Corpus.open(work / f"corpus-{posts}.duckdb") as corpus:
        report, row["duckdb_ingest_s"] = _timed(lambda: ingest(corpus, files))
        facts, row["duckdb_info_s"] = _timed(lambda: summary(DuckDBEngine(corpus)))
        story, row["duckdb_campaign_s"] = _timed(lambda: _campaign(DuckDBEngine(corpus)))
    spark, row["spark_start_s"] = _timed(lambda: sparkmod.session(master, app_name="hashtide-bench"))
    engine = SparkEngine(Dataset(str(work / f"dataset-{posts}")), spark=spark)
    spark_report, row["spark_ingest_s"] = _timed(lambda: engine.ingest(files))
    spark_facts, row["spark_info_s"] = _timed(lambda: summary(engine))
    spark_story, row["spark_campaign_s"] = _timed(lambda: _campaign(engine))
    facts.pop("corpus"), spark_facts.pop("corpus")
    row["same_answers"] = (facts == spark_facts and story == spark_story
                           and report.ingested == spark_report.ingested)
    row["ingested"] = report.ingested
    return row


def _campaign(engine) -> dict:
    from hashtide.campaign import Campaign

    # authors revealed: each store keeps its own pseudonym key, so pseudonyms differ by design
    with Campaign(engine, "#MeToo", reveal_authors=True) as story:
        facts = story.facts()
    facts.pop("audit")  # each figure's SQL in the engine's own dialect: the same figures, other text
    return facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, action="append", help="posts per world (repeatable)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--work", default=None, help="scratch directory (default: a temporary one)")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="hashtide-scale-"))
    print("| posts | input | DuckDB ingest posts/s | Spark ingest posts/s | ratio | DuckDB info s | "
          "Spark info s | ratio | DuckDB campaign s | Spark campaign s | ratio | same answers |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for posts in args.posts or [100_000]:
        r = measure(posts, args.master, work)
        rate_d, rate_s = r["ingested"] / r["duckdb_ingest_s"], r["ingested"] / r["spark_ingest_s"]
        print(f"| {r['posts']:,} | {r['bytes'] / 1e6:,.0f} MB | {rate_d:,.0f} | {rate_s:,.0f} | "
              f"{rate_s / rate_d:.2f} | {r['duckdb_info_s']:.2f} | {r['spark_info_s']:.2f} | "
              f"{r['spark_info_s'] / r['duckdb_info_s']:.1f} | {r['duckdb_campaign_s']:.2f} | "
              f"{r['spark_campaign_s']:.2f} | {r['spark_campaign_s'] / r['duckdb_campaign_s']:.1f} | "
              f"{'yes' if r['same_answers'] else 'NO'} |",
              flush=True)
        print(f"<!-- spark session start {r['spark_start_s']:.1f} s; simulate {r['simulate_s']:.0f} s -->", flush=True)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
