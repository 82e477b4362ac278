"""``hashtide watch --corpus``: the stream is ingested as ``hashtide ingest`` would ingest it, batch
by batch, while the charts run.

Every document goes through the ingest's reading and accounting (:mod:`hashtide.ingest.pipeline`):
posts, embedded copies and profiles are stored, rejected records are quarantined with their raw
bytes, line and byte offset, and the run is written to the ingest log when the watch ends. The
detector gets the top-level posts of each batch before the batch is stored.

Lines are numbered as they arrive (a websocket message counts as a line); each line is read on its
own, so a JSON document spread over several lines is set aside as malformed, as a live stream
should never carry one. A file that is not followed is complete: it is read as ``ingest`` reads
it (pretty-printed documents, arrays written one element per line), and parsed on every core
when large.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import pyarrow as pa

from hashtide.ingest import chunks, pipeline, sources
from hashtide.ingest.formats import Detector
from hashtide.model import posts_to_arrow


class LiveIngest:
    """The ingest of one watched source into ``corpus``."""

    def __init__(self, corpus, source: str, fmt: str | None = None):
        self.corpus = corpus
        self.source = source
        self.fmt = fmt
        self.report = pipeline.IngestReport()
        self.account = pipeline.FileAccount(path=pipeline.label_of(source))
        self.sink = pipeline._CorpusSink(corpus, self.account.path, self.account, self.report, strict=False)
        self.detector = Detector(fmt)
        self.line, self.offset = 1, 0
        self.started = pipeline.start(corpus)

    @property
    def rejected(self) -> int:
        return self.account.rejected

    def read(self, raw: bytes | sources.Document) -> None:
        """One line (or message) of the source, an empty one being a heartbeat; or a document of
        a complete file, placed in it already."""
        if isinstance(raw, sources.Document):
            return self._document(raw)
        if not raw:
            return
        for doc in sources.iter_documents(io.BytesIO(raw)):
            self._document(sources.Document(doc.line + self.line - 1, doc.offset + self.offset, doc.raw,
                                            doc.value, doc.error))
        self.line += raw.count(b"\n") or 1
        self.offset += len(raw)

    def _document(self, doc: sources.Document) -> None:
        if doc.error is not None:
            self.sink.reject(doc.line, doc.offset, 0, doc.error, doc.raw)
            return
        values = doc.value if isinstance(doc.value, list) else (doc.value,)
        for index, value in enumerate(values):
            pipeline._read_value(doc, value, index, self.detector, self.sink)

    def absorb(self, chunk: chunks.Chunk) -> None:
        """A slice of a large file parsed by a worker process."""
        self.sink.absorb(chunk)

    def pending(self) -> int:
        return self.sink.pending()

    def store(self) -> pa.Table:
        """Store everything read since the last call (one transaction); its top-level posts."""
        parsed = [t.filter(t.column("top_level")) for t in self.sink.parsed]
        top = pa.concat_tables(parsed + [posts_to_arrow(self.sink.top)])
        self.sink.flush()
        return top

    def close(self) -> None:
        """Store what is left and write the run to the ingest log."""
        self.sink.close()
        self.report.add(self.account)
        pipeline.log(self.corpus, self.started, [self.source], self.report)


def tables(ingest: LiveIngest, documents: Iterator[bytes | sources.Document] | None, large_file: str | None,
           batch_posts: int, batch_seconds: float) -> Iterator[pa.Table]:
    """Top-level posts, batch by batch, each batch stored before it is handed on."""
    if large_file is not None:
        for chunk in chunks.parse_chunks(large_file, ingest.fmt):
            ingest.absorb(chunk)
            if ingest.pending() >= batch_posts:
                yield ingest.store()
        yield ingest.store()
        return
    started = time.monotonic()
    for raw in documents:
        ingest.read(raw)
        waiting = ingest.pending()
        if waiting and (waiting >= batch_posts or time.monotonic() - started >= batch_seconds):
            yield ingest.store()
            started = time.monotonic()
    yield ingest.store()

