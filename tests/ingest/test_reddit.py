"""The Reddit reader on PRAW's recorded API cassettes (Betamax)."""

import copy
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cassettes import documents, exchanges, mutate
from hashtide.ingest import reddit
from hashtide.ingest.items import Record, Reject, Skip
from hashtide.model import parse_epoch, posts_to_arrow, users_to_arrow


def cassette(shared_data, name):
    return shared_data / "reddit" / f"praw-cassette-{name}.json"


def read_all(docs):
    return [item for doc in docs if reddit.sniff(doc) for item in reddit.read(doc)]


def listings(shared_data, name):
    return [d for d in documents(cassette(shared_data, name)) if reddit.sniff(d)]


def test_bodies_are_plain_strings_not_base64(shared_data):
    for name in ("front-new-2016-03", "stream-comments-2016-12"):
        found = exchanges(cassette(shared_data, name))
        assert all(e.body is not None for e in found)
        assert sum(not reddit.sniff(e.body) for e in found) == 1  # the OAuth token answer


def test_comment_stream_counts(shared_data):
    found = read_all(documents(cassette(shared_data, "stream-comments-2016-12")))
    assert len(found) == 1193 and all(isinstance(i, Record) for i in found)
    posts = [i.post for i in found]
    assert len({p.post_id for p in posts}) == 417
    assert Counter(p.kind for p in posts) == {"reply": 1193}
    assert sum(p.parent_id.startswith("t1_") for p in posts) == 721
    assert sum(p.parent_id.startswith("t1_") for p in {p.post_id: p for p in posts}.values()) == 249
    assert all(p.root_id.startswith("t3_") and p.post_id.startswith("t1_") for p in posts)
    posts_to_arrow(posts)
    users_to_arrow([u for i in found for u in i.users])


def test_comment_fields(shared_data):
    [first, *_] = read_all(documents(cassette(shared_data, "stream-comments-2016-12")))
    post = first.post
    assert (post.post_id, post.parent_id, post.root_id) == ("t1_dbhn11d", "t3_5jffj1", "t3_5jffj1")
    assert (post.author_id, post.author_handle, post.likes, post.replies) == ("Mametaro", "Mametaro", 1, None)
    assert post.created_at == parse_epoch(1482373040.0)
    assert post.text.startswith("1979 (Showa 54) 10 Yen")


def test_front_page_submissions(shared_data):
    found = read_all(documents(cassette(shared_data, "front-new-2016-03")))
    posts = [i.post for i in found]
    assert len(posts) == 100 and len({p.post_id for p in posts}) == 100
    assert Counter(p.kind for p in posts) == {"original": 100}
    with_body = [p for p in posts if "\n\n" in p.text]
    assert len(with_body) == 13  # 13 self posts carry a self text after the title
    first = posts[0]
    assert (first.post_id, first.author_handle, first.likes, first.replies) == ("t3_48f0th", "Kevm4str", 1, 0)
    assert first.text.startswith("Pokémon could never exist in America because of its society.\n\nPokémon would")


def test_html_escaped_text_is_unescaped(shared_data):
    listing = copy.deepcopy(listings(shared_data, "front-new-2016-03")[0])
    data = next(c["data"] for c in listing["data"]["children"] if "&" in c["data"]["title"])
    original = data["title"]
    data["title"] = original.replace("&", "&amp;")  # what the API sends without raw_json=1
    data["selftext"] = ""
    [item] = reddit.read({"kind": "t3", "data": data})
    assert item.post.text == original


def test_pushshift_objects_read_like_listing_children(shared_data):
    listing = listings(shared_data, "stream-comments-2016-12")[0]
    child = listing["data"]["children"][0]
    bare = {k: v for k, v in child["data"].items() if k != "name"}  # Pushshift dumps lack "name"
    assert reddit.sniff(bare)
    [from_listing] = reddit.read({"kind": "Listing", "data": {"children": [child]}})
    [from_dump] = reddit.read(bare)
    assert from_dump == from_listing


def test_deleted_authors_more_stubs_and_nested_replies(shared_data):
    listing = listings(shared_data, "stream-comments-2016-12")[0]
    parent, reply = (copy.deepcopy(c) for c in listing["data"]["children"][:2])
    reply["data"]["author"] = "[deleted]"
    parent["data"]["replies"] = {"kind": "Listing", "data": {"children": [reply, {"kind": "more", "data": {}}]}}
    found = list(reddit.read({"kind": "Listing", "data": {"children": [parent]}}))
    assert [type(i) for i in found] == [Record, Record, Skip]
    assert (found[1].post.author_id, found[1].post.author_handle, found[1].users) == (None, None, [])
    assert found[2] == Skip("more")


def test_hashtags_come_from_the_text(shared_data):
    found = read_all(documents(cassette(shared_data, "stream-comments-2016-12")))
    tagged = {i.post.post_id: i.post for i in found if i.post.hashtags}
    assert all("#" in p.text for p in tagged.values())
    bad = {"kind": "t1", "data": {"id": "x", "created_utc": "soon", "body": "#a"}}
    assert isinstance(next(reddit.read(bad)), Reject)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_listings_give_one_item_per_child(shared_data, data):
    listing = listings(shared_data, "stream-comments-2016-12")[4]
    small = {"kind": "Listing", "data": {"children": listing["data"]["children"][:3]}}
    doc = mutate(small, data)
    if reddit.sniff(doc):
        found = list(reddit.read(doc))
        children = doc["data"].get("children")
        assert len(found) == (len(children) if isinstance(children, list) else 1)
        posts_to_arrow([i.post for i in found if isinstance(i, Record)])
        users_to_arrow([u for i in found if isinstance(i, Record) for u in i.users])


# The search APIs that serve the dumps' objects (Pushshift, PullPush, Arctic Shift) answer
# {"data": [...]}; these objects have the real fields of such answers, with invented content.
def _api_comment(thing_id, parent_id, **more):
    return {"id": thing_id, "created_utc": 1672531200, "author": "someone", "author_fullname": "t2_abc",
            "body": "a #Tag here", "link_id": "t3_zz1", "parent_id": parent_id, "score": 2,
            "subreddit": "test", "retrieved_on": 1672531300, **more}


def test_a_saved_search_api_page_gives_one_record_per_object():
    submission = {"id": "zz1", "created_utc": 1672531100, "title": "A #Title", "selftext": "", "author": "op",
                  "num_comments": 2, "score": 5}
    page = {"data": [submission, _api_comment("j0a", "t3_zz1"), 7]}
    assert reddit.sniff(page)
    found = list(reddit.read(page))
    assert [type(i) for i in found] == [Record, Record, Reject]
    assert [i.post.post_id for i in found[:2]] == ["t3_zz1", "t1_j0a"]
    assert found[0].post.hashtags == ["title"] and found[1].post.parent_id == "t3_zz1"
    assert found[2].raw == b"7"


def test_an_empty_search_api_page_is_recognised_and_gives_nothing():
    for page in ({"data": []}, {"data": [], "metadata": {"total_results": 0}}):
        assert reddit.sniff(page) and list(reddit.read(page)) == []
    assert not reddit.sniff({"data": [], "includes": {}})
    assert not reddit.sniff({"data": [{"id": "1", "text": "a tweet"}]})


def test_pushshift_api_integer_and_null_parent_ids_become_fullnames():
    """Pushshift's API of 2022-2023 wrote a reply's parent as the integer of its base-36 id, and a
    top-level comment's as null (pushshift/api#110, pmaw#55, timesearch#19)."""
    reply = _api_comment("j72b5yy", 41785179015)
    top = _api_comment("j72b5zz", None)
    [reply_item, top_item] = reddit.read({"data": [reply, top]})
    assert (reply_item.post.kind, reply_item.post.parent_id) == ("reply", "t1_j71teh3")
    assert (top_item.post.parent_id, top_item.post.root_id) == ("t3_zz1", "t3_zz1")


def test_a_crosspost_carries_its_source_as_an_embedded_copy():
    """The API and the dumps carry the crossposted submission whole in crosspost_parent_list (the
    structure of a real thread page of 2023, with invented content)."""
    source = {"id": "aa1", "name": "t3_aa1", "created_utc": 1676837458.0, "title": "The #Origin",
              "selftext": "", "author": "first", "author_fullname": "t2_first", "num_comments": 97, "score": 9}
    crosspost = {"id": "bb2", "name": "t3_bb2", "created_utc": 1676871913.0, "title": "seen elsewhere",
                 "selftext": "", "author": "second", "author_fullname": "t2_second", "score": 3,
                 "crosspost_parent": "t3_aa1", "crosspost_parent_list": [source]}
    [item] = reddit.read({"kind": "t3", "data": crosspost})
    assert (item.post.kind, item.post.parent_id, item.post.parent_author_id) == ("quote", "t3_aa1", "t2_first")
    [embedded] = item.embedded
    assert (embedded.post_id, embedded.kind, embedded.hashtags) == ("t3_aa1", "original", ["origin"])
    assert embedded.replies == 97
    assert [u.user_id for u in item.users] == ["t2_second", "t2_first"]
    crosspost["crosspost_parent_list"] = [{"id": "cc3"}, "junk"]  # no copy of the source: none embedded
    [item] = reddit.read({"kind": "t3", "data": crosspost})
    assert (item.post.parent_id, item.embedded, item.post.parent_author_id) == ("t3_aa1", [], None)


def test_a_nested_reply_knows_the_author_it_replies_to(shared_data):
    """In a thread page, a reply sits in its parent's ``replies``: the parent's author is known."""
    listing = listings(shared_data, "stream-comments-2016-12")[0]
    parent, reply, deleted = (copy.deepcopy(c) for c in listing["data"]["children"][:3])
    reply["data"]["parent_id"] = deleted["data"]["name"]
    deleted["data"].update(author="[deleted]", parent_id=parent["data"]["name"])
    deleted["data"]["replies"] = {"kind": "Listing", "data": {"children": [reply]}}
    parent["data"]["replies"] = {"kind": "Listing", "data": {"children": [deleted]}}
    found = [i.post for i in reddit.read({"kind": "Listing", "data": {"children": [parent]}})]
    assert [p.parent_author_id for p in found] == [None, found[0].author_id, None]
    assert found[0].author_id is not None
