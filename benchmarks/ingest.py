"""Ingest throughput and memory against the tools users run today, on one twarc2 file, in one run.

    python benchmarks/ingest.py --scale 0.4        # a metoo-2017 world of ~1.1 M tweets (1.75 GB)
    python benchmarks/ingest.py --input FILE.jsonl # any twarc2 file
    python benchmarks/ingest.py --skip-peers --input DAY1.jsonl DAY2.jsonl ...  # memory at 5 M+

Method: the simulator writes a twarc2 file (pages of 100 tweets with ``includes``, the format
twarc2 itself writes); then, on that same file, one after the other:

- parse floor: msgspec decoding every line (one core), counting the tweets -- no tool can read
  the file faster than it can decode it;
- ``hashtide ingest FILE --corpus NEW`` (all cores), the whole pipeline into DuckDB;
- ``twarc2 csv FILE OUT`` (the twarc-csv plugin), what users run to get a table;
- ``twarc2 hashtags FILE OUT`` (the twarc-hashtags plugin), what users run to count tags.

Each is timed wall-clock; peak memory is the resident set of the whole process tree, sampled every
20 ms. Ratios are against hashtide (>1 means hashtide is faster).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import msgspec

from _measure import BIN, machine, peer_bin, run, table


def simulated_twarc2(folder: Path, scale: float, seed: int) -> Path:
    subprocess.run([str(BIN / "hashtide"), "simulate", "metoo-2017", "--scale", str(scale), "--seed", str(seed),
                    "--out", str(folder / "world"), "--formats", "twarc2"], check=True, capture_output=True)
    files = sorted((folder / "world").rglob("*.jsonl"))
    target = folder / "twarc2.jsonl"
    with open(target, "wb") as out:
        for f in files:
            with open(f, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
    return target


def parse_floor(paths: list[Path]) -> tuple[float, int]:
    decode = msgspec.json.decode
    tweets = 0
    start = time.perf_counter()
    for path in paths:
        with open(path, "rb") as f:
            for line in f:
                page = decode(line)
                data = page.get("data")
                tweets += len(data) if isinstance(data, list) else 1
    return time.perf_counter() - start, tweets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.4, help="metoo-2017 scale for the simulated file (0.4: about 1.1 M tweets)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--input", type=Path, nargs="+",
                        help="twarc2 files to use instead of simulating one (several only with --skip-peers)")
    parser.add_argument("--skip-peers", action="store_true", help="time hashtide and the floor only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hashtide-bench-") as tmp:
        folder = Path(tmp)
        if args.input and len(args.input) > 1 and not args.skip_peers:
            parser.error("the twarc2 peers read one file: give one --input, or --skip-peers")
        paths = args.input or [simulated_twarc2(folder, args.scale, args.seed)]
        path = paths[0]
        size = sum(p.stat().st_size for p in paths)
        floor_s, tweets = parse_floor(paths)
        rows = [{"tool": "parse floor (msgspec, 1 core)", "seconds": floor_s, "rss": 0}]
        seconds, rss, result = run([str(BIN / "hashtide"), "ingest", *map(str, paths), "--corpus", str(folder / "b.duckdb"), "--json"])
        account = msgspec.json.decode(result.stdout)
        rows.append({"tool": "hashtide ingest", "seconds": seconds, "rss": rss})
        if not args.skip_peers:
            for name, command in (("twarc2 csv", "csv"), ("twarc2 hashtags", "hashtags")):
                # twarc2 asks for API keys even for offline plugins; a placeholder token skips that
                s, r, _ = run([str(peer_bin("twarc2")), command, str(path), str(folder / f"{command}.csv")],
                              env=dict(os.environ, BEARER_TOKEN="offline"), stdin=subprocess.DEVNULL,
                              cwd=folder)  # twarc2 writes twarc.log (and hashtags.db) where it runs
                rows.append({"tool": name, "seconds": s, "rss": r})
    ours = rows[1]["seconds"]
    for row in rows:
        row["tweets/s"] = f"{tweets / row['seconds']:,.0f}"
        row["peak RSS"] = f"{row['rss'] / 2**20:,.0f} MB" if row["rss"] else "-"
        row["hashtide speed-up"] = f"{row['seconds'] / ours:.2f}x"
        row["seconds"] = f"{row['seconds']:.1f}"
    print(f"# ingest benchmark, {time.strftime('%Y-%m-%d')}, {machine()}")
    print(f"# input: {', '.join(p.name for p in paths) if args.input else f'simulated metoo-2017 scale {args.scale}'}: "
          f"{tweets:,} tweets in data, {size / 2**20:,.0f} MB; hashtide stored {account['ingested']:,} "
          f"+ {account['referenced']:,} referenced")
    print(table(rows, ["tool", "seconds", "tweets/s", "peak RSS", "hashtide speed-up"]))
    print(f"hashtide / parse floor throughput: {floor_s / ours:.0%} (target >= 50%)")
    for row in rows[2:]:
        target = " (target >= 20x)" if row["tool"] == "twarc2 csv" else ""
        print(f"hashtide vs {row['tool']}: {row['hashtide speed-up']}{target}")


if __name__ == "__main__":
    main()
