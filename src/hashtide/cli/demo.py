"""`hashtide demo`: the metoo-2017 world, simulated, ingested and told, in well under a minute."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from hashtide.cli.app import app
from hashtide.cli.common import err, out
from hashtide.cli.simulate import ScaleOption, SeedOption, prepare_out
from hashtide.corpus import Corpus
from hashtide.corpus.summary import summary

DEMO_SCALE = 0.02


@app.command()
def demo(
    scale: ScaleOption = DEMO_SCALE,
    seed: SeedOption = 2017,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Keep the world and corpus here, replacing those of an "
                                                 "earlier demo (default: a temporary folder).")] = None,
) -> None:
    """Simulate #MeToo's launch in October 2017, ingest it, and tell its story.

    Example: hashtide demo --scale 0.05 --out metoo-demo
    """
    from hashtide.ingest import ingest
    from hashtide.simulate import simulate

    folder = out_dir or Path(tempfile.mkdtemp(prefix="hashtide-demo-"))
    # an earlier demo's world and corpus are replaced: ingested again, they would mix two worlds
    prepare_out(folder / "world", force=True)
    corpus_path = folder / "metoo.duckdb"
    for stale in (corpus_path, corpus_path.with_name(corpus_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    err.print(f"simulating metoo-2017 at scale {scale} into {folder}/world ...")
    truth = simulate("metoo-2017", folder / "world", scale=scale, seed=seed)
    files = sorted(str(p) for p in (folder / "world").rglob("*.jsonl"))
    with Corpus.open(corpus_path) as corpus:
        report = ingest(corpus, files)
        _rule("[bold]ingest account")
        out.print(f"{report.records:,} records read from {len(files)} files: {report.ingested:,} ingested, "
                  f"{report.duplicates:,} duplicates, {report.rejected:,} rejected, {report.skipped:,} skipped; "
                  f"{report.referenced:,} posts known only from embedded copies", highlight=False)
        facts = summary(corpus, top=5)
        out.print(f"corpus {corpus_path}: {facts['posts']:,} posts on "
                  + ", ".join(f"{p} {n:,}" for p, n in facts["platforms"].items())
                  + f"; {facts['first_post']} to {facts['last_post']}", highlight=False)
        _tell(corpus, truth, folder)
    err.print(f"done in {time.perf_counter() - started:.1f} s; explore it with: "
              f"hashtide info --corpus {corpus_path}")


def _tell(corpus: Corpus, truth, folder: Path) -> None:
    """The story, as far as the library tells it: trends of the launch day, the fact sheet, the report."""
    import datetime as dt

    from rich.table import Table

    from hashtide.cli.campaign import _print_sheet
    from hashtide.report import write_report
    from hashtide.trends import SigniTrend
    from hashtide.trends.batch import corpus_trends

    planted = ", ".join("#" + c["tag"] for c in truth["campaigns"])
    out.print(f"planted campaigns (truth.json): {planted}", highlight=False)

    launch_day = (dt.datetime(2017, 10, 15, tzinfo=dt.timezone.utc), dt.datetime(2017, 10, 17, tzinfo=dt.timezone.utc))
    best: dict[tuple[str, str], tuple[int, str, float]] = {}
    for bucket in corpus_trends(corpus, SigniTrend(), since=launch_day[0], until=launch_day[1]):
        for scope in ("global", "country:US", "country:GB", "country:FR"):
            for rank, entry in enumerate(bucket.chart(scope, 3), 1):
                key = (scope, entry.tag)
                if key not in best or rank < best[key][0]:
                    best[key] = (rank, bucket_time(bucket.end), entry.score)
    _rule("[bold]trending on 15-16 October 2017 (best rank per scope)")
    table = Table("scope", "tag", "best rank", "first reached (UTC)", "score", show_edge=False)
    for (scope, tag), (rank, when, score) in sorted(best.items(), key=lambda kv: (kv[0][0] != "global", kv[0][0], kv[1][0], kv[1][1]))[:16]:
        table.add_row(scope, tag, str(rank), when, f"{score:.1f}")
    out.print(table)

    _rule("[bold]#MeToo: the fact sheet")
    _print_sheet(corpus.campaign("#MeToo").facts())
    report = write_report(corpus, "#MeToo", folder / "metoo-2017.html")
    out.print(f"\nreport written: [bold]{report}[/] (one file, works offline)")


def bucket_time(us: int) -> str:
    from hashtide.model import to_datetime

    return to_datetime(us).strftime("%Y-%m-%d %H:%M")


def _rule(title: str) -> None:
    """A heading rule as wide as a terminal, at most 100 columns (piped output is unbounded)."""
    from rich.rule import Rule

    out.print(Rule(title), width=min(out.width, 100))
