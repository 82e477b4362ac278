"""The dashboard, served by the real command and driven in a real browser."""

from __future__ import annotations

import time

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from report import world
from web.served import Server
from hashtide.cli import app
from hashtide.corpus import Corpus


def test_overview_page(server, page):
    page.page.goto(server.url + "/")
    assert page.page.inner_text("#posts") == f"{len(world.campaign_posts()):,}"
    assert "#MeToo" in page.page.inner_text("#top-hashtags")
    assert page.errors == []


def test_campaign_page_draws_the_report_charts(server, page):
    page.page.goto(server.url + "/campaign/MeToo")
    page.page.wait_for_selector("body[data-charts-ready=yes]", timeout=30_000)
    assert page.errors == []
    marks = page.chart_marks()
    assert {"timeline", "trending", "cascade_1", "related"} <= set(marks)
    assert all(n > 5 for n in marks.values()), marks
    assert all(url.startswith(server.url) for url in page.requests), page.requests


def test_api_answers_json_and_errors_cleanly(server):
    facts = httpx.get(server.url + "/api/campaigns/MeToo/facts", timeout=60).json()
    assert facts["replies_to_origin"] == 120 and facts["origin"]["author_handle"] == "h_launcher"
    assert httpx.get(server.url + "/api/campaigns/nobodyusesthis/facts", timeout=60).status_code == 404
    not_a_tag = httpx.get(server.url + "/api/campaigns/1234/facts")
    assert not_a_tag.status_code == 404 and "not a hashtag" in not_a_tag.json()["detail"]
    schema = httpx.get(server.url + "/api/openapi.json").json()
    assert {"/api/overview", "/api/trending", "/api/campaigns/{tag}/facts"} <= set(schema["paths"])


def _until(check, timeout: float = 15.0) -> None:
    """Poll ``check`` from Python (the pages' CSP forbids the eval behind wait_for_function)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(0.1)


def _updates(page) -> int:
    return int(page.page.get_attribute("body", "data-updates") or 0)


def _append(corpus: str, posts, wait: float = 20.0) -> None:
    """Write like an ingest does: take the file when the dashboard is not reading it."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with Corpus.open(corpus) as store:
                store.write_posts(posts)
            return
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_live_trending_table_follows_the_corpus(server, page):
    page.page.goto(server.url + "/trending")
    _until(lambda: _updates(page) >= 1)
    first = page.page.inner_text("#trending tbody tr:first-child td:nth-child(2)")
    assert first != "#LiveWire"
    last = world.LAUNCH + 48 * world.HOUR  # just after the newest background post
    _append(server.corpus, world.later_posts(0, "LiveWire", 40, last))
    _until(lambda: page.page.inner_text("#trending tbody tr:first-child td:nth-child(2)") == "#LiveWire")
    row = page.page.inner_text("#trending tbody tr:first-child")
    assert "40" in row.split()
    assert page.errors == []


def test_token_is_required_once_set(world_corpus, page):
    s = Server(world_corpus, token="s3cret-tide")
    try:
        assert httpx.get(s.url + "/api/overview").status_code == 401
        assert httpx.get(s.url + "/api/overview", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert httpx.get(s.url + "/api/overview", headers={"Authorization": "Bearer s3cret-tide"}).status_code == 200
        response = page.page.goto(s.url + "/trending")
        assert response.status == 401
        page.errors.clear()  # the browser logs the refused page itself
        response = page.page.goto(s.url + "/trending?token=s3cret-tide")
        assert response.status == 200
        _until(lambda: _updates(page) >= 1)  # the stream got in too
    finally:
        s.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "example.org"])
def test_non_loopback_bind_without_token_is_refused(world_corpus, host, monkeypatch):
    monkeypatch.delenv("HASHTIDE_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["serve", "--corpus", world_corpus, "--host", host, "--port", "9"])
    assert result.exit_code == 2
    assert f"refusing to serve on {host} without a token" in result.output
