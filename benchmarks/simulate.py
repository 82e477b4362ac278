"""Simulator figures: posts written per second and peak memory at chosen sizes, and the demo
world end to end (simulate + ingest) against its 60-second budget.

    .venv/bin/python benchmarks/simulate.py                     # 100k posts + the demo world
    .venv/bin/python benchmarks/simulate.py --posts 1000000 10000000

Each size runs in a fresh process (``metoo-2017`` at the scale that gives about that many posts),
so its peak RSS is its own. The peer of the demo row is the budget: ratio = seconds / 60.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POSTS_AT_SCALE_1 = 2_950_000  # metoo-2017, all platforms (measured: 0.02 -> ~59k)

_CHILD = r"""
import json, resource, sys, time
from hashtide.simulate import simulate
started = time.perf_counter()
truth = simulate("metoo-2017", sys.argv[1], scale=float(sys.argv[2]), seed=1)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"posts": truth["totals"]["posts"], "seconds": elapsed, "peak_bytes": peak}))
"""


def one_size(posts: int) -> dict:
    scale = posts / POSTS_AT_SCALE_1
    with tempfile.TemporaryDirectory(prefix="hashtide-bench-") as out:
        done = subprocess.run([sys.executable, "-c", _CHILD, out, str(scale)], check=True, capture_output=True, text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["bytes_written"] = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
    result["scale"] = scale
    return result


def demo_world(scale: float) -> dict:
    from hashtide.corpus import Corpus
    from hashtide.ingest import ingest
    from hashtide.simulate import simulate

    with tempfile.TemporaryDirectory(prefix="hashtide-demo-bench-") as out:
        started = time.perf_counter()
        truth = simulate("metoo-2017", Path(out) / "world", scale=scale, seed=2017)
        simulated = time.perf_counter() - started
        with Corpus.open(Path(out) / "c.duckdb") as corpus:
            report = ingest(corpus, sorted(str(p) for p in (Path(out) / "world").rglob("*.jsonl")))
        total = time.perf_counter() - started
    assert report.ingested == truth["totals"]["posts"]
    return {"posts": truth["totals"]["posts"], "simulate_s": simulated, "ingest_s": total - simulated, "total_s": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="*", default=[100_000], help="sizes to write (posts)")
    parser.add_argument("--demo-scale", type=float, default=0.02, help="scale of the demo world")
    parser.add_argument("--no-demo", action="store_true")
    args = parser.parse_args()
    print(f"{'posts':>11} {'scale':>7} {'seconds':>8} {'posts/s':>9} {'peak RSS MB':>12} {'MB written':>11}")
    for posts in args.posts:
        r = one_size(posts)
        print(f"{r['posts']:>11,} {r['scale']:>7.3f} {r['seconds']:>8.1f} {r['posts'] / r['seconds']:>9,.0f} "
              f"{r['peak_bytes'] / 2**20:>12,.0f} {r['bytes_written'] / 2**20:>11,.0f}", flush=True)
    if not args.no_demo:
        d = demo_world(args.demo_scale)
        print(f"demo world (metoo-2017 at {args.demo_scale}): {d['posts']:,} posts; simulate {d['simulate_s']:.1f} s "
              f"+ ingest {d['ingest_s']:.1f} s = {d['total_s']:.1f} s; ratio to the 60 s budget {d['total_s'] / 60:.2f}")
    print(f"(machine load at the end: {open('/proc/loadavg').read().split()[0]})")


if __name__ == "__main__":
    main()
