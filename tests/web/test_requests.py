"""What the dashboard answers to odd requests: tags the CLI refuses, unknown
parameters, HEAD. In-process (TestClient): nothing is bound."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hashtide.corpus import Corpus
from hashtide.model import Post
from hashtide.web import create_app

ODD_TAGS = ["a/b", "..", "<script>alert(1)</script>", "evil-</script><!--<script>", "TideTest"]


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> TestClient:
    """A corpus whose tags are stored verbatim as Mastodon and Bluesky hand them over."""
    path = str(tmp_path_factory.mktemp("odd") / "odd.duckdb")
    with Corpus.open(path) as corpus:
        corpus.write_posts([Post(platform="bluesky", post_id=f"at://did:plc:a/app.bsky.feed.post/{i}",
                                 created_at=1_508_098_860_000_000 + i * 60_000_000, author_id="did:plc:a",
                                 hashtags=[tag.lower()]) for i, tag in enumerate(ODD_TAGS)])
    return TestClient(create_app(path))


@pytest.mark.parametrize("tag", ["%23%23TideTest", "Tide%20Test", "Tide%0ATest", "tide%09test", "Tide%00Test",
                                 "%20", "%20TideTest", "TideTest%20", "%C2%A0TideTest", "%E3%80%80TideTest",
                                 "123", "a" * 141, "a" * 60_000])
def test_a_tag_the_cli_refuses_is_not_a_hashtag_everywhere(client, tag):
    """'##TideTest' answered the #TideTest fact sheet, 'Tide Test' "is not used", 141 characters
    a 422 echoing the input (60 KB in, 60 KB out), and the page answered JSON."""
    for route in (f"/api/campaigns/{tag}/facts", f"/api/campaigns/{tag}/charts"):
        answer = client.get(route)
        assert answer.status_code == 404, route
        assert "is not a hashtag" in answer.json()["detail"] and len(answer.content) < 300
    page = client.get(f"/campaign/{tag}")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "is not a hashtag" in page.text and len(page.content) < 2000


def test_a_valid_tag_is_still_read_as_the_cli_reads_it(client):
    for tag in ("TideTest", "%23TideTest", "%EF%BC%83TideTest"):  # '#', fullwidth '＃'
        assert client.get(f"/api/campaigns/{tag}/facts").json()["posts"] == 1, tag
    unused = client.get("/campaign/nobodyusesthis")
    assert unused.status_code == 404 and unused.headers["content-type"].startswith("text/html")
    assert "#nobodyusesthis is not used in this corpus" in unused.text


def test_errors_of_pages_are_pages(client):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert client.get("/api/no/such").json() == {"detail": "Not Found"}
    post = client.post("/campaign/TideTest")
    assert post.status_code == 405 and post.headers["allow"] == "GET"
