"""DuckDB's replay of twarc2 files (hashtide.trends.replay) gives the per-line readers' posts and charts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from hashtide.ingest import read_posts
from hashtide.model import POST_SCHEMA
from hashtide.trends import replay
from hashtide.trends.charts import ScopeFilter
from hashtide.trends.signitrend import SigniTrend

COLUMNS = ["platform", "post_id", "created_at", "author_id", "lang", "country", "hashtags", "hashtag_forms"]


def _rows(tables) -> pa.Table:
    """The columns the detector reads; of ``kind``, whether the post is a repost."""
    tables = [t.select(COLUMNS).append_column("repost", pc.equal(t.column("kind"), "repost")) for t in tables]
    return pa.concat_tables(tables) if tables else _rows([POST_SCHEMA.empty_table()])


def _replayed(path: Path) -> tuple[pa.Table, int]:
    pages = replay.Replay(str(path))
    return _rows(pages), pages.unread


def _per_line(path: Path) -> pa.Table:
    return _rows(read_posts([str(path)]))


def _assert_same_rows(path: Path) -> int:
    ours, unread = _replayed(path)
    theirs = _per_line(path)
    assert unread == 0, path
    for name in COLUMNS + ["repost"]:
        assert ours.column(name).to_pylist() == theirs.column(name).to_pylist(), (path.name, name)
    return ours.num_rows


def test_real_twarc2_pages_give_the_readers_rows(shared_data: Path):
    folder = shared_data / "twitter-v2-twarc2"
    pages = [p for p in sorted(folder.glob("*.jsonl")) if replay.plain_pages(str(p))]
    if not pages:
        pytest.skip(f"no twarc2 page files in {folder}")
    assert sum(_assert_same_rows(path) for path in pages) > 1000


def test_long_posts_show_the_tags_of_note_tweet(tmp_path: Path):
    """A post over 280 characters keeps its whole text and tags in ``note_tweet``, also when it
    is the subject of a retweet; one long post has no entities and its tags are in its text."""
    import msgspec

    whole = "y" * 300 + " #MeToo"
    note = {"text": whole, "entities": {"hashtags": [{"start": 301, "end": 307, "tag": "MeToo"}]}}
    long_post = {"id": "200000000000000001", "text": whole[:280], "author_id": "5", "note_tweet": note,
                 "entities": {"hashtags": []}, "created_at": "2017-10-15T20:21:00.000Z"}
    bare = {"id": "200000000000000003", "text": "z" * 280, "note_tweet": {"text": "z" * 290 + " #Bare"},
            "created_at": "2017-10-15T20:23:00.000Z"}
    retweet = {"id": "200000000000000002", "text": "RT @five: yyy", "author_id": "6", "entities": {"hashtags": []},
               "referenced_tweets": [{"type": "retweeted", "id": long_post["id"]}],
               "created_at": "2017-10-15T20:22:00.000Z"}
    path = tmp_path / "long.jsonl"
    path.write_bytes(msgspec.json.encode({"data": [long_post, retweet, bare], "includes": {"tweets": [long_post]}})
                     + b"\n")
    assert _assert_same_rows(path) == 3
    assert _replayed(path)[0].column("hashtags").to_pylist() == [["metoo"], ["metoo"], ["bare"]]


@pytest.fixture(scope="module")
def twarc2_files(tiny_world) -> list[Path]:
    return sorted(tiny_world.glob("twitter/twarc2-*.jsonl"))


def test_simulated_pages_give_the_readers_rows(twarc2_files):
    assert all(replay.plain_pages(str(p)) for p in twarc2_files)
    assert sum(_assert_same_rows(path) for path in twarc2_files) > 3000


def _charts(tables) -> list:
    detector = SigniTrend(bucket=dt.timedelta(hours=1), dimensions=ScopeFilter.parse("all").dimensions,
                          lateness=dt.timedelta(days=1), threshold=3.0)
    closed = []
    for table in tables:
        closed.extend(detector.update(table))
    closed.extend(detector.flush())
    return [(b.end, [(scope, e.tag, round(e.score, 9), e.posts, e.authors) for scope in sorted(b.charts)
                     for e in b.chart(scope, 10)])
            for b in closed]


def test_replayed_charts_equal_the_per_line_charts(twarc2_files):
    path = twarc2_files[0]
    charts = _charts(replay.Replay(str(path)))
    assert charts == _charts(read_posts([str(path)]))
    assert any(rows for _, rows in charts)


def test_lines_that_are_not_pages_are_skipped_and_counted(twarc2_files, tmp_path):
    lines = twarc2_files[0].read_bytes().splitlines(keepends=True)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(b"".join(lines[:2] + [b"not json\n", b'{"errors": [{"title": "Not Found Error"}]}\n',
                                            b'{"id_str": "1", "text": "v1.1 #tag"}\n'] + lines[2:4]))
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(b"".join(lines[:4]))
    ours, unread = _replayed(mixed)
    assert unread == 2  # the broken line and the v1.1 status; the errors-only page is a page
    assert ours.equals(_replayed(clean)[0])
    assert replay.plain_pages(str(clean)) and not replay.plain_pages(str(mixed))
