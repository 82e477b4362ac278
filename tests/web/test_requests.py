"""What the dashboard answers to odd requests: tags the CLI refuses, tags holding '/', unknown
parameters, HEAD. In-process (TestClient) but for the live table, which needs a browser."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from hashtide.corpus import Corpus
from hashtide.model import Post
from hashtide.web import create_app
from web.served import Server

ODD_TAGS = ["a/b", "..", "<script>alert(1)</script>", "evil-</script><!--<script>", "TideTest"]
NOT_TYPED = '"><img src=x onerror=alert(2)>'  # stored as a Mastodon server sent it; no one types it


@pytest.fixture(scope="module")
def odd_corpus(tmp_path_factory) -> str:
    """A corpus whose tags are stored verbatim as Mastodon and Bluesky hand them over."""
    path = str(tmp_path_factory.mktemp("odd") / "odd.duckdb")
    with Corpus.open(path) as corpus:
        corpus.write_posts([Post(platform="bluesky", post_id=f"at://did:plc:a/app.bsky.feed.post/{i}",
                                 created_at=1_508_098_860_000_000 + i * 60_000_000, author_id="did:plc:a",
                                 hashtags=[tag.lower()]) for i, tag in enumerate(ODD_TAGS + [NOT_TYPED])])
    return path


@pytest.fixture(scope="module")
def client(odd_corpus) -> TestClient:
    return TestClient(create_app(odd_corpus))


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
    assert post.status_code == 405 and post.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize("page", ["/", "/trending"])
def test_every_linked_tag_opens_its_campaign(client, page):
    """Tags holding '/' were linked as /campaign/a/b and answered a route 404; '..' was linked as
    /campaign/.., which browsers resolve to the overview. A tag the CLI would refuse is listed, not
    linked: its link could only answer "not a hashtag"."""
    html = client.get(page).text
    links = re.findall(r'href="(/campaign/[^"]*)"', html)
    assert len(links) == len(ODD_TAGS)
    assert "<td>#&#34;&gt;&lt;img src=x onerror=alert(2)&gt;</td>" in html
    for link in links:
        assert "/" not in link.removeprefix("/campaign/") and link.removeprefix("/campaign/") not in (".", "..")
        answer = client.get(link.replace("&amp;", "&"))
        assert answer.status_code == 200, link
        assert client.get(link.replace("/campaign/", "/api/campaigns/") + "/facts").json()["posts"] == 1, link


def test_the_live_table_links_as_the_page_does(odd_corpus, client, page):
    """static/trending.js rebuilds the links the server rendered: it must write the same ones."""
    served = re.findall(r'href="(/campaign/[^"]*)"', client.get("/trending").text)
    s = Server(odd_corpus)
    try:
        page.page.goto(s.url + "/trending")
        deadline = time.monotonic() + 15
        while int(page.page.get_attribute("body", "data-updates") or 0) < 1:
            assert time.monotonic() < deadline, "the stream sent no table"
            time.sleep(0.1)
        links = page.page.locator("#trending a")
        assert [links.nth(i).get_attribute("href") for i in range(links.count())] == served
        assert page.errors == []
    finally:
        s.stop()


def test_a_slash_in_a_tag_stays_in_the_tag(client):
    """'a/b' opens sent raw or as %2F; '..' segments cannot reach another route."""
    assert client.get("/api/campaigns/a/b/facts").json()["tag"] == "#a/b"
    assert client.get("/api/campaigns/a%2Fb/charts").status_code == 200
    for escape in ("/campaign/..%2Fapi%2Foverview", "/api/campaigns/..%2F..%2Foverview/facts",
                   "/api/campaigns/%2E%2E%2Ftrending/facts"):
        answer = client.get(escape)
        assert answer.status_code == 404 and "is not used in this corpus" in answer.text, escape


@pytest.mark.parametrize("route", ["/api/campaigns/TideTest/facts", "/api/campaigns/TideTest/charts",
                                   "/api/overview", "/api/trending"])
def test_an_unknown_query_parameter_is_refused_by_name(client, route):
    """'?since=...' answered the unwindowed campaign with 200, as if the window had been applied."""
    answer = client.get(route, params={"since": "2017-10-15", "until": "2017-10-16"})
    assert answer.status_code == 400
    assert answer.json() == {"detail": "unknown query parameter 'since', 'until': this route takes none"}


def test_the_stream_refuses_them_before_streaming(odd_corpus):
    """Served, since the stream never ends: the refusal must come instead of it."""
    s = Server(odd_corpus)
    try:
        with httpx.stream("GET", s.url + "/api/trending/stream?since=2017-10-15", timeout=10) as answer:
            assert answer.status_code == 400
            assert "unknown query parameter 'since'" in answer.read().decode()
    finally:
        s.stop()


def test_a_page_refuses_them_with_a_page(client):
    answer = client.get("/campaign/TideTest", params={"bucket": "day"})
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    assert "unknown query parameter &#39;bucket&#39;" in answer.text
    assert client.get("/campaign/TideTest", params={"token": "left-over"}).status_code == 200  # the gate's
    assert client.get("/static/report.css", params={"v": "2"}).status_code == 200  # a cache-buster


@pytest.mark.parametrize("route", ["/api/overview", "/api/trending", "/api/campaigns/TideTest/facts",
                                   "/api/campaigns/TideTest/charts", "/api/openapi.json", "/", "/trending",
                                   "/campaign/TideTest", "/static/vega.js", "/static/report.css",
                                   "/static/trending.js", "/campaign/123", "/api/campaigns/nobodyusesthis/facts"])
def test_head_answers_wherever_get_does(client, route):
    """Every route but the OpenAPI document answered HEAD with 405 (RFC 9110: HEAD wherever GET)."""
    get, head = client.get(route), client.head(route)
    assert head.status_code == get.status_code and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))


def test_head_of_the_stream_ends(odd_corpus):
    """The stream never ends; its HEAD must."""
    s = Server(odd_corpus)
    try:
        head = httpx.head(s.url + "/api/trending/stream", timeout=10)
        assert head.status_code == 200 and head.headers["content-type"].startswith("text/event-stream")
        assert httpx.get(s.url + "/api/overview", timeout=10).status_code == 200  # still serving
    finally:
        s.stop()
