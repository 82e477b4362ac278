"""The planted posts on disk, so that memory does not grow with the world.

The cascades are drawn a block at a time (cascade.py), so their posts come in no time order.
:class:`PlantedStore` spills them to one file per hour of the window (a small buffer in memory),
then numbers them hour by hour in time order: a post's *serial* is its rank among all planted
posts by (time, burst, row drawn), and its parent's and root's row numbers become serials through
a map from (burst, row) to serial that is a file too. Parents come strictly first in time
(``MIN_DELAY_MS``), so when an hour is numbered its posts' parents already are.

While the world is written, the planted posts are read back a slice of an hour at a time
(:meth:`hour`, with :meth:`seconds` to cut slices on whole seconds) and, once named, appended to
a file by serial (:meth:`keep`), from which later replies and reposts read their parents at any
distance (:meth:`read`, ``pread`` of the blocks that hold them: nothing is mapped, so nothing
read stays resident). What memory holds of the planted posts: a slice of them while writing, the
spill buffer while drawing, and while numbering one hour of them and the pages of the serial map
that it touches.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from hashtide.simulate.background import HOUR_MS
from hashtide.simulate.rows import CASCADE, PLANTED, ROW

SPILL_ROWS = 1 << 16  # rows buffered before they go to their hours' files (about 3 MB)
READ_BLOCK = 4096  # rows read back at most per read (about 350 kB)


class PlantedStore:
    """The planted posts of one run, in a temporary folder inside ``out_dir`` (removed on close)."""

    def __init__(self, out_dir: Path, start_ms: int, end_ms: int):
        self.folder = Path(tempfile.mkdtemp(prefix=".planted-", dir=out_dir))
        self.start_ms, self.end_ms = start_ms, end_ms
        self.hours = int(np.ceil((end_ms - start_ms) / HOUR_MS))
        self.buffer: list[np.ndarray] = []
        self.buffered = 0
        self.burst_rows: list[int] = []  # rows drawn per burst, in burst order
        self.first_serial = np.zeros(self.hours + 1, np.int64)  # of each hour; the last: the total
        self.kept = open(self.folder / "written.bin", "w+b", buffering=0)
        self.kept_rows = 0

    # -- drawing: spill each block to its hours ---------------------------------------------

    def add(self, rows: np.ndarray) -> None:
        """Take :data:`CASCADE` rows of the burst being drawn."""
        self.buffer.append(rows)
        self.buffered += len(rows)
        if self.buffered >= SPILL_ROWS:
            self._flush()

    def end_burst(self, rows_drawn: int) -> None:
        """The burst being drawn is complete (bursts come in index order)."""
        self.burst_rows.append(rows_drawn)

    def _flush(self) -> None:
        if not self.buffer:
            return
        rows = np.concatenate(self.buffer)
        self.buffer, self.buffered = [], 0
        # a launching post planted past the window's end is drawn but never written, nor are
        # its reactions (later still)
        rows = rows[(rows["t"] >= self.start_ms) & (rows["t"] < self.end_ms)]
        hour = (rows["t"] - self.start_ms) // HOUR_MS
        order = np.argsort(hour, kind="stable")
        rows, hour = rows[order], hour[order]
        bounds = np.searchsorted(hour, np.arange(self.hours + 1))
        for h in np.flatnonzero(np.diff(bounds)):
            with open(self._drawn(h), "ab") as handle:
                rows[bounds[h]:bounds[h + 1]].tofile(handle)

    def _drawn(self, hour: int) -> Path:
        return self.folder / f"drawn-{hour:05d}.bin"

    def _numbered(self, hour: int) -> Path:
        return self.folder / f"numbered-{hour:05d}.bin"

    def _seconds(self, hour: int) -> Path:
        return self.folder / f"seconds-{hour:05d}.bin"

    # -- numbering: serials in time order, parents and roots as serials ---------------------------

    def number(self) -> int:
        """Number every planted post; returns how many there are."""
        self._flush()
        offsets = np.concatenate([[0], np.cumsum(self.burst_rows)]).astype(np.int64)
        map_path = self.folder / "serial-of-row.bin"
        with open(map_path, "wb") as handle:
            handle.truncate(max(1, int(offsets[-1])) * 4)
        serial = 0
        for h in range(self.hours):
            self.first_serial[h] = serial
            path = self._drawn(h)
            if not path.exists():
                continue
            drawn = np.fromfile(path, CASCADE)
            drawn = drawn[np.lexsort((drawn["row"], drawn["burst"], drawn["t"]))]
            base = offsets[drawn["burst"]]
            # mapped for this hour only: the pages it touched leave memory with the map
            serial_of = np.memmap(map_path, np.int32, mode="r+")
            serial_of[base + drawn["row"]] = np.arange(serial, serial + len(drawn))
            has = drawn["parent"] >= 0
            parent = np.full(len(drawn), -1, np.int64)
            parent[has] = serial_of[base[has] + drawn["parent"][has]]
            root = serial_of[base + drawn["root"]].astype(np.int64)
            del serial_of
            numbered = np.zeros(len(drawn), PLANTED)
            for key in ("t", "platform", "kind", "burst", "author", "seed", "geo", "tags"):
                numbered[key] = drawn[key]
            numbered["parent"], numbered["root"] = parent, root
            numbered.tofile(self._numbered(h))
            second = (numbered["t"] - self.start_ms - h * HOUR_MS) // 1000
            np.searchsorted(second, np.arange(3601)).astype(np.int32).tofile(self._seconds(h))
            path.unlink()
            serial += len(drawn)
        self.first_serial[self.hours] = serial
        map_path.unlink()
        return serial

    # -- writing: an hour at a time; the rows written, by serial ----------------------------------

    def seconds(self, hour: int) -> np.ndarray:
        """For each second ``s`` of ``hour`` (and 3600), how many of its planted posts come before it."""
        path = self._seconds(hour)
        return np.fromfile(path, np.int32).astype(np.int64) if path.exists() else np.zeros(3601, np.int64)

    def hour(self, hour: int, lo: int = 0, hi: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The planted posts ``lo`` to ``hi`` of ``hour`` (all by default) as :data:`ROW` rows in
        serial (time) order, ``parent`` set, and their roots' serials."""
        path = self._numbered(hour)
        hi = self.first_serial[hour + 1] - self.first_serial[hour] if hi is None else hi
        numbered = np.fromfile(path, PLANTED, count=hi - lo, offset=lo * PLANTED.itemsize) if hi > lo else np.zeros(0, PLANTED)
        rows = np.zeros(len(numbered), ROW)
        rows["serial"] = self.first_serial[hour] + lo + np.arange(len(numbered))
        for key in ("t", "platform", "kind", "burst", "author", "parent", "seed", "geo", "tags"):
            rows[key] = numbered[key]
        return rows, numbered["root"]

    def done(self, hour: int) -> None:
        """``hour`` is written: its files go."""
        self._numbered(hour).unlink(missing_ok=True)
        self._seconds(hour).unlink(missing_ok=True)

    def keep(self, rows: np.ndarray) -> None:
        """Append the named planted rows that follow the last kept (serials in order)."""
        if not len(rows):
            return
        if rows["serial"][0] != self.kept_rows or not np.array_equal(rows["serial"], self.kept_rows + np.arange(len(rows))):
            raise ValueError("planted rows must be kept in serial order, without gaps")
        self.kept.write(rows.tobytes())
        self.kept_rows += len(rows)

    def read(self, serials: np.ndarray) -> np.ndarray:
        """The kept rows of ``serials`` (sorted, distinct, all kept already)."""
        out = np.empty(len(serials), ROW)
        if not len(serials):
            return out
        if serials[-1] >= self.kept_rows:
            raise ValueError(f"serial {serials[-1]} is not kept yet")
        block = serials // READ_BLOCK
        starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
        ends = np.r_[starts[1:], len(serials)]
        fd = self.kept.fileno()
        for a, b in zip(starts.tolist(), ends.tolist()):
            lo, hi = int(serials[a]), int(serials[b - 1]) + 1
            chunk = np.frombuffer(os.pread(fd, (hi - lo) * ROW.itemsize, lo * ROW.itemsize), ROW)
            out[a:b] = chunk[serials[a:b] - lo]
        return out

    def close(self) -> None:
        self.kept.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PlantedStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
