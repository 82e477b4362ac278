"""Every figure of the fact sheet on the hand-built story corpus (see conftest.story_posts)."""

from __future__ import annotations

import datetime as dt

import pytest

from hashtide.campaign import Campaign
from hashtide.corpus import Corpus
from hashtide.model import Post

from campaign.campaign_worlds import T0, at, tw


@pytest.fixture
def facts(story):
    with Campaign(story, "#MeToo", reveal_authors=True) as c:
        return c.facts()


def test_counts(facts):
    assert facts["tag"] == "#MeToo"  # 10 of the 12 carrying posts write it so; one METOO, one metoo
    assert facts["posts"] == 14
    assert facts["by_kind"] == {"original": 4, "repost": 6, "reply": 3, "quote": 1}
    assert facts["distinct_authors"] == 13
    assert facts["replies_to_origin"] == 2  # 106 (untagged) and 107
    assert facts["reposts_of_origin"] == 1  # 108, through its subject


def test_origin_and_igniting_post(facts):
    origin = facts["origin"]
    assert (origin["platform"], origin["post_id"], origin["author_id"]) == ("twitter", "100", "u1")
    assert origin["created_at"] == "2017-10-15T20:00:00Z"
    assert origin["author_handle"] == "h_u1"
    assert origin["before_collection"] is False  # collected as a post of its own
    ignite = facts["igniting_post"]
    assert (ignite["post_id"], ignite["author_id"], ignite["cascade_size"]) == ("101", "star", 8)
    assert ignite["same_as_origin"] is False


def test_reach_and_peak(facts):
    followers = [100, 3_200_000, 100, 150, 200, 250, 20, 30, 7_000, 40, 900, 12]  # r1 once; b2 unknown
    assert facts["reach_upper_bound"] == sum(followers)
    assert facts["peak"]["bucket"] == "2017-10-15T20:00:00Z"
    assert facts["peak"]["posts"] == 10  # 100-105, 107-110
    assert [b["posts"] for b in facts["timeline"]] == [10, 1, 2, 1]
    assert [b["cumulative_posts"] for b in facts["timeline"]] == [10, 11, 13, 14]
    assert [b["new_authors"] for b in facts["timeline"]] == [10, 0, 2, 1]  # r1 is back at 21:10


def test_spread(facts):
    assert facts["platforms"]["twitter"] | {} == {
        "posts": 11, "authors": 10, "first_seen": "2017-10-15T20:00:00Z", "share": round(11 / 14, 6),
        "lag_hours": 0.0}
    assert facts["platforms"]["bluesky"]["first_seen"] == "2017-10-15T22:00:00Z"
    assert facts["platforms"]["bluesky"]["lag_hours"] == 2.0
    assert (facts["platforms"]["mastodon"]["posts"], facts["platforms"]["mastodon"]["lag_hours"]) == (1, 5.0)
    assert list(facts["countries"]) == ["FR", "US"]  # only posts with place/geo count
    assert facts["countries"]["FR"]["first_seen"] == "2017-10-16T01:00:00Z"
    assert {k: v["posts"] for k, v in facts["languages"].items()} == {"en": 13, "fr": 1}


def test_cascades(facts):
    cascades = facts["cascades"]
    assert (cascades["count"], cascades["single_posts"], cascades["largest_size"]) == (3, 1, 8)
    assert cascades["max_depth"] == 2  # 101 <- 109 <- 110
    assert cascades["structural_virality"]["max"] == round(54 / 28, 6)
    assert cascades["structural_virality"]["median"] == round(4 / 3, 6)
    largest = cascades["largest"]
    assert [c["root"]["post_id"] for c in largest] == ["101", "100", "at://b1"]
    assert [c["size"] for c in largest] == [8, 3, 2]


def test_amplifiers(facts):
    amps = facts["amplifiers"]
    assert amps[0]["author_id"] == "star"
    assert (amps[0]["cascades"], amps[0]["cascade_posts"], amps[0]["rank_cascades"], amps[0]["rank_pagerank"]) == (1, 8, 1, 1)
    by_id = {a["author_id"]: a for a in amps}
    assert by_id["u1"]["rank_cascades"] == 2
    assert by_id["did:b1"]["cascade_posts"] == 2
    # PageRank: star gets 5 in-edges (r1 twice: a repost and a quote, weight 2), u1 two, a3 one
    ranked = sorted((a for a in amps if a["rank_pagerank"]), key=lambda a: a["rank_pagerank"])
    assert [a["author_id"] for a in ranked[:2]] == ["star", "u1"]


def test_case_insensitive_and_window(story):
    with Campaign(story, "＃METOO", since=T0 + dt.timedelta(hours=1)) as c:
        facts = c.facts()
    assert facts["posts"] == 4  # 111, b1, b2, m1
    assert facts["origin"]["post_id"] == "111"
    assert facts["replies_to_origin"] == 0
    with Campaign(story, "metoo", until=T0 + dt.timedelta(minutes=31)) as c:
        assert c.facts()["posts"] == 4  # 100, 107, 108, 101 (106 has no tag)

def test_origin_tie_is_broken_by_post_id(tmp_path):
    with Corpus.open(tmp_path / "tie.duckdb") as corpus:
        corpus.write_posts([tw("52", 0, "x", 1), tw("51", 0, "y", 1), tw("50", 1, "z", 1)])
        with Campaign(corpus, "metoo", reveal_authors=True) as c:
            assert c.facts()["origin"]["post_id"] == "51"


def test_posts_without_a_time_are_in_no_figure(tmp_path):
    """An id older than 2010 collected without ``created_at`` has no time: no timeline, window or
    order can place it, so no figure counts it (it used to crash the peak's bucket)."""
    import msgspec

    undated = [msgspec.structs.replace(tw(str(i), 0, f"old{i}", 1), created_at=None) for i in range(5)]
    undated.append(msgspec.structs.replace(tw("r", 0, "rt", 1, kind="repost", parent="3"), created_at=None))
    dated = [tw("70", 10, "a", 1), tw("71", 20, "b", 1, kind="reply", parent="70"), tw("72", 30, "c", 1, kind="repost", parent="0")]
    with Corpus.open(tmp_path / "undated.duckdb") as corpus:
        corpus.write_posts(undated + dated)
        with Campaign(corpus, "metoo", reveal_authors=True) as c:
            facts = c.facts()
            reposts = c.figure_posts("by_kind.repost").column("post_id").to_pylist()
    assert facts["posts"] == 3 and facts["origin"]["post_id"] == "70" and facts["replies_to_origin"] == 1
    assert facts["peak"]["posts"] == 3 and [row["posts"] for row in facts["timeline"]] == [3]
    assert facts["distinct_authors"] == 3 and reposts == ["72"]


def test_the_report_leaves_posts_without_a_time_out_too(tmp_path):
    """Its related tags' curves read the corpus' posts, not the campaign's table."""
    import msgspec

    from hashtide.report.data import gather

    dated = [tw(str(100 + i), 10 * i, f"a{i}", 1, tags=("metoo", "whatiwilldo")) for i in range(30)]
    undated = msgspec.structs.replace(tw("7", 0, "old", 1, tags=("metoo", "whatiwilldo")), created_at=None)
    with Corpus.open(tmp_path / "undated.duckdb") as corpus:
        corpus.write_posts(dated + [undated])
        data = gather(corpus, "#MeToo")
    assert data["facts"]["posts"] == 30 and data["related_curves"]


def test_tag_nobody_used(story):
    with Campaign(story, "#nothere") as c:
        facts = c.facts()
    assert facts["posts"] == 0 and facts["origin"] is None and facts["cascades"]["count"] == 0
    assert facts["related"] == [] and facts["amplifiers"] == []


def test_not_a_tag(story):
    with pytest.raises(ValueError, match="not a hashtag"):
        Campaign(story, "#2017")


def test_a_profile_location_is_shown_only_when_ten_authors_share_it(tmp_path):
    """A location one person typed can single them out: the JSON listed 'Bruxelles, Belgique' for
    one author. With --reveal-authors every location is shown."""
    from hashtide.model import User

    posts = [tw(str(i), i, f"u{i}", 1) for i in range(13)]
    users = [User(platform="twitter", user_id=f"u{i}", handle=f"h{i}", location="Paris " if i < 12 else "Bruxelles")
             for i in range(13)]
    with Corpus.open(tmp_path / "places.duckdb") as corpus:
        corpus.write_posts(posts)
        corpus.write_users(users)
        shown, audit = {}, {}
        for reveal in (False, True):
            with Campaign(corpus, "metoo", reveal_authors=reveal) as c:
                facts = c.facts()
                shown[reveal], audit[reveal] = facts["profile_locations"]["top"], facts["audit"]["profile_locations"]
    assert shown[False] == [{"location": "Paris", "authors": 12}]
    # the audit's SQL lists every location: it says what the sheet then leaves out (the review)
    assert audit[False].startswith("-- then: only the locations at least 10 authors share")
    assert audit[True] == audit[False].split("\n", 1)[1]
    assert shown[True] == [{"location": "Paris", "authors": 12}, {"location": "Bruxelles", "authors": 1}]
