"""Turning gathered data and chart specs into the HTML page (Jinja2), with the Vega renderer
inlined from the vl-convert wheel.

The Vega bundle takes vl-convert about 2 s to assemble, so it is built once per installed
vl-convert version and kept in the user's cache directory (``$XDG_CACHE_HOME/hashtide``).
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from importlib.metadata import version as package_version
from importlib.resources import files
from pathlib import Path

import jinja2

from hashtide.campaign.privacy import MIN_GROUP

SECTIONS = (("facts", "Facts"), ("timeline", "Timeline"), ("trending", "Trending"), ("spread", "Spread"),
            ("cascades", "Cascades"), ("amplifiers", "Amplifiers"), ("related", "Related"), ("method", "Method"))
# Vega compiles expressions with Function(): 'unsafe-eval'; everything else stays in the page.
CSP_INLINE = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
              "img-src data:; font-src data:")
CSP_SERVED = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
              "style-src 'self' 'unsafe-inline'; img-src 'self' data:")
TRENDING_NOTE = ("Rank of the tag in each country's trending chart, per hour, from 12 hours before to 48 hours "
                 "after its first use: the charts `hashtide trends --scope country:XX` lists (SigniTrend: the "
                 "posts of the hour against the tag's moving average and deviation there, with the trends "
                 "command's defaults). Only the hours in which the tag trended are drawn.")


def _template_text(name: str) -> str:
    return files("hashtide.report").joinpath("templates", name).read_text(encoding="utf-8")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FunctionLoader(_template_text), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=False)


def css() -> str:
    return _template_text("report.css")


def boot_js() -> str:
    return _template_text("boot.js")


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "hashtide"


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script defining ``window.vegaEmbed``."""
    import vl_convert

    path = _cache_dir() / f"vega-bundle-{package_version('vl-convert-python')}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    text = vl_convert.javascript_bundle("window.vegaEmbed = vegaEmbed;")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # atomic: concurrent writers never leave half a file
    except OSError:
        pass  # a read-only home: build it every time
    return text


def _script_safe(text: str) -> str:
    """Text that cannot close the <script> element it sits in."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def _json_in_script(text: str) -> str:
    """JSON that no tag can end or turn inside its <script> element: every '<' (only ever inside a
    string) as \\u003c. Escaping '</script' alone let '<!--<script>' in a tag put the HTML parser in
    the state where the element's own end tag no longer closes it: the page's charts were lost.

    >>> _json_in_script('{"tag": "<!--<script>"}')
    '{"tag": "\\\\u003c!--\\\\u003cscript>"}'
    """
    return text.replace("<", "\\u003c")


def render_page(data: dict, specs: dict, *, inline: bool = True, static: str = "/static") -> str:
    reveal = data["reveal_authors"]

    def people(n: int) -> str:
        return f"{n:,}" if reveal or n >= MIN_GROUP else f"<{MIN_GROUP}"

    from hashtide import __version__ as hashtide_version

    template = _environment().get_template("report.html.j2")
    specs_json = json.dumps(specs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return template.render(
        d=data, f=data["facts"], charts=list(specs), sections=SECTIONS, people=people, inline=inline,
        static=static, csp=CSP_INLINE if inline else CSP_SERVED, trending_note=TRENDING_NOTE,
        css=_markup(css()),
        vega_js=_markup(_script_safe(vega_bundle())) if inline else "",
        boot_js=_markup(_script_safe(boot_js())),
        specs_json=_markup(_json_in_script(specs_json)), version=hashtide_version,
    )


def _markup(text: str):
    from markupsafe import Markup

    return Markup(text)
