"""Reading a DuckDB query's Arrow batches on a thread, ahead of the consumer.

DuckDB reads a file in C++ on every core while Python works on the previous batch; the reader
has its own in-memory connection, so nothing here touches a corpus.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import duckdb
import pyarrow as pa


class ReadError(Exception):
    """DuckDB could not read the file (a document over the size limit, an I/O error)."""


def read_ahead(query: str, params: list, rows: int, memory_limit: str) -> Iterator[pa.RecordBatch]:
    """The Arrow batches of ``query``, read by DuckDB on a thread one or two ahead of the
    consumer. The thread is always joined (a DuckDB call cut off by the interpreter's exit aborts
    the process), also when the consumer stops early."""
    handoff: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            con = duckdb.connect()
            con.execute(f"set memory_limit = '{memory_limit}'; set TimeZone = 'UTC'")
            for batch in con.sql(query, params=params).to_arrow_reader(rows):
                while not stop.is_set():
                    try:
                        handoff.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            con.close()
            handoff.put(done)
        # DuckDB's error: a duckdb.Error when the query starts, an OSError from the Arrow stream
        # when it comes mid-file
        except (duckdb.Error, OSError, pa.ArrowException) as exc:
            handoff.put(ReadError(str(exc).splitlines()[0]))
        except Exception as exc:  # handed over, or the consumer would wait for ever
            handoff.put(exc)

    worker = threading.Thread(target=produce, name="hashtide-read-ahead")
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is done:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                handoff.get(timeout=0.1)  # make room for a producer blocked on a full queue
            except queue.Empty:
                pass
        worker.join()
