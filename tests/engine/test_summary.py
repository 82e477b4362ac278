"""The Ibis fact sheet of ``hashtide info`` equals the DuckDB SQL one on the same corpus."""

from __future__ import annotations

from hashtide.corpus import Corpus
from hashtide.corpus.summary import summary as sql_summary
from hashtide.engine import DuckDBEngine, EngineError, engine_name, open_engine
from hashtide.engine.summary import summary
from hashtide.ingest import PartialIngest, ingest
from hashtide.model import Post

import pytest


def test_ibis_summary_equals_sql_summary_on_real_posts(tmp_path, shared_data):
    files = sorted(str(p) for p in (shared_data / "twitter-v2-twarc2").glob("*.jsonl"))
    files += sorted(str(p) for p in (shared_data / "reddit").glob("*.json"))
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        try:
            ingest(corpus, files)
        except PartialIngest:
            pass  # the counts pages are of no post format: the rest is ingested
        facts = summary(DuckDBEngine(corpus))
        assert facts == sql_summary(corpus)
        assert facts["quarantined"] > 0 and facts["top_hashtags"]


def test_most_frequent_form_shown_and_ties_go_to_the_greatest_form(tmp_path):
    # MeToo and Metoo tie with 2 uses each
    posts = [Post(platform="twitter", post_id=str(i), created_at=i, hashtags=["metoo"], hashtag_forms=[form])
             for i, form in enumerate(["metoo", "MeToo", "MeToo", "METOO", "Metoo", "Metoo"])]
    posts.append(Post(platform="twitter", post_id="x", created_at=9, hashtags=["a", "b"], hashtag_forms=["A_", "B_"]))
    with open_engine("duckdb", str(tmp_path / "c.duckdb"), read_only=False) as engine:
        engine.corpus.write_posts(posts)
        facts = summary(engine)
        assert facts == sql_summary(engine.corpus)
    assert facts["top_hashtags"] == [{"tag": "#Metoo", "key": "metoo", "posts": 6},
                                     {"tag": "#A_", "key": "a", "posts": 1}, {"tag": "#B_", "key": "b", "posts": 1}]


def test_engine_selection(monkeypatch):
    monkeypatch.delenv("HASHTIDE_ENGINE", raising=False)
    assert engine_name() == "duckdb"
    monkeypatch.setenv("HASHTIDE_ENGINE", "Spark")
    assert engine_name() == "spark"
    assert engine_name("duckdb") == "duckdb"
    with pytest.raises(EngineError, match="one of duckdb, spark"):
        engine_name("hadoop")


def test_spark_engine_without_dataset_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="hashtide ingest --engine spark"):
        open_engine("spark", str(tmp_path / "none"))
