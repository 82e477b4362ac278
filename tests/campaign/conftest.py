"""Fixtures over the hand-built corpora of campaign_worlds."""

from __future__ import annotations

import pytest

from campaign.campaign_worlds import related_posts, story_posts
from hashtide.corpus import Corpus


@pytest.fixture
def story_corpus(tmp_path) -> str:
    path = str(tmp_path / "story.duckdb")
    with Corpus.open(path) as corpus:
        corpus.write_posts(story_posts())
    return path


@pytest.fixture
def story(story_corpus):
    corpus = Corpus.open(story_corpus, read_only=True)
    yield corpus
    corpus.close()


@pytest.fixture
def related_corpus(tmp_path):
    path = str(tmp_path / "related.duckdb")
    with Corpus.open(path) as corpus:
        corpus.write_posts(related_posts())
    corpus = Corpus.open(path, read_only=True)
    yield corpus
    corpus.close()


@pytest.fixture
def related_corpus_path(tmp_path) -> str:
    path = str(tmp_path / "related-cli.duckdb")
    with Corpus.open(path) as corpus:
        corpus.write_posts(related_posts())
    return path
