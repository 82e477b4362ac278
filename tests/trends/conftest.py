"""A small simulated world (the simulator's ``tiny`` scenario) and its corpus, shared by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashtide.corpus import Corpus
from hashtide.ingest import read_posts
from hashtide.simulate import simulate


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    simulate("tiny", out, scale=1.0, seed=3)
    return out


@pytest.fixture(scope="session")
def tiny_corpus(tiny_world, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "tiny.duckdb"
    with Corpus.open(path) as corpus:
        for table in read_posts(sorted(str(p) for p in tiny_world.glob("*/*.jsonl"))):
            corpus.write_posts(table)
    return path
