"""`hashtide ingest`, `info`, `quarantine` and `export posts`: building and reading the corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hashtide.cli.app import app, export_app
from hashtide.cli.common import (
    CorpusOption,
    EngineOption,
    SparkMasterOption,
    JsonOption,
    MAX_COUNT,
    RevealOption,
    corpus_for,
    err,
    fail,
    out,
    print_json,
    show_progress,
    writing,
)
from hashtide.corpus import export as exporter
from hashtide.corpus.summary import summary
from hashtide.ingest import IngestError, PartialIngest, SourceError, StrictStop, ingest as run_ingest
from hashtide.ingest.formats import FORMATS
from hashtide.ingest.pipeline import IngestReport
from hashtide.ingest.sources import check as check_source
from hashtide.model import PLATFORMS
from hashtide.output import STDOUT, output_stream
from hashtide.wording import counted


def _parse_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        column, sep, field = pair.partition("=")
        if not sep or not column or not field:
            fail(f"--map takes SCHEMA_COLUMN=CSV_COLUMN, e.g. --map created_at=date (got {pair!r})")
        mapping[column.strip()] = field.strip()
    return mapping


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files to ingest (.json, .jsonl, .csv, also .gz/.bz2/.zst); - for stdin.")],
    corpus: CorpusOption = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help=f"Skip detection: one of {', '.join(FORMATS)}.")] = None,
    map_: Annotated[list[str], typer.Option("--map", help="CSV column mapping SCHEMA_COLUMN=CSV_COLUMN (repeatable).")] = [],
    platform: Annotated[str, typer.Option("--platform", help="The platform of the posts in a CSV read with --map.")] = "other",
    strict: Annotated[bool, typer.Option("--strict", help="Stop with exit status 1 at the first rejected record.")] = False,
    as_json: JsonOption = False,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
) -> None:
    """Read posts from files into the corpus, deduplicated; print what happened to every record.

    Example: hashtide ingest tweets.jsonl.gz bluesky.jsonl --corpus metoo.duckdb
    """
    if _engine(engine) == "spark":
        return _ingest_spark(paths, corpus, fmt, map_, platform, strict, as_json, spark_master)
    if platform not in PLATFORMS:
        fail(f"--platform {platform}: unknown platform (one of: {', '.join(PLATFORMS)})")
    if fmt is not None and fmt not in FORMATS:
        fail(f"--format {fmt}: unknown format (one of: {', '.join(FORMATS)})")
    mapping = _parse_map(map_) or None
    code = 0
    for path in paths:  # before the corpus is opened: a missing path must not leave an empty corpus
        try:
            check_source(path)
        except SourceError as exc:
            fail(str(exc))
    with corpus_for(corpus, read_only=False) as store, _progress(paths) as on_doc:
        try:
            report = run_ingest(store, paths, fmt=fmt, mapping=mapping, strict=strict, on_doc=on_doc,
                                platform=platform)
        except SourceError as exc:
            fail(str(exc))
        except PartialIngest as exc:
            report, code = _partial(exc)
        except StrictStop as exc:
            fail(f"rejected record under --strict: {exc}", code=1)
        except IngestError as exc:
            fail(str(exc))
    _finish(report, code, as_json)


def _partial(exc: PartialIngest) -> tuple[IngestReport, int]:
    """Some paths could not be ingested: say which, keep the account of the others, exit 2."""
    for message in exc.errors:
        err.print(f"[bold red]error:[/] {message}", highlight=False)
    return exc.report, 2


def _finish(report: IngestReport, code: int, as_json: bool) -> None:
    _show_problems(report)
    if as_json:
        print_json({k: v for k, v in report.as_dict().items() if k != "problems"})
    else:
        _show_account(report)
    if code:
        raise typer.Exit(code)


def _engine(name: str | None) -> str:
    from hashtide.engine import EngineError, engine_name

    try:
        return engine_name(name)
    except EngineError as exc:
        fail(str(exc))


def _ingest_spark(paths, corpus, fmt, map_, platform, strict, as_json, master) -> None:
    """The same ingest as Spark tasks into a partitioned Parquet dataset (docs/scale.md)."""
    from hashtide.engine import EngineError, open_engine

    if strict:
        fail("--strict is not available with --engine spark (records are read in parallel tasks)")
    if fmt is not None and fmt not in FORMATS:
        fail(f"--format {fmt}: unknown format (one of: {', '.join(FORMATS)})")
    code = 0
    try:
        store = open_engine("spark", corpus, master=master, read_only=False)
    except EngineError as exc:
        fail(str(exc))
    with store:
        try:
            report = store.ingest(paths, fmt=fmt, mapping=_parse_map(map_) or None, platform=platform)
        except SourceError as exc:
            fail(str(exc))
        except PartialIngest as exc:
            report, code = _partial(exc)
    _finish(report, code, as_json)


class _progress:
    """A rich progress bar over the bytes of the sources, on a terminal only."""

    def __init__(self, paths: list[str]):
        total = sum(Path(p).stat().st_size for p in paths if p != "-" and Path(p).is_file())
        self.bar = Progress(TextColumn("ingesting"), BarColumn(), TextColumn("{task.fields[docs]:,} documents"),
                            TimeElapsedColumn(), console=err, transient=True) if show_progress() else None
        self.total = total
        self.compressed = any(Path(p).suffix in (".gz", ".bz2", ".zst") for p in paths)

    def __enter__(self):
        if self.bar is None:
            return lambda doc: None
        self.bar.start()
        task = self.bar.add_task("ingest", total=None if self.compressed else self.total or None, docs=0)
        state = {"docs": 0, "base": 0, "last": 0}

        def on_doc(doc) -> None:
            state["docs"] += 1
            if doc.offset < state["last"]:  # a new file started
                state["base"] += state["last"]
            state["last"] = doc.offset
            if state["docs"] % 200 == 0:
                self.bar.update(task, completed=state["base"] + doc.offset, docs=state["docs"])

        return on_doc

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def _show_problems(report: IngestReport) -> None:
    for problem in report.problems[:10]:
        where = f"{problem.source}, line {problem.line}" if problem.line else problem.source
        err.print(f"[yellow]rejected:[/] {where}: {problem.reason}", highlight=False)
    if report.rejected > 10:
        err.print(f"[yellow]... {report.rejected - 10:,} more rejected: see `hashtide quarantine`[/]")


def _show_account(report: IngestReport) -> None:
    table = Table(title="ingest account", show_edge=False)
    for column in ("source", "format", "records", "ingested", "duplicates", "rejected", "skipped", "referenced"):
        table.add_column(column, justify="left" if column in ("source", "format") else "right")
    for f in report.files:
        if f.error:
            table.add_row(f.path, "[red]not ingested[/]", *[""] * 6)
            continue
        table.add_row(f.path, f.format or "", *(f"{getattr(f, k):,}" for k in
                      ("records", "ingested", "duplicates", "rejected", "skipped", "referenced")))
    if len(report.files) > 1:
        table.add_row("[bold]total[/]", "", *(f"[bold]{getattr(report, k):,}[/]" for k in
                      ("records", "ingested", "duplicates", "rejected", "skipped", "referenced")))
    out.print(table)
    for title, counts in (("rejected", report.rejected_by_reason), ("skipped", report.skipped_by_kind)):
        if counts:
            out.print(f"{title}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), highlight=False)


@app.command()
def info(
    corpus: CorpusOption = None,
    top: Annotated[int, typer.Option(min=0, max=MAX_COUNT, help="How many top hashtags to list.")] = 10,
    as_json: JsonOption = False,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
) -> None:
    """What the corpus holds: posts by platform and kind, time range, top hashtags, quarantine.

    Example: hashtide info --corpus metoo.duckdb --json
    """
    if _engine(engine) == "spark":
        from hashtide.engine import EngineError, open_engine
        from hashtide.engine.summary import summary as engine_summary

        try:
            with open_engine("spark", corpus, master=spark_master) as store:
                facts = engine_summary(store, top)
        except (FileNotFoundError, EngineError) as exc:
            fail(str(exc))
    else:
        with corpus_for(corpus) as store:
            facts = summary(store, top)
    if as_json:
        print_json(facts)
        return
    span = f", from {facts['first_post']} to {facts['last_post']}" if facts["first_post"] else ""
    out.print(f"[bold]{facts['posts']:,}[/] posts ({facts['referenced']:,} known only from embedded copies), "
              f"{facts['users']:,} accounts{span}")
    if facts["undated"]:
        some = "1 post has" if facts["undated"] == 1 else f"{facts['undated']:,} posts have"
        out.print(f"{some} no known time (ids older than 2010 collected without created_at): "
                  "in no campaign, trend or window")
    table = Table("platform", "original", "repost", "reply", "quote", "posts", show_edge=False)
    for platform, kinds in facts["platform_kinds"].items():
        table.add_row(platform, *(f"{kinds.get(k, 0):,}" for k in ("original", "repost", "reply", "quote")),
                      f"{sum(kinds.values()):,}")
    out.print(table)
    # a campaign counts reposts through the post they repost too: its figure can be higher
    tags = Table("hashtag", "posts", show_edge=False, caption="posts carrying the tag themselves")
    for row in facts["top_hashtags"]:
        tags.add_row(row["tag"], f"{row['posts']:,}")
    out.print(tags)
    if facts["quarantined"]:
        out.print("quarantined: " + ", ".join(f"{k} {v:,}" for k, v in facts["quarantine_by_reason"].items()))


@app.command()
def quarantine(
    corpus: CorpusOption = None,
    export: Annotated[str | None, typer.Option("--export", help="Write the raw bytes of every set-aside record to this "
                                               "file (- for stdout; compressed for .gz, .bz2, .xz, .zst).")] = None,
    limit: Annotated[int, typer.Option(min=0, max=MAX_COUNT, help="How many records to list.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """What was set aside, with file, line and reason; --export gives the raw bytes back.

    Example: hashtide quarantine --export rejected.jsonl
    """
    if export == STDOUT and as_json:
        fail("--export - writes the raw bytes to stdout: it cannot go with --json")
    with corpus_for(corpus) as store:
        order = "order by source, byte_offset, item"
        if export is not None:
            with writing(export), output_stream(export) as sink:
                cursor = store.con.execute(f"select raw from quarantine {order}")
                while rows := cursor.fetchmany(1000):
                    for (raw,) in rows:
                        sink.write(raw if raw.endswith(b"\n") else raw + b"\n")
        rows = store.con.execute(
            f"select source, line, byte_offset, reason, octet_length(raw) from quarantine {order} limit ?", [limit]
        ).fetchall()
        total = store.con.execute("select count(*) from quarantine").fetchall()[0][0]
    if as_json:
        print_json({"quarantined": total, "records": [
            {"source": s, "line": line, "byte_offset": o, "reason": r, "bytes": n} for s, line, o, r, n in rows]})
        return
    listing = err if export == STDOUT else out  # stdout carries the raw bytes alone
    table = Table("source", "line", "reason", "bytes", show_edge=False)
    for source, line, _, reason, size in rows:
        table.add_row(source, str(line), reason, f"{size:,}")
    listing.print(table)
    written = "stdout" if export == STDOUT else export
    listing.print(f"{counted(total, 'record')} in quarantine" + (f"; raw bytes written to {written}" if export else ""))


@export_app.command("posts")
def export_posts(
    to: Annotated[str, typer.Option("--to", help="Output file: .parquet, .csv, .xlsx, .jsonl (one object a line) "
                                    "or .json (one array).")],
    corpus: CorpusOption = None,
    reveal_authors: RevealOption = False,
    with_text: Annotated[bool, typer.Option("--with-text", help="Include the text of posts (left out by default).")] = False,
    public_threshold: Annotated[int, typer.Option(min=1, max=MAX_COUNT, help="Accounts with at least this many "
                                                  "followers keep their handle.")] = exporter.PUBLIC_THRESHOLD,
) -> None:
    """Write the posts table for pandas, Excel or R; ids as text, authors pseudonymised.

    Example: hashtide export posts --to posts.xlsx
    """
    try:
        exporter.format_of(to)
    except ValueError as exc:
        fail(str(exc))
    with corpus_for(corpus) as store, writing(to):
        rows, cleaned = exporter.export_posts(store, to, reveal_authors, with_text, public_threshold)
    if cleaned:
        err.print(f"{counted(cleaned, 'cell')} held control characters a worksheet cannot hold: they were removed", highlight=False)
    err.print(f"{counted(rows, 'post')} written to {to}" + ("" if reveal_authors else " (authors pseudonymised)"))
