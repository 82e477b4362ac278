"""DuckDB's reading of twarc2 page files (hashtide.ingest.twitter_v2_native) gives the corpus and
the account of the per-line readers, to the byte: on real pages, on simulated ones, and on files
where pages alternate with lines it must leave to the per-line readers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import msgspec
import pytest

from hashtide.corpus import Corpus
from hashtide.ingest import PartialIngest, ingest
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


@pytest.fixture(scope="module")
def simulated_pages(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("native")
    simulate("tiny", folder / "world", scale=1.0, seed=5, formats=("twarc2",))
    path = folder / "twarc2.jsonl"
    path.write_bytes(b"".join(f.read_bytes() for f in sorted((folder / "world").rglob("twarc2-*.jsonl"))))
    return path


def test_simulated_pages(simulated_pages, tmp_path, monkeypatch):
    account = _assert_same(simulated_pages, tmp_path, monkeypatch)
    assert account["ingested"] > 1000 and account["rejected"] == 0


def test_pages_cut_across_duckdb_batches_and_many_transactions(simulated_pages, tmp_path, monkeypatch):
    from hashtide.ingest import pipeline

    monkeypatch.setattr(native, "BATCH_ROWS", 37)  # pages of 100 tweets run over several batches
    monkeypatch.setattr(pipeline, "BATCH_POSTS", 500)  # profiles staged over many transactions
    account = _assert_same(simulated_pages, tmp_path, monkeypatch)
    assert account["ingested"] > 1000


def test_a_page_duckdb_cannot_hold_is_read_per_line(shared_data, tmp_path, monkeypatch):
    huge = b'{"data":[{"id":"42","text":"' + b"x" * (3 * native.MAX_PAGE_BYTES) + b'"}]}\n'
    path = tmp_path / "huge.jsonl"
    path.write_bytes(_pages(shared_data) * 30 + huge + _pages(shared_data))  # fails at once or mid-stream
    assert isinstance(list(native.read(str(path), "huge"))[-1], native.Run)  # DuckDB gave up on it
    account = _assert_same(path, tmp_path, monkeypatch)
    assert account["ingested"] > 1


def _page(n: int, **fields) -> bytes:
    tweet = {"id": str(10**17 + n), "text": f"page {n} #tag{n % 3}", "author_id": "5"} | fields
    return msgspec.json.encode({"data": [tweet], "includes": {"users": [{"id": "5", "username": "five"}]}}) + b"\n"


def _after_a_mebibyte(*lines: bytes) -> bytes:
    head = b"".join(_page(n) for n in range(1, 12_000))  # the first MiB: pages, so DuckDB reads the file
    return head + b"".join(lines) + _page(99_999)


@pytest.mark.parametrize("odd", [
    b'{"data": [{"text": "spaced", "id" : "100000000000000007"}]}\n',  # not seen to start with its id
    _page(7, public_metrics={"like_count": "5", "retweet_count": 5.0, "reply_count": True, "quote_count": -1}),
    _page(8, created_at="2020-1-1T0:0:0.000Z"), _page(9, created_at="2020-01-01T00:00:00+02:00"),
    b'{"data":[{"id":"100000000000000010","text":"v","author_id":"6"}],"includes":{"users":'
    b'[{"id":"6","verified":"true","public_metrics":{"followers_count":5.0}}]}}\n',
])
def test_values_the_per_line_readers_treat_their_own_way(odd, tmp_path, monkeypatch):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(_after_a_mebibyte(odd, _page(11), b'{"data":[{"id":"100000000000000007","text":"again"}]}\n'))
    _assert_same(path, tmp_path, monkeypatch)


def test_the_format_given_holds_for_lines_read_per_line(tmp_path, monkeypatch):
    v1 = (b'{"created_at":"Wed Oct 10 20:19:24 +0000 2018","id":1050118621198921728,"id_str":"1050118621198921728",'
          b'"text":"v1 #x","user":{"id":6253282,"id_str":"6253282","screen_name":"api"}}\n')
    path = tmp_path / "v1-inside.jsonl"
    path.write_bytes(_after_a_mebibyte(v1))
    monkeypatch.setenv("HASHTIDE_NATIVE_MIN_BYTES", "0")
    for use in (True, False):
        monkeypatch.setenv("HASHTIDE_NATIVE", "1" if use else "0")
        with Corpus.open(tmp_path / f"{use}.duckdb") as store:
            report = ingest(store, [str(path)], fmt="twitter-v2")
        assert (report.rejected, report.rejected_by_reason) == (1, {"unrecognised record": 1})


def test_a_file_of_no_known_format_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "numbers.jsonl"
    path.write_bytes(b'{"data":[1,2]}\n' * 3 + b'{"data":["x"]}\n')
    monkeypatch.setenv("HASHTIDE_NATIVE_MIN_BYTES", "0")
    assert native.eligible(str(path), None)
    with Corpus.open(tmp_path / "c.duckdb") as store:
        with pytest.raises(PartialIngest, match="not a post format"):
            ingest(store, [str(path)])
        assert store.con.execute("select count(*) from quarantine").fetchall() == [(0,)]


@pytest.mark.parametrize("odd", [b"\x0c\n", b'{"data":[{"id":"1","text":"a"}]}{"data":[{"id":"2","text":"b"}]}\n',
                                 b'{"data": [ {"id": "5", "text": "spaced"}]}\n', b"\r\n"])
def test_odd_lines_keep_their_records(odd, shared_data, tmp_path, monkeypatch):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(_pages(shared_data) + odd + _pages(shared_data) + odd + odd + _pages(shared_data))
    _assert_same(path, tmp_path, monkeypatch)


def test_lines_are_found_with_numbers_offsets_and_heads(tmp_path):
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b'{"data":[{"id":"11","text":"a"}]}\n\n  \n{bad\n{"data": [{"lang": "en", "id": "12"}]}')
    lines = native.Lines(str(path))
    try:
        found = [lines.next() for _ in range(3)]
        assert lines.next() is None
    finally:
        lines.close()
    assert [(line.number, line.offset) for line in found] == [(1, 0), (4, 38), (5, 43)]
    assert found[0].starts_page_with("11") and found[2].starts_page_with("12")  # keys in any order
    assert not found[0].starts_page_with("12") and not found[1].starts_page_with("11")


def test_real_pages_are_read_by_duckdb(shared_data, tmp_path, monkeypatch):
    """Real twarc2 pages (whose tweets do not start with their id) are not left to the per-line
    readers: every tweet of the file comes out of DuckDB."""
    path = tmp_path / "pages.jsonl"
    path.write_bytes(_pages(shared_data) * 3)
    parts = list(native.read(str(path), "pages"))
    assert not [p for p in parts if isinstance(p, native.Run)]
    per_line = _ingested(path, tmp_path / "per-line.duckdb", monkeypatch, False)[0]
    assert sum(p.records for p in parts) == per_line["records"] > 0


def test_small_compressed_or_other_files_stay_per_line(shared_data, tmp_path, monkeypatch):
    page_file = shared_data / REAL / "twarccsv-entities_test.jsonl"
    assert not native.eligible(str(page_file), None)  # below the size where DuckDB pays off
    monkeypatch.setenv("HASHTIDE_NATIVE_MIN_BYTES", "0")
    assert native.eligible(str(page_file), None)
    assert not native.eligible(str(page_file), "twitter-v1")
    assert not native.eligible(str(shared_data / REAL / "twarccsv-flat.jsonl"), None)
    assert not native.eligible("-", None)


def test_long_posts_take_text_and_tags_from_note_tweet(tmp_path, monkeypatch):
    """A post over 280 characters: ``text`` and ``entities`` hold its first 280 only. A retweet of
    one shows the whole text too; pages with one are left to the per-line readers."""
    whole = "Long thread " + "x" * 300 + " #MeToo #HowIWillChange"
    note = {"text": whole, "entities": {"hashtags": [{"start": 313, "end": 320, "tag": "MeToo"},
                                                      {"start": 321, "end": 337, "tag": "HowIWillChange"}]}}
    long_post = {"id": "200000000000000001", "text": whole[:280], "author_id": "5", "note_tweet": note}
    retweet = {"id": "200000000000000002", "text": "RT @five: " + whole[:130], "author_id": "6",
               "referenced_tweets": [{"type": "retweeted", "id": "200000000000000001"}]}
    page = msgspec.json.encode({"data": [retweet], "includes": {"tweets": [long_post], "users": [
        {"id": "5", "username": "five"}, {"id": "6", "username": "six"}]}}) + b"\n"
    path = tmp_path / "long.jsonl"
    path.write_bytes(_after_a_mebibyte(page, msgspec.json.encode({"data": [long_post]}) + b"\n"))
    _assert_same(path, tmp_path, monkeypatch)
    with duckdb.connect(str(tmp_path / "native.duckdb"), read_only=True) as con:
        rows = con.execute("select post_id, text, hashtags from posts where post_id in "
                           "('200000000000000001', '200000000000000002') order by post_id").fetchall()
    assert rows == [("200000000000000001", whole, ["metoo", "howiwillchange"]),
                    ("200000000000000002", whole, ["metoo", "howiwillchange"])]
