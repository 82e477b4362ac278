"""Reading a corpus that another process may be writing.

DuckDB lets one process write a database file, and while a process holds it open for writing
no other process can open it, not even read-only. The dashboard therefore never keeps the
corpus open: each computation opens a read-only connection, reads, and closes it, so `ingest`
or `watch` can take the file between requests (they should likewise hold it only while writing a
batch). When the file is locked, opening is retried with a short backoff for up to
``LOCK_WAIT`` seconds; past that the API answers 503 with ``Retry-After``.

Results are cached per corpus *fingerprint* (size and modification time of the database file
and its write-ahead log): an unchanged corpus is never queried twice for the same figure, and a
changed one is noticed by a ``stat`` -- that is also how the live trending view knows when to
refresh.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import duckdb

from hashtide.corpus import Corpus, NotACorpus

LOCK_WAIT = 3.0
CACHE_ENTRIES = 64


class CorpusBusy(Exception):
    """The corpus stayed locked by a writer for longer than the wait allows."""


class CorpusGone(Exception):
    """The corpus file is missing, or is no corpus (moved, deleted or replaced while serving)."""

    def __init__(self):
        super().__init__("the corpus cannot be read: it was moved, deleted or replaced")


def is_lock_conflict(exc: Exception) -> bool:
    """Whether DuckDB refused to open the file because another process holds it: waiting helps.
    (A corrupt file or a directory is refused too, and waiting does not.)"""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def fingerprint(path: str) -> tuple:
    """What changes whenever a writer commits: size and mtime of the file and of its WAL."""
    parts = []
    for name in (path, path + ".wal"):
        try:
            st = os.stat(name)
            parts.append((st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            parts.append(None)
    return tuple(parts)


@contextmanager
def reading(path: str, wait: float = LOCK_WAIT):
    """A read-only :class:`Corpus`, opened with retries while a writer holds the file."""
    deadline = time.monotonic() + wait
    delay = 0.02
    while True:
        try:
            corpus = Corpus.open(path, read_only=True)
            break
        except (FileNotFoundError, NotACorpus, duckdb.IOException) as exc:
            if not is_lock_conflict(exc):
                raise CorpusGone() from exc
            if time.monotonic() + delay > deadline:
                # the message names neither the file nor the writer's process: clients need not
                raise CorpusBusy("the corpus is locked by a writer (an ingest or a watch)") from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
    try:
        yield corpus
    finally:
        corpus.close()


class Cached:
    """Results of read-only computations over one corpus, keyed by (name, args, fingerprint)."""

    def __init__(self, path: str, entries: int = CACHE_ENTRIES):
        self.path = path
        self.entries = entries
        self._values: OrderedDict[tuple, Any] = OrderedDict()
        self._locks: dict[tuple, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, name: str, compute: Callable[[Corpus], Any], *args) -> Any:
        key = (name, args, fingerprint(self.path))
        with self._guard:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            lock = self._locks.setdefault(key[:2], threading.Lock())
        with lock:  # one computation per figure at a time; the others wait for its result
            with self._guard:
                if key in self._values:
                    return self._values[key]
            with reading(self.path) as corpus:
                value = compute(corpus)
            with self._guard:
                self._values[key] = value
                while len(self._values) > self.entries:
                    self._values.popitem(last=False)
            return value
