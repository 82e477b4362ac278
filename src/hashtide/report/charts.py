"""The report's charts as Vega-Lite specifications (built with Altair), one function per chart.

Each function takes the gathered report data (:func:`hashtide.report.data.gather`) and returns a
Vega-Lite dict with its data inline, so the same spec renders in the offline report, on the
dashboard and through vl-convert into SVG/PNG. Times are shown in UTC (``scale type utc``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import partial
from typing import Any

import altair as alt

from hashtide.output import xml_safe

WIDTH = 640
UTC = alt.Scale(type="utc")
KIND_COLORS = alt.Scale(domain=["original", "reply", "repost", "quote"],
                        range=["#1b4f72", "#d35400", "#7f8c8d", "#8e44ad"])


# The rows of the chart being built, by name. A chart refers to its rows by name and they are
# attached to its spec as Vega-Lite ``datasets``: given to Altair as values, every row would be
# turned into a schema object, copied and hashed (a second per report at a million posts).
_DATASETS: ContextVar[dict[str, list[dict]]] = ContextVar("datasets")


def _data(rows: list[dict]) -> alt.NamedData:
    datasets = _DATASETS.get()
    name = f"rows{len(datasets)}"
    datasets[name] = rows
    return alt.NamedData(name=name)


def _spec(build: Callable[[], alt.TopLevelMixin]) -> dict[str, Any]:
    """The Vega-Lite dict of one chart, its rows inline as ``datasets``."""
    token = _DATASETS.set({})
    try:
        spec = build().to_dict(validate=False)
        spec["datasets"] = _DATASETS.get()
    finally:
        _DATASETS.reset(token)
    # drawn as SVG: a handle holding \x01 would make vl-convert refuse the whole figure
    return xml_safe(spec)


def _time(field: str, title: str = "time (UTC)") -> alt.X:
    return alt.X(f"{field}:T", scale=UTC, title=title, axis=alt.Axis(format="%d %b %H:%M", labelAngle=0))


def _when(field: str, title: str = "hour (UTC)") -> alt.Tooltip:
    return alt.Tooltip(f"{field}:T", title=title, format="%Y-%m-%d %H:%M", formatType="utc")


def timeline(d: dict) -> alt.TopLevelMixin:
    """Posts and new authors per hour, and both cumulated."""
    rows = []
    for r in d["timeline"]:
        rows += [{"bucket": r["bucket"], "series": "posts", "per_hour": r["posts"], "cumulative": r["cumulative_posts"]},
                 {"bucket": r["bucket"], "series": "new authors", "per_hour": r["new_authors"],
                  "cumulative": r["cumulative_authors"]}]
    base = alt.Chart(_data(rows)).encode(
        x=_time("bucket"), color=alt.Color("series:N", title=None, scale=alt.Scale(range=["#1b4f72", "#d35400"])))
    tip = [_when("bucket"), "series:N", alt.Tooltip("per_hour:Q", title="in the hour"),
           alt.Tooltip("cumulative:Q", title="so far")]
    per_hour = base.mark_line(interpolate="step-after").encode(
        y=alt.Y("per_hour:Q", title="per hour"), tooltip=tip).properties(width=WIDTH, height=180)
    cumulative = base.mark_line().encode(
        y=alt.Y("cumulative:Q", title="cumulative"), tooltip=tip).properties(width=WIDTH, height=140)
    return alt.vconcat(per_hour, cumulative).properties(title="Posts and new authors per hour")


def trending(d: dict) -> alt.TopLevelMixin:
    """Rank per country and hour around the launch (1 at the top)."""
    return alt.Chart(_data(d["trending"])).mark_line(point=True).encode(
        x=_time("hour"),
        y=alt.Y("rank:Q", scale=alt.Scale(reverse=True, domainMin=1, zero=False), title="rank among tags"),
        color=alt.Color("country:N"),
        tooltip=[_when("hour"), "country:N", "rank:Q", "posts:Q"],
    ).properties(width=WIDTH, height=220, title="Trending rank per country around the launch")


def small_multiples(d: dict, by: str) -> alt.TopLevelMixin:
    """Posts per hour, one panel per platform or country."""
    return alt.Chart(_data(d["by_group"][by])).mark_area(interpolate="step-after", opacity=0.8).encode(
        x=_time("hour", title=None), y=alt.Y("posts:Q", title="posts per hour"),
        tooltip=[_when("hour"), alt.Tooltip("name:N", title=by), "posts:Q"],
    ).properties(width=190, height=90).facet(
        facet=alt.Facet("name:N", title=None, sort=None), columns=3,
    ).resolve_scale(y="independent").properties(title=f"Posts per hour by {by}")


def lags(d: dict) -> alt.TopLevelMixin:
    """Hours from the first use to the first use on each platform, in each country and language."""
    return alt.Chart(_data(d["lags"])).mark_bar().encode(
        x=alt.X("lag_hours:Q", title="hours after the first use"),
        y=alt.Y("name:N", sort=alt.EncodingSortField("lag_hours"), title=None),
        row=alt.Row("dimension:N", title=None, sort=["platform", "country", "language"]),
        tooltip=["dimension:N", "name:N", "lag_hours:Q", "posts:Q", "authors:N", "first_seen:N"],
    ).properties(width=WIDTH - 120).resolve_scale(y="independent").properties(title="Onset lags")


def cascade(tree: dict, title: str) -> alt.TopLevelMixin:
    """One cascade drawn as a radial tree: the root in the centre, each reply level a ring."""
    edges = alt.Chart(_data(tree["edges"])).mark_rule(color="#bbb", strokeWidth=0.6).encode(
        x=alt.X("x:Q", axis=None), y=alt.Y("y:Q", axis=None), x2="x2:Q", y2="y2:Q")
    nodes = alt.Chart(_data(tree["nodes"])).mark_circle(size=28, opacity=0.9).encode(
        x="x:Q", y="y:Q", color=alt.Color("kind:N", scale=KIND_COLORS),
        tooltip=["author:N", "kind:N", alt.Tooltip("at:T", format="%Y-%m-%d %H:%M", formatType="utc"), "depth:Q"])
    return alt.layer(edges, nodes).properties(width=300, height=300, title=title)


def amplifiers(d: dict) -> alt.TopLevelMixin:
    rows = [{"account": f"{r['author_handle']} ({r['platform']})", "pagerank": r["pagerank"],
             "cascade_posts": r["cascade_posts"]} for r in d["facts"]["amplifiers"]]
    return alt.Chart(_data(rows)).mark_bar().encode(
        x=alt.X("cascade_posts:Q", title="posts in the cascades it started"),
        y=alt.Y("account:N", sort="-x", title=None),
        tooltip=["account:N", "cascade_posts:Q", alt.Tooltip("pagerank:Q", format=".4f")],
    ).properties(width=WIDTH - 200, title="Amplifiers")


def related(d: dict) -> alt.TopLevelMixin:
    return alt.Chart(_data(d["related_curves"])).mark_line(interpolate="monotone").encode(
        x=alt.X("hours:Q", title=f"hours since {d['facts']['tag']} was first used"),
        y=alt.Y("of_peak:Q", title="share of its own peak hour", axis=alt.Axis(format="%")),
        color=alt.Color("tag:N", title=None, sort=None),
        tooltip=["tag:N", "hours:Q", "posts:Q"],
    ).properties(width=WIDTH, height=220, title="Related hashtags, aligned on the campaign's clock")


def charts(d: dict) -> dict[str, dict[str, Any]]:
    """Every chart of the report as {name: Vega-Lite spec}, in reading order."""
    if d.get("empty"):
        return {}
    built: dict[str, Callable[[], alt.TopLevelMixin]] = {"timeline": lambda: timeline(d)}
    if d["trending"]:
        built["trending"] = lambda: trending(d)
    for by in ("platform", "country"):
        if d["by_group"][by]:
            built[f"by_{by}"] = partial(small_multiples, d, by)
    if d["lags"]:
        built["lags"] = lambda: lags(d)
    for i, tree in enumerate(d["trees"], 1):
        drawn = "" if tree["drawn"] == tree["size"] else f", first {tree['drawn']:,} drawn"
        built[f"cascade_{i}"] = partial(cascade, tree, f"Cascade {i}: {tree['size']:,} posts{drawn}")
    if d["facts"]["amplifiers"]:
        built["amplifiers"] = lambda: amplifiers(d)
    if d["related_curves"]:
        built["related"] = lambda: related(d)
    return {name: _spec(build) for name, build in built.items()}
