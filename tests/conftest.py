"""Fixtures shared by every test package."""

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real posts in ../shared/data (test fixtures only, never copied into the repository)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-post fixtures not found at {SHARED_DATA} (../shared/data beside the checkout)")
    return SHARED_DATA
