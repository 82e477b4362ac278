"""The dashboard over a corpus that is gone, is no corpus, or holds posts dated at the calendar's
ends: an answer that says so, never a 500."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from hashtide.corpus import Corpus
from hashtide.model import Post
from hashtide.web import create_app

YEAR_1, YEAR_9999 = -62135596800 * 10**6, 253402300799 * 10**6  # epoch microseconds


@pytest.fixture()
def edge_corpus(tmp_path) -> str:
    """Posts a client dated at the calendar's ends (Bluesky's createdAt is the client's word)."""
    path = str(tmp_path / "edge.duckdb")
    with Corpus.open(path) as corpus:
        corpus.write_posts([Post(platform="bluesky", post_id=f"at://did:plc:a/app.bsky.feed.post/{i}", created_at=t,
                                 author_id="did:plc:a", hashtags=[tag])
                            for i, (t, tag) in enumerate([(YEAR_1, "edgetime"), (YEAR_9999, "futuretag")])])
    return path


@pytest.mark.parametrize("tag", ["edgetime", "futuretag"])
def test_a_campaign_dated_at_the_calendar_s_end_is_served(edge_corpus, tag):
    client = TestClient(create_app(edge_corpus))
    for route in (f"/api/campaigns/{tag}/facts", f"/api/campaigns/{tag}/charts", f"/campaign/{tag}"):
        assert client.get(route).status_code == 200, route  # OverflowError: a 500


def test_a_corpus_moved_while_serving_is_a_503_not_a_500(edge_corpus):
    client = TestClient(create_app(edge_corpus), raise_server_exceptions=False)
    assert client.get("/api/overview").status_code == 200
    os.rename(edge_corpus, edge_corpus + ".moved")
    for route in ("/api/overview", "/api/trending", "/api/campaigns/edgetime/facts"):
        answer = client.get(route)
        assert answer.status_code == 503 and "cannot be read" in answer.json()["detail"], route
        assert "Retry-After" not in answer.headers and edge_corpus not in answer.text
    page = client.get("/campaign/edgetime")  # a person opened it: a page, not JSON
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "cannot be read" in page.text and edge_corpus not in page.text
    os.rename(edge_corpus + ".moved", edge_corpus)
    assert client.get("/api/overview").status_code == 200


def test_serve_refuses_a_file_that_is_no_corpus(tmp_path):
    """It served, and answered every request with a 500. (A subprocess: a server that starts
    must not hang the test.)"""
    posts = tmp_path / "posts.jsonl"
    posts.write_text('{"id": 1}\n')
    done = subprocess.run([sys.executable, "-m", "hashtide", "serve", "--corpus", str(posts), "--port", "8799"],
                          capture_output=True, timeout=60)
    assert done.returncode == 2 and b"is not a DuckDB database file" in done.stderr


def test_a_post_dated_in_the_future_does_not_take_over_trending_now(edge_corpus):
    """The post dated 9999 made its own hour "now", and nothing else trended."""
    with Corpus.open(edge_corpus) as corpus:
        corpus.write_posts([Post(platform="bluesky", post_id=f"at://did:plc:b/app.bsky.feed.post/{i}",
                                 created_at=1_508_098_860_000_000 + i * 60_000_000, author_id="did:plc:b",
                                 hashtags=["metoo"]) for i in range(5)])
    trending = TestClient(create_app(edge_corpus)).get("/api/trending").json()
    assert trending["now"] == "2017-10-15T20:25:00Z" and [t["key"] for t in trending["tags"]] == ["metoo"]
