"""The Gnip Activity Streams reader on real activities (../shared/data/twitter-activitystreams)."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashtide.ingest import activitystreams, twitter_v1, twitter_v2
from hashtide.ingest.items import Record, Reject, Skip
from test_twitter_v1 import documents
from test_twitter_v2 import assert_well_formed, many_mutations

SAME_TWEET_FIELDS = ("post_id", "created_at", "author_id", "author_handle", "kind", "parent_id", "root_id",
                     "parent_author_id", "hashtags", "hashtag_forms", "text", "lang")


@pytest.fixture(scope="module")
def activities(shared_data: Path) -> dict[str, dict]:
    paths = sorted((shared_data / "twitter-activitystreams").glob("*.json"))
    return {p.name: json.loads(p.read_text()) for p in paths}


def read_one(doc: dict) -> Record:
    assert activitystreams.sniff(doc)
    assert not twitter_v1.sniff(doc) and not twitter_v2.sniff(doc)
    [item] = activitystreams.read(doc)
    assert isinstance(item, Record)
    return item


def test_posts_and_shares(activities):
    assert len(activities) == 22
    verbs = collections.Counter(a["verb"] for a in activities.values())
    assert verbs == {"post": 16, "share": 6}
    found = {name: read_one(a) for name, a in activities.items()}
    kinds = collections.Counter(r.post.kind for r in found.values())
    assert kinds == {"original": 4, "reply": 5, "quote": 7, "repost": 6}
    for name, record in found.items():
        activity = activities[name]
        assert record.post.post_id == activity["id"].rsplit(":", 1)[1]
        assert record.post.author_id == activity["actor"]["id"].rsplit(":", 1)[1]
        assert record.post.author_followers is None  # Gnip's -1: not collected
        if activity["verb"] == "share":
            shared = activity["object"]
            assert record.post.parent_id == shared["id"].rsplit(":", 1)[1]
            assert [p.post_id for p in record.embedded][:1] == [record.post.parent_id]
        if "long_object" in activity:
            assert record.post.text == activity["long_object"]["body"] and len(record.post.text) > 140
    assert all(not p.top_level for r in found.values() for p in r.embedded)


def test_the_same_tweet_in_v1_and_activity_streams_is_the_same_row(activities, shared_data):
    """twitterdev's samples hold each tweet in both formats: they must dedup into one row."""
    twins = 0
    for name, activity in activities.items():
        v1_name = "original__" + name.removeprefix("activity_streams__").replace("quote_w", "quoted_w")
        path = shared_data / "twitter-v1.1" / "tweet-updates-samples" / v1_name
        if not path.exists():
            continue
        [status] = [d for d in documents(path)][:1]
        [v1_record] = twitter_v1.read(status)
        as_post, v1_post = read_one(activity).post, v1_record.post
        for field in SAME_TWEET_FIELDS:
            assert getattr(as_post, field) == getattr(v1_post, field), (name, field)
        twins += 1
    assert twins == 21


def test_compliance_and_unknown_verbs():
    assert list(activitystreams.read({"verb": "delete", "actor": {}, "object": {}})) == [Skip("delete")]
    # a like is skipped, as on every other platform
    assert list(activitystreams.read({"verb": "favorite", "actor": {}, "object": {}})) == [Skip("like")]
    [item] = activitystreams.read({"verb": "follow", "actor": {}, "object": {}})
    assert isinstance(item, Reject) and "follow" in item.reason


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_activities_give_one_item(activities, data):
    activity = data.draw(st.sampled_from(sorted(activities.values(), key=lambda a: a["id"])))
    doc = data.draw(many_mutations(activity))
    assert_well_formed(list(activitystreams.read(doc)), 1)
