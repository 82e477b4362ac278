"""Slices of a large JSON-lines file, parsed as separate Spark tasks, give the lines and offsets
a sequential read gives: every rejected line is named by its true line number."""

from __future__ import annotations

import pytest

from hashtide.corpus import Corpus
from hashtide.engine import SparkEngine
from hashtide.engine.parquet import Dataset
from hashtide.engine.spark import _read_slice, plan
from hashtide.ingest import ingest

pytestmark = pytest.mark.spark


def _broken_jsonl(tmp_path, shared_data):
    """The flattened twarc2 tweets, one a line, with bad lines planted among them."""
    lines = (shared_data / "twitter-v2-twarc2" / "twarccsv-flat.jsonl").read_bytes().splitlines(keepends=True)
    planted = {5: b"not json at all\n", 40: b'{"data": {"id": "1", "text": "cut\n', 77: b"[1, 2\n"}
    out = []
    for number, line in enumerate(lines, 1):
        out.append(planted.get(number, b"")) if number in planted else None
        out.append(line)
    path = tmp_path / "broken.jsonl"
    path.write_bytes(b"".join(out))
    return path


def test_slices_cover_every_line_once(tmp_path, shared_data):
    path = _broken_jsonl(tmp_path, shared_data)
    tasks = plan([str(path)], slice_bytes=20_000)
    assert len(tasks) > 5
    pieces = [_read_slice(t.path, t.start, t.end) for t in tasks]
    assert b"".join(piece for piece, _ in pieces) == path.read_bytes()
    assert [first for piece, first in pieces if piece] == sorted({first for piece, first in pieces if piece})


def test_rejected_lines_of_a_sliced_file_match_duckdb(spark, tmp_path, shared_data):
    path = _broken_jsonl(tmp_path, shared_data)
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        expected = ingest(corpus, [str(path)]).as_dict()
        rows = corpus.con.execute("select source, line, byte_offset, item, reason from quarantine "
                                  "order by byte_offset").fetchall()
    engine = SparkEngine(Dataset(str(tmp_path / "ds")), spark=spark)
    got = engine.ingest([str(path)], slice_bytes=20_000).as_dict()
    assert got == expected and expected["rejected"] == 3
    quarantined = engine.quarantine().order_by("byte_offset").select("source", "line", "byte_offset", "item", "reason")
    assert [tuple(r.values()) for r in quarantined.to_pyarrow().to_pylist()] == rows
    assert [line for _, line, *_ in rows] == [5, 41, 79]
