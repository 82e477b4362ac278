"""A full disk under stdout is said in one line, not in a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hashtide.corpus import Corpus
from hashtide.model import Post


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux), a device that is always full")
@pytest.mark.parametrize("args", [("info", "--json"), ("info",), ("campaign", "metoo", "--json")])
def test_output_to_a_full_disk_is_one_line_and_exit_1(tmp_path, args):
    corpus = tmp_path / "c.duckdb"
    with Corpus.open(corpus) as store:
        store.write_posts([Post(platform="twitter", post_id="1", created_at=0, author_id="a", hashtags=["metoo"])])
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-m", "hashtide", *args, "-c", str(corpus)], stdout=full,
                              stderr=subprocess.PIPE, timeout=120)
    assert done.returncode == 1
    assert done.stderr.decode().strip() == "error: cannot write the output: No space left on device"


def test_piped_tables_are_not_cut(tmp_path):
    """Piped, rich cut every cell at 80 columns: '/work/…', 'twitte…'."""
    source = tmp_path / ("a-capture-file-named-at-length-" * 3 + ".jsonl")
    source.write_text('{"data": [{"id": "1", "text": "#MeToo", "created_at": "2017-10-15T20:21:00.000Z"}]}\n')
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run([sys.executable, "-m", "hashtide", "ingest", str(source), "-c", str(tmp_path / "c.duckdb")],
                          capture_output=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert str(source) in done.stdout.decode() and "twitter-v2" in done.stdout.decode()
