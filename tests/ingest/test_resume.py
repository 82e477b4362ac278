"""An ingest killed at any moment (kill -9) and run again ends with the corpus of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

HASHTIDE = [sys.executable, "-m", "hashtide"]
TABLES = {
    "posts": "select * exclude (source) from posts order by platform, post_id",
    "users": "select * from users order by platform, user_id",
    "quarantine": "select * exclude (source) from quarantine order by byte_offset, item",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("world")
    subprocess.run([*HASHTIDE, "simulate", "tiny", "--seed", "11", "--out", str(out)], check=True, capture_output=True)
    files = sorted(str(p) for p in out.rglob("*.jsonl"))
    assert files
    return files


def ingest_command(corpus: Path, files: list[str]) -> list[str]:
    return [*HASHTIDE, "ingest", *files, "--corpus", str(corpus), "--json"]


def snapshot(corpus: Path) -> dict[str, list]:
    con = duckdb.connect(str(corpus), read_only=True)
    try:
        return {name: con.execute(query).fetchall() for name, query in TABLES.items()}
    finally:
        con.close()


@pytest.mark.slow
@pytest.mark.parametrize("duckdb_reader", [False, True], ids=["per-line", "duckdb-reader"])
def test_killed_ingests_resume_to_the_uninterrupted_corpus(tmp_path, world, duckdb_reader):
    # with the DuckDB reader, twarc2 page files go through it, profiles staged to the file's end
    env = dict(os.environ, HASHTIDE_BATCH_POSTS="300", HASHTIDE_WORKERS="1",
               HASHTIDE_NATIVE_MIN_BYTES="0" if duckdb_reader else str(1 << 40))
    whole = tmp_path / "whole.duckdb"
    subprocess.run(ingest_command(whole, world), check=True, capture_output=True, env=env)
    expected = snapshot(whole)
    assert len(expected["posts"]) > 1500  # enough batches for kills to land between and inside them

    killed = tmp_path / "killed.duckdb"
    kills_mid_run = 0
    for delay in (0.6, 0.9, 1.3, 1.8):
        process = subprocess.Popen(ingest_command(killed, world), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=env)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills_mid_run += 1
        process.wait()
    assert kills_mid_run >= 2, "the ingest finished before it could be killed: make the world larger"
    subprocess.run(ingest_command(killed, world), check=True, capture_output=True, env=env)
    assert snapshot(killed) == expected
