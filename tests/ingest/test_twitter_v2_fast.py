"""The typed twarc2 page path (twitter_v2_fast) yields exactly the dict reader's items, or declines."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import msgspec
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashtide.ingest import chunks, twitter_v2, twitter_v2_fast


def _generic_items(line: bytes) -> list:
    return list(twitter_v2.read(msgspec.json.decode(line)))


def _compare_lines(lines: list[bytes]) -> int:
    """Assert fast == generic on every page line the fast path takes; how many it took."""
    taken = 0
    for line in lines:
        if not twitter_v2_fast.is_page_line(line):
            continue
        fast = twitter_v2_fast.read_page(line)
        if fast is None:
            continue
        taken += 1
        assert msgspec.to_builtins(fast) == msgspec.to_builtins(_generic_items(line))
    return taken


def _slice_both_ways(piece: bytes) -> tuple[chunks.Chunk, chunks.Chunk]:
    """``parse_slice`` with and without the fast path (fresh detectors each time)."""
    chunks._DETECTORS.clear()
    fast = chunks.parse_slice(piece, 1, 0, "f", None)
    chunks._DETECTORS.clear()
    original = chunks._parse_fast_into
    chunks._parse_fast_into = lambda *args: False
    try:
        generic = chunks.parse_slice(piece, 1, 0, "f", None)
    finally:
        chunks._parse_fast_into = original
        chunks._DETECTORS.clear()
    return fast, generic


def _assert_same_chunk(fast: chunks.Chunk, generic: chunks.Chunk) -> None:
    for field in ("posts", "users"):
        assert chunks.read_ipc(getattr(fast, field)).equals(chunks.read_ipc(getattr(generic, field))), field
    rest = [f for f in fast.__struct_fields__ if f not in ("posts", "users")]
    assert {f: getattr(fast, f) for f in rest} == {f: getattr(generic, f) for f in rest}


def test_fast_path_equals_generic_on_real_twarc2_files(shared_data: Path):
    folder = shared_data / "twitter-v2-twarc2"
    if not folder.is_dir():
        pytest.skip(f"no twarc2 fixtures at {folder}")
    taken = 0
    for path in sorted(folder.glob("*.jsonl")):
        piece = path.read_bytes()
        taken += _compare_lines(piece.splitlines())
        _assert_same_chunk(*_slice_both_ways(piece))
    assert taken > 0  # the real pages are of the plain shape: the fast path must take some


@pytest.fixture(scope="module")
def simulated_twarc2(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("world")
    subprocess.run([sys.executable, "-m", "hashtide", "simulate", "tiny", "--out", str(out),
                    "--formats", "twarc2"], check=True, capture_output=True)
    files = sorted(out.rglob("twarc2-*.jsonl"))
    assert files
    return files


def test_fast_path_equals_generic_on_simulated_world(simulated_twarc2):
    for path in simulated_twarc2:
        piece = path.read_bytes()
        lines = piece.splitlines()
        pages = [line for line in lines if twitter_v2_fast.is_page_line(line)]
        assert _compare_lines(lines) == len(pages) > 0  # every simulated page takes the fast path
        _assert_same_chunk(*_slice_both_ways(piece))


def test_irregular_slice_keeps_generic_behaviour(simulated_twarc2):
    """A malformed line or a multi-line document among pages: same chunk as the generic path."""
    lines = simulated_twarc2[0].read_bytes().splitlines(keepends=True)[:6]
    piece = b"".join(lines[:2] + [b'{"data": [\n', b"not json\n"] + lines[2:4] + [b'{"a":\n', b' 1}\n'] + lines[4:])
    fast, generic = _slice_both_ways(piece)
    _assert_same_chunk(fast, generic)
    assert generic.rejects


# --- mutated pages -------------------------------------------------------------------------

_BASE_PAGE = {
    "data": [
        {"id": "1500000000000000001", "text": "plain #MeToo", "created_at": "2022-03-05T10:00:00.000Z",
         "author_id": "11", "conversation_id": "1500000000000000001", "lang": "en",
         "entities": {"hashtags": [{"start": 6, "end": 12, "tag": "MeToo"}]},
         "public_metrics": {"like_count": 3, "retweet_count": 1, "reply_count": 0, "quote_count": 0},
         "geo": {"place_id": "p1"}, "edit_history_tweet_ids": ["1500000000000000001"]},
        {"id": "1500000000000000002", "text": "RT @a: cut", "author_id": "12",
         "referenced_tweets": [{"type": "retweeted", "id": "1500000000000000009"}],
         "conversation_id": "1500000000000000002", "lang": "und"},
        {"id": "1500000000000000003", "text": "@a yes #MeToo", "author_id": "12",
         "referenced_tweets": [{"type": "quoted", "id": "1500000000000000009"},
                               {"type": "replied_to", "id": "1500000000000000001"}],
         "in_reply_to_user_id": "11", "created_at": "2022-03-05T10:05:00.000Z"},
    ],
    "includes": {
        "users": [{"id": "11", "username": "a", "name": "A", "verified": False,
                   "created_at": "2010-01-01T00:00:00.000Z", "public_metrics": {"followers_count": 5}},
                  {"id": "12", "username": "b", "location": "Here"}],
        "tweets": [{"id": "1500000000000000009", "text": "the full original #MeToo #Tag", "author_id": "11",
                    "entities": {"hashtags": [{"tag": "MeToo"}, {"tag": "Tag"}]}}],
        "places": [{"id": "p1", "country_code": "SE", "full_name": "Somewhere"}],
    },
    "errors": [{"title": "Not Found Error"}],
    "meta": {"result_count": 3},
    "__twarc": {"version": "2.0"},
}

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2**64) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6) | st.sampled_from(["", "retweeted", "replied_to", "quoted", "p1", "11",
                                             "1500000000000000009", "2022-03-05T10:00:00Z"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "text", "tag", "type", "author_id", "country_code"]), inner, max_size=3),
    max_leaves=6)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, prefix + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, prefix + (index,))


_ALL_PATHS = [p for p in _paths(_BASE_PAGE) if len(p) > 1]


@st.composite
def _mutated_pages(draw):
    page = copy.deepcopy(_BASE_PAGE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_ALL_PATHS))
        parent = page
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(_JSON_VALUES)
        except (KeyError, IndexError, TypeError):  # an earlier mutation removed the path
            continue
    return page


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated_pages(), st.booleans())
def test_mutated_pages_match_generic_or_fall_back(page, spaced):
    line = msgspec.json.encode(page)
    if spaced:
        line = line.replace(b'{"data":[', b'{"data": [', 1)
    fast = twitter_v2_fast.read_page(line)
    if fast is not None:
        assert msgspec.to_builtins(fast) == msgspec.to_builtins(_generic_items(line))


def test_base_page_takes_the_fast_path():
    line = msgspec.json.encode(_BASE_PAGE)
    fast = twitter_v2_fast.read_page(line)
    assert fast is not None and len(fast) == 5  # 3 records, 1 api_error skip, 1 referenced
    assert msgspec.to_builtins(fast) == msgspec.to_builtins(_generic_items(line))
    assert twitter_v2_fast.read_page(line[:-5]) is None  # truncated: the generic path's reject


def test_slices_are_arrow_identical_with_many_pages(simulated_twarc2):
    piece = b"".join(path.read_bytes() for path in simulated_twarc2)
    fast, generic = _slice_both_ways(piece)
    _assert_same_chunk(fast, generic)
    assert isinstance(chunks.read_ipc(fast.posts), pa.Table) and fast.records > 0


def test_a_long_post_is_left_to_the_generic_path():
    """``note_tweet`` holds the whole text and tags of a post over 280 characters."""
    note = {"text": "x" * 300 + " #MeToo", "entities": {"hashtags": [{"start": 301, "end": 307, "tag": "MeToo"}]}}
    line = msgspec.json.encode({"data": [{"id": "1", "text": "x" * 280, "note_tweet": note}]})
    assert twitter_v2_fast.read_page(line) is None
    [record] = _generic_items(line)
    assert record.post.text == note["text"] and record.post.hashtags == ["metoo"]
