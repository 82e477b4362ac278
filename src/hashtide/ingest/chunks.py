"""Parsing a large JSON-lines file on every core: newline-aligned chunks, parsed in worker
processes, merged back in file order.

Only the parsing runs in the workers (reading their slice of the file, decoding, format detection,
reading, building Arrow columns); deduplication and storage stay in the one process that holds the
corpus, in file order, so the result is the same as a sequential ingest's. The main process only
finds where slices end (a newline after every CHUNK_BYTES) and never reads or copies the slices
themselves. A chunk comes back as Arrow tables and counters, never as Python objects per post;
its line numbers count from the slice's start until :func:`parse_chunks` places them in the file.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import msgspec
import pyarrow as pa

CHUNK_BYTES = 4 << 20
PARALLEL_MIN_BYTES = int(os.environ.get("HASHTIDE_PARALLEL_MIN_BYTES", 16 << 20))  # below: not worth the workers


class Chunk(msgspec.Struct):
    """What a worker gives back for one slice of a file."""

    posts: bytes  # Arrow IPC stream of POST_SCHEMA rows: top-level first, then embedded copies
    users: bytes  # Arrow IPC stream of USER_SCHEMA rows
    rejects: list[tuple]
    records: int
    skipped: int
    recognised: bool
    fmt: str | None
    rejected_by_reason: dict[str, int]
    skipped_by_kind: dict[str, int]
    problems: list[tuple]
    end: int  # byte offset just past the slice, for progress
    lines: int = 0  # newlines in the slice


def workers() -> int:
    """Parser processes: one per core, leaving the corpus writer to share them."""
    return max(1, min(len(os.sched_getaffinity(0)), int(os.environ.get("HASHTIDE_WORKERS", "64"))))


def line_oriented(path: str, probe_bytes: int = 1 << 20) -> bool:
    """Whether ``path`` is a plain JSON-lines file worth splitting: large, and its first lines
    are each a whole document (pretty-printed documents cannot be cut at any newline)."""
    from hashtide.ingest.sources import compression, iter_documents

    if path == "-" or not os.path.isfile(path) or compression(path):
        return False
    if os.path.getsize(path) < int(os.environ.get("HASHTIDE_PARALLEL_MIN_BYTES", PARALLEL_MIN_BYTES)) or workers() < 2:
        return False
    with open(path, "rb") as stream:
        head = stream.read(probe_bytes)
    head = head[: head.rfind(b"\n") + 1]
    return bool(head) and all(d.error is None and d.raw.count(b"\n") <= 1
                              for d in iter_documents(io.BytesIO(head)))


def _ranges(path: str, window: int = 1 << 16) -> Iterator[tuple[int, int]]:
    """``(start, end)`` byte ranges of ``path``: each ends just past the first newline at or
    after CHUNK_BYTES from its start (or at the end of the file, as it is then)."""
    start = 0
    with open(path, "rb") as stream:
        while True:
            size = os.fstat(stream.fileno()).st_size
            if start >= size:
                return
            cut = start + CHUNK_BYTES - 1
            end = size
            while cut < size:
                stream.seek(cut)
                newline = stream.read(window).find(b"\n")
                if newline >= 0:
                    end = cut + newline + 1
                    break
                cut += window
            yield start, end
            start = end


def parse_chunks(path: str, fmt: str | None) -> Iterator[Chunk]:
    """Chunks of ``path`` parsed by a pool of worker processes, in file order, with line numbers
    counted from the start of the file."""
    import multiprocessing
    from collections import deque

    context = multiprocessing.get_context("forkserver")
    line = 1
    with ProcessPoolExecutor(workers(), mp_context=context) as pool:
        pending: deque = deque()
        ranges = _ranges(path)
        while True:
            for start, end in ranges:  # bounded read-ahead keeps memory flat
                pending.append(pool.submit(parse_range, path, start, end, fmt))
                if len(pending) > 2 * workers():
                    break
            if not pending:
                return
            chunk = pending.popleft().result()
            line = _placed(chunk, line)
            yield chunk


def _placed(chunk: Chunk, first_line: int) -> int:
    """Shift the chunk's line numbers so that its first line is ``first_line``; the next chunk's."""
    shift = first_line - 1
    if shift:
        chunk.rejects = [(r[0], r[1] + shift, *r[2:]) for r in chunk.rejects]
        chunk.problems = [(p[0], p[1] + shift if p[1] is not None else None, *p[2:]) for p in chunk.problems]
    return first_line + chunk.lines


def parse_range(path: str, start: int, end: int, fmt: str | None) -> Chunk:
    """Worker side: read bytes ``start:end`` of ``path`` and parse them (lines counted from 1)."""
    with open(path, "rb") as stream:
        stream.seek(start)
        piece = stream.read(end - start)
    chunk = parse_slice(piece, 1, start, path, fmt)
    chunk.lines = piece.count(b"\n")
    return chunk


def parse_slice(piece: bytes, line: int, offset: int, label: str, fmt: str | None) -> Chunk:
    """Worker side: parse one slice with the same collector the sequential path uses."""
    from hashtide.ingest import pipeline

    account = pipeline.FileAccount(path=label)
    report = pipeline.IngestReport()
    sink = pipeline._Collector(label, account, report, strict=False)
    with pipeline.paused_gc():
        _parse_into(sink, piece, line, offset, _detector(fmt))
        return _slice_result(sink, account, report, offset, piece)


def _parse_into(sink, piece: bytes, line: int, offset: int, detector) -> None:
    if _parse_fast_into(sink, piece, line, offset, detector):
        return
    _parse_generic_into(sink, piece, line, offset, detector)


def _parse_generic_into(sink, piece: bytes, line: int, offset: int, detector) -> None:
    from hashtide.ingest import pipeline
    from hashtide.ingest.sources import Document, iter_documents

    for doc in iter_documents(io.BytesIO(piece)):
        doc = Document(doc.line + line - 1, doc.offset + offset, doc.raw, doc.value, doc.error)
        if doc.error is not None:
            sink.reject(doc.line, doc.offset, 0, doc.error, doc.raw)
            continue
        values = doc.value if isinstance(doc.value, list) else (doc.value,)
        for index, value in enumerate(values):
            pipeline._read_value(doc, value, index, detector, sink)


def _parse_fast_into(sink, piece: bytes, line: int, offset: int, detector) -> bool:
    """Twarc2 page lines through the typed decoder (:mod:`twitter_v2_fast`), the other lines as
    :func:`_parse_generic_into` reads them; False, with nothing read, when the slice is not
    plain JSON lines (a malformed or multi-line document), so that the generic path keeps its
    exact behaviour there. Everything is decoded before anything is read: the decision is made
    before the sink sees a single item."""
    from hashtide.ingest import pipeline, twitter_v2, twitter_v2_fast
    from hashtide.ingest.sources import Document

    if b'{"data":' not in piece[:64] or twitter_v2 not in getattr(detector, "_readers", ()):
        return False
    steps: list = []  # (Document, fast items or None)
    run: list[bytes] = []
    run_start = (line, offset)
    number, at = line, offset
    for raw in io.BytesIO(piece):  # lines split as sources.iter_lines splits them
        items = twitter_v2_fast.read_page(raw) if twitter_v2_fast.is_page_line(raw) else None
        if items is None:
            if not run:
                run_start = (number, at)
            run.append(raw)
        else:
            if run and not _plain_run(run, run_start, steps):
                return False
            run = []
            steps.append((Document(number, at, raw, None, None), items))
        number += 1
        at += len(raw)
    if run and not _plain_run(run, run_start, steps):
        return False
    for doc, items in steps:
        if items is not None and detector._last is twitter_v2:  # the detector would pick v2 again
            sink.recognised = True
            sink.account.format = twitter_v2.NAME
            sink.items(doc, None, 0, items)
            continue
        if items is not None:  # first page the detector sees: let it decide, as it always does
            doc = Document(doc.line, doc.offset, doc.raw, msgspec.json.decode(doc.raw.strip()), None)
        values = doc.value if isinstance(doc.value, list) else (doc.value,)
        for index, value in enumerate(values):
            pipeline._read_value(doc, value, index, detector, sink)
    return True


def _plain_run(run: list[bytes], start: tuple[int, int], steps: list) -> bool:
    """Decode a run of lines generically into ``steps``; False if any line is not one whole
    JSON document (then a following page line might belong to it: the generic path decides)."""
    from hashtide.ingest.sources import Document, iter_documents

    for doc in iter_documents(io.BytesIO(b"".join(run))):
        if doc.error is not None or doc.raw.count(b"\n") > 1:
            return False
        steps.append((Document(doc.line + start[0] - 1, doc.offset + start[1], doc.raw, doc.value, None), None))
    return True


def _slice_result(sink, account, report, offset: int, piece: bytes) -> Chunk:
    from hashtide.model import posts_to_arrow, users_to_arrow

    return Chunk(
        posts=_ipc(posts_to_arrow(sink.top + sink.refs)),
        users=_ipc(users_to_arrow(sink.users)),
        rejects=sink.rejects,
        records=account.records,
        skipped=account.skipped,
        recognised=sink.recognised,
        fmt=account.format,
        rejected_by_reason=dict(sink.rejected_by_reason),
        skipped_by_kind=dict(sink.skipped_by_kind),
        problems=[(p.source, p.line, p.reason) for p in report.problems],
        end=offset + len(piece),
    )


_DETECTORS: dict = {}


def _detector(fmt: str | None):
    from hashtide.ingest.formats import Detector

    if fmt not in _DETECTORS:
        _DETECTORS[fmt] = Detector(fmt)
    return _DETECTORS[fmt]


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def read_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()
