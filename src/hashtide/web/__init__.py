"""The dashboard: an ASGI app (FastAPI) over one corpus, read-only.

Pages: ``/`` the corpus overview, ``/trending`` what is trending now (refreshed live over
server-sent events whenever the corpus file changes, e.g. while ``ingest`` or ``watch`` feeds
it), ``/campaign/{tag}`` the campaign report with the same charts as ``hashtide report``.
JSON under ``/api/`` with its OpenAPI document at ``/api/openapi.json``. Nothing is loaded from
outside: the Vega renderer is served from the vl-convert wheel (``/static/vega.js``).
A ``{tag}`` is read as the CLI reads a TAG argument, and anything else is a 404 "is not a
hashtag" (:mod:`hashtide.web.tags`); a query parameter a route does not take is a 400 that
names it (no route takes a time window yet); errors are JSON under ``/api/`` and a page
elsewhere. Every route answers HEAD too.

See :mod:`hashtide.web.store` for how it reads a corpus that a writer holds, and
:mod:`hashtide.web.guard` for who may reach it.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from importlib.resources import files
from typing import Any

import jinja2
import msgspec
from fastapi import Depends, FastAPI, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from hashtide import __version__
from hashtide.corpus.summary import summary
from hashtide.model import HASHTAG_GRAMMAR
from hashtide.web.guard import TokenGate
from hashtide.web.store import Cached, CorpusBusy, CorpusGone, fingerprint
from hashtide.web.tags import TAG_MAX, campaign_href, path_key
from hashtide.web.trending import trending_now

POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0
TagPath = Path(description="The hashtag, '#' optional, e.g. MeToo. It may hold '/' (platforms' tags do): "
               "send it as %2F or as is")


def _template(name: str) -> str:
    return files("hashtide.web").joinpath("templates", name).read_text(encoding="utf-8")


_pages = jinja2.Environment(loader=jinja2.FunctionLoader(_template), autoescape=True)
_pages.filters["campaign_href"] = campaign_href


def _overview(corpus) -> dict[str, Any]:
    s = summary(corpus)
    corpus.con.complete()  # summary() ends on fetchone(): settle the connection for the next use
    s.pop("corpus", None)  # the server's file path is nobody's business
    return s


def _campaign(tag: str):
    def compute(corpus):
        from hashtide.report.charts import charts
        from hashtide.report.data import gather

        data = gather(corpus, tag)
        return data, charts(data)

    return compute


class Problem(BaseModel):
    """Why a request got no data (the body of 404 and 503 answers)."""

    detail: str


# A non-tag path (digits alone, spaces, over 140 characters) names no campaign: 404 like an unused
# tag, not 422, since the path parameter's schema is any string (a regex for "hashtag" would differ
# between the OpenAPI validator's and hashtag_key's Unicode rules).
BUSY_ANSWER = {400: {"model": Problem, "description": "A query parameter the route does not take"},
               503: {"model": Problem, "description": "The corpus is held by a writer; retry"}}
CAMPAIGN_ANSWERS = {404: {"model": Problem, "description": "Not a hashtag, or not used in this corpus"}, **BUSY_ANSWER}
ALWAYS_KNOWN = {"token"}  # the token gate's: a link with ?token=T stays valid without a gate too


def _key_or_404(tag: str) -> str:
    """The key of ``tag`` (:func:`hashtide.web.tags.path_key`), else a 404 that quotes at most 40
    characters of it (a 60 KB path came back whole)."""
    key = path_key(tag)
    if key is None:
        shown = tag if len(tag) <= 40 else tag[:40] + "…"
        raise HTTPException(status_code=404,
                            detail=f"{shown!r} is not a hashtag ({HASHTAG_GRAMMAR}, at most {TAG_MAX} characters)")
    return key


def _known_parameters(request: Request) -> None:
    """400 for a query parameter the route does not declare: '?since=2017-10-15' answered the whole
    campaign with 200, as if the window had been applied. (The fact sheet's ``window`` is the CLI's
    --since/--until, which the API does not take.) Static files take any, e.g. a cache-buster."""
    route = request.scope.get("route")
    if request.url.path.startswith("/static/") or route is None:
        return
    declared = _query_names(route.dependant) | ALWAYS_KNOWN
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        names = ", ".join(repr(name[:40]) for name in unknown[:5]) + (", …" if len(unknown) > 5 else "")
        takes = ", ".join(sorted(declared - ALWAYS_KNOWN)) or "none"
        raise HTTPException(status_code=400, detail=f"unknown query parameter {names}: this route takes {takes}")


def _query_names(dependant) -> set[str]:
    """The query parameters a route declares, its dependencies' included."""
    return {p.alias for p in dependant.query_params}.union(*map(_query_names, dependant.dependencies))


def _problem(request: Request, status: int, detail: str, headers: dict | None = None) -> Response:
    """An error as JSON under /api/, as a page elsewhere: a person opened that link."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    page = _pages.get_template("error.html.j2").render(status=status, title=HTTPStatus(status).phrase, detail=detail)
    return HTMLResponse(page, status_code=status, headers=headers)


def create_app(corpus_path: str, token: str | None = None):
    """The dashboard over the corpus at ``corpus_path``; every request needs ``token`` if given."""
    app = FastAPI(title="hashtide dashboard", version=__version__, openapi_url="/api/openapi.json",
                  dependencies=[Depends(_known_parameters)],
                  docs_url=None, redoc_url=None,  # their pages load scripts from a CDN
                  description="Read-only JSON API over a hashtide corpus.")
    cache = Cached(corpus_path)

    @app.exception_handler(CorpusBusy)
    async def busy(request: Request, exc: CorpusBusy):
        return _problem(request, 503, str(exc), headers={"Retry-After": "1"})

    @app.exception_handler(CorpusGone)
    async def gone(request: Request, exc: CorpusGone):
        return _problem(request, 503, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, exc: StarletteHTTPException):
        headers = {"Allow": "GET, HEAD"} if exc.status_code == 405 else exc.headers  # every route: HeadAsGet
        return _problem(request, exc.status_code, str(exc.detail), headers=headers)

    def campaign(key: str):
        data, specs = cache.get("campaign", _campaign(key), key)
        if data.get("empty"):
            raise HTTPException(status_code=404, detail=f"#{key} is not used in this corpus")
        return data, specs

    def as_json(name: str, compute, *args) -> Response:
        """The JSON of ``compute``, encoded once per corpus state (encoding dominates a cached hit)."""
        body = cache.get(name, lambda corpus: msgspec.json.encode(compute(corpus)), *args)
        return Response(body, media_type="application/json")

    def campaign_json(tag: str, part: str) -> Response:
        key = _key_or_404(tag)
        campaign(key)  # 404 first
        body = cache.get(f"campaign-{part}", lambda corpus: msgspec.json.encode(
            campaign(key)[0]["facts"] if part == "facts" else campaign(key)[1]), key)
        return Response(body, media_type="application/json")

    # -- JSON API ----------------------------------------------------------------------------

    @app.get("/api/overview", summary="What the corpus holds: posts by platform and kind, time range, "
             "top hashtags, quarantine by reason", responses=BUSY_ANSWER)
    def api_overview() -> dict[str, Any]:
        return as_json("overview.json", _overview)

    @app.get("/api/trending", summary="Tags of the latest hour, against the 24 hours before",
             responses=BUSY_ANSWER)
    def api_trending() -> dict[str, Any]:
        return as_json("trending.json", trending_now)

    @app.get("/api/trending/stream", summary="Server-sent events: the trending table, sent again "
             "whenever the corpus changes", response_class=StreamingResponse)
    async def api_trending_stream(request: Request):
        return StreamingResponse(_trending_events(request, cache, corpus_path), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @app.get("/api/campaigns/{tag:tag}/facts", summary="The campaign fact sheet (authors pseudonymised)",
             responses=CAMPAIGN_ANSWERS)
    def api_facts(tag: str = TagPath) -> dict[str, Any]:
        return campaign_json(tag, "facts")

    @app.get("/api/campaigns/{tag:tag}/charts", summary="The campaign's charts as Vega-Lite specifications",
             responses=CAMPAIGN_ANSWERS)
    def api_charts(tag: str = TagPath) -> dict[str, Any]:
        return campaign_json(tag, "charts")

    # -- pages -------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_overview():
        return _pages.get_template("overview.html.j2").render(s=cache.get("overview", _overview))

    @app.get("/trending", response_class=HTMLResponse, include_in_schema=False)
    def page_trending():
        return _pages.get_template("trending.html.j2").render(t=cache.get("trending", trending_now))

    @app.get("/campaign/{tag:tag}", response_class=HTMLResponse, include_in_schema=False)
    def page_campaign(tag: str = TagPath):
        from hashtide.report import render

        data, specs = campaign(_key_or_404(tag))
        return render(data, specs, inline=False, static="/static")

    # -- static: served from the installed packages, never from outside ------------------------

    @app.get("/static/vega.js", include_in_schema=False)
    def vega_js():
        from hashtide.report.page import vega_bundle

        return Response(vega_bundle(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    @app.get("/static/report.css", include_in_schema=False)
    def report_css():
        from hashtide.report.page import css

        return Response(css(), media_type="text/css")

    @app.get("/static/trending.js", include_in_schema=False)
    def trending_js():
        return Response(files("hashtide.web").joinpath("static", "trending.js").read_text(encoding="utf-8"),
                        media_type="text/javascript")

    app.add_middleware(HeadAsGet)
    if token:
        app.add_middleware(TokenGate, token=token)  # outermost: HEAD needs the token too
    return app


class HeadAsGet:
    """ASGI middleware answering HEAD as GET without the body. RFC 9110 wants HEAD wherever GET is
    answered, and FastAPI's @app.get routes answered it 405. The body is dropped at its first
    message, which also ends the endless trending stream: the server then reports the client gone."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)
        ended = False

        async def headers_only(message):
            nonlocal ended
            if ended:
                return
            if message["type"] == "http.response.body":
                ended, message = True, {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


async def _trending_events(request: Request, cache: Cached, path: str):
    """One ``data:`` event with the trending table now, then one each time the corpus changes."""
    import json

    seen = None
    quiet = 0.0
    while not await request.is_disconnected():
        current = fingerprint(path)
        if current != seen:
            try:
                table = await run_in_threadpool(cache.get, "trending", trending_now)
                seen = current
                yield f"event: trending\ndata: {json.dumps(table)}\n\n"
                quiet = 0.0
            except (CorpusBusy, CorpusGone):
                pass  # a writer holds the file, or it is being replaced: try again at the next poll
        elif quiet >= HEARTBEAT_SECONDS:
            yield ": still here\n\n"  # keeps proxies from closing an idle stream
            quiet = 0.0
        await asyncio.sleep(POLL_SECONDS)
        quiet += POLL_SECONDS
