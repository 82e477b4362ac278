"""Who may reach the dashboard: the token and the address, checked before anything is bound.
``uvicorn.run`` is replaced, so no test here starts a server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hashtide.cli import app
from hashtide.web import create_app


@pytest.fixture()
def runs(monkeypatch) -> list[dict]:
    """The arguments ``serve`` would have run uvicorn with."""
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **kwargs: calls.append(kwargs))
    monkeypatch.delenv("HASHTIDE_TOKEN", raising=False)
    return calls


def _serve(corpus: str, *args: str):
    return CliRunner().invoke(app, ["serve", "--corpus", corpus, "--port", "9", *args])


@pytest.mark.parametrize(("token", "why"), [
    (" ", "it is blank"), ("\t", "it is blank"), ("a", "it has 1 characters"), ("s3cret", "it has 6 characters"),
    ("tökén-tökén", "it holds 'é', 'ö'"), ("two words", "it holds ' '"), ("semi;colon", "it holds ';'"),
    ("plus+sign1", "it holds '+'"), ("50%off-now", "it holds '%'")])
@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_a_token_that_protects_nothing_or_cannot_be_presented_is_refused(world_corpus, runs, host, token, why):
    """' ' satisfied "anything but loopback needs a token"; 'tökén' started, then matched from no
    header and not from the cookie the dashboard itself set."""
    result = _serve(world_corpus, "--host", host, "--token", token)
    assert result.exit_code == 2 and runs == []
    assert f"refusing the token: {why}" in result.output
    assert "at least 8 characters of printable ASCII" in result.output


def test_the_token_works_from_every_place_it_may_be_presented(world_corpus, runs):
    token = "S3cr3t=Tok/~_-"  # '=', '/' and '~' are fine: a cookie and a typed URL keep them
    assert _serve(world_corpus, "--host", "0.0.0.0", "--token", token).exit_code == 0 and len(runs) == 1
    client = TestClient(create_app(world_corpus, token=token))
    assert client.get("/api/trending").status_code == 401
    assert client.get("/api/trending", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/trending", headers={"X-Hashtide-Token": token}).status_code == 200
    login = client.get("/api/trending", params={"token": token})
    assert login.status_code == 200 and client.cookies.get("hashtide_token") == token
    assert client.get("/api/trending").status_code == 200  # the cookie the gate set
    assert client.head("/api/trending").status_code == 200
    assert TestClient(create_app(world_corpus, token=token)).head("/api/trending").status_code == 401



def test_a_bracketed_ipv6_host_is_bound_without_brackets(world_corpus, runs):
    """'[::1]' passed the loopback guard, announced the dashboard, then failed: uvicorn looked up
    the name '[::1]'."""
    result = _serve(world_corpus, "--host", "[::1]")
    assert result.exit_code == 0, result.output
    assert runs[0]["host"] == "::1"
    assert "dashboard on http://[::1]:9/" in result.output
