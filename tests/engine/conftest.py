"""One local Spark session for the whole test session (startup is the dominant cost)."""

from __future__ import annotations

import shutil

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "spark: needs Java 17+ and PySpark (one shared local[2] session)")


@pytest.fixture(scope="session")
def spark():
    """A ``local[2]`` session on loopback, shared by every Spark test; skips without Java/PySpark."""
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'hashtide[spark]')")
    if shutil.which("java") is None:
        pytest.skip("no java on PATH: the Spark engine needs Java 17+ (make deps installs it)")
    from hashtide.engine.spark import session

    session_ = session("local[2]", app_name="hashtide-tests")
    yield session_
    session_.stop()
