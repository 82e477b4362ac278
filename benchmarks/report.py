"""How long `hashtide report` takes for a campaign of N posts (target: 1 M posts in < 10 s).

Builds a synthetic corpus (benchmarks/campaign_world.py), then times the real command in a child
process, twice: the first run may also assemble the Vega bundle into the user cache. Prints
seconds, peak memory and the report size. Usage: python benchmarks/report.py [POSTS] [--figures]

Or over an existing corpus instead of the synthetic one, e.g. the ~1.1 M-post #MeToo world that
benchmarks/campaign_speed.py builds (4 copies of the simulated world at scale 0.1):

    python benchmarks/report.py --corpus /tmp/hashtide-campaign-speed/corpus-x4.duckdb
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _measure import BIN, run  # noqa: E402
from campaign_world import campaign_table  # noqa: E402

from hashtide.corpus import Corpus  # noqa: E402

TARGET_SECONDS = 10.0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
    figures = "--figures" in sys.argv
    existing = sys.argv[sys.argv.index("--corpus") + 1] if "--corpus" in sys.argv else None
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(existing or Path(folder) / "bench.duckdb")
        if existing:
            print(f"corpus: {corpus} (existing)")
        else:
            start = time.perf_counter()
            with Corpus.open(corpus) as store:
                store.write_posts(campaign_table(n, background=n // 5))
            print(f"corpus: {n:,} campaign posts + {n // 5:,} background, built in {time.perf_counter() - start:.1f} s")
        command = [str(BIN / "hashtide"), "report", "#MeToo", "--corpus", str(corpus), "--out", str(Path(folder) / "r.html")]
        if figures:
            command += ["--figures", str(Path(folder) / "figures")]
        for attempt in ("first run", "second run"):
            seconds, peak, result = run(command)
            if result.returncode:
                sys.exit(result.stderr.decode())
            size = (Path(folder) / "r.html").stat().st_size
            print(f"report {attempt}: {seconds:.2f} s, peak RSS {peak / 2**20:.0f} MiB, {size / 2**20:.2f} MiB HTML"
                  f"  (target < {TARGET_SECONDS:.0f} s: {seconds / TARGET_SECONDS:.2f}x of the budget)")


if __name__ == "__main__":
    main()
