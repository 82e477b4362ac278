"""Profiles reduced per batch: one row per account, each field its latest non-null value."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from hashtide.corpus.store import latest_profiles
from hashtide.model import USER_SCHEMA

_TIMES = st.datetimes(dt.datetime(2006, 1, 1), dt.datetime(2030, 1, 1), timezones=st.just(dt.timezone.utc))
_ROW = st.fixed_dictionaries({
    "platform": st.sampled_from(["twitter", "bluesky"]),
    "user_id": st.sampled_from(["1", "2", "3", "10", "x\x1f"]),
    "handle": st.none() | st.sampled_from(["a", "b", "ü"]),
    "name": st.none() | st.text(max_size=3),
    "followers": st.none() | st.integers(0, 10**9),
    "location": st.none() | st.just("Roma"),
    "created_at": st.none() | _TIMES,
    "verified": st.none() | st.booleans(),
})


def _reference(rows: list[dict]) -> list[dict]:
    profiles: dict[tuple, dict] = {}
    for row in rows:
        profile = profiles.setdefault((row["platform"], row["user_id"]), dict.fromkeys(USER_SCHEMA.names))
        profile.update({k: v for k, v in row.items() if v is not None})
    return list(profiles.values())


@given(st.lists(_ROW, max_size=40), st.integers(1, 4))
def test_latest_non_null_field_per_account_in_order_of_first_appearance(rows, chunks):
    table = pa.Table.from_pylist(rows, schema=USER_SCHEMA)
    if rows:  # a batch concatenated from several tables
        cut = len(rows) // chunks or 1
        table = pa.concat_tables([table.slice(i, cut) for i in range(0, len(rows), cut)])
    assert latest_profiles(table).to_pylist() == _reference(rows)
    assert latest_profiles(table).schema == USER_SCHEMA
