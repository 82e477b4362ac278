"""The write-behind thread: jobs in order, errors handed back, nothing written after a failure."""

from __future__ import annotations

import threading

import pytest

from hashtide.ingest.write_behind import WriteBehind


def test_jobs_run_in_order_on_another_thread():
    seen = []
    with WriteBehind() as writer:
        for n in range(50):
            writer.submit(lambda n: seen.append((n, threading.current_thread().name)), n)
        writer.drain()
    assert [n for n, _ in seen] == list(range(50))
    assert {name for _, name in seen} == {"hashtide-write-behind"}


def test_an_error_stops_later_jobs_and_is_raised_by_every_later_call():
    seen = []

    def fail():
        raise OSError("disk full")

    writer = WriteBehind()
    writer.submit(seen.append, 1)
    with pytest.raises(OSError, match="disk full"):
        writer.submit(fail)
        writer.submit(seen.append, 2)  # queued before the failure is known, or refused: never run
        writer.drain()
    for call in (writer.drain, lambda: writer.submit(seen.append, 3)):
        with pytest.raises(OSError, match="disk full"):
            call()
    writer.close()
    assert seen == [1]


def test_leaving_on_an_exception_drops_the_waiting_job():
    seen = []
    with pytest.raises(KeyboardInterrupt):
        with WriteBehind() as writer:
            writer.submit(threading.Event().wait, 0.5)  # still running when the exception leaves
            writer.submit(seen.append, "waiting")
            raise KeyboardInterrupt
    assert seen == []
    assert not any(t.name == "hashtide-write-behind" for t in threading.enumerate())


def test_close_lets_submitted_jobs_finish():
    seen = []
    writer = WriteBehind()
    release = threading.Event()
    writer.submit(release.wait)
    writer.submit(seen.append, "last")
    release.set()
    writer.close()
    assert seen == ["last"]


def test_unused_writer_starts_no_thread():
    before = threading.active_count()
    with WriteBehind() as writer:
        writer.drain()
    assert threading.active_count() == before
