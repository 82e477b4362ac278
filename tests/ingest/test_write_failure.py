"""A batch that cannot be written ends the ingest with its error; nothing after it is written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hashtide.corpus import Corpus, store
from hashtide.ingest import pipeline


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("world")
    subprocess.run([sys.executable, "-m", "hashtide", "simulate", "tiny", "--seed", "11", "--out", str(out)],
                   check=True, capture_output=True)
    return sorted(str(p) for p in out.rglob("*.jsonl"))


@pytest.mark.parametrize("duckdb_reader", [False, True], ids=["per-line", "duckdb-reader"])
def test_a_failed_write_stops_the_ingest(tmp_path, monkeypatch, world, duckdb_reader):
    monkeypatch.setattr(pipeline, "BATCH_POSTS", 300)
    monkeypatch.setenv("HASHTIDE_WORKERS", "1")
    monkeypatch.setenv("HASHTIDE_NATIVE_MIN_BYTES", "0" if duckdb_reader else str(1 << 40))
    merged = []
    real_merge = store.merge_posts

    def failing_merge(con, table, track_run=False):
        if len(merged) == 2:
            raise OSError("No space left on device")
        merge = real_merge(con, table, track_run)
        merged.append(merge.added)
        return merge

    monkeypatch.setattr(store, "merge_posts", failing_merge)
    corpus = Corpus.open(str(tmp_path / "c.duckdb"))
    calls = []
    monkeypatch.setattr(store, "quarantine", lambda con, rows, real=store.quarantine: calls.append(1) or real(con, rows))
    with pytest.raises(OSError, match="No space left"):  # the write's own error, not a read error
        pipeline.ingest(corpus, world)
    posts = corpus.con.execute("select count(*) from posts").fetchall()[0][0]
    logged = corpus.con.execute("select count(*) from ingest_log").fetchall()[0][0]
    corpus.close()
    assert len(merged) == 2 and posts == sum(merged)  # the two batches before the failure, nothing after
    assert len(calls) == 2  # no later batch went on to its quarantine either
    assert logged == 0
