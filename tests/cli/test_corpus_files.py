"""What every verb does with a corpus path that is no corpus: a clear refusal, nothing written."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from hashtide.cli import app
from hashtide.corpus import Corpus, NotACorpus

runner = CliRunner()
POST = b'{"data": [{"id": "1", "text": "#MeToo", "created_at": "2017-10-15T20:21:00.000Z", "author_id": "9"}]}\n'


@pytest.fixture()
def foreign(tmp_path):
    """Someone's other DuckDB database, with a table named like a corpus's."""
    path = tmp_path / "sales.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table posts (x integer); insert into posts values (1)")
        con.execute("create table customers (name varchar)")
    return path


@pytest.mark.parametrize("verb", [("ingest", "{source}"), ("info",), ("watch", "{source}", "--no-follow"),
                                  ("campaign", "#MeToo"), ("quarantine",)])
def test_a_foreign_duckdb_file_is_refused_and_left_as_it_was(tmp_path, foreign, verb):
    source = tmp_path / "posts.jsonl"
    source.write_bytes(POST)
    before = foreign.read_bytes()
    args = [a.format(source=source) for a in verb] + ["--corpus", str(foreign)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "is a DuckDB database, not a hashtide corpus (it holds customers, posts)" in result.output
    assert foreign.read_bytes() == before  # writing hashtide's tables into it changed it


def test_a_new_or_empty_duckdb_file_becomes_a_corpus(tmp_path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with Corpus.open(empty) as corpus:
        corpus.con.execute("select count(*) from posts").fetchall()
    with pytest.raises(NotACorpus):
        with duckdb.connect(str(tmp_path / "x.duckdb")) as con:
            con.execute("create table t (a int)")
        Corpus.open(tmp_path / "x.duckdb", read_only=True)


@pytest.mark.parametrize("kind", ["directory", "text file", "missing folder"])
def test_watch_into_a_corpus_it_cannot_open_says_so(tmp_path, kind):
    source = tmp_path / "posts.jsonl"
    source.write_bytes(POST)
    target = {"directory": tmp_path, "text file": source, "missing folder": tmp_path / "no" / "c.duckdb"}[kind]
    result = runner.invoke(app, ["watch", str(source), "--no-follow", "--corpus", str(target)])
    expected = "is not a DuckDB database file" if kind == "text file" else "cannot open corpus"
    assert result.exit_code == 2 and expected in result.output, result.output


def test_a_file_of_posts_named_as_the_corpus_is_refused_not_filled_in_memory(tmp_path):
    """DuckDB 2.0 opens an existing file of JSON lines as an in-memory database: an ingest into
    ``--corpus tweets.jsonl`` reported 100 posts ingested, exit 0, and kept none of them."""
    source, mistaken = tmp_path / "new.jsonl", tmp_path / "tweets.jsonl"
    source.write_bytes(POST)
    mistaken.write_bytes(POST)
    for args in (["ingest", str(source)], ["info"], ["watch", str(source), "--no-follow"]):
        result = runner.invoke(app, [*args, "--corpus", str(mistaken)])
        assert result.exit_code == 2 and "is not a DuckDB database file" in result.output, (args, result.output)
    assert mistaken.read_bytes() == POST


def test_info_of_an_empty_corpus_names_no_time_range(tmp_path):
    """It said "from None to None"."""
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert runner.invoke(app, ["ingest", str(empty), "--corpus", str(tmp_path / "c.duckdb")]).exit_code == 0
    result = runner.invoke(app, ["info", "--corpus", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 0 and "0 posts" in result.output and "None" not in result.output
