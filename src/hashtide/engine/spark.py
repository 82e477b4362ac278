"""The Spark engine: the session hashtide starts, and ingest as Spark tasks into a Parquet dataset.

Ingest runs in two Spark stages.

1. *Parse*: one task per input file, or per newline-aligned slice of a large plain JSON-lines
   file (the Hadoop ``TextInputFormat`` rule: a slice starts after the first newline at or past
   its nominal start and owns every line that starts before its nominal end). Each task runs the
   readers exactly as the DuckDB ingest does (:func:`hashtide.ingest.pipeline._read_source` for a
   whole file, :func:`hashtide.ingest.chunks.parse_slice` for a slice) and emits Arrow batches of
   one sparse *envelope* schema: a post, a user, a rejected record or the task's tally per row.
   The envelopes are written to ``_staging/`` so the second stage reads them, not the inputs.
2. *Merge*: deduplication by (platform, post_id) with the DuckDB store's rules
   (:mod:`hashtide.corpus.store`): the first top-level row of a key wins, else its first embedded
   copy; keys already stored top-level are duplicates; a top-level row upgrades a stored
   embedded-only copy. "First" is input order: (file, slice, row). The account of every file is
   computed from the same rows, so ``hashtide ingest --json`` prints the same figures on both
   engines.
"""

from __future__ import annotations

import io
import json
import os
import queue
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from hashtide.engine.parquet import Dataset
from hashtide.model import POST_SCHEMA, USER_SCHEMA

DEFAULT_MASTER = "local[*]"
SLICE_BYTES = int(os.environ.get("HASHTIDE_SLICE_BYTES", str(32 << 20)))
PROBLEMS_KEPT = 50  # as the DuckDB ingest: the first rejects, with file, line and reason

# ---------------------------------------------------------------------------------------------
# The session

_LOOPBACK = "127.0.0.1"


def session(master: str | None = None, app_name: str = "hashtide"):
    """The SparkSession hashtide uses (one per process; a second call returns the same).

    Local masters stay on loopback (``SPARK_LOCAL_IP``, driver host and bind address), without
    the web UI, with few shuffle partitions: a local session starts in seconds and sends nothing
    off the machine. Times are UTC, Parquet timestamps microseconds (as :data:`POST_SCHEMA`).
    """
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # started by spark-submit: its master rules
    master = master or os.environ.get("HASHTIDE_SPARK_MASTER") or (None if submitted else DEFAULT_MASTER)
    local = master is not None and master.startswith("local")
    if local:
        os.environ["SPARK_LOCAL_IP"] = _LOOPBACK
    os.environ.setdefault("PYSPARK_PYTHON", _python())
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", _python())
    from pyspark.sql import SparkSession

    builder = (
        (SparkSession.builder.master(master) if master else SparkSession.builder)
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if local:
        cores = _local_cores(master)
        builder = (
            builder.config("spark.driver.host", _LOOPBACK)
            .config("spark.driver.bindAddress", _LOOPBACK)
            .config("spark.sql.shuffle.partitions", str(max(2, 2 * cores)))
            .config("spark.default.parallelism", str(max(2, cores)))
            .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
            # the driver is the whole local cluster, and a campaign's cascades are built on it from
            # every post of the tag: 1 GB (Spark's default) lost the results at 10 M posts
            .config("spark.driver.memory", os.environ.get("HASHTIDE_SPARK_DRIVER_MEMORY", "4g"))
            .config("spark.driver.maxResultSize", "0")
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _python() -> str:
    import sys

    return sys.executable


def _local_cores(master: str) -> int:
    inside = master[len("local"):].strip("[]").split(",")[0]
    if inside in ("", "*"):
        return len(os.sched_getaffinity(0))
    return max(1, int(inside))


def to_spark_schema(schema: pa.Schema):
    """The Spark schema of an Arrow schema (the same columns and types)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


# ---------------------------------------------------------------------------------------------
# Stage 1: parse. The envelope: one row is a post, a user, a reject or a tally.

ENVELOPE = pa.schema(
    [pa.field("part", pa.string()), pa.field("file", pa.int32()), pa.field("seq", pa.int64())]
    + [pa.field(f.name, f.type) for f in POST_SCHEMA]
    + [pa.field("u_" + f.name, f.type) for f in USER_SCHEMA]
    + [pa.field("q_source", pa.string()), pa.field("q_line", pa.int64()), pa.field("q_byte_offset", pa.int64()),
       pa.field("q_item", pa.int64()), pa.field("q_reason", pa.string()), pa.field("q_raw", pa.binary()),
       pa.field("tally", pa.string())]
)


class Task:
    """One parse task: a whole file, or the slice ``[start, end)`` of one (``end`` -1: whole)."""

    __slots__ = ("file", "slice", "path", "label", "start", "end")

    def __init__(self, file: int, slice: int, path: str, label: str, start: int = 0, end: int = -1):
        self.file, self.slice, self.path, self.label, self.start, self.end = file, slice, path, label, start, end

    def row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def plan(paths: Sequence[str], slice_bytes: int = SLICE_BYTES) -> list[Task]:
    """The parse tasks of ``paths``: large plain JSON-lines files are cut into slices."""
    tasks = []
    for number, path in enumerate(paths):
        absolute = os.path.abspath(path)
        size = os.path.getsize(absolute)
        if _sliceable(absolute, size, slice_bytes):
            for index, start in enumerate(range(0, size, slice_bytes)):
                tasks.append(Task(number, index, absolute, path, start, min(size, start + slice_bytes)))
        else:
            tasks.append(Task(number, 0, absolute, path))
    return tasks


def _sliceable(path: str, size: int, slice_bytes: int) -> bool:
    """Plain JSON lines, larger than one slice, with no multi-line document in its first MiB
    (a pretty-printed document cannot be cut at any newline; a bad line can)."""
    from hashtide.ingest.sources import compression, inner_suffix, iter_documents, utf16_content

    if size <= slice_bytes or compression(path) or inner_suffix(path) in (".csv", ".tsv") or utf16_content(path):
        return False
    with open(path, "rb") as stream:
        head = stream.read(1 << 20)
    head = head[: head.rfind(b"\n") + 1]
    return bool(head) and all(d.raw.count(b"\n") <= 1 for d in iter_documents(io.BytesIO(head)))


def run_task(task: dict[str, Any], fmt: str | None, mapping: dict[str, str] | None,
             platform: str = "other") -> Iterator[pa.RecordBatch]:
    """Envelope batches of one task (runs on an executor)."""
    if task["end"] < 0:
        yield from _whole_file(task, fmt, mapping, platform)
    else:
        yield from _one_slice(task, fmt)


def _read_slice(path: str, start: int, end: int) -> tuple[bytes, int]:
    """The lines of ``path`` that start in ``[start, end)``, and the offset of the first."""
    with open(path, "rb") as stream:
        if start > 0:
            stream.seek(start - 1)
            stream.readline()  # the line that crosses ``start`` belongs to the slice before
        first = stream.tell()
        if first >= end:
            return b"", first
        piece = stream.read(end - first)
        if piece and not piece.endswith(b"\n"):
            piece += stream.readline()  # the line that crosses ``end`` is this slice's
        return piece, first


def _one_slice(task: dict[str, Any], fmt: str | None) -> Iterator[pa.RecordBatch]:
    from hashtide.ingest import chunks

    piece, first = _read_slice(task["path"], task["start"], task["end"])
    # line numbers are relative to the slice here; the merge adds the lines of earlier slices
    chunk = chunks.parse_slice(piece, 1, first, task["label"], fmt)
    tally = {
        "file": task["file"], "slice": task["slice"], "label": task["label"], "sliced": True,
        "records": chunk.records, "skipped": chunk.skipped, "rejected": len(chunk.rejects),
        "recognised": chunk.recognised, "format": chunk.fmt,
        "rejected_by_reason": chunk.rejected_by_reason, "skipped_by_kind": chunk.skipped_by_kind,
        "problems": [list(p) for p in chunk.problems[:PROBLEMS_KEPT]], "lines": piece.count(b"\n")
        + (0 if not piece or piece.endswith(b"\n") else 1), "error": None,
    }
    base = task["slice"] << 32
    yield from _envelopes(task["file"], base, "post", chunks.read_ipc(chunk.posts))
    yield from _envelopes(task["file"], base, "user", chunks.read_ipc(chunk.users))
    yield from _rejects(task["file"], base, chunk.rejects)
    yield _tally(task["file"], base, tally)


def _whole_file(task: dict[str, Any], fmt: str | None, mapping, platform: str) -> Iterator[pa.RecordBatch]:
    """Read a whole file on a thread, handing batches over a bounded queue: memory stays bounded
    by the batch size, not the file size."""
    from hashtide.ingest import pipeline

    account = pipeline.FileAccount(path=task["label"])
    report = pipeline.IngestReport()
    handover: queue.Queue = queue.Queue(maxsize=2)
    sink = _TaskSink(handover, task["label"], account, report, strict=False)
    outcome: dict[str, Any] = {}

    def read() -> None:
        try:
            pipeline._read_source(task["path"], fmt, mapping, sink, lambda doc: None, platform)
            sink.flush()
        except pipeline.IngestError as exc:
            outcome["error"] = str(exc).replace(task["path"], task["label"])
        except BaseException as exc:  # handed to the consumer, which raises it in the task
            outcome["crash"] = exc
        finally:
            handover.put(None)

    threading.Thread(target=read, daemon=True).start()
    row = 0
    while (batch := handover.get()) is not None:
        posts, users, rejects = batch
        for part, table in (("post", posts), ("user", users)):
            yield from _envelopes(task["file"], row, part, table)
            row += table.num_rows
        yield from _rejects(task["file"], row, rejects)
        row += len(rejects)
    if "crash" in outcome:
        raise outcome["crash"]
    tally = {
        "file": task["file"], "slice": 0, "label": task["label"], "sliced": False,
        "records": account.records, "skipped": account.skipped, "rejected": account.rejected,
        "recognised": sink.recognised, "format": account.format,
        "rejected_by_reason": dict(sink.rejected_by_reason), "skipped_by_kind": dict(sink.skipped_by_kind),
        "problems": [[p.source, p.line, p.reason] for p in report.problems[:PROBLEMS_KEPT]], "lines": 0,
        "error": outcome.get("error"),
    }
    yield _tally(task["file"], row, tally)


def _task_sink_class():
    from hashtide.ingest import pipeline
    from hashtide.model import posts_to_arrow, users_to_arrow

    class TaskSink(pipeline._Collector):
        """A collector whose batches go to the task's output instead of a corpus."""

        def __init__(self, handover: queue.Queue, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.handover = handover

        def flush(self) -> None:
            if self.top or self.refs or self.users or self.rejects:
                self.handover.put((posts_to_arrow(self.top + self.refs), users_to_arrow(self.users), self.rejects))
            self.discard()

    return TaskSink


def _TaskSink(*args, **kwargs):  # noqa: N802 - built lazily so executors import the pipeline late
    return _task_sink_class()(*args, **kwargs)


def _envelopes(file: int, first_seq: int, part: str, table: pa.Table) -> Iterator[pa.RecordBatch]:
    if table.num_rows == 0:
        return
    n = table.num_rows
    prefix = "u_" if part == "user" else ""
    columns = {
        "part": pa.array([part] * n, pa.string()),
        "file": pa.array([file] * n, pa.int32()),
        "seq": pa.array(range(first_seq, first_seq + n), pa.int64()),
    }
    for name in table.column_names:
        columns[prefix + name] = table.column(name)
    yield _batch(columns, n)


def _rejects(file: int, first_seq: int, rejects: list[tuple]) -> Iterator[pa.RecordBatch]:
    if not rejects:
        return
    n = len(rejects)
    source, line, offset, item, reason, raw = zip(*rejects)
    yield _batch({
        "part": pa.array(["reject"] * n, pa.string()), "file": pa.array([file] * n, pa.int32()),
        "seq": pa.array(range(first_seq, first_seq + n), pa.int64()),
        "q_source": pa.array(source, pa.string()), "q_line": pa.array(line, pa.int64()),
        "q_byte_offset": pa.array(offset, pa.int64()), "q_item": pa.array(item, pa.int64()),
        "q_reason": pa.array(reason, pa.string()), "q_raw": pa.array(raw, pa.binary()),
    }, n)


def _tally(file: int, seq: int, tally: dict[str, Any]) -> pa.RecordBatch:
    return _batch({"part": pa.array(["tally"]), "file": pa.array([file], pa.int32()), "seq": pa.array([seq], pa.int64()),
                   "tally": pa.array([json.dumps(tally)])}, 1)


def _batch(columns: dict[str, pa.Array], n: int) -> pa.RecordBatch:
    arrays = []
    for field in ENVELOPE:
        column = columns.get(field.name)
        if column is None:
            column = pa.nulls(n, field.type)
        elif isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        arrays.append(column.cast(field.type) if column.type != field.type else column)
    return pa.RecordBatch.from_arrays(arrays, schema=ENVELOPE)


# ---------------------------------------------------------------------------------------------
# Stage 2: merge into the dataset


def ingest(spark, dataset: Dataset, paths: Sequence[str], fmt: str | None = None,
           mapping: dict[str, str] | None = None, slice_bytes: int = SLICE_BYTES,
           pseudonym_key: str | None = None, platform: str = "other"):
    """Ingest ``paths`` into ``dataset`` with Spark; returns the :class:`IngestReport`.

    Raises :class:`~hashtide.ingest.SourceError` before writing anything when a path cannot be
    opened, and :class:`~hashtide.ingest.PartialIngest` (with the report) after ingesting the
    others when a path is of no known format -- as the DuckDB ingest does.
    """
    import datetime as dt

    from hashtide.ingest import pipeline, sources

    paths = list(paths)
    for path in paths:
        if path == "-":
            raise sources.SourceError("-: the Spark engine reads files, not stdin (use --engine duckdb)")
        if not os.path.isfile(path):
            sources.check(path)  # missing, or a directory
            raise sources.SourceError(f"{path}: the Spark engine reads files, not pipes (use --engine duckdb)")
        sources.check(path)
    started = dt.datetime.now(dt.timezone.utc)
    meta = dataset.ensure(pseudonym_key)
    run = meta["runs"] + 1
    staging = dataset.path("_staging", f"run={run}")
    _parse(spark, plan(paths, slice_bytes), fmt, mapping, platform, staging)
    staged = spark.read.parquet(staging)
    tallies = _tallies(staged)
    report, failed, line_base = _account_of_parsing(paths, tallies)
    refused = {report.files[number].path for number in failed}
    good = staged.where(~staged.file.isin(failed)) if failed else staged
    counts = _merge_posts(spark, dataset, meta, run, good)
    _append_users(dataset, run, good)
    _append_quarantine(spark, dataset, run, good, line_base)
    for number, account in enumerate(report.files):
        if number not in failed:
            ingested, top_rows, referenced = counts.get(number, (0, 0, 0))
            account.ingested, account.duplicates, account.referenced = ingested, top_rows - ingested, referenced
    totals = pipeline.IngestReport(rejected_by_reason=report.rejected_by_reason,
                                   skipped_by_kind=report.skipped_by_kind, problems=report.problems)
    for account in report.files:
        if account.path in refused:
            totals.files.append(account)
        else:
            totals.add(account)
    meta["runs"] = run
    dataset.log_ingest(run, {"run_id": run, "started_at": started.isoformat(),
                             "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                             "sources": paths, "report": totals.as_dict()})
    dataset.write_meta(meta)
    dataset.remove("_staging", f"run={run}")
    errors = [account.error for account in totals.files if account.error]
    if errors:
        raise pipeline.PartialIngest(errors, totals)
    return totals


def _parse(spark, tasks: list[Task], fmt, mapping, platform: str, staging: str) -> None:
    """Stage 1: run the readers as Spark tasks, envelopes into ``staging``."""
    from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

    task_schema = StructType([StructField("file", IntegerType()), StructField("slice", IntegerType()),
                              StructField("path", StringType()), StructField("label", StringType()),
                              StructField("start", LongType()), StructField("end", LongType())])
    groups = _packed(tasks, spark.sparkContext.defaultParallelism)
    rows = spark.sparkContext.parallelize(groups, len(groups)).flatMap(lambda group: group)  # a group a partition
    frame = spark.createDataFrame(rows, task_schema)

    def parse(batches):
        for batch in batches:
            for task in batch.to_pylist():
                yield from run_task(task, fmt, mapping, platform)

    frame.mapInArrow(parse, to_spark_schema(ENVELOPE)).write.mode("overwrite").parquet(staging)


def _packed(tasks: list[Task], parallelism: int) -> list[list[dict[str, Any]]]:
    """Tasks in groups of about equal bytes, one group per Spark partition: many small files
    share a partition (a Spark task costs more than reading a small file), large ones spread."""
    sizes = {id(t): (t.end - t.start if t.end >= 0 else os.path.getsize(t.path)) for t in tasks}
    total = sum(sizes.values())
    count = max(1, min(len(tasks), max(parallelism, -(-total // SLICE_BYTES))))
    groups: list[list[dict[str, Any]]] = [[] for _ in range(count)]
    loads = [0] * count
    for task in sorted(tasks, key=lambda t: -sizes[id(t)]):
        lightest = loads.index(min(loads))
        groups[lightest].append(task.row())
        loads[lightest] += sizes[id(task)]
    return groups


def _tallies(staged) -> list[dict[str, Any]]:
    rows = staged.where(staged.part == "tally").select("tally").collect()
    return sorted((json.loads(r.tally) for r in rows), key=lambda t: (t["file"], t["slice"]))


def _account_of_parsing(paths: Sequence[str], tallies: list[dict[str, Any]]):
    """File accounts from the tasks' tallies, with the DuckDB ingest's rules for a file that
    fails: refused whole when nothing of it was recognised (none of its rows or problems kept),
    else kept as far as it was read, with the error. Also: the refused files, and the lines
    before each slice (for line numbers)."""
    from hashtide.ingest import pipeline

    report = pipeline.IngestReport()
    failed: list[int] = []
    line_base: dict[tuple[int, int], int] = {}
    by_reason: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    for number, path in enumerate(paths):
        label = pipeline.label_of(path)
        parts = [t for t in tallies if t["file"] == number]
        account = pipeline.FileAccount(path=label)
        lines, error, recognised = 0, None, False
        for tally in parts:
            line_base[(number, tally["slice"])] = lines
            room = PROBLEMS_KEPT - len(report.problems)
            report.problems.extend(pipeline.Problem(source, line + lines if tally["sliced"] else line, reason)
                                   for source, line, reason in tally["problems"][: max(room, 0)])
            lines += tally["lines"]
            error = error or tally["error"]
            recognised = recognised or tally["recognised"]
            if tally["sliced"] and not recognised and tally["records"] and error is None:
                why = next((p.reason for p in reversed(report.problems) if p.source == label), "no record recognised")
                error = f"{label}: not a post format hashtide knows ({why})"
            account.records += tally["records"]
            account.skipped += tally["skipped"]
            account.rejected += tally["rejected"]
            account.format = account.format or tally["format"]
        if error is not None and not recognised:
            failed.append(number)
            report.problems = [p for p in report.problems if p.source != label]
            report.files.append(pipeline.FileAccount(path=label, error=error))
            continue
        account.error = error
        for tally in parts:
            by_reason.update(tally["rejected_by_reason"])
            by_kind.update(tally["skipped_by_kind"])
        report.files.append(account)
    report.rejected_by_reason = pipeline._merged({}, by_reason)
    report.skipped_by_kind = pipeline._merged({}, by_kind)
    return report, failed, line_base


def _stored_keys(spark, dataset: Dataset, meta: dict[str, Any]):
    """(platform, post_id, existing_top) of every post the dataset holds."""
    from pyspark.sql import functions as F

    frames = []
    if dataset.has_parquet("posts"):
        frames.append(spark.read.parquet(dataset.path("posts")).select("platform", "post_id", F.lit(True).alias("existing_top")))
    if meta.get("referenced") and dataset.has_parquet(meta["referenced"]):
        frames.append(spark.read.parquet(dataset.path(meta["referenced"])).select("platform", "post_id", F.lit(False).alias("existing_top")))
    if not frames:
        return None
    keys = frames[0]
    for frame in frames[1:]:
        keys = keys.unionByName(frame)
    return keys


def _merge_posts(spark, dataset: Dataset, meta: dict[str, Any], run: int, staged) -> dict[int, tuple[int, int, int]]:
    """Dedup the run's posts against themselves and the dataset; write the new ones; per file
    (ingested, top-level rows, referenced) -- the accounting of :func:`hashtide.corpus.store.merge_posts`
    summed over a run's batches, which does not depend on where the batches were cut.

    One shuffle by key: a window ranks a key's rows (top-level first, then input order) and
    carries the key's first top-level and first embedded file to the winning row.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    posts = staged.where(staged.part == "post").select("file", "seq", *POST_SCHEMA.names)
    stored = _stored_keys(spark, dataset, meta)
    if stored is None:
        keyed = posts.withColumn("existing_top", F.lit(None).cast("boolean"))
    else:
        keyed = posts.join(stored, ["platform", "post_id"], "left")
    key = Window.partitionBy("platform", "post_id")
    winners = (
        keyed.withColumn("_rank", F.row_number().over(key.orderBy(F.desc("top_level"), "file", "seq")))
        .withColumn("top_file", F.min(F.when(F.col("top_level"), F.col("file"))).over(key))
        .withColumn("ref_file", F.min(F.when(~F.col("top_level"), F.col("file"))).over(key))
        .where("_rank = 1")
        .cache()
    )
    try:
        counts, upgrades, new_refs = _file_counts(winners, posts)
        new_top = winners.where("top_level and coalesce(existing_top, false) = false")
        day = F.date_format("created_at", "yyyy-MM-dd")
        (new_top.select(*POST_SCHEMA.names).withColumn("day", day)
         .repartition("platform", "day").write.mode("append").partitionBy("platform", "day")
         .parquet(dataset.path("posts")))
        if upgrades or new_refs:
            _rewrite_referenced(spark, dataset, meta, run,
                                winners.where("not top_level and existing_top is null"), new_top)
    finally:
        winners.unpersist()
    return counts


def _file_counts(winners, posts) -> tuple[dict[int, tuple[int, int, int]], int, int]:
    """Per file (ingested, top-level rows, referenced); upgrades of stored copies; new embedded-only
    posts. A key new to the dataset whose first embedded copy comes in an earlier file than its
    first top-level row was stored as referenced by that file and upgraded by the later one."""
    from pyspark.sql import functions as F

    top, ref, existing = F.col("top_file"), F.col("ref_file"), F.col("existing_top")
    new = existing.isNull()
    ingested = top.isNotNull() & ~F.coalesce(existing, F.lit(False))
    earlier_ref = new & ref.isNotNull() & (top.isNull() | (ref < top))
    upgraded_ref = earlier_ref & top.isNotNull()
    events = winners.select(F.explode(F.array(
        F.struct(top.alias("file"), ingested.cast("int").alias("ingested"),
                 (-upgraded_ref.cast("int")).alias("referenced"),
                 (top.isNotNull() & (existing == F.lit(False))).cast("int").alias("upgrades"),
                 F.lit(0).alias("new_refs")),
        F.struct(ref.alias("file"), F.lit(0).alias("ingested"), earlier_ref.cast("int").alias("referenced"),
                 F.lit(0).alias("upgrades"), (new & top.isNull()).cast("int").alias("new_refs")),
    )).alias("e")).select("e.*").where(F.col("file").isNotNull())
    per_file = events.groupBy("file").agg(*[F.sum(c).alias(c) for c in ("ingested", "referenced", "upgrades", "new_refs")])
    top_rows = posts.where("top_level").groupBy("file").count()
    counts: dict[int, tuple[int, int, int]] = {}
    upgrades = new_refs = 0
    for row in per_file.join(top_rows, "file", "full").collect():
        counts[row.file] = (row.ingested or 0, row["count"] or 0, row.referenced or 0)
        upgrades += row.upgrades or 0
        new_refs += row.new_refs or 0
    return counts, upgrades, new_refs


def _rewrite_referenced(spark, dataset: Dataset, meta: dict[str, Any], run: int, new_refs, new_top) -> None:
    """A new version of the embedded-only posts: the old ones not upgraded, plus the new ones."""
    version = f"referenced/v={run}"
    frame = new_refs.select(*POST_SCHEMA.names)
    old = meta.get("referenced")
    if old and dataset.has_parquet(old):
        kept = (spark.read.parquet(dataset.path(old)).select(*POST_SCHEMA.names)
                .join(new_top.select("platform", "post_id"), ["platform", "post_id"], "left_anti"))
        frame = kept.unionByName(frame)
    from pyspark.sql import functions as F

    (frame.withColumn("day", F.date_format("created_at", "yyyy-MM-dd")).repartition("platform", "day")
     .write.mode("overwrite").partitionBy("platform", "day").parquet(dataset.path(version)))
    meta["previous_referenced"] = old
    meta["referenced"] = version


def _append_users(dataset: Dataset, run: int, staged) -> None:
    users = staged.where(staged.part == "user")
    columns = [users["u_" + name].alias(name) for name in USER_SCHEMA.names]
    users.select("file", "seq", *columns).write.mode("overwrite").parquet(dataset.path("users", f"run={run}"))


def _append_quarantine(spark, dataset: Dataset, run: int, staged, line_base: dict[tuple[int, int], int]) -> None:
    """Rejected records, with line numbers made absolute and the digest of their bytes; the same
    record (place and bytes) set aside before is kept once, as :func:`hashtide.corpus.store.quarantine`."""
    import hashlib

    from pyspark.sql import Window
    from pyspark.sql import functions as F

    rejects = staged.where(staged.part == "reject").select(
        "file", F.shiftright(F.col("seq"), 32).cast("int").alias("slice"), "seq",
        *[F.col("q_" + c).alias(c) for c in ("source", "line", "byte_offset", "item", "reason", "raw")])
    bases = spark.createDataFrame([(f, s, b) for (f, s), b in line_base.items()] or [(-1, -1, 0)],
                                  "file int, slice int, base long")
    rejects = rejects.join(F.broadcast(bases), ["file", "slice"], "left").withColumn(
        "line", F.col("line") + F.coalesce(F.col("base"), F.lit(0)))
    empty = hashlib.sha256(b"").hexdigest()
    rejects = rejects.withColumn("digest", F.when(F.col("raw").isNull(), F.lit(empty)).otherwise(F.sha2("raw", 256)))
    first = Window.partitionBy("source", "byte_offset", "item", "digest").orderBy("file", "seq")
    rejects = rejects.withColumn("_rank", F.row_number().over(first)).where("_rank = 1")
    if dataset.has_parquet("quarantine"):
        stored = spark.read.parquet(dataset.path("quarantine")).select("source", "byte_offset", "item", "digest")
        rejects = rejects.join(stored, ["source", "byte_offset", "item", "digest"], "left_anti")
    (rejects.select("source", "line", "byte_offset", "item", "reason", "raw", "digest")
     .write.mode("overwrite").parquet(dataset.path("quarantine", f"run={run}")))
