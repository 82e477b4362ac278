from __future__ import annotations

import shutil

import pytest

from report import browser, world  # the shared world and browser helpers
from web.served import Server


@pytest.fixture(scope="session")
def world_corpus(tmp_path_factory) -> str:
    return world.build(tmp_path_factory.mktemp("world") / "world.duckdb")


@pytest.fixture(scope="module")
def server(world_corpus, tmp_path_factory):
    """A dashboard over a copy of the world (the live test appends to it)."""
    copy = tmp_path_factory.mktemp("served") / "world.duckdb"
    shutil.copy(world_corpus, copy)
    s = Server(str(copy))
    yield s
    s.stop()


@pytest.fixture(scope="session")
def chromium():
    return browser.shared()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1100, "height": 900})
    yield browser.Watched(context.new_page())
    context.close()
