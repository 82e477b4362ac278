"""`hashtide ingest`, `info`, `quarantine`, `export posts` through the CLI runner, every option."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from hashtide.cli import app
from hashtide.corpus import export as exporter

V2 = "twitter-v2-twarc2"
runner = CliRunner()


def invoke(*args: str, input: bytes | None = None):
    return runner.invoke(app, list(args), input=input)


@pytest.fixture()
def corpus(tmp_path, shared_data) -> str:
    path = str(tmp_path / "c.duckdb")
    result = invoke("ingest", str(shared_data / V2 / "twarccsv-entities_test.jsonl"),
                    str(shared_data / V2 / "twarccsv-streaming_output_with_error.jsonl"), "--corpus", path)
    assert result.exit_code == 0, result.output
    return path


def test_ingest_json_account(tmp_path, shared_data):
    result = invoke("ingest", str(shared_data / V2 / "twarccsv-kpop.jsonl"), "-c", str(tmp_path / "k.duckdb"), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert set(report) == {"records", "ingested", "duplicates", "rejected", "skipped", "referenced",
                           "rejected_by_reason", "skipped_by_kind", "files"}
    assert (report["records"], report["ingested"], report["skipped"]) == (101, 100, 1)
    assert report["files"][0]["format"] == "twitter-v2"


def test_ingest_reads_stdin(tmp_path, shared_data):
    data = (shared_data / V2 / "twarccsv-brexit.jsonl").read_bytes()
    result = invoke("ingest", "-", "-c", str(tmp_path / "s.duckdb"), "--json", input=data)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["files"][0] == {
        "path": "<stdin>", "format": "twitter-v2", "records": 100, "ingested": 100, "duplicates": 0,
        "rejected": 0, "skipped": 0, "referenced": json.loads(result.stdout)["referenced"], "error": None}


def test_ingest_reads_compressed_stdin(tmp_path, shared_data):
    """``zcat`` is not needed: a compressed stream on stdin says what it is in its first bytes."""
    import gzip
    import subprocess
    import sys

    data = gzip.compress((shared_data / V2 / "twarccsv-brexit.jsonl").read_bytes())
    done = subprocess.run([sys.executable, "-m", "hashtide", "ingest", "-", "-c", str(tmp_path / "z.duckdb"), "--json"],
                          input=data, capture_output=True, check=True)
    assert json.loads(done.stdout)["ingested"] == 100


def test_ingest_environment_variable_names_the_corpus(tmp_path, shared_data, monkeypatch):
    monkeypatch.setenv("HASHTIDE_CORPUS", str(tmp_path / "env.duckdb"))
    assert invoke("ingest", str(shared_data / V2 / "twarccsv-brexit.jsonl")).exit_code == 0
    assert (tmp_path / "env.duckdb").exists()


def test_ingest_missing_path_exits_2_with_the_reason(tmp_path):
    result = invoke("ingest", str(tmp_path / "nope.jsonl"), "-c", str(tmp_path / "c.duckdb"))
    assert result.exit_code == 2
    assert "no such file" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "c.duckdb").exists()  # checked before anything is written: no empty corpus


def test_ingest_unrecognisable_file_exits_2_and_stores_nothing(tmp_path):
    junk = tmp_path / "notes.jsonl"
    junk.write_text('{"recipe": "soup"}\n{"recipe": "bread"}\n')
    result = invoke("ingest", str(junk), "-c", str(tmp_path / "c.duckdb"))
    assert result.exit_code == 2
    assert "not a post format hashtide knows" in result.output
    con = duckdb.connect(str(tmp_path / "c.duckdb"))
    assert con.execute("select count(*) from quarantine").fetchall() == [(0,)]


def test_ingest_strict_stops_at_the_first_reject(tmp_path, shared_data):
    result = invoke("ingest", str(shared_data / V2 / "twarccsv-streaming_output_with_error.jsonl"),
                    "-c", str(tmp_path / "c.duckdb"), "--strict")
    assert result.exit_code == 1
    assert "line 8" in result.output and "truncated JSON" in result.output


def test_ingest_forced_format_rejects_other_shapes(tmp_path, shared_data):
    result = invoke("ingest", str(shared_data / V2 / "twarccsv-brexit.jsonl"), "-c", str(tmp_path / "c.duckdb"),
                    "--format", "twitter-v1.1")
    assert result.exit_code == 2
    result = invoke("ingest", str(shared_data / V2 / "twarccsv-brexit.jsonl"), "-c", str(tmp_path / "c.duckdb"),
                    "--format", "nonsense")
    assert result.exit_code == 2 and "unknown format" in result.output


def test_ingest_bad_map_option_is_explained(tmp_path, shared_data):
    result = invoke("ingest", str(shared_data / V2 / "twarccsv-brexit.jsonl"), "-c", str(tmp_path / "c.duckdb"),
                    "--map", "created_at")
    assert result.exit_code == 2 and "--map takes" in result.output


def test_info_json(corpus):
    result = invoke("info", "-c", corpus, "--json", "--top", "3")
    assert result.exit_code == 0
    facts = json.loads(result.stdout)
    assert facts["posts"] == facts["top_level"] + facts["referenced"]
    assert facts["top_level"] == 474 + 7
    assert facts["platforms"] == {"twitter": facts["posts"]}
    assert len(facts["top_hashtags"]) == 3 and facts["top_hashtags"][0]["tag"].lower() == "#salvini"
    assert facts["quarantine_by_reason"] == {"truncated JSON": 1}


def test_info_table_and_missing_corpus(corpus, tmp_path):
    result = invoke("info", "-c", corpus)
    assert result.exit_code == 0 and "posts" in result.output
    missing = invoke("info", "-c", str(tmp_path / "none.duckdb"))
    assert missing.exit_code == 2 and "no corpus" in missing.output


def test_quarantine_lists_and_gives_back_raw_bytes(corpus, tmp_path, shared_data):
    out = tmp_path / "raw.jsonl"
    result = invoke("quarantine", "-c", corpus, "--export", str(out), "--limit", "5")
    assert result.exit_code == 0 and "truncated JSON" in result.output
    last_line = (shared_data / V2 / "twarccsv-streaming_output_with_error.jsonl").read_bytes().split(b"\n")[-1]
    assert out.read_bytes() == last_line + b"\n"
    listed = json.loads(invoke("quarantine", "-c", corpus, "--json").stdout)
    assert listed["quarantined"] == 1 and listed["records"][0]["line"] == 8


@pytest.mark.parametrize("suffix", ["csv", "parquet", "jsonl", "xlsx"])
def test_export_posts_pseudonymises_and_keeps_ids_as_text(corpus, tmp_path, suffix):
    target = tmp_path / f"posts.{suffix}"
    result = invoke("export", "posts", "--to", str(target), "-c", corpus)
    assert result.exit_code == 0, result.output
    rows = _read_back(target)
    con = duckdb.connect(corpus, read_only=True)
    ids = {r[0] for r in con.execute("select author_id from posts").fetchall()}
    assert len(rows) == con.execute("select count(*) from posts").fetchall()[0][0]
    assert all(isinstance(r["post_id"], str) and r["post_id"].isdigit() for r in rows)
    assert not ids & {r["author_id"] for r in rows}
    assert all(r["author_id"].startswith("p_") for r in rows if r["author_id"])
    assert "text" not in rows[0]


def test_export_reveal_and_text_options(corpus, tmp_path):
    target = tmp_path / "posts.csv"
    result = invoke("export", "posts", "--to", str(target), "-c", corpus, "--reveal-authors", "--with-text")
    assert result.exit_code == 0
    rows = _read_back(target)
    con = duckdb.connect(corpus, read_only=True)
    ids = {r[0] for r in con.execute("select author_id from posts").fetchall()}
    assert {r["author_id"] for r in rows} <= ids and "text" in rows[0]


def test_export_public_threshold_keeps_big_accounts_handles(corpus, tmp_path):
    target = tmp_path / "posts.jsonl"
    assert invoke("export", "posts", "--to", str(target), "-c", corpus, "--public-threshold", "1").exit_code == 0
    rows = _read_back(target)
    assert any(not r["author_handle"].startswith("p_") for r in rows if r["author_handle"])


@pytest.mark.parametrize("threshold", ["0", "-1", "99999999999999999999"])
def test_export_public_threshold_out_of_range_is_refused(corpus, tmp_path, threshold):
    """0 or less would show every handle under "(authors pseudonymised)"; beyond int64 is no count."""
    target = tmp_path / "posts.csv"
    result = invoke("export", "posts", "--to", str(target), "-c", corpus, "--public-threshold", threshold)
    assert result.exit_code == 2 and "--public-threshold" in result.output
    assert not target.exists()


def test_export_unknown_format(corpus, tmp_path):
    result = invoke("export", "posts", "--to", str(tmp_path / "x.doc"), "-c", corpus)
    assert result.exit_code == 2 and "unknown export format .doc" in result.output


@pytest.mark.parametrize("name", ["posts", ".csv", ""])
def test_export_without_extension_says_so(corpus, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    result = invoke("export", "posts", "--to", name, "-c", corpus)
    assert result.exit_code == 2
    assert "no file extension (use one of: .parquet, .csv, .xlsx, .jsonl, .json)" in result.output
    assert {p.name for p in tmp_path.iterdir()} == {"c.duckdb"}


def test_export_json_is_one_array(corpus, tmp_path):
    target = tmp_path / "posts.json"
    assert invoke("export", "posts", "--to", str(target), "-c", corpus).exit_code == 0
    rows = json.loads(target.read_text())
    con = duckdb.connect(corpus, read_only=True)
    assert len(rows) == con.execute("select count(*) from posts").fetchall()[0][0]
    assert all(isinstance(r["post_id"], str) and r["author_id"].startswith("p_") for r in rows if r["author_id"])


@pytest.mark.parametrize("suffix", ["csv", "parquet", "jsonl", "json", "xlsx"])
@pytest.mark.parametrize("place", ["nosuchdir/x", "adir", "/proc/x"])
def test_export_to_an_unwritable_place_exits_2_and_writes_nothing(corpus, tmp_path, monkeypatch, suffix, place):
    monkeypatch.chdir(tmp_path)
    (tmp_path / f"adir.{suffix}").mkdir()
    target = f"{place}.{suffix}"
    result = invoke("export", "posts", "--to", target, "-c", corpus)
    assert result.exit_code == 2, result.output
    assert f"error: cannot write {target}: " in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir." + suffix, "c.duckdb"]


def test_a_failed_export_keeps_the_file_it_would_replace(corpus, tmp_path, monkeypatch):
    target = tmp_path / "posts.xlsx"
    target.write_bytes(b"last week's export")

    def disk_full(cursor, path):
        path.write_bytes(b"half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exporter, "_write_xlsx", disk_full)
    result = invoke("export", "posts", "--to", str(target), "-c", corpus)
    assert result.exit_code == 2 and f"cannot write {target}: No space left on device" in result.output
    assert target.read_bytes() == b"last week's export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.duckdb", "posts.xlsx"]


def test_xlsx_export_removes_control_characters_and_says_how_many_cells(tmp_path):
    """Tweets carry \\v or BEL; openpyxl refuses a workbook holding one."""
    from hashtide.corpus import Corpus
    from hashtide.model import Post

    path = tmp_path / "ctrl.duckdb"
    with Corpus.open(path) as store:
        store.write_posts([Post(platform="twitter", post_id="7\x00", created_at=0, author_id="a",
                                text="vertical\x0btab and bell\x07 #art"),
                           Post(platform="twitter", post_id="8", created_at=1, author_id="b", text="clean\ttext")])
    target = tmp_path / "ctrl.xlsx"
    result = invoke("export", "posts", "--to", str(target), "-c", str(path), "--with-text")
    assert result.exit_code == 0, result.output
    assert "2 cells held control characters a worksheet cannot hold: they were removed" in result.output
    rows = _read_back(target)
    assert [(r["post_id"], r["text"]) for r in rows] == [("7", "verticaltab and bell #art"), ("8", "clean\ttext")]


@pytest.mark.parametrize("option", ["--top", "--limit"])
@pytest.mark.parametrize("value", ["-1", "99999999999999999999"])
def test_counts_out_of_range_are_refused(corpus, option, value):
    verb = "info" if option == "--top" else "quarantine"
    result = invoke(verb, "-c", corpus, option, value)
    assert result.exit_code == 2 and f"Invalid value for '{option}'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_counts_of_zero_list_nothing(corpus):
    assert json.loads(invoke("info", "-c", corpus, "--json", "--top", "0").stdout)["top_hashtags"] == []
    assert json.loads(invoke("quarantine", "-c", corpus, "--json", "--limit", "0").stdout)["records"] == []


@pytest.mark.parametrize("place", ["nosuchdir/x.jsonl", "adir", "/proc/x", ""])
def test_quarantine_export_to_an_unwritable_place_exits_2(corpus, tmp_path, monkeypatch, place):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    result = invoke("quarantine", "-c", corpus, "--export", place)
    assert result.exit_code == 2 and f"error: cannot write {place or repr('')}: " in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "c.duckdb"]
    assert not any((tmp_path / "adir").iterdir())


def test_quarantine_export_dash_writes_the_raw_bytes_to_stdout(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    invoke("quarantine", "-c", corpus, "--export", "raw.jsonl")
    result = invoke("quarantine", "-c", corpus, "--export", "-")
    assert result.exit_code == 0
    assert result.stdout_bytes == (tmp_path / "raw.jsonl").read_bytes()
    assert "raw bytes written to stdout" in result.stderr and not (tmp_path / "-").exists()
    both = invoke("quarantine", "-c", corpus, "--export", "-", "--json")
    assert both.exit_code == 2 and "cannot go with --json" in both.output


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".zst"])
def test_quarantine_export_compressed_as_named_re_ingests(tmp_path, suffix):
    status = {"id": "1", "created_at": "not a date", "account": {"id": "9", "acct": "a"}, "content": "<p>hi</p>"}
    (tmp_path / "statuses.jsonl").write_text(json.dumps(status) + "\n")
    first = str(tmp_path / "first.duckdb")
    assert invoke("ingest", str(tmp_path / "statuses.jsonl"), "-c", first).exit_code == 0
    plain, packed = tmp_path / "raw.jsonl", tmp_path / f"raw.jsonl{suffix}"
    assert invoke("quarantine", "-c", first, "--export", str(plain)).exit_code == 0
    assert invoke("quarantine", "-c", first, "--export", str(packed)).exit_code == 0
    assert packed.read_bytes() != plain.read_bytes()
    again = str(tmp_path / "again.duckdb")
    report = json.loads(invoke("ingest", str(packed), "-c", again, "--json").stdout)
    assert (report["records"], report["rejected"], report["files"][0]["format"]) == (1, 1, "mastodon")
    assert invoke("quarantine", "-c", again, "--export", str(tmp_path / "again.jsonl")).exit_code == 0
    assert (tmp_path / "again.jsonl").read_bytes() == plain.read_bytes()


def _read_back(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text().splitlines()]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True)["posts"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_export_pseudonymises_the_author_inside_bluesky_uris(tmp_path):
    from hashtide.corpus import Corpus
    from hashtide.model import Post

    path = tmp_path / "b.duckdb"
    uri = "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3lvrgakfdgyaa"
    with Corpus.open(path) as store:
        store.write_posts([Post(platform="bluesky", post_id=uri, created_at=0, author_id="did:plc:abcdefghijklmnopqrstuvwx")])
    target = tmp_path / "posts.jsonl"
    assert invoke("export", "posts", "--to", str(target), "-c", str(path)).exit_code == 0
    row = _read_back(target)[0]
    assert "did:plc" not in json.dumps(row)
    assert row["post_id"].startswith("at://p_") and row["post_id"].endswith("/app.bsky.feed.post/3lvrgakfdgyaa")
    assert row["post_id"] == f"at://{row['author_id']}/app.bsky.feed.post/3lvrgakfdgyaa"


def test_ingest_reads_excel_unicode_text_saved_as_txt(tmp_path):
    """Excel's "Unicode Text" is UTF-16, tab-separated, and named .txt: a CSV by its first bytes."""
    text = "id\tcreated_at\ttext\n1\t2017-10-15 20:21:00\tcafé #MeToo\n2\t2017-10-15 20:22:00\tsame #metoo\n"
    path = tmp_path / "export.txt"
    path.write_bytes(text.encode("utf-16"))
    result = invoke("ingest", str(path), "-c", str(tmp_path / "c.duckdb"), "--json")
    assert result.exit_code == 0, result.output
    account = json.loads(result.stdout)["files"][0]
    assert (account["format"], account["ingested"], account["rejected"]) == ("csv", 2, 0)
    with duckdb.connect(str(tmp_path / "c.duckdb"), read_only=True) as con:
        assert con.execute("select text from posts order by post_id").fetchall() == [
            ("café #MeToo",), ("same #metoo",)]


def test_ingest_refuses_an_archive_saying_how_to_extract_it(tmp_path):
    import zipfile

    path = tmp_path / "capture.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tweets.jsonl", '{"data": {"id": "1", "text": "#MeToo"}}\n')
    result = invoke("ingest", str(path), "-c", str(tmp_path / "c.duckdb"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "a zip archive" in result.output and "unzip" in result.output


def test_info_counts_posts_without_a_time(tmp_path):
    from hashtide.corpus import Corpus
    from hashtide.model import Post

    path = tmp_path / "undated.duckdb"
    with Corpus.open(path) as store:
        store.write_posts([Post(platform="twitter", post_id="20", created_at=None, hashtags=["old"]),
                           Post(platform="twitter", post_id="21", created_at=1_508_098_860_000_000)])
    facts = json.loads(invoke("info", "-c", str(path), "--json").stdout)
    assert (facts["posts"], facts["undated"]) == (2, 1)
    assert facts["top_hashtags"] == [{"tag": "#old", "key": "old", "posts": 1}]  # a key without its form
    assert "1 post has no known time" in invoke("info", "-c", str(path)).stdout


def test_ingest_reads_json_saved_as_utf16_by_powershell(tmp_path, shared_data):
    """Windows PowerShell 5's ``twarc2 ... > tweets.jsonl`` writes UTF-16 with a byte order mark
    and CRLF; piped, the same. Both give the posts of the UTF-8 file."""
    text = (shared_data / V2 / "twarccsv-flat.jsonl").read_text(encoding="utf-8")
    utf16 = text.replace("\n", "\r\n").encode("utf-16")
    path = tmp_path / "tweets.jsonl"
    path.write_bytes(utf16)
    for source, data in ((str(path), None), ("-", utf16)):
        result = invoke("ingest", source, "-c", str(tmp_path / f"{len(source)}.duckdb"), "--json", input=data)
        assert result.exit_code == 0, result.output
        account = json.loads(result.stdout)["files"][0]
        assert (account["format"], account["ingested"], account["rejected"]) == ("twitter-v2", 100, 0), source
    with duckdb.connect(str(tmp_path / "1.duckdb"), read_only=True) as piped, \
            duckdb.connect(str(tmp_path / f"{len(str(path))}.duckdb"), read_only=True) as named:
        query = "select post_id, text, hashtags from posts order by post_id"
        assert piped.execute(query).fetchall() == named.execute(query).fetchall()


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:xz"])
def test_ingest_refuses_an_archive_on_stdin(tmp_path, mode):
    """Compressed or not: a .tar.gz piped in is as much an archive as a .tar."""
    import io
    import subprocess
    import sys
    import tarfile

    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode=mode) as archive:
        member = tarfile.TarInfo("tweets.jsonl")
        content = b'{"data": {"id": "1", "text": "#MeToo"}}\n'
        member.size = len(content)
        archive.addfile(member, io.BytesIO(content))
    done = subprocess.run([sys.executable, "-m", "hashtide", "ingest", "-", "-c", str(tmp_path / "c.duckdb")],
                          input=packed.getvalue(), capture_output=True)
    assert done.returncode == 2 and b"a tar archive" in done.stderr and b"Traceback" not in done.stderr


def test_an_empty_file_is_an_ingest_of_no_records(tmp_path):
    """docs/ingest.md: exit 0 and an account of zeros; nothing in it is of an unknown format."""
    import gzip

    files = {"empty.jsonl": b"", "blank.jsonl": b"\n  \n\r\n", "empty.jsonl.gz": gzip.compress(b"")}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        result = invoke("ingest", str(tmp_path / name), "-c", str(tmp_path / "e.duckdb"), "--json")
        assert result.exit_code == 0, (name, result.output)
        account = json.loads(result.stdout)
        assert (account["records"], account["ingested"], account["rejected"]) == (0, 0, 0), name
