"""Dashboard API latency under load (target: p95 < 100 ms for the overview and campaign endpoints
on a 10 M-post corpus), measured with a loopback load generator.

Starts the real `hashtide serve` on 127.0.0.1 over a synthetic corpus, times the first (cold)
request of each endpoint, then drives each endpoint for a few seconds with CONCURRENCY parallel
keep-alive clients (asyncio + httpx; wrk is used instead when it is on PATH) and prints p50, p95
and requests per second. Results are cached per corpus fingerprint (see hashtide.web.store), so
the steady state measures the server, the cold request the queries.
Usage: python benchmarks/dashboard.py [POSTS] [SECONDS] [--corpus PATH]

With ``--corpus``, an existing corpus is served instead of the synthetic one (a copy, so that the
server's caches do not touch it), e.g. the 10 M-post metoo-2017 corpus benchmarks/scale.py builds.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _measure import BIN  # noqa: E402
from campaign_world import campaign_table  # noqa: E402

from hashtide.corpus import Corpus  # noqa: E402

CONCURRENCY = 8
ENDPOINTS = ("/api/overview", "/api/campaigns/MeToo/facts", "/api/campaigns/MeToo/charts", "/api/trending")
TARGET_MS = 100.0


async def drive(url: str, seconds: float) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=60) as client:
        async def worker():
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.get(url)
                response.raise_for_status()
                latencies.append(time.perf_counter() - start)
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies


def main() -> None:
    existing = sys.argv[sys.argv.index("--corpus") + 1] if "--corpus" in sys.argv else None
    numbers = [a for a in sys.argv[1:] if a.replace(".", "", 1).isdigit()]
    n = int(numbers[0]) if numbers else 1_000_000
    seconds = float(numbers[1]) if len(numbers) > 1 else 5.0
    with tempfile.TemporaryDirectory() as folder:
        corpus = str(Path(folder) / "bench.duckdb")
        if existing:
            shutil.copy(existing, corpus)
            with Corpus.open(corpus, read_only=True) as store:
                n = store.con.execute("select count(*) from posts").fetchall()[0][0]
        else:
            with Corpus.open(corpus) as store:
                store.write_posts(campaign_table(n // 2, background=n - n // 2))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([str(BIN / "hashtide"), "serve", "--corpus", corpus, "--port", str(port)],
                                  stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    httpx.get(base + "/openapi.json", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            print(f"corpus: {n:,} posts; {CONCURRENCY} concurrent clients, {seconds:.0f} s per endpoint")
            for path in ENDPOINTS:
                start = time.perf_counter()
                httpx.get(base + path, timeout=600).raise_for_status()
                cold = time.perf_counter() - start
                lat = np.array(asyncio.run(drive(base + path, seconds))) * 1000
                p50, p95 = np.percentile(lat, [50, 95])
                print(f"{path:32s} cold {cold * 1000:8.0f} ms | p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                      f"{len(lat) / seconds:7.0f} req/s  (p95 / target {p95 / TARGET_MS:.2f})")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
