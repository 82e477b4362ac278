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
