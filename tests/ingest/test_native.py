"""DuckDB's reading of twarc2 page files (hashtide.ingest.twitter_v2_native) gives the corpus and
the account of the per-line readers, to the byte: on real pages, on simulated ones, and on files
where pages alternate with lines it must leave to the per-line readers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import msgspec
import pytest

from hashtide.corpus import Corpus
from hashtide.ingest import ingest
from hashtide.ingest import twitter_v2_native as native
from hashtide.simulate import simulate

TABLES = ("select * from posts order by platform, post_id", "select * from users order by platform, user_id",
          "select * from quarantine order by byte_offset, item")
REAL = Path("twitter-v2-twarc2")


def _ingested(path: Path, corpus: Path, monkeypatch, native_path: bool) -> tuple[dict, list]:
    monkeypatch.setenv("HASHTIDE_NATIVE", "1" if native_path else "0")
    monkeypatch.setenv("HASHTIDE_NATIVE_MIN_BYTES", "0")
    monkeypatch.setenv("HASHTIDE_PARALLEL_MIN_BYTES", str(1 << 40))  # per line, in this process
    with Corpus.open(corpus) as store:
        report = msgspec.to_builtins(ingest(store, [str(path)]))
    con = duckdb.connect(str(corpus), read_only=True)
    try:
        return report, [con.execute(q).fetchall() for q in TABLES]
    finally:
        con.close()


def _assert_same(path: Path, tmp_path: Path, monkeypatch) -> dict:
    monkeypatch.setenv("HASHTIDE_NATIVE_MIN_BYTES", "0")
    assert native.eligible(str(path), None)
    ours = _ingested(path, tmp_path / "native.duckdb", monkeypatch, True)
    theirs = _ingested(path, tmp_path / "per-line.duckdb", monkeypatch, False)
    assert ours[0] == theirs[0]
    for mine, reference in zip(ours[1], theirs[1]):
        assert len(mine) == len(reference)
        assert mine == reference
    return ours[0]


def _pages(shared_data: Path) -> bytes:
    return (shared_data / REAL / "twarccsv-entities_test.jsonl").read_bytes().rstrip(b"\n") + b"\n"


def test_real_pages_between_lines_left_to_the_per_line_readers(shared_data, tmp_path, monkeypatch):
    others = [f for f in sorted((shared_data / REAL).glob("*.jsonl")) if f.name != "twarccsv-entities_test.jsonl"]
    path = tmp_path / "mixed.jsonl"
    with open(path, "wb") as out:
        out.write(_pages(shared_data))
        for f in others:  # counts, compliance, flattened tweets, stream messages, errors, edits
            out.write(f.read_bytes().rstrip(b"\n") + b"\n")
            out.write(_pages(shared_data))
        out.write(b"not json at all\n\n   \n" + b'{"data": {"id": "9", "text": "cut\n')
        out.write(b'{"data":[{"id":"7","text":"#Neg","public_metrics":{"like_count":-1}}],"errors":{"x":1}}\n')
        out.write(_pages(shared_data))
    account = _assert_same(path, tmp_path, monkeypatch)
    assert account["rejected"] == 4 and account["skipped"] > 0 and account["referenced"] > 0


def test_simulated_pages(tmp_path, monkeypatch):
    simulate("tiny", tmp_path / "world", scale=1.0, seed=5, formats=("twarc2",))
    path = tmp_path / "twarc2.jsonl"
    path.write_bytes(b"".join(f.read_bytes() for f in sorted((tmp_path / "world").rglob("twarc2-*.jsonl"))))
    account = _assert_same(path, tmp_path, monkeypatch)
    assert account["ingested"] > 1000 and account["rejected"] == 0


@pytest.mark.parametrize("odd", [b"\x0c\n", b'{"data":[{"id":"1","text":"a"}]}{"data":[{"id":"2","text":"b"}]}\n',
                                 b'{"data": [ {"id": "5", "text": "spaced"}]}\n'])
def test_lines_duckdb_and_python_split_differently_keep_their_records(odd, shared_data, tmp_path, monkeypatch):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(_pages(shared_data) + odd + _pages(shared_data) + odd + odd + _pages(shared_data))
    _assert_same(path, tmp_path, monkeypatch)


def test_lines_are_found_with_numbers_offsets_and_first_ids(tmp_path):
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b'{"data":[{"id":"11","text":"a"}]}\n\n  \n{bad\n{"data": [{"id": "12"}]}')
    lines = native.Lines(str(path))
    try:
        found = [lines.next() for _ in range(3)]
        assert lines.next() is None
    finally:
        lines.close()
    assert found == [native.Line(1, 0, "11"), native.Line(4, 38, None), native.Line(5, 43, "12")]


def test_small_compressed_or_other_files_stay_per_line(shared_data, tmp_path, monkeypatch):
    page_file = shared_data / REAL / "twarccsv-entities_test.jsonl"
    assert not native.eligible(str(page_file), None)  # below the size where DuckDB pays off
    monkeypatch.setenv("HASHTIDE_NATIVE_MIN_BYTES", "0")
    assert native.eligible(str(page_file), None)
    assert not native.eligible(str(page_file), "twitter-v1")
    assert not native.eligible(str(shared_data / REAL / "twarccsv-flat.jsonl"), None)
    assert not native.eligible("-", None)
