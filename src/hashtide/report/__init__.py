"""The campaign report: one self-contained HTML file a journalist can send, open offline and print.

Charts are Vega-Lite specifications built with Altair and rendered in the page by Vega. Why this
stack rather than Plotly or hand-drawn SVG:

- ``vl-convert-python`` ships the Vega, Vega-Lite and vega-embed JavaScript inside its wheel
  (:func:`vl_convert.javascript_bundle`), so the whole renderer is inlined into the file from the
  installed package: nothing is fetched at build time or at view time (the page also carries a
  Content-Security-Policy that forbids any request);
- the same spec renders to SVG/PNG without a browser (``vl_convert.vegalite_to_svg``), which
  gives ``--figures DIR`` for free and identical pictures in the report, the dashboard and a
  slide;
- a Vega-Lite spec is plain JSON with its (aggregated) data inline: a report of a 1 M-post
  campaign stays a few MB, and the dashboard can serve the very same specs from its API.
  Plotly's bundled JS is larger (3-4 MB) and its static export needs Kaleido and a browser.

>>> import tempfile, os
>>> from hashtide.corpus import Corpus
>>> from hashtide.model import Post
>>> folder = tempfile.mkdtemp()
>>> with Corpus.open(os.path.join(folder, "c.duckdb")) as corpus:
...     _ = corpus.write_posts([Post(platform="twitter", post_id="1", created_at=0, author_id="a",
...                                  hashtags=["metoo"], hashtag_forms=["MeToo"])])
...     out = write_report(corpus, "#MeToo", os.path.join(folder, "r.html"))
>>> "#MeToo" in open(out, encoding="utf-8").read()
True
"""

from __future__ import annotations

import json
from pathlib import Path

from hashtide.corpus import Corpus
from hashtide.output import STDOUT, output_stream

__all__ = ["report_page", "render", "write_page", "write_report", "write_figures"]


def write_report(corpus: Corpus, tag: str, out: str | Path, *, figures: str | Path | None = None,
                 reveal_authors: bool = False) -> Path:
    """Write the report of ``tag`` to ``out`` (and each chart as SVG and PNG into ``figures``)."""
    page, specs = report_page(corpus, tag, reveal_authors=reveal_authors)
    write_page(page, out)
    if figures is not None:
        write_figures(specs, figures)
    return Path(out)


def report_page(corpus: Corpus, tag: str, *, reveal_authors: bool = False) -> tuple[str, dict]:
    """The report page of ``tag``, and the specs of its charts (for :func:`write_figures`)."""
    from hashtide.report.charts import charts
    from hashtide.report.data import gather

    data = gather(corpus, tag, reveal_authors=reveal_authors)
    specs = charts(data)
    return render(data, specs), specs


def write_page(page: str, out: str | Path) -> None:
    """``page`` to the file ``out``, whole or not at all, creating its folder; ``-`` is stdout."""
    if str(out) != STDOUT:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    with output_stream(out) as sink:
        sink.write(page.encode("utf-8"))


def render(data: dict, specs: dict, *, inline: bool = True, static: str = "/static") -> str:
    """The report page; ``inline=False`` links the script and style from ``static`` (dashboard)."""
    from hashtide.report.page import render_page

    return render_page(data, specs, inline=inline, static=static)


def write_figures(specs: dict, folder: str | Path) -> list[Path]:
    """Each chart as ``NAME.svg`` and ``NAME.png`` (2x) in ``folder``, rendered by vl-convert."""
    import vl_convert

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, spec in specs.items():
        text = json.dumps(spec)
        (folder / f"{name}.svg").write_text(vl_convert.vegalite_to_svg(text), encoding="utf-8")
        (folder / f"{name}.png").write_bytes(vl_convert.vegalite_to_png(text, scale=2))
        written += [folder / f"{name}.svg", folder / f"{name}.png"]
    return written
