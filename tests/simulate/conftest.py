"""Simulated worlds shared by the simulator's tests (made once per session, in a temp folder)."""

from __future__ import annotations

import glob

import pytest

from hashtide.simulate import simulate


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory):
    """The ``tiny`` scenario at scale 1, seed 0, all formats: (folder, truth)."""
    out = tmp_path_factory.mktemp("tiny")
    truth = simulate("tiny", out, scale=1.0, seed=0)
    return out, truth


@pytest.fixture(scope="session")
def tiny_corpus(tiny_world, tmp_path_factory):
    """The tiny world ingested through hashtide's own pipeline: (corpus, report, truth)."""
    from hashtide.corpus import Corpus
    from hashtide.ingest import ingest

    out, truth = tiny_world
    corpus = Corpus.open(tmp_path_factory.mktemp("corpus") / "tiny.duckdb")
    report = ingest(corpus, sorted(glob.glob(str(out / "*" / "*.jsonl"))))
    yield corpus, report, truth
    corpus.close()
