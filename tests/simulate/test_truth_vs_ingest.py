"""The simulator's truth agrees, count for count, with what hashtide's ingest reads back from the
files (the real readers, the real pipeline, a plain recount in DuckDB)."""

from __future__ import annotations

import pytest
from simulate.sim_recount import cooccurrence, recount

PLANTED = ["TideTest", "VagueEssai", "WhatIWillDo", "CupFinal"]


def _entries(truth):
    return {e["tag"]: e for e in truth["campaigns"] + truth["decoys"]}


def test_every_record_is_ingested(tiny_corpus):
    corpus, report, truth = tiny_corpus
    assert report.rejected == 0, report.problems
    assert report.ingested == truth["totals"]["posts"]
    assert report.duplicates == 0
    by_platform = dict(corpus.con.execute("select platform, count(*) from posts where top_level group by 1").fetchall())
    assert by_platform == truth["totals"]["by_platform"]
    by_kind = dict(corpus.con.execute("select kind, count(*) from posts where top_level group by 1").fetchall())
    assert by_kind == {k: v for k, v in truth["totals"]["by_kind"].items() if v}


@pytest.mark.parametrize("tag", PLANTED)
def test_campaign_counts_match_the_corpus(tiny_corpus, tag):
    corpus, _, truth = tiny_corpus
    entry = _entries(truth)[tag]
    got = recount(corpus.con, entry["key"])
    assert got["posts"] == entry["posts"] > 0
    assert got["by_kind"] == entry["by_kind"]
    assert got["distinct_authors"] == entry["distinct_authors"]
    assert got["origin_candidates"] == 1
    origin = {k: entry["origin"][k] for k in ("platform", "post_id", "created_at", "author_id")}
    assert got["origin"] == origin
    assert got["replies_to_origin"] == entry["replies_to_origin"]
    assert got["reposts_of_origin"] == entry["reposts_of_origin"]
    assert got["platforms"] == entry["platforms"]
    assert got["countries"] == entry["countries"]
    assert got["languages"] == entry["languages"]


def test_origin_is_the_planted_launch(tiny_corpus):
    corpus, _, truth = tiny_corpus
    for entry in truth["campaigns"] + truth["decoys"]:
        assert entry["origin"]["created_at"] == entry["onset"]
        assert entry["origin"]["author_id"] == entry["launcher"]["author_id"]
        handle = corpus.con.execute("select handle from users where platform = ? and user_id = ?",
                                    [entry["origin"]["platform"], entry["origin"]["author_id"]]).fetchone()[0]
        assert handle == entry["origin"]["author_handle"] == entry["launcher"]["author_handle"]


def test_cooccurrence_matches_the_corpus(tiny_corpus):
    corpus, _, truth = tiny_corpus
    main = truth["campaigns"][0]
    related = main["siblings"] + main["answers"]
    assert related, "the tiny world plants a sibling and an answer"
    for other in related:
        assert cooccurrence(corpus.con, main["key"], other["key"]) == other["cooccurrence"] > 0
    for decoy in truth["decoys"]:
        assert cooccurrence(corpus.con, main["key"], decoy["key"]) == 0


def test_steady_tags_match_the_corpus(tiny_corpus):
    corpus, _, truth = tiny_corpus
    for steady in truth["background"]["steady_tags"][:5]:
        assert recount(corpus.con, steady["key"])["posts"] == steady["posts"]
