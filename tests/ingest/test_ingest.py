"""The whole ingest on real captures: the account adds up, re-ingest adds nothing, shapes agree."""

from __future__ import annotations

import json
import random
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashtide.corpus import Corpus
from hashtide.ingest import ingest

V2 = "twitter-v2-twarc2"
JSON_SUFFIXES = (".json", ".jsonl")


def run(tmp_path: Path, *paths: Path, name: str = "c.duckdb", **options):
    with Corpus.open(tmp_path / name) as corpus:
        return ingest(corpus, [str(p) for p in paths], **options)


def fixture_files(shared_data: Path) -> list[Path]:
    return sorted(p for p in shared_data.rglob("*") if p.suffix in JSON_SUFFIXES and "cassette" not in p.name)


def test_account_adds_up_and_matches_the_corpus_on_every_real_file(tmp_path, shared_data):
    files = fixture_files(shared_data)
    assert len(files) > 40
    for i, path in enumerate(files):
        report = run(tmp_path, path, name=f"{i}.duckdb")
        assert report.records == report.ingested + report.duplicates + report.rejected + report.skipped, path
        with Corpus.open(tmp_path / f"{i}.duckdb", read_only=True) as corpus:
            top, embedded, quarantined = corpus.con.execute(
                "select count(*) filter (where top_level), count(*) filter (where not top_level), "
                "(select count(*) from quarantine) from posts"
            ).fetchall()[0]
        assert (top, embedded, quarantined) == (report.ingested, report.referenced, report.rejected), path


@pytest.mark.parametrize(
    "name, records, ingested, duplicates, rejected, skipped",
    [
        (f"{V2}/twarccsv-brexit.jsonl", 100, 100, 0, 0, 0),
        (f"{V2}/twarccsv-kpop.jsonl", 101, 100, 0, 0, 1),
        (f"{V2}/twarccsv-entities_test.jsonl", 485, 474, 0, 0, 11),
        (f"{V2}/twarccsv-streaming_output_with_error.jsonl", 8, 7, 0, 1, 0),
        (f"{V2}/twarccsv-counts.jsonl", 169, 0, 0, 0, 169),
        (f"{V2}/twarccsv-tweets_compliance.jsonl", 2, 0, 0, 0, 2),
        ("twitter-v1.1/pytwitter-stream-lines-2018-03-10.jsonl", 72, 71, 1, 0, 0),
        ("twitter-v1.1/pytwitter-search-raw-2016-01-23.json", 100, 100, 0, 0, 0),
        ("twitter-v1.1/tweet-updates-samples/initial__compatibility_classic_13995.json", 3, 1, 1, 1, 0),  # one tweet, two modes,
        ("twitter-v1.1/tweet-updates-samples/original__classic__tweet.json", 2, 1, 1, 0, 0),
    ],
)
def test_known_counts(tmp_path, shared_data, name, records, ingested, duplicates, rejected, skipped):
    report = run(tmp_path, shared_data / name)
    assert (report.records, report.ingested, report.duplicates, report.rejected, report.skipped) == (
        records, ingested, duplicates, rejected, skipped)


def test_rejects_and_skips_are_named(tmp_path, shared_data):
    report = run(tmp_path, shared_data / V2 / "twarccsv-streaming_output_with_error.jsonl",
                 shared_data / V2 / "twarccsv-entities_test.jsonl")
    assert report.rejected_by_reason == {"truncated JSON": 1}
    assert report.skipped_by_kind == {"api_error": 11}
    problem = report.problems[0]
    assert problem.line == 8 and problem.source.endswith("streaming_output_with_error.jsonl")


def test_reingesting_adds_nothing(tmp_path, shared_data):
    path = shared_data / V2 / "twarccsv-entities_test.jsonl"
    first = run(tmp_path, path)
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        before = corpus.con.execute("select * from posts order by platform, post_id").fetchall()
    second = run(tmp_path, path)
    assert (second.ingested, second.duplicates, second.referenced) == (0, first.ingested, 0)
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        assert corpus.con.execute("select * from posts order by platform, post_id").fetchall() == before


COMPARED = "platform, post_id, created_at, author_id, author_handle, kind, parent_id, root_id, hashtags, text, lang, country"


def test_flat_and_noflat_give_the_same_posts(tmp_path, shared_data):
    run(tmp_path, shared_data / V2 / "twarccsv-noflat.jsonl", name="noflat.duckdb")
    run(tmp_path, shared_data / V2 / "twarccsv-flat.jsonl", name="flat.duckdb")
    tables = []
    for name in ("noflat.duckdb", "flat.duckdb"):
        with Corpus.open(tmp_path / name, read_only=True) as corpus:
            tables.append(corpus.con.execute(
                f"select {COMPARED} from posts where top_level order by post_id").fetchall())
    assert len(tables[0]) == 100
    assert tables[0] == tables[1]


def test_a_post_first_met_embedded_then_top_level_counts_as_ingested_once(tmp_path, shared_data):
    """Split one page's retweets over two files: the subject arrives embedded first."""
    page = json.loads((shared_data / V2 / "twarccsv-brexit.jsonl").read_text())
    subjects = {t["id"] for t in page["includes"]["tweets"]}
    retweets = [t for t in page["data"] if t["id"] not in subjects]
    first = dict(page, data=retweets)
    second = dict(page, data=[t for t in page["includes"]["tweets"]], includes={"users": page["includes"]["users"]})
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps(first) + "\n")
    b.write_text(json.dumps(second) + "\n")
    together = run(tmp_path, a, b, name="together.duckdb")
    assert together.referenced == 0
    assert together.ingested == len(retweets) + len(subjects)
    split_1 = run(tmp_path, a, name="split.duckdb")
    split_2 = run(tmp_path, b, name="split.duckdb")
    assert split_1.referenced == len(subjects) and split_2.ingested == len(subjects)
    assert split_1.ingested + split_2.ingested == together.ingested


def _mutations(line: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return line[: rng.randrange(1, len(line))]  # cut mid-record
    if choice == 1:
        at = rng.randrange(len(line))
        return line[:at] + bytes([rng.randrange(256)]) + line[at + 1:]  # one byte flipped
    doc = msgspec.json.decode(line)
    tweets = doc.get("data") if isinstance(doc.get("data"), list) else [doc]
    target = rng.choice(tweets) if tweets else doc
    if choice == 2 and isinstance(target, dict) and target:
        target.pop(rng.choice(sorted(target)))  # a key missing
    elif choice == 3 and isinstance(target, dict) and target:
        target[rng.choice(sorted(target))] = rng.choice([None, 7, "x", [], {}, 1e300])  # wrong type
    else:
        doc = rng.choice([[], "text", 3, None, {"unknown": True}])
    return msgspec.json.encode(doc)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_real_lines_keep_the_account_exact(tmp_path_factory, shared_data, seed):
    rng = random.Random(seed)
    lines = (shared_data / V2 / "twarccsv-flat.jsonl").read_bytes().splitlines()
    lines += (shared_data / "twitter-v1.1" / "pytwitter-stream-lines-2018-03-10.jsonl").read_bytes().splitlines()
    picked = rng.sample(lines, 30)
    data = b"\n".join(_mutations(line, rng) if rng.random() < 0.5 else line for line in picked) + b"\n"
    folder = tmp_path_factory.mktemp("mut")
    path = folder / "mutated.jsonl"
    path.write_bytes(data)
    report = run(folder, path)
    assert report.records == report.ingested + report.duplicates + report.rejected + report.skipped
    with Corpus.open(folder / "c.duckdb", read_only=True) as corpus:
        raw = b"".join(r for (r,) in corpus.con.execute("select raw from quarantine").fetchall())
        quarantined = corpus.con.execute("select count(*) from quarantine").fetchall()[0][0]
    assert quarantined == report.rejected
    for (line_no, reason) in [(p.line, p.reason) for p in report.problems]:
        assert line_no >= 1 and reason
    assert len(raw) <= len(data) + report.rejected * 4096


def test_a_reject_deep_in_a_large_array_is_quarantined(tmp_path, shared_data):
    tweet = json.loads((shared_data / V2 / "twarccsv-flat.jsonl").read_text().splitlines()[0])
    docs = [dict(tweet, id=str(10**18 + i)) for i in range(25_000)] + [{"recipe": "soup"}]
    path = tmp_path / "array.json"
    path.write_text(json.dumps(docs))
    report = run(tmp_path, path)
    assert (report.records, report.ingested, report.rejected) == (25_001, 25_000, 1)


def test_the_same_place_with_other_bytes_is_quarantined_again(tmp_path, shared_data):
    for content in (b'{"data": {"id": "1", "text": "cut', b'{"data": {"id": "2", "text": "other cut'):
        path = tmp_path / "stream.jsonl"
        path.write_bytes((shared_data / V2 / "twarccsv-brexit.jsonl").read_bytes() + content)
        run(tmp_path, path)
    with Corpus.open(tmp_path / "c.duckdb", read_only=True) as corpus:
        assert corpus.con.execute("select count(*) from quarantine").fetchall()[0][0] == 2


def test_a_file_that_breaks_midway_keeps_its_account(tmp_path, shared_data):
    import gzip

    data = gzip.compress((shared_data / V2 / "twarccsv-brexit.jsonl").read_bytes() * 3)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) - 40])
    from hashtide.ingest import PartialIngest

    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        with pytest.raises(PartialIngest) as caught:
            ingest(corpus, [str(path)])
        stored = corpus.con.execute("select count(*) from posts where top_level").fetchall()[0][0]
        cut = corpus.con.execute("select line, reason, raw from quarantine").fetchall()
    account = caught.value.report.files[0]
    assert account.error and "cannot be read" in account.error
    assert account.ingested == stored == 100 and account.records >= 100
    # the line the cut went through is set aside with the bytes that were there
    whole = (shared_data / V2 / "twarccsv-brexit.jsonl").read_bytes() * 3
    [(line, reason, raw)] = cut
    assert line == len(whole.splitlines()) and "truncated" in reason  # the last line
    assert whole.splitlines(keepends=True)[line - 1].startswith(bytes(raw)) and len(raw) > 0
    assert account.records == account.ingested + account.duplicates + account.rejected + account.skipped


def _cut(data: bytes, compress) -> tuple[bytes, bytes]:
    """(the file cut 30 bytes before its end, the content that can still be decoded from it)."""
    import bz2
    import lzma
    import zlib

    import zstandard

    packed = compress(data)[:-30]
    if compress is bz2.compress:
        return packed, bz2.BZ2Decompressor().decompress(packed)
    if compress is _zstd:
        return packed, zstandard.ZstdDecompressor().decompressobj().decompress(packed)
    if compress is lzma.compress:
        return packed, lzma.LZMADecompressor().decompress(packed)
    return packed, zlib.decompressobj(wbits=31).decompress(packed)


def _zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "zstd", "xz"])
def test_a_cut_file_keeps_every_line_before_the_cut(tmp_path, shared_data, kind):
    """Thousands of short lines: the reader buffers 1 MiB, and the cut once dropped all of it."""
    import bz2
    import gzip

    from hashtide.ingest import PartialIngest

    lines = (shared_data / V2 / "twarccsv-flat.jsonl").read_bytes().splitlines(keepends=True) * 40
    import lzma

    packed, readable = _cut(b"".join(lines), {"gzip": gzip.compress, "bzip2": bz2.compress, "zstd": _zstd,
                                              "xz": lzma.compress}[kind])
    whole = readable.count(b"\n")  # lines wholly before the cut
    path = tmp_path / ("cut.jsonl." + {"gzip": "gz", "bzip2": "bz2", "zstd": "zst", "xz": "xz"}[kind])
    path.write_bytes(packed)
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        with pytest.raises(PartialIngest, match="cannot be read"):
            ingest(corpus, [str(path)])
        quarantined = corpus.con.execute("select line, raw from quarantine").fetchall()
        [account] = corpus.con.execute("select count(*) from posts where top_level").fetchall()
    assert whole > 3000 and account[0] == 100  # 40 copies of the same 100 tweets
    tail = readable[readable.rfind(b"\n") + 1:]
    assert quarantined == ([(whole + 1, tail)] if tail else [])


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_a_cut_csv_row_is_set_aside_not_stored_short(tmp_path, kind):
    """A row cut in its last field still has every column; it must not be stored with half a text."""
    import gzip

    from hashtide.ingest import PartialIngest

    for pad in range(64):  # zstd decodes whole blocks: pad the rows until a block ends in a text
        rows = [b"ID,who,date,body\n"] + [b"%d,u%d,2017-10-15 20:21:00,hello number %d lorem ipsum%s\n"
                                          % (i, i, i, b"." * pad) for i in range(1, 7001)]
        packed, readable = _cut(b"".join(rows), gzip.compress if kind == "gz" else _zstd)
        tail = readable[readable.rfind(b"\n") + 1:]
        if tail.count(b",") == 3:  # the cut falls inside the last field
            break
    else:
        pytest.fail("no padding puts the cut inside a row's last field")
    path = tmp_path / f"cut.csv.{kind}"
    path.write_bytes(packed)
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        with pytest.raises(PartialIngest, match="cannot be read"):
            ingest(corpus, [str(path)], mapping={"post_id": "ID", "created_at": "date", "text": "body",
                                                 "author_handle": "who"})
        stored = corpus.con.execute("select count(*) from posts").fetchall()[0][0]
        quarantined = corpus.con.execute("select reason, raw from quarantine").fetchall()
    assert stored == readable.count(b"\n") - 1  # every whole row but the header
    assert quarantined == [("truncated row (the compressed file is cut in it)", tail)]


@pytest.mark.parametrize("inside", [0, 1])
def test_a_cut_utf16_csv_is_a_cut_file_even_inside_a_character(tmp_path, inside):
    """Excel's "Unicode Text", gzipped and cut: when the cut fell inside a two-byte character, the
    file was called "not UTF-16 text" and its cut row was neither stored nor set aside."""
    import gzip
    import io
    import zlib

    from hashtide.ingest import PartialIngest

    text = "ID\tdate\tbody\n" + "".join(f"{i}\t2017-10-15 20:21:00\t#MeToo café {i}\n" for i in range(1, 300))
    data = text.encode("utf-16")
    stop = data.index("250\t".encode("utf-16-le")) + 2 * 10 + inside  # in row 250's date, or in a character
    sink = io.BytesIO()
    with gzip.GzipFile(fileobj=sink, mode="wb") as packer:
        packer.write(data[:stop])
        packer.flush(zlib.Z_FULL_FLUSH)  # all of it decodable from the bytes so far
        cut = sink.tell()
        packer.write(data[stop:])
    path = tmp_path / "cut.txt.gz"
    path.write_bytes(sink.getvalue()[:cut])
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        with pytest.raises(PartialIngest, match="cannot be read \\(Compressed file ended"):
            ingest(corpus, [str(path)], mapping={"post_id": "ID", "created_at": "date", "text": "body"})
        stored = corpus.con.execute("select count(*) from posts").fetchall()[0][0]
        quarantined = corpus.con.execute("select reason, raw from quarantine").fetchall()
    assert stored == 249
    assert quarantined == [("truncated row (the compressed file is cut in it)", b"250\t2017-1")]


def test_a_whole_zstd_csv_keeps_its_last_row_without_a_newline(tmp_path):
    """Only a cut stream makes a last row without a newline a truncated one."""
    rows = b"ID,date,body\n1,2017-10-15 20:21:00,first #MeToo\n2,2017-10-15 20:22:00,second #MeToo"
    path = tmp_path / "whole.csv.zst"
    path.write_bytes(_zstd(rows))
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        report = ingest(corpus, [str(path)], mapping={"post_id": "ID", "created_at": "date", "text": "body"})
        assert corpus.con.execute("select count(*) from quarantine").fetchall()[0][0] == 0
    assert (report.ingested, report.rejected) == (2, 0)


def test_a_cut_gzip_stream_on_stdin_ends_as_a_cut_file(tmp_path, shared_data):
    import gzip
    import subprocess
    import sys

    data = gzip.compress((shared_data / V2 / "twarccsv-brexit.jsonl").read_bytes() * 3)
    done = subprocess.run([sys.executable, "-m", "hashtide", "ingest", "-", "-c", str(tmp_path / "s.duckdb"), "--json"],
                          input=data[: len(data) - 40], capture_output=True)
    assert done.returncode == 2 and b"<stdin>: cannot be read" in done.stderr
    report = json.loads(done.stdout)
    assert (report["ingested"], report["rejected_by_reason"]) == (100, {"truncated JSON": 1})


def _ingest_stdin(tmp_path, content: bytes):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "hashtide", "ingest", "-", "-c", str(tmp_path / "in.duckdb"), "--json"],
                          input=content, capture_output=True)


def test_a_damaged_gzip_stream_on_stdin_is_said_so_not_a_traceback(tmp_path, shared_data):
    import gzip

    # a few lines, so that the look at stdin's first 64 KB (is it a CSV?) already meets the error
    lines = (shared_data / V2 / "twarccsv-flat.jsonl").read_bytes().splitlines(keepends=True)[:3]
    data = bytearray(gzip.compress(b"".join(lines)))
    data[-8:-4] = bytes(b ^ 0x55 for b in data[-8:-4])  # the CRC, checked at the end of the stream
    done = _ingest_stdin(tmp_path, bytes(data))
    assert done.returncode == 2 and b"<stdin>: cannot be read" in done.stderr and b"Traceback" not in done.stderr


def test_json_on_stdin_starting_mid_line_is_read_as_json(tmp_path, shared_data):
    """A stream that starts inside a record (tail -c, a resumed download) has a comma in its
    first line: it is still JSON, and only that first line is set aside."""
    done = _ingest_stdin(tmp_path, (shared_data / V2 / "twarccsv-flat.jsonl").read_bytes()[200:])
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["ingested"], report["rejected"]) == (99, 1)


def test_a_damaged_gzip_stream_is_a_file_that_cannot_be_read(tmp_path, shared_data):
    """zlib's own error (a flipped byte, a block of garbage), not only gzip's, ends the file with a
    message: it once escaped as a traceback."""
    import gzip

    from hashtide.ingest import PartialIngest

    data = bytearray(gzip.compress((shared_data / V2 / "twarccsv-brexit.jsonl").read_bytes()))
    data[200:204] = bytes(b ^ 0x55 for b in data[200:204])
    garbage = b"\x1f\x8b\x08\x00" + bytes(range(256)) * 10
    for name, content in (("flipped.jsonl.gz", bytes(data)), ("garbage.jsonl.gz", garbage)):
        path = tmp_path / name
        path.write_bytes(content)
        with Corpus.open(tmp_path / f"{name}.duckdb") as corpus:
            with pytest.raises(PartialIngest, match=f"{name}: cannot be read"):
                ingest(corpus, [str(path)])


def test_a_byte_order_mark_loses_no_record(tmp_path, shared_data):
    plain = (shared_data / V2 / "twarccsv-brexit.jsonl").read_bytes()
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + plain)
    report = run(tmp_path, path)
    assert (report.records, report.ingested, report.rejected) == (100, 100, 0)


def test_a_mastodon_delete_receipt_alone_is_not_taken_for_a_tweet(tmp_path):
    path = tmp_path / "receipt.jsonl"
    path.write_text(json.dumps({"id": "109", "text": "gone", "created_at": "2022-11-01T00:00:00.000Z",
                                "uri": "https://example.social/users/a/statuses/109",
                                "account": {"id": "1", "acct": "a", "username": "a"}}) + "\n")
    report = run(tmp_path, path)
    assert report.files[0].format == "mastodon" and report.ingested == 0


def test_an_unrecognised_array_element_is_quarantined_with_its_own_bytes(tmp_path, shared_data):
    tweet = json.loads((shared_data / V2 / "twarccsv-flat.jsonl").read_text().splitlines()[0])
    path = tmp_path / "array.json"
    path.write_text(json.dumps([tweet, {"recipe": "soup"}]))
    report = run(tmp_path, path)
    assert (report.ingested, report.rejected) == (1, 1)
    with Corpus.open(tmp_path / "c.duckdb", read_only=True) as corpus:
        assert corpus.con.execute("select raw from quarantine").fetchall() == [(b'{"recipe":"soup"}',)]


def test_a_record_alone_on_its_line_is_quarantined_with_the_line_s_own_bytes(tmp_path, shared_data):
    """`quarantine --export` gives back what the file held: a status rejected after decoding was
    kept re-encoded (whitespace gone, escapes and numbers rewritten). A tweet that shares its page
    with others keeps its own JSON: the page's other tweets are stored."""
    mastodon = b'{"id": "1",  "account": {"id": "9", "acct": "a"}, "content": "caf\\u00e9", "created_at": "soon"}\n'
    tweet = json.loads((shared_data / V2 / "twarccsv-flat.jsonl").read_text().splitlines()[0])
    page = {"data": [{k: tweet[k] for k in ("id", "text", "created_at", "author_id")}, {"text": "no id"}]}
    lines = {"mastodon.jsonl": mastodon, "page.jsonl": json.dumps(page, indent=None).encode() + b"\n"}
    for name, line in lines.items():
        (tmp_path / name).write_bytes(line)
        report = run(tmp_path, tmp_path / name)
        assert report.rejected == 1, name
    with Corpus.open(tmp_path / "c.duckdb", read_only=True) as corpus:
        raw = dict(corpus.con.execute("select source, raw from quarantine").fetchall())
    assert raw[str(tmp_path / "mastodon.jsonl")] == mastodon
    assert raw[str(tmp_path / "page.jsonl")] == b'{"text":"no id"}'


def test_rejects_are_stored_in_batches_not_held_to_the_end(tmp_path, shared_data, monkeypatch):
    """A file of mostly bad lines is flushed every BATCH_POSTS rejects, so memory stays bounded."""
    from hashtide.ingest import pipeline

    first = (shared_data / "twitter-v2-twarc2" / "twarccsv-flat.jsonl").read_bytes().splitlines(keepends=True)[0]
    source = tmp_path / "junk.jsonl"
    source.write_bytes(first + b"".join(b"not json %d\n" % i for i in range(35)))
    monkeypatch.setattr(pipeline, "BATCH_POSTS", 10)
    flushes = []
    original = pipeline._CorpusSink.flush
    monkeypatch.setattr(pipeline._CorpusSink, "flush", lambda self: (flushes.append(len(self.rejects)), original(self)))
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        report = ingest(corpus, [str(source)])
        assert corpus.con.execute("select count(*) from quarantine").fetchone()[0] == report.rejected == 35
    assert len(flushes) >= 4 and max(flushes) <= 10


def test_a_json_array_written_one_tweet_per_line_is_read_whole(tmp_path, shared_data):
    """``"[" + ",\\n".join(tweets) + "]"``, a common way to save a list: every tweet ingested, no
    bracket or comma counted as a record or quarantined."""
    tweets = (shared_data / V2 / "twarccsv-flat.jsonl").read_bytes().splitlines()[:40]
    path = tmp_path / "array.json"
    path.write_bytes(b"[" + b",\n".join(tweets) + b"]\n")
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        report = ingest(corpus, [str(path)])
        quarantined = corpus.con.execute("select count(*) from quarantine").fetchall()[0][0]
    assert (report.records, report.ingested, report.rejected, quarantined) == (40, 40, 0, 0)


def test_a_named_pipe_is_read_once_and_whole(tmp_path, shared_data):
    """``hashtide ingest <(zcat capture.jsonl.gz)``: nothing may read the pipe before the reading
    itself (each look at its first bytes took them away: 2 to 5 of 100 tweets were lost)."""
    import gzip
    import os
    import threading

    data = (shared_data / V2 / "twarccsv-flat.jsonl").read_bytes()
    for name, content in (("plain", data), ("gzip", gzip.compress(data))):
        fifo = tmp_path / f"{name}.fifo"
        os.mkfifo(fifo)
        reports = []

        def run(fifo=fifo, name=name, reports=reports):
            with Corpus.open(tmp_path / f"{name}.duckdb") as corpus:
                reports.append(ingest(corpus, [str(fifo)]))

        # a second opening of the pipe would wait for a writer for ever: the test must not hang
        reader = threading.Thread(target=run, daemon=True)
        reader.start()
        threading.Thread(target=fifo.write_bytes, args=(content,), daemon=True).start()
        reader.join(60)
        assert not reader.is_alive(), f"{name}: the ingest opened the pipe twice and waits"
        [report] = reports
        assert (report.records, report.ingested, report.rejected) == (100, 100, 0), name


def _comment_lines(count: int) -> bytes:
    """Pushshift-style comment lines with invented content."""
    return b"".join(msgspec.json.encode({"id": f"c{i}", "created_utc": 1420070400 + i, "body": "a #Tag",
                                         "author": "someone", "link_id": "t3_x", "parent_id": "t3_x"}) + b"\n"
                    for i in range(count))


def test_a_zstd_file_with_junk_appended_keeps_its_records(tmp_path):
    """The junk's error once took the decoded lines of the same step with it: all of a small file."""
    import zstandard

    from hashtide.ingest import PartialIngest

    path = tmp_path / "RC_junk.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(_comment_lines(5)) + b"not zstd at all\n")
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        with pytest.raises(PartialIngest, match="cannot be read"):
            ingest(corpus, [str(path)])
        assert corpus.con.execute("select count(*) from posts").fetchone() == (5,)


def test_a_pretty_array_file_cut_short_is_stored_up_to_the_cut(tmp_path):
    """The whole file is one document that never decodes: it was refused as 'not a post format',
    and none of its whole records stored."""
    values = [msgspec.json.decode(line) for line in _comment_lines(4).splitlines()]
    whole = json.dumps(values, indent=2).encode()
    path = tmp_path / "saved.json"
    path.write_bytes(whole[: whole.rindex(b'"author"')])
    report = run(tmp_path, path)
    assert (report.records, report.ingested, report.rejected) == (4, 3, 1)
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        [(line, raw)] = corpus.con.execute("select line, raw from quarantine").fetchall()
    assert raw == whole[whole.rindex(b"{"): whole.rindex(b'"author"')] and line == 2 + 3 * 8
