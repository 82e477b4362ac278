"""Writing batches into the corpus on a thread, while the next batch is read.

Reading a batch is mostly Python (pairing DuckDB's rows with lines, the per-line readers);
writing one is DuckDB, which runs without the GIL. Done one after the other on one thread, an
ingest of twarc2 pages kept DuckDB's reader waiting for about half its time. Here a batch is
written while the next is read: one job runs and at most one waits, while the caller builds the
next, so memory holds up to three batches. Jobs run in order, each its own transaction, so a
killed ingest still leaves the corpus as it was after some batch. After a failed job none of the
later ones runs, and every later call raises that job's error.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class WriteBehind:
    """Runs jobs in submission order on one thread; :meth:`drain` waits for them. Once a job has
    failed, :meth:`submit` and :meth:`drain` raise its error, every time.

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
        self._cancelled = False
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

    def close(self, cancel: bool = False) -> None:
        """Stop the thread once the submitted jobs have run (with ``cancel``, once the running one
        has: the waiting one is dropped). Errors stay for :meth:`drain`. The thread is joined
        whatever happens meanwhile (a second Ctrl-C): the caller may close the connection next."""
        if self._thread is None:
            return
        self._cancelled = self._cancelled or cancel
        interrupted, stop_sent = None, False
        while self._thread.is_alive():
            try:
                if stop_sent:
                    self._thread.join(0.1)
                else:
                    self._jobs.put(None, timeout=0.1)
                    stop_sent = True
            except queue.Full:
                continue
            except KeyboardInterrupt as exc:
                interrupted = exc
        self._thread = None
        if interrupted is not None:
            raise interrupted

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(cancel=kind is not None)

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            try:
                if item is None:
                    return
                if self._error is None and not self._cancelled:
                    job, args = item
                    job(*args)
            except BaseException as exc:  # handed to the submitting thread at its next call
                self._error = exc
            finally:
                self._jobs.task_done()
