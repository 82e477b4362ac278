"""`hashtide report` and `hashtide serve`: the campaign report file and the local dashboard."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from hashtide.cli.app import app
from hashtide.cli.common import CorpusOption, RevealOption, corpus_for, err, fail, hashtag_argument, out, writing
from hashtide.output import STDOUT


@app.command()
def report(
    tag: Annotated[str, typer.Argument(help="The hashtag, with or without '#', e.g. '#MeToo'.", callback=hashtag_argument)],
    out_file: Annotated[str, typer.Option("--out", "-o", help="The HTML file to write (- for stdout).")],
    corpus: CorpusOption = None,
    figures: Annotated[str | None, typer.Option("--figures", help="Also write each chart as SVG and PNG into this folder.")] = None,
    reveal: RevealOption = False,
) -> None:
    """Write one self-contained HTML report of a campaign: it opens offline and prints.

    Example: hashtide report '#MeToo' --corpus metoo.duckdb --out metoo.html --figures figures/
    """
    from hashtide.report import report_page, write_figures, write_page

    if figures == "":  # Path("") is the current folder: a slip, not a choice (that is "--figures .")
        fail("--figures needs a folder (. for the current one)")
    with corpus_for(corpus) as store:
        page, specs = report_page(store, tag, reveal_authors=reveal)
    with writing(out_file):
        write_page(page, out_file)
    if out_file != STDOUT:
        out.print(out_file, highlight=False)
    if figures is not None:
        with writing(figures):
            write_figures(specs, figures)
        err.print(f"figures in {figures}", highlight=False)


@app.command()
def serve(
    corpus: CorpusOption = None,
    host: Annotated[str, typer.Option(help="Address to bind. Anything but loopback needs a token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    token: Annotated[str | None, typer.Option(help="Require this token (header 'Authorization: Bearer T' or ?token=T): "
                                              "at least 8 characters of printable ASCII, no spaces, quotes, commas, "
                                              "semicolons, backslashes, or + % & #. Default: $HASHTIDE_TOKEN.",
                                              show_default=False)] = None,
) -> None:
    """Serve the dashboard: corpus overview, live trending, campaign pages and a JSON API (/api/).

    Read-only: it opens the corpus for each request and never holds it open, so `hashtide ingest`
    or `watch` can write between requests.
    """
    from hashtide.corpus import default_path
    from hashtide.web.guard import BindRefused, check_bind

    token = token or os.environ.get("HASHTIDE_TOKEN") or None
    try:
        check_bind(host, token)
    except BindRefused as exc:
        fail(str(exc))
    path = corpus or default_path()
    _refuse_no_corpus(path)
    import uvicorn

    from hashtide.web import create_app

    bind = host.strip("[]")  # '[::1]' is how a URL writes ::1; uvicorn wants the address itself
    shown = f"[{bind}]" if ":" in bind else bind
    err.print(f"hashtide dashboard on http://{shown}:{port}/ (corpus {path})", highlight=False)
    uvicorn.run(create_app(path, token=token), host=bind, port=port, log_level="warning")


def _refuse_no_corpus(path: str) -> None:
    """Exit 2 for a path that holds no corpus, before serving: every request would fail on it. A
    corpus a writer holds is served: each request waits its turn."""
    import duckdb

    from hashtide.corpus import Corpus, NotACorpus
    from hashtide.web.store import is_lock_conflict

    try:
        Corpus.open(path, read_only=True).close()
    except (FileNotFoundError, NotACorpus) as exc:
        fail(str(exc))
    except duckdb.Error as exc:
        if not is_lock_conflict(exc):
            fail(f"cannot open corpus {path}: {exc}")
