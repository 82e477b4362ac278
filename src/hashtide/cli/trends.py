"""`hashtide trends`, `watch` and `bursts`: what is taking off, where, after the fact and live."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from hashtide.cli.app import app
from hashtide.cli.common import (
    CorpusOption,
    EngineOption,
    JsonOption,
    SparkMasterOption,
    corpus_for,
    fail,
    finite,
    hashtag_argument,
    out,
    print_json,
    store_for,
    time_window,
)
from hashtide.trends.charts import ScopeFilter, parse_duration
from hashtide.wording import counted

EveryOption = Annotated[str, typer.Option("--every", help="Bucket size: 5m, 1h, 1d ... (at most 365d).")]
ScopeOption = Annotated[
    str,
    typer.Option("--scope", help="global, all, country:US, lang:fr, platform:bluesky, or a whole "
                 "dimension (country); several separated by commas."),
]
TopOption = Annotated[int, typer.Option("--top", min=1, max=100, help="Entries per chart.")]
ThresholdOption = Annotated[float | None, typer.Option("--threshold", callback=finite(0, above=True),
                                                      help="z a tag needs to trend, > 0 (default 3).")]
HalfLifeOption = Annotated[str | None, typer.Option("--half-life", help="Half-life of the baseline, e.g. 1d (default 24 buckets, at most 365d).")]


def _duration(text: str, option: str, allow_zero: bool = False) -> dt.timedelta:
    try:
        return parse_duration(text, allow_zero)
    except ValueError as exc:
        fail(f"{option}: {exc}")


def _scopes(text: str) -> ScopeFilter:
    try:
        return ScopeFilter.parse(text)
    except ValueError as exc:
        fail(f"--scope: {exc}")


def detector_for(every: str, scopes: ScopeFilter, top: int, threshold: float | None,
                 half_life: str | None, lateness: dt.timedelta = dt.timedelta(0)):
    from hashtide.trends.signitrend import SigniTrend

    options = {}
    if threshold is not None:
        options["threshold"] = threshold
    if half_life is not None:
        options["half_life"] = _duration(half_life, "--half-life")
    return SigniTrend(bucket=_duration(every, "--every"), dimensions=scopes.dimensions,
                      chart_size=top, lateness=lateness, **options)


@app.command()
def trends(
    corpus: CorpusOption = None,
    every: EveryOption = "1h",
    scope: ScopeOption = "global",
    top: TopOption = 10,
    since: Annotated[str | None, typer.Option("--since", help="First bucket to report (ISO 8601, UTC unless an offset is given; 1970 to 2100).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Report buckets before this time, after --since (ISO 8601; 1970 to 2100).")] = None,
    threshold: ThresholdOption = None,
    half_life: HalfLifeOption = None,
    as_json: JsonOption = False,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
) -> None:
    """Trending charts of the corpus, bucket by bucket: tags used more now than before.

    Example: hashtide trends --every 1h --scope country:US --since 2017-10-15
    """
    from hashtide.trends.batch import corpus_trends

    scopes = _scopes(scope)
    start, end = time_window(since, until)
    detector = detector_for(every, scopes, top, threshold, half_life)
    rows = []
    with store_for(corpus, engine, spark_master) as store:
        for bucket in corpus_trends(store, detector, start, end):
            rows.extend(bucket.rows(scopes, top))
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("nothing trended (no tag passed the threshold in any bucket)")
        return
    out.print(_table(rows, f"Trending ({scope}, every {every})"))


def _table(rows: list[dict], title: str) -> Table:
    table = Table(title=title, show_lines=False)
    for name, justify in (("bucket end (UTC)", "left"), ("scope", "left"), ("rank", "right"), ("tag", "left"),
                          ("score", "right"), ("posts", "right"), ("authors", "right")):
        table.add_column(name, justify=justify)
    previous = None
    for row in rows:
        shown = row["bucket_end"] if row["bucket_end"] != previous else ""
        previous = row["bucket_end"]
        table.add_row(shown, row["scope"], str(row["rank"]), row["tag"], f"{row['score']:.1f}",
                      f"{row['posts']:,}", f"{row['authors']:,}")
    return table


@app.command()
def watch(
    source: Annotated[str, typer.Argument(help="A file being appended to (followed like tail -f), "
                                          "- for stdin, or a ws:// / wss:// Jetstream URL.")] = "-",
    every: EveryOption = "5m",
    scope: ScopeOption = "global",
    top: TopOption = 10,
    corpus: Annotated[str | None, typer.Option("--corpus", "-c", help="Also ingest into this corpus as posts arrive.")] = None,
    threshold: ThresholdOption = None,
    half_life: HalfLifeOption = None,
    lateness: Annotated[str, typer.Option("--lateness", help="How long a bucket waits for late posts (0s: none, at most 365d).")] = "30s",
    follow: Annotated[bool, typer.Option("--follow/--no-follow", help="Keep reading a file as it grows.")] = True,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="Skip format detection: twitter-v2, bluesky, mastodon ...")] = None,
) -> None:
    """Live trending charts from a stream; a table on a terminal, JSON lines of alerts when piped.

    Example: hashtide watch wss://jetstream2.us-east.bsky.network/subscribe --every 5m --scope lang:en
    """
    from hashtide.ingest.formats import JSON_FORMATS
    from hashtide.trends import live

    if fmt is not None and fmt not in JSON_FORMATS:
        fail(f"--format {fmt}: unknown format (one of: {', '.join(JSON_FORMATS)})")
    scopes = _scopes(scope)
    detector = detector_for(every, scopes, top, threshold, half_life, _duration(lateness, "--lateness", allow_zero=True))
    try:
        live.watch(source, detector, scopes, top, corpus_path=corpus, follow=follow, fmt=fmt)
    except live.WatchError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        raise typer.Exit(130)


@app.command()
def bursts(
    tag: Annotated[str, typer.Argument(help="The hashtag, with or without '#', any case.", callback=hashtag_argument)],
    corpus: CorpusOption = None,
    every: EveryOption = "1h",
    states: Annotated[int, typer.Option("--states", min=2, max=10, help="States of the automaton (2: quiet/burst).")] = 2,
    s: Annotated[float, typer.Option("--s", callback=finite(1, above=True),
                                     help="Rate ratio between successive states (> 1).")] = 2.0,
    gamma: Annotated[float, typer.Option("--gamma", callback=finite(0), help="Cost of moving up a state (>= 0).")] = 1.0,
    as_json: JsonOption = False,
) -> None:
    """Kleinberg burst intervals of one tag: when its share of posts ran above its usual level.

    The corpus's span is cut into at most 1,000,000 buckets: a finer --every is refused.

    Example: hashtide bursts '#MeToo' --every 1h
    """
    from hashtide.model import normalise_tag
    from hashtide.trends.bursts import TooManyBuckets, corpus_bursts

    key = normalise_tag(tag)  # a hashtag, as its argument's check made sure
    bucket = _duration(every, "--every")
    with corpus_for(corpus) as store:
        try:
            posts, found = corpus_bursts(store, key, bucket, states=states, s=s, gamma=gamma)
        except TooManyBuckets as exc:
            fail(f"--every {every} over {exc.span_us / 86_400e6:,.0f} days makes {exc}")
    rows = [b.as_dict() for b in found]
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print(f"no burst of #{key} in its {counted(posts, 'post')}" if posts else f"no post uses #{key} in this corpus")
        return
    table = Table(title=f"Bursts of #{key} (every {every})")
    for name in ("level", "start (UTC)", "end (UTC)", "posts", "weight"):
        table.add_column(name, justify="right" if name in ("level", "posts", "weight") else "left")
    for row in rows:
        table.add_row(str(row["level"]), row["start"], row["end"], f"{row['posts']:,}", f"{row['weight']:.1f}")
    out.print(table)
