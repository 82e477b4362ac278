"""The Twitter v1.1 reader on real statuses (../shared/data/twitter-v1.1, see PROVENANCE.md)."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashtide.ingest import activitystreams, twitter_v1, twitter_v2
from hashtide.ingest.items import Record, Reject, Skip
from test_twitter_v2 import assert_well_formed, many_mutations


def documents(path: Path) -> list:
    """Every JSON document of a file: JSON lines, pretty-printed or back to back; a line that is
    not JSON (a caption between two documents) is passed over."""
    text, decoder, docs, at = path.read_text(), json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        try:
            doc, at = decoder.raw_decode(text, at)
            docs.append(doc)
        except json.JSONDecodeError:
            newline = text.find("\n", at)
            at = len(text) if newline < 0 else newline + 1
    return docs


def records(docs: list) -> list[Record]:
    items = []
    for doc in docs:
        assert twitter_v1.sniff(doc)
        assert not twitter_v2.sniff(doc) and not activitystreams.sniff(doc)
        items.extend(twitter_v1.read(doc))
    assert all(isinstance(i, Record) for i in items), [i for i in items if not isinstance(i, Record)]
    return items


@pytest.fixture(scope="module")
def v1_dir(shared_data: Path) -> Path:
    return shared_data / "twitter-v1.1"


def test_stream_lines(v1_dir):
    docs = documents(v1_dir / "pytwitter-stream-lines-2018-03-10.jsonl")
    posts = [r.post for r in records(docs)]
    assert len(posts) == 72 and len({p.post_id for p in posts}) == 71
    assert collections.Counter(p.kind for p in posts) == {"original": 31, "reply": 33, "quote": 8}
    # every status is truncated: the text is extended_tweet.full_text, tags from its entities
    assert all(p.text == d["extended_tweet"]["full_text"] for p, d in zip(posts, docs))
    assert [p.hashtag_forms for p in posts] == [
        [h["text"] for h in d["extended_tweet"]["entities"]["hashtags"]] for d in docs]
    assert all(p.post_id == d["id_str"] and p.author_id == d["user"]["id_str"] for p, d in zip(posts, docs))
    assert all(p.root_id == p.post_id for p in posts if p.kind != "reply")
    assert sorted(p.country for p in posts if p.country) == ["SA", "US", "US", "US"]
    assert all(p.created_at // 1_000_000 == int(d["timestamp_ms"]) // 1000 for p, d in zip(posts, docs))


def test_search_response(v1_dir):
    [response] = documents(v1_dir / "pytwitter-search-raw-2016-01-23.json")
    found = records([response])
    posts = [r.post for r in found]
    assert len(posts) == 100
    assert collections.Counter(p.kind for p in posts) == {"repost": 74, "quote": 9, "reply": 1, "original": 16}
    by_id = {s["id_str"]: s for s in response["statuses"]}
    for record in found:
        status = by_id[record.post.post_id]
        if "retweeted_status" in status:
            retweeted = status["retweeted_status"]
            assert record.post.text == retweeted["text"] and record.post.parent_id == retweeted["id_str"]
            assert record.post.parent_author_id == retweeted["user"]["id_str"]
            assert retweeted["id_str"] in {p.post_id for p in record.embedded}
    # the 6 retweets of quotes embed both the retweeted and the quoted status
    assert sum(len(r.embedded) == 2 for r in found) == 6
    assert all(not p.top_level for r in found for p in r.embedded)


def test_tweet_update_samples(v1_dir):
    paths = sorted((v1_dir / "tweet-updates-samples").glob("*.json"))
    assert len(paths) == 31
    docs = [doc for path in paths for doc in documents(path)]
    assert len(docs) == 33
    posts = [r.post for r in records(docs)]
    assert collections.Counter(p.kind for p in posts) == {"original": 8, "reply": 12, "quote": 7, "repost": 6}
    # extended mode: full_text; compatibility mode: extended_tweet.full_text; never the cut text
    long_reply = next(p for p, d in zip(posts, docs) if "extended_tweet" in d and d.get("in_reply_to_status_id_str"))
    assert len(long_reply.text) > 140 and not long_reply.text.endswith("…")
    full = [(p, d) for p, d in zip(posts, docs) if "full_text" in d]
    assert full and all(p.text == d["full_text"] for p, d in full)


def test_stream_messages_are_skipped():
    messages = {
        "delete": {"delete": {"status": {"id": 1, "id_str": "1", "user_id": 2, "user_id_str": "2"}}},
        "limit": {"limit": {"track": 12, "timestamp_ms": "1520690595000"}},
        "warning": {"warning": {"code": "FALLING_BEHIND", "message": "...", "percent_full": 60}},
    }
    for kind, message in messages.items():
        assert twitter_v1.sniff(message)
        assert list(twitter_v1.read(message)) == [Skip(kind)]


def test_a_status_without_an_id_is_rejected():
    [item] = twitter_v1.read({"id_str": None, "user": {}, "text": "#MeToo"})
    assert isinstance(item, Reject) and "id" in item.reason


@pytest.fixture(scope="module")
def statuses(v1_dir):
    lines = documents(v1_dir / "pytwitter-stream-lines-2018-03-10.jsonl")
    return lines + documents(v1_dir / "pytwitter-search-raw-2016-01-23.json")[0]["statuses"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_statuses_give_one_item_each(statuses, data):
    batch = data.draw(st.lists(st.sampled_from(statuses), min_size=1, max_size=3))
    batch = [data.draw(st.one_of(st.just(s), many_mutations(s))) for s in batch]
    assert_well_formed(list(twitter_v1.read({"statuses": batch, "search_metadata": {}})), len(batch))
    if isinstance(batch[0], dict) and "id_str" in batch[0]:
        assert_well_formed(list(twitter_v1.read(batch[0])), 1)
