"""`hashtide campaign`, `related`, `posts` and `export network`: the story of one hashtag."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from hashtide.campaign.privacy import PUBLIC_THRESHOLD, group_count
from hashtide.cli.app import app, export_app
from hashtide.cli.common import (
    CorpusOption,
    EngineOption,
    JsonOption,
    MAX_COUNT,
    RevealOption,
    SparkMasterOption,
    err,
    store_for,
    fail,
    finite,
    hashtag_argument,
    out,
    print_json,
    time_window,
    writing,
)
from hashtide.wording import counted

TagArgument = Annotated[str, typer.Argument(help="The hashtag, with or without '#', any case: #MeToo.",
                                            callback=hashtag_argument)]
SinceOption = Annotated[str | None, typer.Option("--since", help="Only posts from this time on (ISO 8601, UTC unless an offset is given; 1970 to 2100).")]
UntilOption = Annotated[str | None, typer.Option("--until", help="Only posts before this time, after --since (ISO 8601; 1970 to 2100).")]
TopOption = Annotated[int, typer.Option("--top", min=1, max=1000, help="N: the N largest cascades, the union of the "
                                        "top N accounts of both amplifier rankings, up to 2N related tags.")]
RelatedTopOption = Annotated[int, typer.Option("--top", min=1, max=1000, help="N: up to 2N related tags, by share.")]
ThresholdOption = Annotated[int, typer.Option("--public-threshold", min=1, max=MAX_COUNT,
                                              help="Accounts with at least this many followers are shown by handle.")]


@contextmanager
def _campaign(corpus, tag, since, until, engine=None, spark_master=None, **options):
    from hashtide.campaign import Campaign  # Ibis and igraph load here, not when the CLI starts

    window = time_window(since, until)
    with store_for(corpus, engine, spark_master) as store:
        try:
            story = Campaign(store, tag, *window, **options)
        except ValueError as exc:
            fail(str(exc))
        with story:
            yield story


@app.command()
def campaign(
    tag: TagArgument,
    corpus: CorpusOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
    reveal_authors: RevealOption = False,
    bucket: Annotated[str, typer.Option(help="Timeline bucket: minute, hour or day.")] = "hour",
    top: TopOption = 10,
    public_threshold: ThresholdOption = PUBLIC_THRESHOLD,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
) -> None:
    """The fact sheet of a campaign: origin, magnitude, spread, cascades, amplifiers, related tags.

    Example: hashtide campaign "#MeToo" --corpus metoo.duckdb --json
    """
    from hashtide.campaign.facts import BUCKETS

    if bucket not in BUCKETS:
        fail(f"--bucket {bucket}: one of {', '.join(BUCKETS)}")
    with _campaign(corpus, tag, since, until, bucket=bucket, top=top, reveal_authors=reveal_authors,
                   public_threshold=public_threshold, engine=engine, spark_master=spark_master) as story:
        facts = story.facts()
    if as_json:
        print_json(facts)
        return
    _print_sheet(facts)


def _print_sheet(f: dict) -> None:
    if not f["posts"]:
        out.print(f"no post uses {f['tag']} in this corpus" + (" and window" if f["window"]["since"] or f["window"]["until"] else ""))
        return
    o = f["origin"]
    out.print(f"[bold]{f['tag']}[/]: {counted(f['posts'], 'post')} by {group_count(f['distinct_authors'])} accounts, "
              f"{f['first_seen']} to {f['last_seen']}", highlight=False)
    out.print(f"origin: {o['platform']} post {o['post_id']} by {o['author_handle']} at {o['created_at']}", highlight=False)
    if o.get("before_collection"):
        out.print(f"  (older than the collection, which starts at {f['collected_from']}: seen only quoted, reposted "
                  "or replied to; the tag may be older still)", highlight=False)
    ig = f["igniting_post"]
    if ig and not ig["same_as_origin"]:
        out.print(f"igniting post: {ig['platform']} post {ig['post_id']} by {ig['author_handle']} "
                  f"({ig['author_followers'] or 0:,} followers) at {ig['created_at']}, cascade of {ig['cascade_size']:,}",
                  highlight=False)
    out.print(f"replies to the origin: {f['replies_to_origin']:,}; reposts of it: {f['reposts_of_origin']:,}; "
              f"reach (upper bound, sum of followers): {f['reach_upper_bound']:,}", highlight=False)
    out.print(f"peak: {counted(f['peak']['posts'], 'post')} in the {f['peak']['unit']} from {f['peak']['bucket']}", highlight=False)
    kinds = Table(*f["by_kind"], show_edge=False, title="posts by kind")
    kinds.add_row(*(f"{v:,}" for v in f["by_kind"].values()))
    out.print(kinds)
    for what in ("platforms", "countries", "languages"):
        table = Table(what[:-1] if what != "countries" else "country", "posts", "authors", "share", "first seen",
                      "lag (h)", show_edge=False, title=what + (" (place/geo only)" if what == "countries" else ""))
        for name, row in list(f[what].items())[:15]:
            table.add_row(name, f"{row['posts']:,}", group_count(row["authors"]), percent(row["share"]),
                          row["first_seen"], f"{row['lag_hours']:.1f}")
        out.print(table)
    c = f["cascades"]
    v = c["structural_virality"]
    out.print(f"cascades: {c['count']:,} (largest {counted(c['largest_size'], 'post')}, depth up to {c['max_depth']}); "
              f"structural virality median {v['median']}, max {v['max']}", highlight=False)
    amps = Table("account", "platform", "followers", "cascades", "posts in them", "PageRank rank", show_edge=False,
                 title="amplifiers")
    for a in f["amplifiers"]:
        amps.add_row(a["author_handle"] or "", a["platform"], f"{a['followers'] or 0:,}", f"{a['cascades']:,}",
                     f"{a['cascade_posts']:,}", str(a["rank_pagerank"] or "-"))
    out.print(amps)
    _print_related(f["related"])


def percent(share: float) -> str:
    """A share for a printed table: one decimal, or two significant digits below 0.1 % (a sibling
    carried by 3 of 26,165 posts is not "0.0%").

    >>> percent(0.25), percent(0.000115), percent(0.0)
    ('25.0%', '0.011%', '0.0%')
    """
    return f"{share * 100:.2g}%" if 0 < share < 0.001 else f"{share:.1%}"


def _print_related(rows: list[dict]) -> None:
    from hashtide.campaign.facts import iso

    table = Table("tag", "relation", "share", "lift", "r", "lang", "first seen", show_edge=False, title="related hashtags")
    for r in rows:
        table.add_row(r["tag"], r["relation"], percent(r["share"]), f"{r['lift']:.2f}",
                      "-" if r["correlation"] is None else f"{r['correlation']:.2f}", r["lang"] or "",
                      iso(r["first_seen"]) if not isinstance(r["first_seen"], str) else r["first_seen"])
    out.print(table)


@app.command()
def related(
    tag: TagArgument,
    corpus: CorpusOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
    top: RelatedTopOption = 10,
    min_cooccurrence: Annotated[int, typer.Option(min=1, max=10**9, help="Posts that must carry both tags.")] = 2,
    min_lift: Annotated[float, typer.Option(callback=finite(0),
                                            help="Lift a related tag must exceed (or reach --min-affinity), >= 0.")] = 1.0,
    min_affinity: Annotated[float, typer.Option(callback=finite(0), help="Share of B's co-tagged posts carrying TAG "
                                                "that also makes B related, >= 0 (above 1: never).")] = 0.5,
) -> None:
    """Hashtags that went with TAG: share, lift, correlation, and sibling / answer / co-tag.

    Example: hashtide related metoo --json
    """
    from hashtide.campaign.facts import iso

    with _campaign(corpus, tag, since, until, top=top, min_cooccurrence=min_cooccurrence, min_lift=min_lift,
                   min_affinity=min_affinity) as story:
        rows = story.related.to_pylist()
    rows = [{**r, "first_seen": iso(r["first_seen"])} for r in rows]
    if as_json:
        print_json(rows)
        return
    _print_related(rows)


@app.command()
def posts(
    tag: TagArgument,
    figure: Annotated[str, typer.Option("--figure", help="The figure whose posts to list: replies_to_origin, "
                                        "reposts_of_origin, origin, igniting_post, peak, by_kind.reply, "
                                        "platforms.mastodon, countries.FR, languages.fr, related.TAG, cascades.largest.")] = "posts",
    corpus: CorpusOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
    reveal_authors: RevealOption = False,
    limit: Annotated[int, typer.Option(min=0, max=10**6, help="How many posts to print (the JSON has them all).")] = 50,
) -> None:
    """The posts behind a figure of the fact sheet.

    Example: hashtide posts metoo --figure replies_to_origin --json
    """
    from hashtide.campaign.facts import iso

    with _campaign(corpus, tag, since, until, reveal_authors=reveal_authors) as story:
        try:
            rows = story.figure_posts(figure).to_pylist()
        except ValueError as exc:
            fail(str(exc))
    for row in rows:
        row["created_at"] = iso(row["created_at"])
    if as_json:
        print_json({"figure": figure, "posts": len(rows), "rows": rows})
        return
    table = Table("platform", "post", "time", "author", "kind", "parent", "lang", "country", show_edge=False,
                  title=f"{figure}: {counted(len(rows), 'post')}")
    for r in rows[:limit]:
        table.add_row(r["platform"], r["post_id"], r["created_at"], r["author_handle"] or "", r["kind"],
                      r["parent_id"] or "", r["lang"] or "", r["country"] or "")
    out.print(table)
    if len(rows) > limit:
        out.print(f"... {len(rows) - limit:,} more (--limit, or --json for all)")


@export_app.command("network")
def export_network(
    tag: TagArgument,
    to: Annotated[str, typer.Option("--to", help="Output file: .gexf (Gephi), .graphml or .csv (edge list).")],
    corpus: CorpusOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    reveal_authors: RevealOption = False,
    public_threshold: ThresholdOption = PUBLIC_THRESHOLD,
) -> None:
    """The account network of a campaign (who reposted or answered whom), with weights and times.

    Example: hashtide export network metoo --to metoo.gexf
    """
    from hashtide.campaign import network

    try:
        network.format_of(to)
    except ValueError as exc:
        fail(str(exc))
    with _campaign(corpus, tag, since, until, reveal_authors=reveal_authors, public_threshold=public_threshold) as story:
        with writing(to):
            nodes, edges = network.export(story, to)
    err.print(f"{nodes:,} accounts and {edges:,} edges written to {to}"
              + ("" if reveal_authors else " (accounts pseudonymised)"))


__all__ = ["campaign", "related", "posts", "export_network"]
