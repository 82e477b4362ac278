"""Trending charts after the fact: the detector run over a corpus in time order.

The corpus is read as Arrow record batches ordered by ``created_at`` (DuckDB sorts, spilling to
disk when it must), so memory is bounded by the batch size and the detector sees exactly what the
live path sees on the same posts. Reading starts ``warmup`` buckets before ``since`` so that the
first reported bucket already has a learned baseline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import pyarrow as pa

from hashtide.model import POST_SCHEMA
from hashtide.trends.charts import BucketCharts, ScopeFilter
from hashtide.trends.signitrend import SigniTrend

COLUMNS = ("created_at", "platform", "author_id", "country", "lang", "hashtags", "hashtag_forms", "kind")
BATCH_ROWS = 100_000


def corpus_batches(con, since: dt.datetime | None = None, until: dt.datetime | None = None,
                   rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Posts with hashtags from the corpus connection ``con``, oldest first, in Arrow batches."""
    where = ["created_at is not null", "len(hashtags) > 0"]
    params: list = []
    if since is not None:
        where.append("created_at >= ?")
        params.append(since)
    if until is not None:
        where.append("created_at < ?")
        params.append(until)
    query = (f"select {', '.join(COLUMNS)} from posts where {' and '.join(where)} "
             f"order by created_at, platform, post_id")
    reader = con.sql(query, params=params or None).to_arrow_reader(rows)
    yield from reader


def run(detector: SigniTrend, batches: Iterable[pa.RecordBatch | pa.Table],
        since: dt.datetime | None = None) -> Iterator[BucketCharts]:
    """Feed ``batches`` to ``detector``; yield each closed bucket's charts (those ending after
    ``since``), the last ones when the batches run out."""
    floor = None if since is None else int(since.timestamp() * 1_000_000)
    for batch in batches:
        for charts in detector.update(batch):
            if floor is None or charts.end > floor:
                yield charts
    for charts in detector.flush():
        if floor is None or charts.end > floor:
            yield charts


def engine_batches(engine, since: dt.datetime | None = None, until: dt.datetime | None = None,
                   rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """The same batches as :func:`corpus_batches` from any engine's posts, through Ibis
    (a Parquet dataset on Spark), with the same filters and the same order."""
    posts = engine.posts()
    keep = [posts.created_at.notnull(), posts.hashtags.length() > 0]
    if since is not None:
        keep.append(posts.created_at >= since)
    if until is not None:
        keep.append(posts.created_at < until)
    ordered = posts.filter(*keep).order_by([posts.created_at, posts.platform, posts.post_id]).select(*COLUMNS)
    for batch in ordered.to_pyarrow_batches(chunk_size=rows):
        yield batch.cast(_SCHEMA) if batch.schema != _SCHEMA else batch


_SCHEMA = pa.schema([POST_SCHEMA.field(name) for name in COLUMNS])


def corpus_trends(corpus, detector: SigniTrend, since: dt.datetime | None = None,
                  until: dt.datetime | None = None) -> Iterator[BucketCharts]:
    """Charts of every bucket of ``corpus`` (a Corpus, or an engine) between ``since`` and ``until``."""
    start = None
    if since is not None:
        start = since - dt.timedelta(microseconds=detector.bucket_us * (detector.warmup + 1))
    if getattr(corpus, "name", "duckdb") == "spark":
        return run(detector, engine_batches(corpus, start, until), since)
    return run(detector, corpus_batches(corpus.con, start, until), since)


def rows(charts: Iterable[BucketCharts], scopes: ScopeFilter | None = None, top: int | None = None) -> list[dict]:
    """The JSON rows (bucket_end, scope, rank, tag, score, posts, authors) of ``charts``."""
    out: list[dict] = []
    for bucket in charts:
        out.extend(bucket.rows(scopes, top))
    return out
