"""`hashtide trends`, `watch` and `bursts` through typer's CliRunner, every option."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hashtide.cli import app

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    return result


def test_trends_json_every_option(tiny_corpus):
    result = invoke("trends", "--corpus", str(tiny_corpus), "--every", "1h", "--scope", "all", "--top", "2",
                    "--since", "2021-03-06T12:00Z", "--until", "2021-03-08", "--threshold", "3",
                    "--half-life", "1d", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and set(rows[0]) == {"bucket_end", "scope", "rank", "tag", "score", "posts", "authors"}
    assert all(r["rank"] <= 2 for r in rows)
    assert all("2021-03-06T13:00:00Z" <= r["bucket_end"] <= "2021-03-08T00:00:00Z" for r in rows)
    first = next(r for r in rows if r["scope"] == "global" and r["tag"] == "#TideTest")
    assert (first["bucket_end"], first["rank"]) == ("2021-03-06T19:00:00Z", 1)  # onset 18:00
    planted = {"#TideTest", "#VagueEssai", "#WhatIWillDo", "#CupFinal"}
    assert {r["tag"] for r in rows if r["scope"] == "global"} <= planted
    assert {r["scope"].partition(":")[0] for r in rows} >= {"global", "platform", "lang"}


def test_trends_scope_selects_charts(tiny_corpus):
    result = invoke("trends", "-c", str(tiny_corpus), "--scope", "platform:twitter", "--json")
    rows = json.loads(result.output)
    assert rows and {r["scope"] for r in rows} == {"platform:twitter"}
    assert invoke("trends", "-c", str(tiny_corpus), "--scope", "platform:Twitter", "--json").output == result.output


def test_watch_refuses_an_unknown_platform_or_threshold(tiny_world):
    source = str(next(tiny_world.glob("twitter/*03-06.jsonl")))
    result = invoke("watch", source, "--no-follow", "--scope", "global,platform:myspace")
    assert result.exit_code == 2 and "unknown platform 'myspace'" in result.output
    result = invoke("watch", source, "--no-follow", "--threshold", "nan")
    assert result.exit_code == 2 and "Invalid value for '--threshold'" in result.output


def test_trends_table_on_terminal(tiny_corpus):
    result = invoke("trends", "-c", str(tiny_corpus))
    assert result.exit_code == 0
    assert "#TideTest" in result.output and "Trending (global, every 1h)" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (("--every", "soon"), "--every"),
        (("--scope", "planet:mars"), "unknown scope"),
        (("--since", "yesterday"), "--since"),
        (("--since", "2021-03-07", "--until", "2021-03-06"), "--until must be after --since"),
        # the calendar's edges, once past an offset or a warm-up, overflowed into a traceback
        (("--since", "0001-01-01"), "out of range (posts are from 1970-01-01 to 2100-01-01)"),
        (("--since", "0001-01-01T00:00+01:00"), "out of range"),
        (("--until", "9999-12-31T23:00-05:00"), "out of range"),
        # nan trended nothing and -inf everything, silently; z <= 0 is no significance at all
        (("--threshold", "nan"), "Invalid value for '--threshold': nan is not a finite number > 0"),
        (("--threshold", "-inf"), "Invalid value for '--threshold'"),
        (("--threshold", "0"), "Invalid value for '--threshold'"),
        # platforms are a closed set: a typo charted nothing, silently
        (("--scope", "platform:nope"), "unknown platform 'nope' in scope 'platform:nope': one of twitter, bluesky"),
    ],
)
def test_trends_bad_options_are_clear_errors(tiny_corpus, args, message):
    result = invoke("trends", "-c", str(tiny_corpus), *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_trends_missing_corpus(tmp_path):
    result = invoke("trends", "-c", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 2 and "no corpus" in result.output


def test_bursts(tiny_corpus):
    result = invoke("bursts", "#TideTest", "-c", str(tiny_corpus), "--every", "1h", "--states", "3", "--s", "2",
                    "--gamma", "1", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    level_one = [r for r in rows if r["level"] == 1]
    assert level_one and level_one[0]["start"] <= "2021-03-06T19:00:00Z" < level_one[0]["end"]
    assert invoke("bursts", "#TideTest", "-c", str(tiny_corpus)).exit_code == 0
    assert "no post uses #nosuchtag" in invoke("bursts", "nosuchtag", "-c", str(tiny_corpus)).output
    assert invoke("bursts", "#2017", "-c", str(tiny_corpus)).exit_code == 2


def test_watch_file_without_follow_prints_alerts(tiny_world, tmp_path):
    source = next(tiny_world.glob("twitter/*03-06.jsonl"))
    corpus = tmp_path / "live.duckdb"
    result = invoke("watch", str(source), "--every", "1h", "--scope", "global", "--top", "3", "--no-follow",
                    "--lateness", "1d", "--threshold", "3", "--half-life", "1d", "--format", "twitter-v2",
                    "--corpus", str(corpus))
    assert result.exit_code == 0, result.output
    alerts = [json.loads(line) for line in result.output.splitlines()]
    assert any(a["tag"] == "#TideTest" and a["bucket_end"] == "2021-03-06T19:00:00Z" for a in alerts)
    from hashtide.corpus import Corpus

    with Corpus.open(corpus, read_only=True) as store:
        assert store.con.execute("select count(*) from posts").fetchone()[0] > 1000


@pytest.mark.parametrize("compress", ["gzip", "zstd"])
def test_watch_of_a_compressed_capture_reads_its_posts(tiny_world, tmp_path, compress):
    """A finished capture is usually kept compressed: watched, followed or not, or piped in, it
    gives the alerts and the corpus of its plain copy (its bytes were read as lines of text)."""
    import gzip
    import subprocess
    import sys

    import duckdb
    import zstandard

    plain = tmp_path / "stream.jsonl"
    plain.write_bytes(next(tiny_world.glob("mastodon/*03-06.jsonl")).read_bytes()
                      + next(tiny_world.glob("twitter/*03-06.jsonl")).read_bytes())
    packed = tmp_path / ("stream.jsonl.gz" if compress == "gzip" else "stream.jsonl.zst")
    data = plain.read_bytes()
    packed.write_bytes(gzip.compress(data) if compress == "gzip" else zstandard.ZstdCompressor().compress(data))
    args = ("--every", "1h", "--scope", "all", "--lateness", "1d", "--half-life", "1d")
    expected = invoke("watch", str(plain), "--no-follow", *args, "--corpus", str(tmp_path / "plain.duckdb"))
    assert expected.exit_code == 0 and len(expected.output.splitlines()) > 3, expected.output
    for name, follow in (("once", "--no-follow"), ("followed", "--follow")):
        watched = invoke("watch", str(packed), follow, *args, "--corpus", str(tmp_path / f"{name}.duckdb"))
        assert (watched.exit_code, watched.output) == (0, expected.output), name
    piped = subprocess.run([sys.executable, "-m", "hashtide", "watch", "-", *args], input=packed.read_bytes(),
                           capture_output=True, timeout=120)
    assert (piped.returncode, piped.stdout.decode()) == (0, expected.output), piped.stderr
    query = "select * exclude (source) from posts order by platform, post_id"
    with duckdb.connect(str(tmp_path / "plain.duckdb"), read_only=True) as con:
        posts = con.execute(query).fetchall()
    for name in ("once", "followed"):
        with duckdb.connect(str(tmp_path / f"{name}.duckdb"), read_only=True) as con:
            assert con.execute(query).fetchall() == posts and len(posts) > 1000
            assert con.execute("select count(*) from quarantine").fetchone()[0] == 0


@pytest.mark.parametrize("layout", ["array", "pretty"])
def test_watch_of_a_complete_file_reads_it_as_ingest_does(tiny_world, tmp_path, layout):
    """Not followed, a file is complete: an array written one element per line, or pretty-printed
    documents, give the posts, the quarantine and the alerts of its JSON-lines copy (each line was
    read alone, and set aside)."""
    import duckdb

    lines = (next(tiny_world.glob("mastodon/*03-06.jsonl")).read_bytes()
             + next(tiny_world.glob("twitter/*03-06.jsonl")).read_bytes()).splitlines()
    plain = tmp_path / "stream.jsonl"
    plain.write_bytes(b"\n".join(lines) + b"\n")
    other = tmp_path / f"{layout}.json"
    if layout == "array":
        other.write_bytes(b"[\n" + b",\n".join(lines) + b"\n]\n")
    else:
        other.write_bytes(b"".join(json.dumps(json.loads(line), indent=2).encode() + b"\n" for line in lines))
    args = ("--no-follow", "--every", "1h", "--scope", "all", "--lateness", "1d", "--half-life", "1d")
    expected = invoke("watch", str(plain), *args)
    assert expected.exit_code == 0 and len(expected.output.splitlines()) > 3, expected.output
    assert invoke("watch", str(other), *args).output == expected.output
    ingested = invoke("ingest", str(other), "--corpus", str(tmp_path / "ingest.duckdb"))
    watched = invoke("watch", str(other), *args, "--corpus", str(tmp_path / "watch.duckdb"))
    assert ingested.exit_code == watched.exit_code == 0 and watched.output == expected.output
    tables = []
    for name in ("ingest", "watch"):
        with duckdb.connect(str(tmp_path / f"{name}.duckdb"), read_only=True) as con:
            tables.append([con.execute(q).fetchall() for q in (
                "select * from posts order by platform, post_id",
                "select source, line, byte_offset, item, reason, raw from quarantine order by line, item")])
    assert tables[1] == tables[0] and len(tables[0][0]) > len(lines) and tables[0][1] == []


def test_watch_of_a_cut_compressed_file_says_it_cannot_be_read(tiny_world, tmp_path):
    import gzip

    data = gzip.compress(next(tiny_world.glob("twitter/*03-06.jsonl")).read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    result = invoke("watch", str(cut), "--no-follow", "--every", "1h")
    assert result.exit_code == 2 and "cannot be read" in result.output, result.output


@pytest.mark.parametrize("name", ["tweets.csv", "tweets.csv.gz", "tweets.txt"])
def test_watch_refuses_a_csv_file_naming_what_to_do(tmp_path, name):
    """A CSV (by its suffix, or a twarc2 csv header under another name) is no stream of JSON
    posts: each line used to be set aside as not JSON, with exit status 0 and no word."""
    import gzip

    from hashtide.ingest.csvfmt import TwarcCsv

    header = ",".join(TwarcCsv.REQUIRED).encode() + b"\n"
    path = tmp_path / name
    path.write_bytes(gzip.compress(header) if name.endswith(".gz") else header)
    corpus = tmp_path / "c.duckdb"
    result = invoke("watch", str(path), "--no-follow", "--corpus", str(corpus))
    assert result.exit_code == 2 and "a CSV file" in result.output and "hashtide ingest" in result.output
    assert not corpus.exists()  # refused before anything is written


def test_watch_missing_file_or_bad_format_is_an_error(tmp_path):
    result = invoke("watch", str(tmp_path / "nothing.jsonl"), "--no-follow")
    assert result.exit_code == 2 and "no such file" in result.output
    result = invoke("watch", str(tmp_path / "nothing.jsonl"), "--format", "twarc")
    assert result.exit_code == 2 and "unknown format" in result.output


def test_watch_of_a_large_file_parsed_on_every_core_alerts_as_one_process(tiny_world, monkeypatch, tmp_path):
    """A file that is not followed (and not only twarc2 pages, which DuckDB replays) is parsed by
    worker processes when large: the same alerts."""
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(next(tiny_world.glob("mastodon/*03-06.jsonl")).read_bytes()
                       + next(tiny_world.glob("twitter/*03-06.jsonl")).read_bytes())
    args = ("watch", str(source), "--every", "1h", "--scope", "all", "--no-follow", "--lateness", "1d",
            "--threshold", "3", "--half-life", "1d")
    monkeypatch.setenv("HASHTIDE_WORKERS", "1")
    one = invoke(*args)
    monkeypatch.setenv("HASHTIDE_WORKERS", "2")
    monkeypatch.setenv("HASHTIDE_PARALLEL_MIN_BYTES", "0")
    monkeypatch.setattr("hashtide.ingest.chunks.CHUNK_BYTES", 64 << 10)  # many slices, for the order
    parallel = invoke(*args)
    assert one.exit_code == parallel.exit_code == 0, one.output + parallel.output
    assert parallel.output == one.output and len(one.output.splitlines()) > 3


def test_watch_replay_of_a_twarc2_file_alerts_as_the_per_line_watch(tiny_world, tmp_path):
    """Without --corpus a twarc2 file is replayed by DuckDB; with it, read line by line: same alerts."""
    source = next(tiny_world.glob("twitter/*03-06.jsonl"))
    args = ("watch", str(source), "--every", "1h", "--scope", "all", "--no-follow", "--lateness", "1d",
            "--half-life", "1d")
    replayed = invoke(*args)
    per_line = invoke(*args, "--corpus", str(tmp_path / "c.duckdb"))
    assert replayed.exit_code == per_line.exit_code == 0, replayed.output + per_line.output
    assert replayed.output == per_line.output and len(replayed.output.splitlines()) > 3


@pytest.mark.parametrize("parallel", [False, True])
def test_watch_with_a_corpus_stores_what_ingest_stores(tiny_world, tmp_path, monkeypatch, parallel):
    """watch --corpus: the posts, profiles, quarantine and account of `hashtide ingest`, and a log
    entry; line by line, or parsed on every core when the file is large and not followed."""
    import duckdb

    if parallel:
        monkeypatch.setenv("HASHTIDE_WORKERS", "2")
        monkeypatch.setenv("HASHTIDE_PARALLEL_MIN_BYTES", "0")
        monkeypatch.setattr("hashtide.ingest.chunks.CHUNK_BYTES", 64 << 10)

    source = tmp_path / "stream.jsonl"
    twarc2 = next(tiny_world.glob("twitter/*03-06.jsonl")).read_bytes().splitlines(keepends=True)
    mastodon = next(tiny_world.glob("mastodon/*03-06.jsonl")).read_bytes().splitlines(keepends=True)
    source.write_bytes(b"".join(twarc2[:20] + [b"not json\n", b'{"neither": "a post"}\n'] + mastodon[:50]
                                + twarc2[15:30] + [b'{"data": [{"id": 1}]}\n']))
    ingested = invoke("ingest", str(source), "--corpus", str(tmp_path / "ingest.duckdb"), "--json")
    watched = invoke("watch", str(source), "--no-follow", "--corpus", str(tmp_path / "watch.duckdb"),
                     "--every", "1h")
    assert ingested.exit_code == watched.exit_code == 0, ingested.output + watched.output
    tables = {}
    for name in ("ingest", "watch"):
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"), read_only=True)
        tables[name] = [con.execute(q).fetchall() for q in (
            "select * from posts order by platform, post_id", "select * from users order by platform, user_id",
            "select source, line, byte_offset, item, reason, raw from quarantine order by line, item")]
        tables[name].append([json.loads(r[0]) for r in con.execute("select report from ingest_log").fetchall()])
        con.close()
    assert tables["watch"][:3] == tables["ingest"][:3]
    assert len(tables["watch"][2]) >= 3  # the broken line, the unknown record, the bad tweet
    [logged], [account] = tables["watch"][3], tables["ingest"][3]
    for key in ("records", "ingested", "duplicates", "rejected", "skipped", "referenced", "rejected_by_reason"):
        assert logged[key] == account[key], key
    assert logged["rejected"] >= 3


@pytest.mark.parametrize("verb, option", [("trends", "--every"), ("trends", "--half-life"), ("bursts", "--every"),
                                          ("watch", "--every"), ("watch", "--lateness"), ("watch", "--half-life")])
def test_durations_beyond_a_year_are_refused(tiny_corpus, tiny_world, verb, option):
    """A huge duration overflowed timedelta into a traceback."""
    source = {"trends": ("-c", str(tiny_corpus)), "bursts": ("TideTest", "-c", str(tiny_corpus)),
              "watch": (str(next(tiny_world.glob("twitter/*03-06.jsonl"))), "--no-follow")}[verb]
    for value in ("99999999999999999999d", "366d"):
        result = invoke(verb, *source, option, value)
        assert result.exit_code == 2, result.output
        assert f"{option}: duration '{value}' is longer than 365d" in result.output


def test_watch_without_lateness_closes_buckets_at_once(tiny_world, tmp_path):
    """--lateness 0s (no waiting) was refused as not positive; on a file in time order it loses
    no post, so it alerts as a long lateness does, replayed or read line by line."""
    source = str(next(tiny_world.glob("twitter/*03-06.jsonl")))
    args = ("--no-follow", "--every", "1h", "--scope", "all")
    waiting = invoke("watch", source, *args, "--lateness", "1d")
    assert waiting.exit_code == 0 and len(waiting.output.splitlines()) > 3, waiting.output
    assert invoke("watch", source, *args, "--lateness", "0s").output == waiting.output
    per_line = invoke("watch", source, *args, "--lateness", "0s", "--corpus", str(tmp_path / "c.duckdb"))
    assert (per_line.exit_code, per_line.output) == (0, waiting.output)
    assert invoke("trends", "-c", str(tmp_path / "c.duckdb"), "--every", "0s").exit_code == 2  # a bucket is never 0


@pytest.fixture
def month_corpus(tmp_path):
    """Two posts of #art thirty days apart: few posts, a long span."""
    from hashtide.corpus import Corpus
    from hashtide.model import Post, parse_iso, posts_to_arrow

    path = tmp_path / "month.duckdb"
    posts = [Post(platform="twitter", post_id=str(i), created_at=parse_iso(when), author_id=str(i),
                  hashtags=["art"], hashtag_forms=["art"])
             for i, when in enumerate(("2021-03-01T00:00:00+00:00", "2021-03-31T00:00:00+00:00"))]
    with Corpus.open(path) as corpus:
        corpus.write_posts(posts_to_arrow(posts))
    return str(path)


def test_bursts_refuses_a_bucket_too_fine_for_the_span(month_corpus, monkeypatch):
    """Cost grew with span / bucket, not with posts: ten years in 1 s buckets took 20 GB."""
    result = invoke("bursts", "art", "-c", month_corpus, "--every", "1s")
    assert result.exit_code == 2
    assert "--every 1s over 30 days makes 2,592,001 buckets (at most 1,000,000); use a bucket of 1m or more" \
        in result.output
    monkeypatch.setattr("hashtide.trends.bursts.MAX_BUCKETS", 100)
    result = invoke("bursts", "art", "-c", month_corpus, "--every", "1h")
    assert result.exit_code == 2 and "721 buckets (at most 100); use a bucket of 1d or more" in result.output
    assert invoke("bursts", "art", "-c", month_corpus, "--every", "1d").exit_code == 0  # 31 buckets


def test_bursts_says_whether_the_tag_is_used(tiny_corpus, month_corpus):
    """'no burst of #x (or no post uses it)' left the user guessing which."""
    assert invoke("bursts", "art", "-c", month_corpus, "--every", "1d").output.strip() == \
        "no burst of #art in its 2 posts"
    assert invoke("bursts", "nosuchtag", "-c", tiny_corpus).output.strip() == \
        "no post uses #nosuchtag in this corpus"


@pytest.mark.parametrize("option, value", [("--s", "1"), ("--s", "0.5"), ("--s", "0"), ("--s", "nan"),
                                           ("--s", "inf"), ("--gamma", "-1"), ("--gamma", "inf"),
                                           ("--gamma", "nan")])
def test_bursts_refuses_parameters_outside_kleinbergs_model(tiny_corpus, option, value):
    """Kleinberg's automaton needs s > 1 and gamma >= 0, both finite: others printed 0-post
    'bursts', null weights or numpy warnings."""
    result = invoke("bursts", "TideTest", "-c", str(tiny_corpus), option, value)
    assert result.exit_code == 2 and f"Invalid value for '{option}'" in result.output
    assert "not a finite number" in result.output and "Traceback" not in result.output


def test_bursts_accepts_the_model_edges(tiny_corpus):
    result = invoke("bursts", "TideTest", "-c", str(tiny_corpus), "--s", "1.5", "--gamma", "0", "--json")
    assert result.exit_code == 0 and json.loads(result.output)
