"""The whole ingest on Bluesky, Mastodon, Reddit and CSV captures: counts known from the data."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cassettes import documents
from hashtide.cli import app
from hashtide.corpus import Corpus
from hashtide.ingest import ingest

runner = CliRunner()


def listings(cassette: Path) -> list:
    """The API's Listing answers of a cassette (the OAuth token exchange is left out)."""
    return [d for d in documents(cassette) if isinstance(d, dict) and d.get("kind") == "Listing"]


def as_jsonl(docs: list, path: Path) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    return path


def run(tmp_path: Path, *paths: Path, **options):
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        return ingest(corpus, [str(p) for p in paths], **options)


def test_reddit_polls_repeat_comments_and_ingest_keeps_each_once(tmp_path, shared_data):
    comments = as_jsonl(listings(shared_data / "reddit" / "praw-cassette-stream-comments-2016-12.json"),
                        tmp_path / "comments.jsonl")
    report = run(tmp_path, comments)
    assert (report.records, report.ingested, report.duplicates) == (1193, 417, 776)
    with Corpus.open(tmp_path / "c.duckdb", read_only=True) as corpus:
        kinds = dict(corpus.con.execute("select kind, count(*) from posts where top_level group by 1").fetchall())
    assert kinds == {"reply": 417}


def test_reddit_submissions(tmp_path, shared_data):
    front = as_jsonl(listings(shared_data / "reddit" / "praw-cassette-front-new-2016-03.json"), tmp_path / "new.jsonl")
    report = run(tmp_path, front)
    assert (report.records, report.ingested, report.files[0].format) == (100, 100, "reddit")


def test_mastodon_statuses_boosts_and_delete_receipts(tmp_path, shared_data):
    docs = [d for f in sorted((shared_data / "mastodon").glob("*.yaml")) for d in documents(f)]
    statuses = [d for d in docs if isinstance(d, dict) and ("content" in d or "text" in d)]
    report = run(tmp_path, as_jsonl(statuses, tmp_path / "statuses.jsonl"))
    assert report.records == 29 and report.skipped_by_kind == {"delete": 6}
    assert report.ingested == 13 and report.duplicates == 10
    with Corpus.open(tmp_path / "c.duckdb", read_only=True) as corpus:
        assert corpus.con.execute("select count(*) from posts where kind = 'repost'").fetchall()[0][0] >= 1


def test_bluesky_records_and_views(tmp_path, shared_data):
    files = sorted((shared_data / "bluesky").glob("*.json"))
    report = run(tmp_path, *files)
    assert report.records == report.ingested + report.duplicates + report.rejected + report.skipped
    assert report.skipped_by_kind.get("like") == 2 and report.skipped_by_kind.get("follows") == 1
    assert {f.format for f in report.files} == {"bluesky"}
    with Corpus.open(tmp_path / "c.duckdb", read_only=True) as corpus:
        users = corpus.con.execute("select count(*) from users where platform = 'bluesky'").fetchall()[0][0]
    assert users >= 7


def test_csv_through_the_cli_mapping_missing_columns_and_excel_ids(tmp_path):
    data = tmp_path / "export.csv"
    data.write_text(
        "id,date,body\n"
        '1184693483447267328,2017-10-15 20:21:00,"Me too. #MeToo"\n'
        "1.1846E+18,2017-10-15 20:22:00,mangled by Excel #MeToo\n"
        '1184693483447267329,2017-10-15 20:23:00,"two\nlines #metoo"\n'
    )
    corpus = str(tmp_path / "c.duckdb")
    result = runner.invoke(app, ["ingest", str(data), "-c", corpus, "--map", "post_id=id", "--map", "created_at=date",
                                 "--map", "text=body", "--platform", "twitter", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["records"], report["ingested"], report["rejected"]) == (3, 2, 1)
    assert "Excel" in result.output and "line 3" in result.output
    with Corpus.open(corpus, read_only=True) as store:
        rows = store.con.execute("select platform, post_id, hashtags from posts order by post_id").fetchall()
    assert rows == [("twitter", "1184693483447267328", ["metoo"]), ("twitter", "1184693483447267329", ["metoo"])]

    missing = runner.invoke(app, ["ingest", str(data), "-c", corpus, "--map", "created_at=when"])
    assert missing.exit_code == 2 and "when" in missing.output


def test_csv_whose_header_already_names_the_columns(tmp_path):
    data = tmp_path / "plain.csv"
    data.write_text("post_id,created_at,text\n9,2020-01-01T00:00:00Z,#a\n")
    report = run(tmp_path, data)
    assert (report.records, report.ingested, report.files[0].format) == (1, 1, "csv")


def test_csv_of_no_known_layout_is_refused_with_the_reason(tmp_path):
    data = tmp_path / "other.csv"
    data.write_text("alpha,beta\n1,2\n")
    result = runner.invoke(app, ["ingest", str(data), "-c", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 2 and "missing" in result.output.lower()
