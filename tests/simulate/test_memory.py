"""The planted posts live on disk, not in memory (issue #2): how they are spilled, read back and
written in slices does not change the world, and drawing them holds a fraction of their size."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from hashtide.simulate import cascade, engine, simulate, spill
from hashtide.simulate.names import Names
from hashtide.simulate.rows import CASCADE, ROW
from hashtide.simulate.scenarios import ORIGINAL, QUOTE, REPLY, get


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_spilling_reading_and_writing_in_small_pieces_writes_the_same_world(tiny_world, tmp_path, monkeypatch):
    """Every block of posts flushed to its own files, parents read back two rows at a time, the
    hours written a few posts at a time: the numbering must not depend on the order rows reached
    the hour files, reads on blocks, nor ids and truth on slices."""
    monkeypatch.setattr(spill, "SPILL_ROWS", 1)
    monkeypatch.setattr(spill, "READ_BLOCK", 2)
    monkeypatch.setattr(engine, "SLICE_ROWS", 7)
    out, _ = tiny_world
    simulate("tiny", tmp_path, scale=1.0, seed=0)
    assert _files(tmp_path) == _files(out)


def test_the_spill_folder_is_removed(tiny_world):
    out, _ = tiny_world
    assert not [p for p in out.iterdir() if p.name.startswith(".planted-")]


def test_serials_are_time_ordered_and_parents_come_first(tmp_path):
    scenario = get("tiny")
    world = engine.build(scenario, 1.0, 0)
    with spill.PlantedStore(tmp_path, scenario.start_us // 1000, scenario.end_us // 1000) as store:
        total = engine.plant(scenario, world, Names(scenario, world), 1.0, 0, store)
        hours = [store.hour(h) for h in range(store.hours)]
        for h, (rows, _) in enumerate(hours):  # the posts before each second, for slicing
            before = store.seconds(h)
            second = (rows["t"] - scenario.start_us // 1000 - h * spill.HOUR_MS) // 1000
            assert np.array_equal(before, np.searchsorted(second, np.arange(3601))) and before[-1] == len(rows)
    rows = np.concatenate([h[0] for h in hours])
    roots = np.concatenate([h[1] for h in hours])
    assert len(rows) == total > 0
    assert np.array_equal(rows["serial"], np.arange(total))
    assert np.all(np.diff(rows["t"]) >= 0)
    has = rows["parent"] >= 0
    assert np.all(rows["t"][rows["parent"][has]] < rows["t"][has])
    assert np.all(roots <= rows["serial"])
    assert set(rows["kind"][rows["parent"][has]].tolist()) <= {ORIGINAL, REPLY, QUOTE}  # reactions attach to what a repost reposts


def test_kept_rows_read_back_by_serial(tmp_path):
    with spill.PlantedStore(tmp_path, 0, spill.HOUR_MS) as store:
        rows = np.zeros(10_000, ROW)
        rows["serial"] = np.arange(len(rows))
        rows["pid"] = np.arange(len(rows)) * 7
        store.keep(rows[:6000])
        store.keep(rows[6000:])
        wanted = np.array([0, 1, 4095, 4096, 9999])
        assert store.read(wanted)["pid"].tolist() == (wanted * 7).tolist()
        with pytest.raises(ValueError):
            store.keep(rows[:10])  # out of order


def test_drawing_holds_a_fraction_of_the_planted_posts(tmp_path, monkeypatch):
    """Small blocks, so that the bound shows on a small world: what planting allocates at its
    peak is well under the size of the posts it plants (the whole cascade in memory is more)."""
    monkeypatch.setattr(cascade, "BLOCK", 2048)
    monkeypatch.setattr(spill, "SPILL_ROWS", 4096)
    scenario, scale = get("metoo-2017"), 0.2
    world = engine.build(scenario, scale, 1)
    names = Names(scenario, world)
    with spill.PlantedStore(tmp_path, scenario.start_us // 1000, scenario.end_us // 1000) as store:
        tracemalloc.start()
        try:
            total = engine.plant(scenario, world, names, scale, 1, store)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert total > 250_000
    assert peak < 0.6 * total * CASCADE.itemsize
