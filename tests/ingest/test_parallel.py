"""Parsing on every core gives the account and corpus of a sequential ingest, to the byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb

TABLES = ("select * from posts order by platform, post_id", "select * from users order by platform, user_id",
          "select * from quarantine order by byte_offset, item")


def test_parallel_and_sequential_ingests_agree(tmp_path, shared_data):
    pages = (shared_data / "twitter-v2-twarc2" / "twarccsv-entities_test.jsonl").read_bytes().rstrip(b"\n")
    flat = (shared_data / "twitter-v2-twarc2" / "twarccsv-flat.jsonl").read_bytes()
    big = tmp_path / "mixed.jsonl"
    with open(big, "wb") as out:  # ~9 MB: slices of 4 MB cut through pages, flat lines and junk
        for i in range(6):
            out.write(pages + b"\n" + flat + b"not json at all\n" + b'{"data": {"id": "9", "text": "cut' + b"\n")
    from hashtide.ingest import chunks

    os.environ["HASHTIDE_PARALLEL_MIN_BYTES"], before = "1000000", os.environ.get("HASHTIDE_PARALLEL_MIN_BYTES")
    try:
        assert chunks.line_oriented(str(big)) == (chunks.workers() >= 2)  # the parallel path is taken
    finally:
        os.environ.pop("HASHTIDE_PARALLEL_MIN_BYTES") if before is None else os.environ.update(HASHTIDE_PARALLEL_MIN_BYTES=before)
    runs = {}
    for name, workers in (("sequential", "1"), ("parallel", "2")):
        env = dict(os.environ, HASHTIDE_WORKERS=workers, HASHTIDE_PARALLEL_MIN_BYTES="1000000")
        done = subprocess.run([sys.executable, "-m", "hashtide", "ingest", str(big), "-c", str(tmp_path / f"{name}.duckdb"),
                               "--json"], capture_output=True, env=env, check=True)
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"), read_only=True)
        runs[name] = (json.loads(done.stdout), [con.execute(q).fetchall() for q in TABLES])
        con.close()
    account, tables = runs["parallel"]
    assert account == runs["sequential"][0]
    assert tables == runs["sequential"][1]
    assert account["rejected"] == 12 and account["duplicates"] == 5 * (474 + 100)
