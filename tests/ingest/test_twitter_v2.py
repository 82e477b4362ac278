"""The X API v2 reader on real twarc2 output (../shared/data/twitter-v2-twarc2, see PROVENANCE.md).

Counts are checked against PROVENANCE.md. Where this reader counts differently, the test says why:
PROVENANCE counts a tweet that both replies and quotes as a reply *and* a quote (this reader calls
it a reply), and counts hashtags in each tweet's own entities, where a retweet's own text is cut at
140 characters (this reader takes a retweet's tags from the retweeted tweet in full).
"""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashtide.ingest import activitystreams, twitter_v1, twitter_v2
from hashtide.ingest.items import Record, Referenced, Reject, Skip
from hashtide.model import KINDS, posts_to_arrow, to_datetime, users_to_arrow

FIELDS_COMPARED = ("post_id", "created_at", "author_id", "author_handle", "kind", "parent_id", "root_id",
                   "hashtags", "text", "lang")


def lines(path: Path) -> list:
    """The JSON documents of a JSON-lines file (blank and undecodable lines left out)."""
    docs = []
    for line in path.read_bytes().splitlines():
        if line.strip():
            try:
                docs.append(msgspec.json.decode(line))
            except msgspec.DecodeError:
                continue
    return docs


def read_all(docs: list) -> list:
    items = []
    for doc in docs:
        assert twitter_v2.sniff(doc)
        items.extend(twitter_v2.read(doc))
    return items


class Tally:
    def __init__(self, items: list):
        self.records = [i for i in items if isinstance(i, Record)]
        self.posts = [r.post for r in self.records]
        self.kinds = collections.Counter(p.kind for p in self.posts)
        self.skips = collections.Counter(i.kind for i in items if isinstance(i, Skip))
        self.rejects = [i for i in items if isinstance(i, Reject)]
        referenced = [i for i in items if isinstance(i, Referenced)]
        self.referenced = [p for r in referenced for p in r.posts]
        self.users = [u for r in referenced for u in r.users]

    def tagged(self, key: str) -> int:
        return sum(key in p.hashtags for p in self.posts)


@pytest.fixture(scope="module")
def v2_dir(shared_data: Path) -> Path:
    return shared_data / "twitter-v2-twarc2"


def tally(v2_dir: Path, name: str) -> Tally:
    return Tally(read_all(lines(v2_dir / name)))


def test_entities_test_page(v2_dir):
    t = tally(v2_dir, "twarccsv-entities_test.jsonl")
    assert len(t.records) == 474 and not t.rejects
    # PROVENANCE: 84 replies, 12 quotes -- 2 tweets both reply and quote; they are replies here
    assert t.kinds == {"repost": 314, "reply": 84, "quote": 10, "original": 66}
    page = lines(v2_dir / "twarccsv-entities_test.jsonl")[0]
    reply_and_quote = {tw["id"] for tw in page["data"] if {r["type"] for r in tw.get("referenced_tweets", [])}
                       == {"replied_to", "quoted"}}
    assert len(reply_and_quote) == 2
    assert {p.kind for p in t.posts if p.post_id in reply_and_quote} == {"reply"}
    assert t.skips == {"api_error": 11}
    assert len(t.referenced) == 197 and not any(p.top_level for p in t.referenced)
    assert all(p.top_level for p in t.posts)
    assert len(t.users) == 612 and len({p.author_id for p in t.posts}) == 425
    # PROVENANCE (own entities): #salvini 41, #meloni 24; retweets carry the retweeted tweet's tags
    assert (t.tagged("salvini"), t.tagged("meloni")) == (59, 29)
    own = [p for p in t.posts if p.kind != "repost"]
    assert all(p.author_handle for p in t.posts)
    first, last = (to_datetime(f(p.created_at for p in t.posts)).isoformat() for f in (min, max))
    assert first.startswith("2022-09-25T23:47") and last == "2022-09-25T23:59:59+00:00"
    times = {tw["id"]: tw["created_at"] for tw in page["data"]}
    assert all(to_datetime(p.created_at) == dt.datetime.fromisoformat(times[p.post_id]) for p in t.posts)
    assert all(p.root_id is None for p in t.posts)  # conversation_id was not requested
    assert own and all(p.lang is None for p in own)  # nor lang


def test_retweet_takes_full_text_and_parent_author(v2_dir):
    page = lines(v2_dir / "twarccsv-entities_test.jsonl")[0]
    includes = {tw["id"]: tw for tw in page["includes"]["tweets"]}
    posts = {p.post_id: p for p in tally(v2_dir, "twarccsv-entities_test.jsonl").posts}
    checked = 0
    for tweet in page["data"]:
        refs = tweet.get("referenced_tweets", [])
        if refs and refs[0]["type"] == "retweeted" and refs[0]["id"] in includes:
            parent = includes[refs[0]["id"]]
            post = posts[tweet["id"]]
            assert post.text == parent["text"] and post.parent_id == parent["id"]
            assert post.parent_author_id == parent["author_id"]
            checked += 1
        elif refs and refs[0]["type"] == "replied_to":
            assert posts[tweet["id"]].parent_author_id == tweet["in_reply_to_user_id"]
    assert checked > 200


def test_brexit_page(v2_dir):
    t = tally(v2_dir, "twarccsv-brexit.jsonl")
    assert len(t.records) == 100 and not t.skips and not t.rejects
    assert t.kinds == {"repost": 67, "reply": 10, "quote": 11, "original": 12}
    assert len({p.author_id for p in t.posts}) == 98
    # PROVENANCE's 60 counts #brexit occurrences in own entities (59 tweets, one has it twice);
    # the full text of every retweeted tweet carries it too: the collection's query was #brexit.
    assert t.tagged("brexit") == 100
    assert "Großbritannien" in {f for p in t.posts for f in p.hashtag_forms}  # display forms kept


def test_kpop_page(v2_dir):
    t = tally(v2_dir, "twarccsv-kpop.jsonl")
    assert len(t.records) == 100 and t.kinds["repost"] == 78 and t.skips == {"api_error": 1}
    assert t.tagged("kpop") == 100  # PROVENANCE's 94 are own entities; retweets' originals add 6
    forms = {f for p in t.posts for f in p.hashtag_forms}
    assert {"원호", "아리아즈"} <= forms
    assert [p.country for p in t.posts if p.country] == ["CO"]  # geo.place_id -> includes.places


def test_noflat_and_flat_give_the_same_posts(v2_dir):
    page = read_all(lines(v2_dir / "twarccsv-noflat.jsonl"))
    flat = read_all(lines(v2_dir / "twarccsv-flat.jsonl"))
    from_page, from_flat = Tally(page), Tally(flat)
    assert len(from_page.posts) == len(from_flat.posts) == 100
    assert from_page.kinds == from_flat.kinds == {"repost": 47, "reply": 31, "quote": 8, "original": 14}
    by_id = {p.post_id: p for p in from_flat.posts}
    assert set(by_id) == {p.post_id for p in from_page.posts}
    for post in from_page.posts:
        twin = by_id[post.post_id]
        for field in FIELDS_COMPARED:
            assert getattr(post, field) == getattr(twin, field), (post.post_id, field)
        assert msgspec.structs.asdict(post) == msgspec.structs.asdict(twin)  # every other field too
    # the inlined referenced tweets are the page's includes, read the same way
    embedded = {p.post_id: p for r in from_flat.records for p in r.embedded}
    assert set(embedded) == {p.post_id for p in from_page.referenced} and len(embedded) == 66
    for ref in from_page.referenced:
        assert msgspec.structs.asdict(ref) == msgspec.structs.asdict(embedded[ref.post_id])
    assert all(not p.top_level for p in embedded.values())
    assert all(len(r.users) >= 1 for r in from_flat.records)  # the inlined author


def test_withheld_pages(v2_dir):
    docs = lines(v2_dir / "twarccsv-withheld.jsonl")
    t = Tally(read_all(docs))
    assert len(docs) == 5 and len(t.records) == 215 and t.skips == {"api_error": 5}
    withheld = {tw["id"] for d in docs for tw in d["data"] if "withheld" in tw}
    assert len(withheld) == 13 and withheld <= {p.post_id for p in t.posts}


def test_stream_messages(v2_dir):
    docs = lines(v2_dir / "twarccsv-streaming_output_with_error.jsonl")
    assert len(docs) == 7  # the 8th line is cut mid-write: the pipeline's to quarantine
    t = Tally(read_all(docs))
    assert len(t.records) == 7 and not t.skips and not t.rejects
    assert [p.country for p in t.posts] == ["MW", "GB", "US", "GB", "US", "US", "US"]


def test_not_tweets(v2_dir):
    counts = tally(v2_dir, "twarccsv-counts.jsonl")
    assert counts.skips == {"counts": 169} and not counts.records
    compliance = tally(v2_dir, "twarccsv-tweets_compliance.jsonl")
    assert compliance.skips == {"compliance": 2} and not compliance.records


def test_a_stream_problem_is_an_api_error_not_a_reject():
    """What the v2 stream sends when it drops the connection (the API's problem object)."""
    problem = {"title": "ConnectionException", "detail": "This stream is currently at the maximum allowed "
               "connection limit.", "connection_issue": "TooManyConnections",
               "type": "https://api.twitter.com/2/problems/streaming-connection"}
    assert twitter_v2.sniff(problem) and not twitter_v1.sniff(problem)
    assert list(twitter_v2.read(problem)) == [Skip("api_error")]
    other = problem | {"type": "https://example.org/problems/x"}
    assert not twitter_v2.sniff(other)


def test_a_stream_disconnect_without_twarc_metadata_is_an_api_error():
    """The filtered stream announces an operational disconnect as an ``errors`` list of problems;
    only twarc2 adds ``__twarc`` to it, so a line saved by another client has neither that nor
    ``meta``. An ``errors`` list of anything else is still not recognised."""
    line = {"errors": [{"title": "operational-disconnect", "disconnect_type": "UpstreamOperationalDisconnect",
                        "detail": "This stream has been disconnected upstream for operational reasons.",
                        "type": "https://api.twitter.com/2/problems/operational-disconnect"}]}
    assert twitter_v2.sniff(line) and not twitter_v1.sniff(line)
    assert list(twitter_v2.read(line)) == [Skip("api_error")]
    assert not twitter_v2.sniff({"errors": [{"message": "something else"}]})
    assert not twitter_v2.sniff({"errors": []})


def test_policy_placeholders_and_edits(v2_dir):
    t = tally(v2_dir, "twarccsv-media_policy_violation_on.jsonl")
    assert len(t.records) == 100 and len({p.author_id for p in t.posts}) == 1
    # the author's own texts are placeholders without tags; retweets show the retweeted tweets'
    assert not any(p.hashtags for p in t.posts if p.kind != "repost")
    assert sum(bool(p.hashtags) for p in t.posts) == 15
    before, after = (tally(v2_dir, f"twarccsv-edited_{w}.jsonl").posts for w in ("before", "after"))
    assert [p.post_id for p in before] == ["1576994746135764992"]
    assert [p.post_id for p in after] == ["1576994789110992896"]  # an edit is a new tweet id
    assert len(tally(v2_dir, "twarccsv-quoted_edit.jsonl").records) == 1


def test_detection_is_exclusive(v2_dir):
    for path in sorted(v2_dir.glob("*.jsonl")):
        for doc in lines(path):
            assert twitter_v2.sniff(doc), path.name
            assert not twitter_v1.sniff(doc) and not activitystreams.sniff(doc), path.name


def test_single_tweet_without_created_at_gets_its_time_from_its_id():
    tweet = {"id": "1574186989737459712", "text": "#MeToo", "edit_history_tweet_ids": ["1574186989737459712"]}
    assert twitter_v2.sniff(tweet)
    [record] = twitter_v2.read(tweet)
    assert record.post.created_at == 1664150399990000 and record.post.hashtags == ["metoo"]
    assert record.post.hashtag_forms == ["MeToo"]  # no entities: the tags come from the text


# ---------------------------------------------------------------------------------------------
# Property: mutated real tweets never raise, and every top-level record gives exactly one item

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(),
    st.text(max_size=12), st.just(""), st.just("und"), st.just("2017-10-15T20:21:00Z"),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
)


@st.composite
def mutated(draw, value, depth=0):
    """``value`` with one key dropped or one value replaced, somewhere inside it."""
    if isinstance(value, dict) and value and depth < 5:
        key = draw(st.sampled_from(sorted(value)))
        action = draw(st.sampled_from(("drop", "junk", "deeper")))
        copy = dict(value)
        if action == "drop":
            del copy[key]
        else:
            copy[key] = draw(JUNK) if action == "junk" else draw(mutated(value[key], depth + 1))
        return copy
    if isinstance(value, list) and value and depth < 5:
        index = draw(st.integers(0, len(value) - 1))
        copy = list(value)
        copy[index] = draw(st.one_of(JUNK, mutated(value[index], depth + 1)))
        return copy
    return draw(JUNK)


@st.composite
def many_mutations(draw, value):
    for _ in range(draw(st.integers(1, 4))):
        value = draw(mutated(value))
    return value


def assert_well_formed(items: list, expected_records: int) -> None:
    counted = [i for i in items if isinstance(i, (Record, Skip, Reject))]
    assert len(counted) == expected_records
    posts = [i.post for i in items if isinstance(i, Record)]
    posts += [p for i in items if isinstance(i, Record) for p in i.embedded]
    posts += [p for i in items if isinstance(i, Referenced) for p in i.posts]
    users = [u for i in items if isinstance(i, (Record, Referenced, Skip)) for u in i.users]
    for post in posts:
        assert isinstance(post.post_id, str) and post.post_id and post.kind in KINDS
    posts_to_arrow(posts)  # every value has its column's type (an int64 fits, a string is a string)
    users_to_arrow(users)
    for reject in (i for i in items if isinstance(i, Reject)):
        assert reject.reason


@pytest.fixture(scope="module")
def samples(v2_dir):
    page = lines(v2_dir / "twarccsv-noflat.jsonl")[0]
    flat = lines(v2_dir / "twarccsv-flat.jsonl")
    return page, flat


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_pages_account_for_every_record(samples, data):
    page, _ = samples
    tweets = data.draw(st.lists(st.sampled_from(page["data"]), min_size=1, max_size=4))
    tweets = [data.draw(st.one_of(st.just(t), many_mutations(t))) for t in tweets]
    includes = data.draw(st.one_of(st.just(page["includes"]), many_mutations(page["includes"])))
    doc = {"data": tweets, "includes": includes, "errors": page["errors"]}
    assert_well_formed(list(twitter_v2.read(doc)), len(tweets) + len(page["errors"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_flat_tweets_give_one_item(samples, data):
    _, flat = samples
    tweet = data.draw(many_mutations(data.draw(st.sampled_from(flat))))
    assert_well_formed(list(twitter_v2.read(tweet)), 1)
