"""The Bluesky reader on the AT Protocol SDK's recorded records and views, and on Jetstream
events written from the documented event shape (no real Jetstream capture is published)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cassettes import mutate
from hashtide.ingest import bluesky
from hashtide.ingest.items import Record, Referenced, Reject, Skip
from hashtide.model import parse_iso, posts_to_arrow, users_to_arrow

DID = "did:plc:kvwvcn5iqfooopmyzvb4qzba"
OTHER = "did:plc:vpkhqolt662uhesyj6nxm7ys"


def items(doc):
    assert bluesky.sniff(doc)
    return list(bluesky.read(doc))


def load(shared_data, name):
    return json.loads((shared_data / "bluesky" / f"marshalx-{name}.json").read_text())


# ---------------------------------------------------------------------------------------------
# The recorded fixtures


def test_post_record(shared_data):
    [item] = items(load(shared_data, "post_record"))
    post = item.post
    assert post.post_id == f"at://{DID}/app.bsky.feed.post/3k2yihcrp6f2c"
    assert (post.author_id, post.text, post.kind, post.lang) == (DID, "new text114", "original", None)
    assert post.created_at == parse_iso("2024-02-22T19:58:13.903293+00:00")


def test_extended_post_record_ignores_unknown_keys_and_reads_naive_time_as_utc(shared_data):
    [item] = items(load(shared_data, "extended_post_record"))
    assert (item.post.text, item.post.lang) == ("regress test", "en")
    assert item.post.created_at == parse_iso("2023-07-21T01:33:51.481951+00:00")


@pytest.mark.parametrize("name, kind", [("like_record", "like"), ("extended_like_record", "like"),
                                         ("feed_record", "generator")])
def test_records_that_are_not_posts_are_skipped(shared_data, name, kind):
    assert items(load(shared_data, name)) == [Skip(kind)]


def test_get_follows_is_one_skip_carrying_the_seven_profiles(shared_data):
    [item] = items(load(shared_data, "get_follows"))
    assert isinstance(item, Skip) and item.kind == "follows"
    assert [u.handle for u in item.users][:2] == ["test.marshal.dev", "why.bsky.team"]
    assert len(item.users) == 7 and len(users_to_arrow(item.users)) == 7


def test_thread_view_with_quoted_post_and_media(shared_data):
    [item] = items(load(shared_data, "thread_view_post_with_embed_media"))
    post = item.post
    assert post.post_id == f"at://{DID}/app.bsky.feed.post/3kaheyt6vpc22"
    assert (post.kind, post.parent_id, post.parent_author_id) == (
        "quote", f"at://{DID}/app.bsky.feed.post/3kahesw26il2z", DID)
    assert (post.author_handle, post.text, post.lang, post.likes, post.reposts, post.replies) == (
        "test.marshal.dev", "", "en", 0, 0, 0)
    [quoted] = item.embedded
    assert (quoted.post_id, quoted.text, quoted.top_level) == (post.parent_id, "test", False)
    assert quoted.created_at == parse_iso("2023-09-28T12:46:18.414Z")


def test_feed_item_reposted_by_reason(shared_data):
    view = load(shared_data, "thread_view_post_with_embed_media")["thread"]["post"]
    reason = {"$type": "app.bsky.feed.defs#reasonRepost", "indexedAt": "2023-09-29T08:00:00.000Z",
              "by": {"did": OTHER, "handle": "why.bsky.team", "displayName": "Why"}}
    first, again = items({"feed": [{"post": view, "reason": reason}, {"post": view, "reason": reason}]})
    repost = first.post
    assert repost.post_id == again.post.post_id  # stable without a reason uri
    assert repost.post_id.startswith(f"at://{OTHER}/app.bsky.feed.repost/h")
    assert (repost.kind, repost.parent_id, repost.parent_author_id, repost.author_handle) == (
        "repost", view["uri"], DID, "why.bsky.team")
    assert repost.created_at == parse_iso("2023-09-29T08:00:00Z")
    assert [p.post_id for p in first.embedded] == [view["uri"], f"at://{DID}/app.bsky.feed.post/3kahesw26il2z"]
    assert all(not p.top_level for p in first.embedded)
    with_uri = dict(reason, uri=f"at://{OTHER}/app.bsky.feed.repost/3kai2abcd",)
    [item] = items({"feed": [{"post": view, "reason": with_uri}]})
    assert item.post.post_id == with_uri["uri"]


def test_bare_post_record_without_uri_is_rejected(shared_data):
    record = load(shared_data, "post_record")["value"]
    [item] = items(record)
    assert isinstance(item, Reject) and item.reason == "bluesky post record without uri"
    assert items(load(shared_data, "like_record")["value"]) == [Skip("like")]


def test_posts_search_and_list_records_give_one_item_each(shared_data):
    view = load(shared_data, "thread_view_post_with_embed_media")["thread"]["post"]
    assert [type(i) for i in items({"posts": [view, view]})] == [Record, Record]
    records = [load(shared_data, n) for n in ("post_record", "like_record", "feed_record")]
    assert [type(i).__name__ for i in items({"records": records})] == ["Record", "Skip", "Skip"]


# ---------------------------------------------------------------------------------------------
# Jetstream (events written from the bluesky-social/jetstream README's documented shape)


def event(collection, record=None, operation="create", rkey="3l3qo2vutsw2b", did=DID):
    commit = {"rev": "3l3qo2vuowo2b", "operation": operation, "collection": collection, "rkey": rkey}
    if record is not None:
        commit.update(record=record, cid="bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi")
    return {"did": did, "time_us": 1725911162329308, "kind": "commit", "commit": commit}


TEXT = "Me too. #MeToo and #HowIWillChange"
FACETS = [
    {"index": {"byteStart": 8, "byteEnd": 14},
     "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "MeToo"}]},
    {"index": {"byteStart": 19, "byteEnd": 34},
     "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "HowIWillChange"}]},
]
PARENT = f"at://{OTHER}/app.bsky.feed.post/3l3qnaaaaaa2b"
ROOT = f"at://{OTHER}/app.bsky.feed.post/3l3qmrootaa2b"


def post_record(**extra):
    return {"$type": "app.bsky.feed.post", "text": TEXT, "createdAt": "2024-09-09T19:46:02.102Z",
            "langs": ["en", "fr"], **extra}


def one(doc):
    [item] = items(doc)
    return item


def test_jetstream_post_with_facets():
    post = one(event("app.bsky.feed.post", post_record(facets=FACETS, tags=["metoo", "Survivors"]))).post
    assert post.post_id == f"at://{DID}/app.bsky.feed.post/3l3qo2vutsw2b"
    assert (post.author_id, post.kind, post.lang, post.text) == (DID, "original", "en", TEXT)
    assert post.hashtags == ["metoo", "howiwillchange", "survivors"]
    assert post.hashtag_forms == ["MeToo", "HowIWillChange", "Survivors"]
    assert post.created_at == parse_iso("2024-09-09T19:46:02.102Z")


def test_jetstream_facets_win_over_text_and_text_is_read_without_facets():
    only_one = [FACETS[0]]
    assert one(event("app.bsky.feed.post", post_record(facets=only_one))).post.hashtags == ["metoo"]
    assert one(event("app.bsky.feed.post", post_record())).post.hashtags == ["metoo", "howiwillchange"]


def test_jetstream_reply_and_quote():
    reply = one(event("app.bsky.feed.post", post_record(
        reply={"root": {"uri": ROOT, "cid": "x"}, "parent": {"uri": PARENT, "cid": "y"}}))).post
    assert (reply.kind, reply.parent_id, reply.root_id, reply.parent_author_id) == ("reply", PARENT, ROOT, OTHER)
    quote = one(event("app.bsky.feed.post", post_record(
        embed={"$type": "app.bsky.embed.record", "record": {"uri": PARENT, "cid": "y"}}))).post
    assert (quote.kind, quote.parent_id, quote.parent_author_id) == ("quote", PARENT, OTHER)
    media = one(event("app.bsky.feed.post", post_record(embed={
        "$type": "app.bsky.embed.recordWithMedia", "media": {"$type": "app.bsky.embed.images", "images": []},
        "record": {"$type": "app.bsky.embed.record", "record": {"uri": PARENT, "cid": "y"}}}))).post
    assert (media.kind, media.parent_id) == ("quote", PARENT)
    feed_embed = one(event("app.bsky.feed.post", post_record(embed={
        "$type": "app.bsky.embed.record", "record": {"uri": f"at://{OTHER}/app.bsky.feed.generator/x"}}))).post
    assert feed_embed.kind == "original"


def test_jetstream_repost_delete_identity_account_like():
    repost = one(event("app.bsky.feed.repost", {"$type": "app.bsky.feed.repost", "createdAt": "2024-09-09T19:46:02Z",
                                                "subject": {"uri": PARENT, "cid": "y"}})).post
    assert repost.post_id == f"at://{DID}/app.bsky.feed.repost/3l3qo2vutsw2b"
    assert (repost.kind, repost.parent_id, repost.parent_author_id, repost.text) == ("repost", PARENT, OTHER, None)
    assert one(event("app.bsky.feed.post", operation="delete")) == Skip("delete")
    assert one(event("app.bsky.feed.like", {"$type": "app.bsky.feed.like", "subject": {"uri": PARENT}})) == Skip("like")
    assert one(event("app.bsky.graph.follow", {"subject": OTHER})) == Skip("follow")
    identity = one({"did": DID, "time_us": 1, "kind": "identity",
                    "identity": {"did": DID, "handle": "test.marshal.dev", "seq": 1, "time": "2024-09-09T19:46:02Z"}})
    assert identity.kind == "identity" and [u.handle for u in identity.users] == ["test.marshal.dev"]
    account = {"did": DID, "time_us": 1, "kind": "account",
               "account": {"active": False, "did": DID, "seq": 2, "status": "deactivated", "time": "2024-09-09T19:46:02Z"}}
    assert one(account) == Skip("account")


def test_jetstream_post_without_time_falls_back_to_time_us_and_bad_commits_are_rejected():
    record = post_record()
    del record["createdAt"]
    assert one(event("app.bsky.feed.post", record)).post.created_at == 1725911162329308
    broken = event("app.bsky.feed.post", "not a record")
    assert isinstance(one(broken), Reject)


# ---------------------------------------------------------------------------------------------
# Damaged records: one item per record, never an exception, always storable


def counted(found):
    return [i for i in found if not isinstance(i, Referenced)]


def storable(found):
    posts = [p for i in found if isinstance(i, Record) for p in (i.post, *i.embedded)]
    users = [u for i in found if isinstance(i, (Record, Skip)) for u in i.users]
    posts_to_arrow(posts), users_to_arrow(users)


SINGLE = [
    event("app.bsky.feed.post", post_record(facets=FACETS, reply={"root": {"uri": ROOT}, "parent": {"uri": PARENT}})),
    event("app.bsky.feed.post", post_record(embed={"$type": "app.bsky.embed.record", "record": {"uri": PARENT}})),
    event("app.bsky.feed.repost", {"subject": {"uri": PARENT}, "createdAt": "2024-09-09T19:46:02Z"}),
    {"did": DID, "time_us": 1, "kind": "identity", "identity": {"did": DID, "handle": "a.b"}},
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_jetstream_events_give_exactly_one_item(data):
    doc = mutate(data.draw(st.sampled_from(SINGLE)), data)
    if bluesky.sniff(doc):
        found = list(bluesky.read(doc))
        assert len(counted(found)) == 1
        storable(found)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_views_and_records_never_raise(shared_data, data):
    name = data.draw(st.sampled_from(["thread_view_post_with_embed_media", "post_record", "extended_like_record"]))
    doc = load(shared_data, name)
    if name.startswith("thread"):  # as a feed of two items: one item per feed entry
        doc = {"feed": [{"post": doc["thread"]["post"]}, {"post": doc["thread"]["post"],
                        "reason": {"$type": "app.bsky.feed.defs#reasonRepost", "by": {"did": OTHER}}}]}
    doc = mutate(doc, data)
    if bluesky.sniff(doc):
        found = list(bluesky.read(doc))
        feed = doc.get("feed") if isinstance(doc, dict) else None
        expected = len(feed) if isinstance(feed, list) else 1
        assert len(counted(found)) == expected
        storable(found)


def test_negative_counters_are_unknown_not_counts(shared_data):
    doc = load(shared_data, "thread_view_post_with_embed_media")
    text = json.dumps(doc).replace('"likeCount": 0', '"likeCount": -1').replace('"replyCount": 0', '"replyCount": -3')
    [item] = items(json.loads(text))
    assert (item.post.likes, item.post.replies, item.post.reposts) == (None, None, 0)


# ---------------------------------------------------------------------------------------------
# Shapes found in real captures outside ../shared/data (invented content, the captures' structure)


def feed_item():
    """A getTimeline feed item as mattmassicotte/ATAT's tests hold one (Tests/ATATTests/
    PostTests.swift): a quoting post view, reposted, the repost reason without a uri."""
    quoted = f"at://{OTHER}/app.bsky.feed.post/3lhjg47rc6c2o"
    author = {"did": DID, "handle": "alice.example.com", "displayName": "Alice",
              "viewer": {"muted": False, "blockedBy": False}, "labels": [], "createdAt": "2023-07-29T01:17:56.883Z"}
    return {"post": {
        "uri": f"at://{DID}/app.bsky.feed.post/3lhjnkjle5s2o", "cid": "bafyreiaicb72bvulmvdafwzock4lsvarcx4bp54u",
        "author": author,
        "record": {"$type": "app.bsky.feed.post", "createdAt": "2025-02-06T17:50:33.851Z",
                   "embed": {"$type": "app.bsky.embed.record", "record": {"cid": "bafyreibox", "uri": quoted}},
                   "langs": ["en"], "text": "Quoting this, #MeToo"},
        "embed": {"$type": "app.bsky.embed.record#view", "record": {
            "$type": "app.bsky.embed.record#viewRecord", "uri": quoted, "cid": "bafyreibox",
            "author": {"did": OTHER, "handle": "bob.example.com", "labels": []},
            "value": {"$type": "app.bsky.feed.post", "createdAt": "2025-02-06T15:37:17.606Z", "text": "the quoted"},
            "labels": [], "likeCount": 1700, "indexedAt": "2025-02-06T15:37:19.452Z"}},
        "replyCount": 1, "repostCount": 7, "likeCount": 9, "quoteCount": 0, "indexedAt": "2025-02-06T17:50:34.148Z",
        "viewer": {"threadMuted": False, "embeddingDisabled": False}, "labels": []},
        "reason": {"$type": "app.bsky.feed.defs#reasonRepost",
                   "by": {"did": "did:plc:lw5dadzkguntwgkj2jxmulxk", "handle": "carol.example.com", "labels": []},
                   "indexedAt": "2025-02-06T17:58:31.348Z"}}


def test_a_feed_item_saved_on_its_own_is_read_as_in_a_feed():
    """`jq -c '.feed[]'` writes one feed item per line: each is the record it is in a feed."""
    alone = items(feed_item())
    in_feed = items({"feed": [feed_item()]})
    assert alone == in_feed
    [record] = alone
    post = record.post
    assert (post.kind, post.author_handle, post.hashtags) == ("repost", "carol.example.com", ["metoo"])
    assert [(p.kind, p.top_level) for p in record.embedded] == [("quote", False), ("original", False)]


def test_a_thread_node_saved_on_its_own_is_its_thread_not_a_skipped_record():
    view = feed_item()["post"]
    reply = {**view, "uri": f"at://{OTHER}/app.bsky.feed.post/3lhk2reply22x"}
    node = {"$type": "app.bsky.feed.defs#threadViewPost", "post": view, "replies": [
        {"$type": "app.bsky.feed.defs#threadViewPost", "post": reply, "replies": []},
        {"$type": "app.bsky.feed.defs#notFoundPost", "uri": f"at://{OTHER}/app.bsky.feed.post/gone", "notFound": True}]}
    found = items(node)
    assert [type(i).__name__ for i in found] == ["Record", "Record", "Skip"]
    assert [i.post.post_id for i in found[:2]] == [view["uri"], reply["uri"]] and found[2] == Skip("not_found")



@pytest.mark.parametrize("time_us", [2**70, -1, 1.5e15, "1725911162329308"])
def test_a_time_us_that_is_no_time_is_no_fallback_for_a_missing_created_at(time_us):
    """A damaged event's time_us beyond year 9999 once failed the whole batch in Arrow."""
    record = post_record()
    record["createdAt"] = "not a time"
    damaged = {**event("app.bsky.feed.post", record), "time_us": time_us}
    assert isinstance(one(damaged), Reject)


@pytest.mark.parametrize("page", [{"feed": []}, {"feed": [], "cursor": "2025-02-06T17:58:31.348Z"},
                                  {"posts": [], "hitsTotal": 0}, {"records": [], "cursor": "3lhjnkjle5s2o"}])
def test_an_empty_page_holds_no_record_and_is_no_reject(page):
    """The last page of getAuthorFeed, a searchPosts without hits: a valid answer of no records."""
    assert items(page) == []


def test_an_empty_list_beside_other_keys_is_not_taken_for_a_page():
    assert not bluesky.sniff({"posts": [], "subreddit": "x"}) and not bluesky.sniff({"feed": [], "title": "x"})


def _profile(did, handle):
    return {"did": did, "handle": handle, "displayName": handle.split(".")[0], "labels": [],
            "createdAt": "2024-01-02T03:04:05.000Z", "indexedAt": "2024-01-02T03:04:05.000Z"}


def test_who_liked_or_reposted_a_post_is_a_skip_carrying_the_profiles():
    """getLikes and getRepostedBy answers (shapes of bluesky-social/indigo's api/bsky) were
    rejected as "of an unknown shape"; they hold no post, but their profiles are kept."""
    uri = f"at://{DID}/app.bsky.feed.post/3kaheyt6vpc22"
    likes = {"uri": uri, "cursor": "c1", "likes": [
        {"actor": _profile(OTHER, "ana.example.org"), "createdAt": "2024-05-01T10:00:00.000Z",
         "indexedAt": "2024-05-01T10:00:01.000Z"},
        {"actor": _profile(DID, "ben.example.org"), "createdAt": "2024-05-01T11:00:00.000Z",
         "indexedAt": "2024-05-01T11:00:01.000Z"}]}
    reposted = {"uri": uri, "cid": "bafyreib", "repostedBy": [_profile(OTHER, "ana.example.org")]}
    [liked] = items(likes)
    [shared] = items(reposted)
    assert isinstance(liked, Skip) and liked.kind == "likes"
    assert [u.handle for u in liked.users] == ["ana.example.org", "ben.example.org"]
    assert isinstance(shared, Skip) and shared.kind == "reposted_by"
    assert [(u.user_id, u.handle) for u in shared.users] == [(OTHER, "ana.example.org")]
    assert items({"uri": uri, "likes": []})[0].kind == "likes"


@pytest.mark.parametrize("created", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
def test_a_created_at_beyond_the_calendar_in_utc_is_no_time(created, tmp_path):
    """'9999-12-31T23:00:00-05:00' is in year 10000 once in UTC: stored, it made `campaign` end in
    an OverflowError and the dashboard answer 500 (found by the review)."""
    import subprocess
    import sys

    bad, good = post_record(), post_record()
    bad["createdAt"] = created
    lines = [event("app.bsky.feed.post", bad, rkey="3l3qo2vutsw2b"), event("app.bsky.feed.post", good, rkey="3l3qo2vutsw2c")]
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    corpus = str(tmp_path / "c.duckdb")
    run = lambda *args: subprocess.run([sys.executable, "-m", "hashtide", *args], capture_output=True, text=True,  # noqa: E731
                                       timeout=120)
    ingested = run("ingest", str(source), "-c", corpus, "--json")
    assert json.loads(ingested.stdout)["ingested"] == 2, ingested.stderr  # the bad one keeps time_us
    sheet = run("campaign", "#MeToo", "-c", corpus, "--json")
    assert sheet.returncode == 0 and json.loads(sheet.stdout)["posts"] == 2, sheet.stderr


def test_a_thread_node_saved_without_type_keeps_its_replies_and_a_missing_one_is_skipped():
    """The review: a node without ``$type`` was read as a feed item, its replies dropped uncounted;
    a ``notFoundPost`` on its own was rejected, where inside a thread it is skipped."""
    def view(rkey, text):
        return {"uri": f"at://{DID}/app.bsky.feed.post/{rkey}", "cid": "bafyreib", "indexedAt": "2024-05-01T10:00:01.000Z",
                "author": {"did": DID, "handle": "ana.example.org"},
                "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2024-05-01T10:00:00.000Z"}}
    node = {"post": view("3kaaa", "root #MeToo"), "replies": [{"$type": "app.bsky.feed.defs#threadViewPost",
                                                             "post": view("3kaab", "reply #MeToo")}]}
    assert [i.post.text for i in items(node)] == ["root #MeToo", "reply #MeToo"]
    missing = {"$type": "app.bsky.feed.defs#notFoundPost", "uri": f"at://{DID}/app.bsky.feed.post/3kaac", "notFound": True}
    [item] = items(missing)
    assert isinstance(item, Skip) and item.kind == "not_found"
