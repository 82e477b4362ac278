"""`hashtide watch`: what it says about its source and what it set aside, and how it stops."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest
from typer.testing import CliRunner

from hashtide.cli import app

runner = CliRunner()
BAD = b'not json\n{"neither": "a post"}\n'


def test_watch_says_how_many_records_it_set_aside(tiny_world, tmp_path):
    source = tmp_path / "stream.jsonl"
    source.write_bytes(next(tiny_world.glob("mastodon/*03-06.jsonl")).read_bytes() + BAD)
    result = runner.invoke(app, ["watch", str(source), "--no-follow"])
    assert result.exit_code == 0
    assert "2 records set aside (malformed, or not posts), not kept: watch with --corpus" in result.output
    kept = runner.invoke(app, ["watch", str(source), "--no-follow", "--corpus", str(tmp_path / "c.duckdb")])
    assert kept.exit_code == 0 and f"kept in the quarantine of {tmp_path / 'c.duckdb'}" in kept.output


def test_watch_of_a_source_with_no_post_exits_2(tmp_path):
    source = tmp_path / "bad.jsonl"
    source.write_bytes(BAD)
    result = runner.invoke(app, ["watch", str(source), "--no-follow"])
    assert result.exit_code == 2 and "no post read; 2 records set aside, none of them a post hashtide knows" in result.output


@pytest.mark.parametrize("source, reason", [("ws://[bad", "cannot connect"),
                                            ("http://example.org/x", "not a source watch reads"),
                                            ("{tmp}", "is a directory")])
def test_watch_explains_a_source_it_cannot_read(tmp_path, source, reason):
    result = runner.invoke(app, ["watch", source.format(tmp=tmp_path), "--no-follow"])
    assert result.exit_code == 2 and reason in result.output and result.exception.__class__ is SystemExit


def test_sigterm_ends_a_watch_as_ctrl_c_does(tiny_world, tmp_path):
    """timeout, systemd and docker stop with SIGTERM: what was read is stored, the run logged."""
    source = next(tiny_world.glob("twitter/*03-06.jsonl"))
    corpus = tmp_path / "c.duckdb"
    watching = subprocess.Popen([sys.executable, "-m", "hashtide", "watch", str(source), "--corpus", str(corpus)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wal = tmp_path / "c.duckdb.wal"
    deadline = time.monotonic() + 60
    while not wal.exists() and time.monotonic() < deadline:  # a first batch written: it is watching
        time.sleep(0.1)
    time.sleep(0.5)
    os.kill(watching.pid, signal.SIGTERM)
    assert watching.wait(timeout=60) == 130, watching.stderr.read()
    with duckdb.connect(str(corpus), read_only=True) as con:
        logged = [json.loads(r[0]) for r in con.execute("select report from ingest_log").fetchall()]
        posts = con.execute("select count(*) from posts where top_level").fetchone()[0]
    assert len(logged) == 1 and logged[0]["ingested"] == posts > 1000
