"""What every command shares: the corpus option, output to a terminal or a pipe, clean errors."""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import msgspec
import typer
from rich.console import Console

from hashtide.corpus import CannotOpen, Corpus

def _console(stderr: bool = False) -> Console:
    """A console whose tables are never cut: on a terminal, its width; piped or redirected, where
    rich would cut every cell at 80 columns ('/work/…'), as wide as the rows (unless $COLUMNS)."""
    console = Console(stderr=stderr, soft_wrap=True)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console.width = 10_000
    return console


out = _console()
err = _console(stderr=True)

CorpusOption = Annotated[
    str | None,
    typer.Option(
        "--corpus",
        "-c",
        help="The corpus file (DuckDB). Default: $HASHTIDE_CORPUS, else ./hashtide.duckdb.",
        show_default=False,
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option("--engine", help="duckdb (a corpus file) or spark (a Parquet dataset). Default: $HASHTIDE_ENGINE, else duckdb.",
                 show_default=False),
]
SparkMasterOption = Annotated[
    str | None,
    typer.Option("--spark-master", envvar="HASHTIDE_SPARK_MASTER",
                 help="Spark master URL with --engine spark (default local[*], loopback only).", show_default=False),
]
# Counts become SQL LIMITs, which DuckDB takes as BIGINT: typer refuses a larger one (exit 2).
MAX_COUNT = 2**63 - 1
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]
RevealOption = Annotated[
    bool,
    typer.Option("--reveal-authors", help="Show account ids and handles instead of pseudonyms "
                 "(for users who have the right to see them)."),
]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` as an error and exit with ``code``; never a traceback for user error."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


# Posts are from the social-media era: a time outside these bounds is a typo, and near the
# calendar's own edges (year 1, 9999) arithmetic on it overflows.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)


def time_option(text: str | None, option: str) -> dt.datetime | None:
    """The UTC time of a --since / --until value (ISO 8601, UTC unless it has an offset)."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r}: not a time (use ISO 8601, e.g. 2017-10-15 or 2017-10-15T20:21:00Z)")
    try:
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
    except OverflowError:  # an offset that pushes it past year 1 or 9999
        moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        fail(f"{option} {text!r}: out of range (posts are from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d})")
    return moment


def time_window(since: str | None, until: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The --since / --until window, refused when it holds no time at all."""
    start, end = time_option(since, "--since"), time_option(until, "--until")
    if start and end and end <= start:
        fail("--until must be after --since")
    return start, end


def hashtag_argument(text: str) -> str:
    """A typer callback for a TAG argument: one tag, '#' optional, any case
    (:func:`hashtide.model.hashtag_key`). '#tide test' or a tag holding a newline would only
    ever answer "no post uses it"."""
    from hashtide.model import HASHTAG_GRAMMAR, hashtag_key

    if hashtag_key(text) is None:
        raise typer.BadParameter(f"{text!r} is not a hashtag ({HASHTAG_GRAMMAR})")
    return text


def finite(low: float, high: float = math.inf, *, above: bool = False):
    """A typer callback for a float option: a finite number in [low, high], or (low, high] with
    ``above``. nan and infinities pass typer's own min/max, so this refuses them too, naming the
    option as typer does (exit 2)."""
    bounds = f"{'>' if above else '>='} {low:g}" + (f" and <= {high:g}" if high < math.inf else "")

    def check(value: float | None) -> float | None:
        if value is None:
            return None
        within = (low < value if above else low <= value) and value <= high
        if not (math.isfinite(value) and within):
            raise typer.BadParameter(f"{value} is not a finite number {bounds}")
        return value

    return check


@contextmanager
def writing(path: str | os.PathLike):
    """Exit with "cannot write PATH: reason" when the block fails to write ``path``."""
    try:
        yield
    except OSError as exc:
        fail(f"cannot write {str(path) or repr('')}: {exc.strerror or exc}")


def open_corpus(path: str | None, read_only: bool = True) -> Corpus:
    """Open the corpus, or exit with a clear message."""
    try:
        return Corpus.open_or_explain(path, read_only=read_only)
    except CannotOpen as exc:
        fail(str(exc))


def print_json(value: Any) -> None:
    """One JSON document on stdout, keys in a stable order."""
    sys.stdout.write(msgspec.json.encode(value, order="deterministic").decode() + "\n")


def show_progress() -> bool:
    """Progress bars only for a person: on a terminal and not under CI."""
    return err.is_terminal and not os.environ.get("CI")


@contextmanager
def corpus_for(path: str | None, read_only: bool = True):
    corpus = open_corpus(path, read_only)
    try:
        yield corpus
    finally:
        corpus.close()


@contextmanager
def store_for(corpus, engine: str | None, spark_master: str | None):
    """The corpus file, or with ``--engine spark`` the Parquet dataset on Spark."""
    from hashtide.engine import EngineError, engine_name, open_engine

    try:
        name = engine_name(engine)
    except EngineError as exc:
        fail(str(exc))
    if name == "duckdb":
        with corpus_for(corpus) as store:
            yield store
        return
    try:
        store = open_engine("spark", corpus, master=spark_master)
    except (FileNotFoundError, EngineError) as exc:
        fail(str(exc))
    with store:
        yield store
