"""The fact sheet of #salvini in a real twarc2 capture (twarc-csv's entities_test page, see
../shared/data/PROVENANCE.md), every figure checked against plain DuckDB SQL over the ingested
posts -- and against the numbers that SQL gives today, so a change of either side shows.

The capture holds 474 tweets of 2022-09-25 23:47-23:59 Z and, in its ``includes``, 176 tweets
they reference (top_level false). A referenced tweet carrying the tag is a post using it too: the
origin is such a tweet, posted 17 hours before the capture began.
"""

from __future__ import annotations

import pytest

from hashtide.campaign import Campaign
from hashtide.corpus import Corpus
from hashtide.ingest import ingest

# Posts using the tag, by the definition of hashtide.campaign.usage, in plain SQL.
USES = """
    select * from posts where list_contains(hashtags, 'salvini')
    union all
    select r.* from posts r
    semi join (select platform, post_id from posts where list_contains(hashtags, 'salvini')) s
        on s.platform = r.platform and s.post_id = r.parent_id
    where r.kind = 'repost' and not coalesce(list_contains(r.hashtags, 'salvini'), false)
"""


@pytest.fixture(scope="module")
def capture(shared_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("real") / "salvini.duckdb"
    with Corpus.open(path) as corpus:
        ingest(corpus, [str(shared_data / "twitter-v2-twarc2" / "twarccsv-entities_test.jsonl")])
    corpus = Corpus.open(path, read_only=True)
    yield corpus
    corpus.close()


@pytest.fixture(scope="module")
def facts(capture):
    with Campaign(capture, "#Salvini", reveal_authors=True) as story:
        return story.facts(audit=False)


def sql(corpus, query: str):
    return corpus.con.execute(query).fetchall()


def test_magnitude_equals_plain_sql(capture, facts):
    (posts, authors, top_level), = sql(capture, f"select count(*), count(distinct author_id), "
                                                f"count(*) filter (where top_level) from ({USES})")
    through, = sql(capture, f"select count(*) from ({USES}) where not list_contains(hashtags, 'salvini')")[0]
    kinds = dict(sql(capture, f"select kind, count(*) from ({USES}) group by kind"))
    assert (facts["posts"], facts["distinct_authors"]) == (posts, authors) == (73, 65)
    assert top_level == 59 and through == 0  # v2 retweets carry their subject's entities
    assert facts["by_kind"] == kinds == {"original": 31, "repost": 34, "reply": 3, "quote": 5}
    assert facts["platforms"] == {"twitter": {"posts": 73, "authors": 65, "first_seen": facts["first_seen"],
                                              "share": 1.0, "lag_hours": 0.0}}


def test_origin_and_its_children_equal_plain_sql(capture, facts):
    (post_id, author_id), = sql(capture, f"select post_id, author_id from ({USES}) order by created_at, post_id limit 1")
    origin = facts["origin"]
    assert (origin["post_id"], origin["author_id"]) == (post_id, author_id) == ("1573925880937717760", "1440866227")
    assert origin["created_at"] == "2022-09-25T06:42:26Z"
    children = dict(sql(capture, f"select kind, count(*) from posts where parent_id = '{post_id}' group by kind"))
    assert (facts["replies_to_origin"], facts["reposts_of_origin"]) == (children.get("reply", 0), children["repost"]) == (0, 1)


def test_cascades_follow_retweets_to_their_subjects(capture, facts):
    (root, size), = sql(capture, f"""
        select s.post_id, count(*) + 1 from posts r join ({USES}) s on r.parent_id = s.post_id
        where r.kind = 'repost' group by s.post_id order by 2 desc, s.post_id limit 1""")
    largest = facts["cascades"]["largest"][0]
    assert (largest["root"]["post_id"], largest["size"]) == (root, size) == ("1574147489040572416", 8)
    assert largest["structural_virality"] == round(2 * 7 / 8, 6)  # a star of 8 nodes: 2(n-1)/n


def test_tags_of_a_capture_begun_mid_stream_are_not_answers(shared_data, tmp_path):
    """twarc-csv's brexit page: tweets of 2021-09-22 and, in their includes, older tweets they
    quote or retweet. #Brexit's origin is such an older tweet, so every English tag of the capture
    "starts after" it; they were in use before the capture began, and none is an answer campaign.
    (Answers that do start later are found in simulated worlds: test_related.py.)"""
    with Corpus.open(tmp_path / "brexit.duckdb") as corpus:
        ingest(corpus, [str(shared_data / "twitter-v2-twarc2" / "twarccsv-brexit.jsonl")])
        with Campaign(corpus, "#Brexit") as story:
            rows = story.related.to_pylist()
            origin = story.facts(audit=False)["origin"]["created_at"]
    english = [r for r in rows if r["lang"] == "en"]
    assert len(english) >= 6 and all(r["lag_hours"] > 0 for r in english), origin
    assert {r["relation"] for r in english} == {"co-tag"}


def test_an_origin_older_than_the_capture_is_said_so(capture, facts):
    (first_top_level,), = sql(capture, "select min(created_at) from posts where top_level")
    assert facts["collected_from"] == first_top_level.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert facts["origin"]["before_collection"] is True  # posted 17 hours before the capture began


def test_the_collection_starts_where_it_starts_whatever_the_window(capture, facts):
    """--since moves the window, not the collection's start (which the answer rule and the
    origin's before_collection are measured against)."""
    import datetime as dt

    later = dt.datetime.fromisoformat(facts["collected_from"].replace("Z", "+00:00")) + dt.timedelta(minutes=5)
    with Campaign(capture, "#Salvini", since=later, reveal_authors=True) as story:
        windowed = story.facts(audit=False)
    assert windowed["collected_from"] == facts["collected_from"]
    assert windowed["posts"] < facts["posts"]
    assert windowed["origin"]["before_collection"] is False  # the window's first post was collected
