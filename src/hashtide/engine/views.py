"""The tables of a Parquet dataset as Spark DataFrames, shaped as the DuckDB corpus' tables.

- ``posts``: ``posts/`` (top-level) with the current ``referenced/`` version, in
  :data:`POST_SCHEMA`'s column order (the ``day`` partition column is left out);
- ``users``: one row per account, each field the latest non-null value seen, in ingest order
  (run, file, position) -- what :func:`hashtide.corpus.store.merge_users` keeps;
- ``quarantine``: the rejected records of every run.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from hashtide.corpus.store import QUARANTINE_SCHEMA
from hashtide.engine.parquet import Dataset
from hashtide.model import POST_SCHEMA, USER_SCHEMA



def frames(spark, dataset: Dataset, meta: dict[str, Any]) -> dict[str, Any]:
    return {"posts": posts(spark, dataset, meta), "users": users(spark, dataset),
            "quarantine": quarantine(spark, dataset)}


def _empty(spark, schema: pa.Schema):
    from hashtide.engine.spark import to_spark_schema

    return spark.createDataFrame([], to_spark_schema(schema))


def posts(spark, dataset: Dataset, meta: dict[str, Any]):
    parts = ["posts"] + ([meta["referenced"]] if meta.get("referenced") else [])
    frame = None
    for part in parts:
        if dataset.has_parquet(part):
            more = spark.read.parquet(dataset.path(part)).select(*POST_SCHEMA.names)
            frame = more if frame is None else frame.unionByName(more)
    return frame if frame is not None else _empty(spark, POST_SCHEMA)


def users(spark, dataset: Dataset):
    if not dataset.has_parquet("users"):
        return _empty(spark, USER_SCHEMA)
    spark.read.parquet(dataset.path("users")).createOrReplaceTempView("_user_sightings")
    fields = [name for name in USER_SCHEMA.names if name not in ("platform", "user_id")]
    latest = ", ".join(
        f"max_by({name}, struct(cast(run as int), file, seq)) filter (where {name} is not null) as {name}"
        for name in fields
    )
    return spark.sql(f"select platform, user_id, {latest} from _user_sightings group by platform, user_id")


def quarantine(spark, dataset: Dataset):
    if not dataset.has_parquet("quarantine"):
        return _empty(spark, QUARANTINE_SCHEMA)
    return spark.read.parquet(dataset.path("quarantine")).select(*QUARANTINE_SCHEMA.names)
