"""Live trending: documents from a growing file, stdin or a Jetstream websocket, through the
ingest readers, into the detector; a rich table on a terminal, JSON lines of alerts in a pipe.

Posts are gathered into small Arrow batches (``BATCH_POSTS`` posts or ``BATCH_SECONDS`` of wall
time, whichever comes first) so the detector's vectorised update runs on columns, not posts.
Time is the posts' own (event time): a recorded stream replays exactly as it was. With a corpus,
the stream goes through the ingest instead (:mod:`hashtide.trends.live_ingest`).
"""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import msgspec
import pyarrow as pa

from hashtide.ingest import chunks, sources, twitter_v2, twitter_v2_fast
from hashtide.ingest.formats import Detector
from hashtide.ingest.items import Record
from hashtide.model import Post, posts_to_arrow
from hashtide.trends import replay
from hashtide.trends.charts import Alerts, BucketCharts, ScopeFilter, alert_row, iso
from hashtide.trends.signitrend import SigniTrend
from hashtide.wording import counted

BATCH_POSTS = 20_000
BATCH_SECONDS = 0.5
POLL_SECONDS = 0.2


class WatchError(Exception):
    """A source that cannot be watched (missing file, refused connection, unknown format)."""


# -- sources: raw JSON documents ------------------------------------------------------------------


def follow_lines(path: str, follow: bool = True, poll: float = POLL_SECONDS, idle_timeout: float | None = None) -> Iterator[bytes]:
    """Lines of ``path``, then, with ``follow``, the lines appended to it (like ``tail -f``).
    A partial last line waits for its newline. Stops after ``idle_timeout`` seconds without
    growth when one is given. A compressed file (a finished capture) is read once, decompressed."""
    p = Path(path)
    if not p.is_file():
        raise WatchError(_missing(path))
    if sources.compression(path):
        yield from _decompressed_lines(path)
        return
    with open(p, "rb") as handle:
        pending = b""
        idle_since = time.monotonic()
        while True:
            chunk = handle.readline()
            if chunk:
                idle_since = time.monotonic()
                pending += chunk
                if pending.endswith(b"\n"):
                    yield pending
                    pending = b""
                continue
            if not follow or (idle_timeout is not None and time.monotonic() - idle_since > idle_timeout):
                if pending:
                    yield pending
                return
            yield b""  # a heartbeat: lets the caller flush a waiting batch while the file is quiet
            time.sleep(poll)


def _decompressed_lines(path: str) -> Iterator[bytes]:
    """The lines of a compressed file or stream (gzip, bzip2, zstd, xz); line numbers and byte
    offsets then count the decompressed content, as ``hashtide ingest`` counts them."""
    with _opened(path) as opened:
        yield from opened if isinstance(opened, io.BufferedIOBase) else io.BufferedReader(opened, 1 << 20)
        sources.raise_if_cut(opened)


def file_documents(path: str) -> Iterator[sources.Document]:
    """The documents of a complete file, read as ``hashtide ingest`` reads them: a pretty-printed
    document, an array written one element per line (not followed, a file need not be a stream)."""
    with _opened(path) as opened:
        yield from sources.iter_documents(opened)
        sources.raise_if_cut(opened)


@contextlib.contextmanager
def _opened(path: str) -> Iterator[BinaryIO]:
    try:
        with sources.open_source(path) as opened:
            yield opened
    except (sources.SourceError, *sources.READ_ERRORS) as exc:
        raise WatchError(f"{path}: cannot be read ({exc})") from exc


def stdin_lines() -> Iterator[bytes]:
    """Standard input's lines as they arrive; decompressed when its first bytes are gzip's,
    bzip2's, zstd's or xz's (``cat capture.jsonl.gz | hashtide watch``)."""
    stdin = sys.stdin.buffer
    if hasattr(stdin, "peek") and sources.compression_of(stdin.peek(6)[:6]):
        yield from _decompressed_lines("-")
    else:
        yield from stdin


def websocket_messages(url: str, open_timeout: float = 10.0) -> Iterator[bytes]:
    """Messages of a websocket (Jetstream sends one JSON event per message)."""
    from websockets.exceptions import ConnectionClosed, InvalidURI
    from websockets.sync.client import connect

    try:
        connection = connect(url, open_timeout=open_timeout, max_size=1 << 24)
    except (OSError, InvalidURI, TimeoutError, ValueError) as exc:  # ValueError: a malformed host
        raise WatchError(f"{url}: cannot connect ({exc})") from exc
    with connection:
        try:
            while True:
                try:
                    message = connection.recv(timeout=POLL_SECONDS)
                except TimeoutError:
                    yield b""
                    continue
                yield message.encode() if isinstance(message, str) else message
        except ConnectionClosed:
            return


def documents(source: str, follow: bool = True) -> Iterator[bytes]:
    if source.startswith(("ws://", "wss://")):
        return websocket_messages(source)
    if source == "-":
        return stdin_lines()
    return follow_lines(source, follow)


def _missing(source: str) -> str:
    """Why ``source``, which is no file, cannot be watched."""
    if "://" in source:
        return f"{source}: not a source watch reads (a file, - for stdin, or a ws:// or wss:// URL)"
    if Path(source).is_dir():
        return f"{source}: is a directory (name a file in it)"
    return f"{source}: no such file"


# -- posts: documents through the readers ---------------------------------------------------------


class PostStream:
    """Turns raw documents into top-level posts with the ingest readers (bad documents are
    counted, never raised)."""

    def __init__(self, fmt: str | None = None):
        self.detector = Detector(fmt)
        self.pages = fmt in (None, twitter_v2.NAME)  # twarc2 pages may take the typed fast path
        self.rejected = 0

    def posts(self, raw: bytes) -> list[Post]:
        raw = raw.strip()
        if not raw:
            return []
        if self.pages and twitter_v2_fast.is_page_line(raw):
            items = twitter_v2_fast.read_page(raw)  # the generic reader's items, a few times cheaper
            if items is not None:
                return [item.post for item in items if isinstance(item, Record)]
        try:
            value: Any = msgspec.json.decode(raw)
        except sources.JSON_ERRORS:
            self.rejected += 1
            return []
        found: list[Post] = []
        for doc in value if isinstance(value, list) else (value,):
            reader = self.detector(doc)
            if reader is None:
                self.rejected += 1
                continue
            try:
                items = list(reader.read(doc))
            except Exception:  # a reader bug must not stop a live watch; the record is counted
                self.rejected += 1
                continue
            found.extend(item.post for item in items if isinstance(item, Record))
        return found


def batches(raw_documents: Iterator[bytes], stream: PostStream, batch_posts: int = BATCH_POSTS,
            batch_seconds: float = BATCH_SECONDS):
    """Arrow tables of posts, cut by size or by wall time (heartbeats flush a quiet stream)."""
    waiting: list[Post] = []
    started = time.monotonic()
    for raw in raw_documents:
        waiting.extend(stream.posts(raw))
        if waiting and (len(waiting) >= batch_posts or time.monotonic() - started >= batch_seconds):
            yield posts_to_arrow(waiting)
            waiting = []
            started = time.monotonic()
    if waiting:
        yield posts_to_arrow(waiting)


def _tables(source: str, follow: bool, fmt: str | None, stream: PostStream) -> Iterator[pa.Table]:
    """The source's top-level posts as Arrow batches. A twarc2 file that is only replayed (not
    followed) is read by DuckDB (:mod:`hashtide.trends.replay`); another large plain file that
    is not followed is parsed on every core, as ``ingest`` does (the same posts, in file order)."""
    if not _complete_file(source, follow):
        yield from batches(documents(source, follow), stream)
        return
    if fmt in (None, twitter_v2.NAME) and _uncompressed(source) and replay.plain_pages(source):
        pages = replay.Replay(source)
        try:
            yield from pages
        except replay.ReplayError as exc:
            raise WatchError(f"{source}: {exc}") from exc
        stream.rejected += pages.unread
        return
    if not chunks.line_oriented(source):
        yield from batches((doc.raw for doc in file_documents(source)), stream)
        return
    waiting: list[pa.Table] = []
    for chunk in chunks.parse_chunks(source, fmt):
        stream.rejected += len(chunk.rejects)
        posts = chunks.read_ipc(chunk.posts)
        waiting.append(posts.filter(posts.column("top_level")))
        if sum(t.num_rows for t in waiting) >= BATCH_POSTS:
            yield pa.concat_tables(waiting)
            waiting = []
    if waiting:
        yield pa.concat_tables(waiting)


def _local(source: str) -> bool:
    """A path, not stdin or a URL."""
    return source != "-" and "://" not in source


def _complete_file(source: str, follow: bool) -> bool:
    return not follow and _local(source) and Path(source).is_file()


def _ingested_tables(source: str, follow: bool, ingest) -> Iterator[pa.Table]:
    """With ``--corpus``: the source through the ingest (:mod:`hashtide.trends.live_ingest`)."""
    from hashtide.trends import live_ingest

    complete = _complete_file(source, follow)
    large = source if complete and chunks.line_oriented(source) else None
    raw = None if large is not None else file_documents(source) if complete else documents(source, follow)
    return live_ingest.tables(ingest, raw, large, BATCH_POSTS, BATCH_SECONDS)


def _uncompressed(path: str) -> bool:
    from hashtide.ingest.sources import compression

    return compression(path) is None


# -- presentation ----------------------------------------------------------------------------------


def _json_alerts(bucket: BucketCharts, alerts: Alerts) -> None:
    for entry in alerts.update(bucket):
        sys.stdout.write(msgspec.json.encode(alert_row(bucket, entry)).decode() + "\n")
    sys.stdout.flush()


def _render(bucket: BucketCharts | None, scopes: ScopeFilter, top: int, seen: int, late: int):
    from rich.table import Table

    title = "waiting for the first bucket to close" if bucket is None else f"Trending, bucket ending {iso(bucket.end)}"
    table = Table(title=title, caption=f"{counted(seen, 'post')} read, {late:,} late")
    for name in ("scope", "rank", "tag", "score", "posts", "authors"):
        table.add_column(name, justify="right" if name in ("rank", "score", "posts", "authors") else "left")
    if bucket is not None:
        for row in bucket.rows(scopes, top):
            table.add_row(row["scope"], str(row["rank"]), row["tag"], f"{row['score']:.1f}", f"{row['posts']:,}",
                          f"{row['authors']:,}")
    return table


def watch(source: str, detector: SigniTrend, scopes: ScopeFilter, top: int = 10, corpus_path: str | None = None,
          follow: bool = True, fmt: str | None = None, terminal: bool | None = None) -> int:
    """Run the live chart until the source ends (or Ctrl-C); returns the number of posts read."""
    from rich.console import Console

    _refuse_csv(source)
    console = Console()
    terminal = console.is_terminal if terminal is None else terminal
    corpus = ingest = None
    alerts = Alerts(top=top, scopes=scopes)
    stream = PostStream(fmt)
    if corpus_path is not None:
        from hashtide.corpus import Corpus
        from hashtide.trends.live_ingest import LiveIngest

        if _local(source) and not Path(source).is_file():
            raise WatchError(_missing(source))  # before the corpus logs a run
        corpus = _open_corpus(corpus_path)
        ingest = LiveIngest(corpus, source, fmt)
    seen = 0
    live = None
    if terminal:
        from rich.live import Live

        live = Live(_render(None, scopes, top, 0, 0), console=console, refresh_per_second=2)
        live.start()
    previous = _interrupt_on_sigterm()
    try:
        tables = _tables(source, follow, fmt, stream) if ingest is None else _ingested_tables(source, follow, ingest)
        for table in tables:
            seen += table.num_rows
            closed = detector.update(table)
            _show(closed, alerts, live, scopes, top, seen, detector)
        _show(detector.flush(), alerts, live, scopes, top, seen, detector)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if live is not None:
            live.stop()
        try:
            if ingest is not None:
                ingest.close()  # what was read is stored and logged, also after Ctrl-C
        finally:
            if corpus is not None:
                corpus.close()
    _account(source, seen, stream.rejected if ingest is None else ingest.rejected, corpus_path)
    return seen


def _interrupt_on_sigterm():
    """SIGTERM (how timeout, systemd and docker stop a process) ends a watch as Ctrl-C does: what
    was read is stored and the run logged, where the default handler ended the process at once.
    Returns the handler to put back (None off the main thread, where signals cannot be set)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, signal.default_int_handler)


def _open_corpus(path: str):
    from hashtide.corpus import CannotOpen, Corpus

    try:
        return Corpus.open_or_explain(path)
    except CannotOpen as exc:
        raise WatchError(str(exc)) from exc


def _account(source: str, seen: int, rejected: int, corpus_path: str | None) -> None:
    """Say what was set aside (on stderr: stdout is the alerts'); WatchError when nothing was a
    post, as ``ingest`` refuses a file of no known format."""
    if not rejected:
        return
    kept = (f"kept in the quarantine of {corpus_path} (hashtide quarantine -c {corpus_path})" if corpus_path
            else "not kept: watch with --corpus to keep them with line and reason, or ingest the source")
    if not seen:
        raise WatchError(f"{source}: no post read; {counted(rejected, 'record')} set aside, none of them a post "
                         f"hashtide knows, {kept}")
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(f"{counted(rejected, 'record')} set aside (malformed, or not posts), {kept}", highlight=False)


def _refuse_csv(source: str) -> None:
    """WatchError for a CSV file or stream (by its suffix, else a ``twarc2 csv`` header): a CSV row
    may span lines, so it is no stream of posts; each line would be set aside as not JSON."""
    from hashtide.ingest.csvfmt import starts_with_twarc_header
    from hashtide.ingest.pipeline import CSV_SUFFIXES

    if source == "-":
        stdin = sys.stdin.buffer
        csv = hasattr(stdin, "peek") and starts_with_twarc_header(stdin.peek(1 << 16))
    else:
        csv = _local(source) and Path(source).is_file() and (
            sources.inner_suffix(source) in CSV_SUFFIXES or starts_with_twarc_header(sources.head(source, 1 << 16)))
    if csv:
        name = "FILE.csv" if source == "-" else source
        raise WatchError(f"{source}: a CSV file; watch reads a stream of JSON posts. Ingest it (hashtide ingest "
                         f"{name}), then chart it with hashtide trends")


def _show(closed: list[BucketCharts], alerts: Alerts, live, scopes, top, seen, detector) -> None:
    for bucket in closed:
        if live is None:
            _json_alerts(bucket, alerts)
    if live is not None:
        latest = next((b for b in reversed(closed) if b.charts), None) or detector.latest
        live.update(_render(latest, scopes, top, seen, detector.late))
