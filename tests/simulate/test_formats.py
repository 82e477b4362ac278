"""The files have the shapes real clients write: key sets checked against the real samples in
../shared/data (twarc2 pages, Mastodon statuses) and the documented Jetstream event shape."""

from __future__ import annotations

import json

import pytest
import yaml

from hashtide.model import normalise_tag
from hashtide.simulate import ids


def _lines(folder, platform):
    for path in sorted((folder / platform).glob("*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)


def _union_keys(objects):
    keys = set()
    for obj in objects:
        keys |= set(obj)
    return keys


@pytest.fixture(scope="module")
def real_pages(shared_data):
    pages = []
    for name in ("twarccsv-noflat.jsonl", "twarccsv-entities_test.jsonl", "twarccsv-kpop.jsonl", "twarccsv-withheld.jsonl"):
        with open(shared_data / "twitter-v2-twarc2" / name, encoding="utf-8") as handle:
            pages += [json.loads(line) for line in handle if line.strip()]
    return [p for p in pages if isinstance(p.get("data"), list)]


@pytest.fixture(scope="module")
def real_statuses(shared_data):
    statuses = []
    for path in sorted((shared_data / "mastodon").glob("*.yaml")):
        for interaction in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            try:
                body = json.loads(interaction["response"]["body"]["string"])
            except (json.JSONDecodeError, TypeError):
                continue
            for status in body if isinstance(body, list) else [body]:
                if isinstance(status, dict) and "account" in status and "content" in status:
                    statuses.append(status)
    return statuses


def test_twarc2_pages_have_the_real_keys(tiny_world, real_pages):
    out, _ = tiny_world
    pages = list(_lines(out, "twitter"))
    real_page_keys = _union_keys(real_pages)
    real_tweet_keys = _union_keys(t for p in real_pages for t in p["data"])
    real_user_keys = _union_keys(u for p in real_pages for u in p["includes"].get("users", []))
    real_place_keys = _union_keys(pl for p in real_pages for pl in p["includes"].get("places", []))
    real_meta_keys = _union_keys(p["meta"] for p in real_pages if "meta" in p)
    for page in pages:
        assert set(page) <= real_page_keys and {"data", "includes", "meta", "__twarc"} <= set(page)
        assert set(page["includes"]) <= {"users", "tweets", "places", "media"}
        assert set(page["meta"]) <= real_meta_keys and page["meta"]["result_count"] == len(page["data"]) <= 100
        assert set(page["__twarc"]) == {"url", "version", "retrieved_at"}
        for tweet in page["data"] + page["includes"].get("tweets", []):
            assert set(tweet) <= real_tweet_keys, set(tweet) - real_tweet_keys
        for user in page["includes"]["users"]:
            assert set(user) <= real_user_keys
            assert set(user["public_metrics"]) == {"followers_count", "following_count", "tweet_count", "listed_count"}
        for place in page["includes"].get("places", []):
            assert set(place) == real_place_keys
    for path in sorted((out / "twitter").glob("*.jsonl")):  # full pages but the last of each day
        sizes = [len(json.loads(line)["data"]) for line in path.open(encoding="utf-8")]
        assert set(sizes[:-1]) <= {100} and 0 < sizes[-1] <= 100


def test_twarc2_pages_hold_together(tiny_world):
    out, _ = tiny_world
    for page in _lines(out, "twitter"):
        data = page["data"]
        assert [t["id"] for t in data] == sorted((t["id"] for t in data), key=int, reverse=True)
        assert page["meta"]["newest_id"] == data[0]["id"] and page["meta"]["oldest_id"] == data[-1]["id"]
        users = {u["id"] for u in page["includes"]["users"]}
        included = {t["id"] for t in page["includes"].get("tweets", [])}
        places = {p["id"] for p in page["includes"].get("places", [])}
        for tweet in data:
            assert tweet["author_id"] in users
            # a snowflake id carries its creation time
            ms = ids.snowflake_ms(int(tweet["id"]))
            assert tweet["created_at"][:19] == _iso_seconds(ms)
            for ref in tweet.get("referenced_tweets", []):
                assert ref["id"] in included
            if "geo" in tweet:
                assert tweet["geo"]["place_id"] in places
            for tag in tweet.get("entities", {}).get("hashtags", []):
                assert tweet["text"][tag["start"]:tag["end"]] == "#" + tag["tag"]
            if tweet.get("referenced_tweets", [{}])[0].get("type") == "retweeted":
                assert tweet["text"].startswith("RT @")


def _iso_seconds(ms: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ms // 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def test_mastodon_statuses_have_the_real_keys(tiny_world, real_statuses):
    out, _ = tiny_world
    real_status = _union_keys(real_statuses)
    real_account = _union_keys(s["account"] for s in real_statuses)
    statuses = list(_lines(out, "mastodon"))
    assert statuses
    for status in statuses:
        for s in (status, status["reblog"]) if status["reblog"] else (status,):
            assert set(s) <= real_status, set(s) - real_status
            assert set(s["account"]) <= real_account, set(s["account"]) - real_account
            assert s["uri"].startswith("https://") and int(s["id"]) >> 16 > 0
            for tag in s["tags"]:
                assert f"#<span>" in s["content"] and normalise_tag(tag["name"])


def test_jetstream_events_have_the_documented_shape(tiny_world):
    out, _ = tiny_world
    announced = set()
    last = 0
    for event in _lines(out, "bluesky"):
        assert event["time_us"] >= last
        last = event["time_us"]
        assert event["did"].startswith("did:plc:") and len(event["did"]) == 32
        if event["kind"] == "identity":
            assert set(event["identity"]) == {"did", "handle", "seq", "time"}
            announced.add(event["did"])
            continue
        assert event["kind"] == "commit" and event["did"] in announced
        commit = event["commit"]
        assert set(commit) == {"rev", "operation", "collection", "rkey", "record", "cid"}
        assert len(commit["rkey"]) == 13 and commit["cid"].startswith("bafyrei")
        record = commit["record"]
        assert record["$type"] == commit["collection"] in ("app.bsky.feed.post", "app.bsky.feed.repost")
        if commit["collection"] == "app.bsky.feed.repost":
            assert set(record) == {"$type", "createdAt", "subject"}
            continue
        encoded = record["text"].encode()
        for facet in record.get("facets", []):
            index, feature = facet["index"], facet["features"][0]
            assert encoded[index["byteStart"]:index["byteEnd"]].decode() == "#" + feature["tag"]
        if "reply" in record:
            assert set(record["reply"]) == {"root", "parent"}
