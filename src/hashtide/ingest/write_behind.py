"""Writing batches into the corpus on a thread, while the next batch is read.

Reading a batch is mostly Python (pairing DuckDB's rows with lines, the per-line readers);
writing one is DuckDB, which runs without the GIL. Done one after the other on one thread, an
ingest of twarc2 pages kept DuckDB's reader waiting for about half its time. Here a batch is
written while the next is read: one job runs, at most one waits, so memory stays bounded by two
batches. Jobs run in order, each its own transaction, so a killed ingest still leaves the
corpus as it was after some batch; after a failed job, none of the later ones runs.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class WriteBehind:
    """Runs jobs in submission order on one thread; :meth:`drain` waits for them and raises the
    first job's error, if any (as does :meth:`submit` once one has failed).

    >>> written = []
    >>> with WriteBehind() as writer:
    ...     for batch in range(3):
    ...         writer.submit(written.append, batch)
    ...     writer.drain()
    ...     written
    [0, 1, 2]
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._failed = False
        self._thread: threading.Thread | None = None

    def submit(self, job: Callable, *args) -> None:
        self._raise()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="hashtide-write-behind")
            self._thread.start()
        self._jobs.put((job, args))

    def drain(self) -> None:
        """Wait until every submitted job has run."""
        if self._thread is not None:
            self._jobs.join()
        self._raise()

    def close(self) -> None:
        """Let the jobs submitted run, then stop the thread (errors stay for :meth:`drain`)."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            try:
                if item is None:
                    return
                if not self._failed:
                    job, args = item
                    job(*args)
            except BaseException as exc:  # handed to the submitting thread at its next call
                self._error, self._failed = exc, True
            finally:
                self._jobs.task_done()
