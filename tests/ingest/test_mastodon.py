"""The Mastodon reader on Mastodon.py's recorded API cassettes (real server, test content)."""

import copy
import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cassettes import documents, exchanges, mutate
from hashtide.ingest import mastodon
from hashtide.ingest.items import Record, Reject, Skip
from hashtide.model import parse_iso, posts_to_arrow, users_to_arrow

CASSETTES = ("test_hashtag_tl", "test_id_hook_in_reply_to", "test_id_hook_within_reblog", "test_public_tl")


def cassette(shared_data, name):
    return shared_data / "mastodon" / f"mastodonpy-cassette-{name}.yaml"


def read_all(docs):
    found = []
    for doc in docs:
        if mastodon.sniff(doc):
            found.extend(mastodon.read(doc))
    return found


@pytest.mark.parametrize("name, records, deletes, distinct, unrecognised", [
    ("test_hashtag_tl", 2, 1, 1, 1),
    ("test_id_hook_in_reply_to", 2, 2, 2, 0),
    ("test_id_hook_within_reblog", 2, 2, 2, 0),
    ("test_public_tl", 17, 1, 8, 1),
])
def test_cassette_counts(shared_data, name, records, deletes, distinct, unrecognised):
    docs = documents(cassette(shared_data, name))
    found = read_all(docs)
    assert Counter(type(i).__name__ for i in found) == Counter(
        {k: v for k, v in {"Record": records, "Skip": deletes}.items() if v})
    assert all(i == Skip("delete") for i in found if isinstance(i, Skip))
    assert len({i.post.post_id for i in found if isinstance(i, Record)}) == distinct
    assert sum(not mastodon.sniff(d) for d in docs) == unrecognised  # the /api/v2/instance answers


def test_the_23_statuses_of_the_provenance(shared_data):
    """The provenance counts 23 statuses: every status a POST or GET answered (2 posts, 1 hashtag
    timeline, 2 public timelines of 8, 2 replies/toots, 1 boost + 1 toot). The 6 DELETE answers
    (the deleted status with its source ``text`` and no ``content``) make 29 status objects, of 13
    distinct ids; the boost's embedded copy is a 14th object, not a record."""
    every = [d for name in CASSETTES for d in documents(cassette(shared_data, name))]
    found = read_all(every)
    records = [i for i in found if isinstance(i, Record)]
    assert len(records) == 23 and sum(i == Skip("delete") for i in found) == 6
    assert len({i.post.post_id for i in records}) == 13
    assert sum(e.method == "DELETE" for name in CASSETTES for e in exchanges(cassette(shared_data, name))) == 6
    posts_to_arrow([p for r in records for p in (r.post, *r.embedded)])
    users_to_arrow([u for r in records for u in r.users])


def test_hashtag_status(shared_data):
    [status, *_] = documents(cassette(shared_data, "test_hashtag_tl"))
    [item] = mastodon.read(status)
    post = item.post
    assert (post.post_id, post.text, post.hashtags, post.hashtag_forms, post.lang) == (
        "117020593741189701", "#hoot (hashtag toot)", ["hoot"], ["hoot"], "ja")
    assert (post.author_id, post.author_handle, post.author_followers) == ("117020566092212359", "mastodonpy_test_2", 0)
    assert post.created_at == parse_iso("2026-08-01T13:55:55.867Z")
    assert (post.likes, post.reposts, post.replies, post.quotes, post.kind) == (0, 0, 0, 0, "original")


def test_reply_links_to_the_local_id_of_its_parent(shared_data):
    toot, reply = (i.post for i in read_all(documents(cassette(shared_data, "test_id_hook_in_reply_to")))[:2])
    assert (toot.text, reply.text) == ("Toot!", "Reply!")
    assert (reply.kind, reply.parent_id, reply.parent_author_id) == ("reply", toot.post_id, toot.author_id)


def test_boost_is_a_repost_of_the_embedded_status(shared_data):
    toot, boost = read_all(documents(cassette(shared_data, "test_id_hook_within_reblog")))[:2]
    post = boost.post
    assert (post.kind, post.parent_id, post.parent_author_id, post.text) == (
        "repost", toot.post.post_id, toot.post.author_id, "Toot!")
    [embedded] = boost.embedded
    assert (embedded.post_id, embedded.top_level, embedded.text) == (toot.post.post_id, False, "Toot!")


def test_tags_keep_the_form_the_author_typed(shared_data):
    status = copy.deepcopy(documents(cassette(shared_data, "test_hashtag_tl"))[0])
    status["content"] = '<p>Me too <a href="x" class="mention hashtag">#<span>MeToo</span></a><br>and #Hoot</p>'
    status["tags"] = [{"name": "metoo"}, {"name": "hoot"}, {"name": "absent"}]
    [item] = mastodon.read(status)
    assert item.post.text == "Me too #MeToo\nand #Hoot"
    assert (item.post.hashtags, item.post.hashtag_forms) == (["metoo", "hoot", "absent"], ["MeToo", "Hoot", "absent"])


def test_html_paragraphs_and_entities():
    assert mastodon.html_to_text("<p>a &amp; b</p><p>c<br />d</p>") == "a & b\n\nc\nd"
    assert mastodon.html_to_text("plain &lt;3") == "plain <3"
    assert mastodon.html_to_text(None) is None


def test_activitypub_outbox():
    # No real export is published among the fixtures; this is the ActivityStreams 2.0 shape a
    # Mastodon account archive's outbox.json has (Create/Note, Announce).
    note = "https://mastodon.social/users/alice/statuses/1"
    outbox = {"@context": "https://www.w3.org/ns/activitystreams", "id": "outbox.json",
              "type": "OrderedCollection", "totalItems": 4, "orderedItems": [
                  {"id": note + "/activity", "type": "Create", "actor": "https://mastodon.social/users/alice",
                   "published": "2017-10-16T08:00:00Z",
                   "object": {"id": note, "type": "Note", "published": "2017-10-16T08:00:00Z",
                              "attributedTo": "https://mastodon.social/users/alice",
                              "inReplyTo": "https://mamot.fr/users/bob/statuses/9",
                              "content": "<p>Me too <a href=\"x\">#<span>MeToo</span></a></p>",
                              "contentMap": {"en": "..."},
                              "tag": [{"type": "Hashtag", "name": "#metoo", "href": "x"},
                                      {"type": "Mention", "name": "@bob@mamot.fr"}]}},
                  {"id": "https://mastodon.social/users/alice/statuses/2/activity", "type": "Announce",
                   "actor": "https://mastodon.social/users/alice", "published": "2017-10-16T09:00:00Z",
                   "object": "https://mamot.fr/users/bob/statuses/9"},
                  {"id": "x", "type": "Like", "actor": "y", "object": "z"},
                  {"id": "y", "type": "Create", "actor": "a", "object": {"id": "n", "type": "Note"}},
              ]}
    assert mastodon.sniff(outbox)
    created, announced, liked, broken = mastodon.read(outbox)
    post = created.post
    assert (post.post_id, post.kind, post.parent_id, post.text, post.lang) == (
        note, "reply", "https://mamot.fr/users/bob/statuses/9", "Me too #MeToo", "en")
    assert (post.hashtags, post.hashtag_forms) == (["metoo"], ["MeToo"])
    assert (announced.post.kind, announced.post.parent_id) == ("repost", "https://mamot.fr/users/bob/statuses/9")
    assert liked == Skip("like") and isinstance(broken, Reject)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_statuses_give_one_item_and_never_raise(shared_data, data):
    statuses = [d for name in ("test_id_hook_within_reblog", "test_id_hook_in_reply_to")
                for d in documents(cassette(shared_data, name)) if mastodon.sniff(d)]
    doc = mutate(data.draw(st.sampled_from(statuses)), data)
    if mastodon.sniff(doc):
        found = list(mastodon.read(doc))
        assert len(found) == 1
        posts_to_arrow([p for i in found if isinstance(i, Record) for p in (i.post, *i.embedded)])
        users_to_arrow([u for i in found if isinstance(i, Record) for u in i.users])


def test_negative_counters_are_unknown_not_counts(shared_data):
    """-1 (or any negative) is no count of favourites or followers: it is read as unknown."""
    doc = next(d for d in documents(cassette(shared_data, "test_public_tl")) if isinstance(d, dict) and "favourites_count" in d)
    damaged = copy.deepcopy(doc)
    damaged["favourites_count"], damaged["reblogs_count"], damaged["account"]["followers_count"] = -1, -5, -2
    [record] = [i for i in mastodon.read(damaged) if isinstance(i, Record)]
    assert (record.post.likes, record.post.reposts, record.post.author_followers) == (None, None, None)
    assert record.post.replies == doc["replies_count"] >= 0


# ---------------------------------------------------------------------------------------------
# Streaming API WebSocket messages (the structure of the examples in mastodon/documentation,
# content/en/methods/streaming.md, captured from a real server; content and ids invented here)


def streamed_status(**extra):
    return {"id": "108913983692647032", "created_at": "2022-08-30T21:38:22.000Z",
            "in_reply_to_id": "108913981098896721", "in_reply_to_account_id": "1081104",
            "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "en",
            "uri": "https://example.social/users/alice/statuses/108913983628474640",
            "url": "https://example.social/@alice/108913983628474640",
            "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "edited_at": None,
            "content": "<p>Me too <a href=\"https://example.social/tags/MeToo\" class=\"mention hashtag\" "
                       "rel=\"tag\">#<span>MeToo</span></a></p>",
            "reblog": None,
            "account": {"id": "1081104", "username": "alice", "acct": "alice@example.social",
                        "display_name": "Alice", "locked": False, "bot": False,
                        "created_at": "2020-01-10T00:00:00.000Z",
                        "followers_count": 150, "following_count": 216, "statuses_count": 2447,
                        "last_status_at": "2022-08-30", "emojis": [], "fields": []},
            "media_attachments": [], "mentions": [],
            "tags": [{"name": "metoo", "url": "https://example.social/tags/metoo"}],
            "emojis": [], "card": None, "poll": None, **extra}


def message(event, payload=None, stream=("public",)):
    found = {"stream": list(stream), "event": event}
    if payload is not None:
        found["payload"] = payload if isinstance(payload, str) else json.dumps(payload)
    return found


def test_streaming_update_is_the_status_its_payload_string_holds():
    doc = message("update", streamed_status(), stream=("hashtag", "metoo"))
    assert mastodon.sniff(doc)
    [record] = mastodon.read(doc)
    post = record.post
    assert (post.post_id, post.kind, post.parent_id, post.author_handle, post.text) == (
        "108913983692647032", "reply", "108913981098896721", "alice@example.social", "Me too #MeToo")
    assert (post.hashtags, post.hashtag_forms, post.lang) == (["metoo"], ["MeToo"], "en")
    assert list(mastodon.read(message("update", streamed_status()) | {"payload": streamed_status()})) == [record]


def test_streaming_edit_delete_and_other_events():
    [edit] = mastodon.read(message("status.update", streamed_status(content="<p>edited</p>")))
    assert (edit.post.post_id, edit.post.text) == ("108913983692647032", "edited")
    assert list(mastodon.read(message("delete", "106692867363994015"))) == [Skip("delete")]
    assert list(mastodon.read(message("filters_changed", stream=("user",)))) == [Skip("streaming filters_changed")]
    assert list(mastodon.read(message("notification", {"id": "1", "type": "mention"}))) == [
        Skip("streaming notification")]
    [bad] = mastodon.read(message("update", "{\"id\": \"1\", "))
    [empty] = mastodon.read(message("update"))
    assert isinstance(bad, Reject) and bad.reason.startswith("mastodon streaming payload is not JSON")
    assert empty == Reject("mastodon streaming payload is not a status", empty.raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_streaming_messages_give_one_item_and_never_raise(data):
    doc = mutate(data.draw(st.sampled_from([message("update", streamed_status()), message("delete", "1")])), data)
    if mastodon.sniff(doc):
        found = list(mastodon.read(doc))
        assert len(found) == 1
        posts_to_arrow([p for i in found if isinstance(i, Record) for p in (i.post, *i.embedded)])


def test_a_thread_context_is_its_ancestors_and_descendants():
    """GET /api/v1/statuses/:id/context, as Mastodon.py's cassette test_status_context.yaml
    records it ({"ancestors": [], "descendants": []} for a status alone); statuses invented."""
    root = streamed_status(id="103188938570975982", in_reply_to_id=None, in_reply_to_account_id=None)
    reply = streamed_status(id="103189026958574542", in_reply_to_id="103188971072973252")
    doc = {"ancestors": [root], "descendants": [reply]}
    assert mastodon.sniff(doc) and mastodon.sniff({"ancestors": [], "descendants": []})
    first, second = mastodon.read(doc)
    assert [(i.post.post_id, i.post.kind, i.post.parent_id) for i in (first, second)] == [
        ("103188938570975982", "original", None), ("103189026958574542", "reply", "103188971072973252")]
    assert list(mastodon.read({"ancestors": [], "descendants": []})) == []
    [broken] = mastodon.read({"ancestors": ["not a status"], "descendants": []})
    assert isinstance(broken, Reject)


def test_a_thread_context_entry_that_is_no_object_is_rejected_with_a_reason():
    """It was set aside with an exception's text ("AttributeError: 'int' object has no attribute")."""
    from hashtide.ingest import mastodon

    assert [(type(i).__name__, i.reason) for i in mastodon.read({"ancestors": [7], "descendants": []})] == [
        ("Reject", "mastodon thread entry is not an object")]


def test_a_streaming_payload_with_half_an_emoji_is_read_as_a_status_line_is():
    """The payload is a status as a JSON string; its decoding did not mend a text cut inside an
    emoji as the line reader does, and set the status aside as not JSON (the review)."""
    from hashtide.ingest import mastodon

    status = {"id": "1", "created_at": "2024-01-01T00:00:00.000Z", "content": "<p>cut HALF #MeToo</p>",
              "account": {"id": "9", "acct": "a"}, "tags": [{"name": "MeToo"}]}
    payload = json.dumps(status).replace("HALF", "\\ud83d")
    [item] = mastodon.read({"stream": ["public"], "event": "update", "payload": payload})
    assert item.post.text == "cut \ufffd #MeToo"
