"""Who may reach the dashboard: loopback by default, a token for anything else.

The dashboard shows what a corpus holds about people, so it listens on loopback unless told
otherwise, and an address reachable from other machines needs a token: :func:`check_bind`
refuses to start without one, and :class:`TokenGate` then demands it on every request (header
``Authorization: Bearer T`` or ``X-Hashtide-Token: T``, or ``?token=T`` -- which also sets a
same-site cookie so the page's own requests carry it). A token given on loopback is required too.
A token is at least :data:`MIN_TOKEN` characters of printable ASCII, without spaces or the
characters a cookie cannot hold (:func:`check_token`).

>>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost"), is_loopback("0.0.0.0")
(True, True, True, False)
>>> check_bind("127.0.0.1", None)
>>> check_bind("0.0.0.0", None)
Traceback (most recent call last):
...
hashtide.web.guard.BindRefused: refusing to serve on 0.0.0.0 without a token: the address is reachable from other machines. Pass --token T (or set HASHTIDE_TOKEN), or bind 127.0.0.1.
>>> check_bind("0.0.0.0", "  ")
Traceback (most recent call last):
...
hashtide.web.guard.BindRefused: refusing the token: it is blank. A token is at least 8 characters of printable ASCII, without spaces, quotes, commas, semicolons, backslashes, or + % & #.
"""

from __future__ import annotations

import ipaddress
import secrets
from urllib.parse import parse_qs

COOKIE = "hashtide_token"
MIN_TOKEN = 8
TOKEN_RULE = (f"A token is at least {MIN_TOKEN} characters of printable ASCII, "
              "without spaces, quotes, commas, semicolons, backslashes, or + % & #.")
# RFC 6265 cookie-octet: what the cookie set after ?token=T can carry unquoted
# and what a URL typed as ?token=T keeps as written: "+" would arrive as a space, "%" starts an
# escape, "&" and "#" end the value
_COOKIE_OCTETS = frozenset(chr(c) for c in range(0x21, 0x7F)) - set('",;\\+%&#')


class BindRefused(Exception):
    """The dashboard would be reachable without a token that works."""


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name may resolve anywhere


def check_bind(host: str, token: str | None) -> None:
    """Raise :class:`BindRefused` for a non-loopback ``host`` without a token, or for a token
    that is no protection or could never be presented (:func:`check_token`)."""
    if token is not None:
        check_token(token)
    if not token and not is_loopback(host):
        raise BindRefused(f"refusing to serve on {host} without a token: the address is reachable from other "
                          "machines. Pass --token T (or set HASHTIDE_TOKEN), or bind 127.0.0.1.")


def check_token(token: str) -> None:
    """Refuse a blank or short token (a space or one letter satisfied "needs a token"), and one
    with characters outside printable ASCII. HTTP header values are octets that servers read as
    latin-1 while clients send UTF-8 (curl) or refuse non-latin-1 outright (browsers' fetch), and
    the cookie and the query string each encode differently again: a 'tökén' matched from no
    header and not from its own cookie. A token is typed by people into headers and URLs, so
    ASCII is the one encoding every way of presenting it agrees on."""
    if not token.strip():
        raise BindRefused(f"refusing the token: it is blank. {TOKEN_RULE}")
    odd = sorted(set(token) - _COOKIE_OCTETS)
    if odd:
        raise BindRefused(f"refusing the token: it holds {', '.join(map(repr, odd))}. {TOKEN_RULE}")
    if len(token) < MIN_TOKEN:
        raise BindRefused(f"refusing the token: it has {len(token)} characters, too few to guess at. {TOKEN_RULE}")


class TokenGate:
    """ASGI middleware answering 401 to any request without the token."""

    def __init__(self, app, token: str):
        check_token(token)
        self.app = app
        self.token = token.encode("ascii")

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        given, from_query = self._presented(scope)
        # bytes on both sides: the token is ASCII (check_token), so a presentation in any other
        # encoding differs from it, and compare_digest refuses non-ASCII str outright
        if given is None or not secrets.compare_digest(given.encode("utf-8"), self.token):
            return await _unauthorised(send)
        if not from_query:
            return await self.app(scope, receive, send)

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={self.token.decode()}; Path=/; HttpOnly; SameSite=Strict"
                message = {**message, "headers": list(message.get("headers", [])) + [(b"set-cookie", cookie.encode())]}
            await send(message)

        return await self.app(scope, receive, send_with_cookie)

    @staticmethod
    def _presented(scope) -> tuple[str | None, bool]:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip(), False
        if "x-hashtide-token" in headers:
            return headers["x-hashtide-token"], False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "token" in query:
            return query["token"][0], True
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE:
                return value, False
        return None, False


async def _unauthorised(send) -> None:
    body = b'{"detail":"a token is required: Authorization: Bearer T, or ?token=T"}'
    await send({"type": "http.response.start", "status": 401,
                "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
