from __future__ import annotations

import pytest

from report import browser
from report import world


@pytest.fixture(scope="session")
def world_corpus(tmp_path_factory) -> str:
    return world.build(tmp_path_factory.mktemp("world") / "world.duckdb")


@pytest.fixture(scope="session")
def chromium():
    return browser.shared()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1100, "height": 900})
    yield browser.Watched(context.new_page())
    context.close()
