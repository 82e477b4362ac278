"""The layout of a hashtide Parquet dataset: the corpus of the Spark engine, in one directory.

A dataset is a directory (local, HDFS or object storage) that any Spark cluster can read::

    DATASET/
      meta.json                                   format, version, pseudonym key, current referenced/
      posts/platform=twitter/day=2017-10-15/*.parquet   top-level posts: append-only, never rewritten
      referenced/v=3/platform=.../day=.../*.parquet      posts known only from embedded copies
      users/run=2/*.parquet                       profiles as seen by each run (latest non-null wins)
      quarantine/run=2/*.parquet                  rejected records with their raw bytes
      ingest_log/run-000002.json                  the account of each ingest
      _staging/run=3/                             parsed output of a running ingest (removed at commit)

Why two post directories: the DuckDB store replaces an embedded-only copy when the post itself
arrives (an *upgrade*); Parquet files cannot delete rows, so top-level posts (never replaced) are
appended where they land, and the small set of embedded-only posts is rewritten as a new version
by each ingest that changes it; ``meta.json``, written last, names the current version. A crash
before ``meta.json`` is written leaves the previous version current; the next ingest deduplicates
against what ``posts/`` holds and ends where an uninterrupted run would have.

Small files (``meta.json``, the ingest log) go through :mod:`pyarrow.fs`, which speaks the same
schemes as Hadoop (``s3a://`` is read as ``s3://``).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import pyarrow.fs as pafs

FORMAT = "hashtide-dataset"
VERSION = 1
PARTITIONS = ("platform", "day")


def _filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """The pyarrow filesystem of ``uri`` and the path inside it."""
    if "://" not in uri:
        import os

        return pafs.LocalFileSystem(), os.path.abspath(uri)
    if uri.startswith("s3a://") or uri.startswith("s3n://"):
        uri = "s3://" + uri.split("://", 1)[1]
    return pafs.FileSystem.from_uri(uri)


@dataclass
class Dataset:
    """A hashtide Parquet dataset at ``uri`` (a directory path or a URL Spark can write)."""

    uri: str

    def __post_init__(self) -> None:
        self.uri = self.uri.rstrip("/")
        self._fs, self._root = _filesystem(self.uri)

    # -- where things are ----------------------------------------------------------------------

    def path(self, *parts: str) -> str:
        """The URI of a part of the dataset, as Spark wants it."""
        return "/".join([self._spark_root(), *parts])

    def _spark_root(self) -> str:
        if "://" in self.uri:
            return self.uri
        import os

        return os.path.abspath(self.uri)

    def _local(self, *parts: str) -> str:
        return "/".join([self._root, *parts])

    def exists(self, *parts: str) -> bool:
        return self._fs.get_file_info(self._local(*parts)).type != pafs.FileType.NotFound

    def has_parquet(self, *parts: str) -> bool:
        """Whether a directory holds at least one Parquet file (Spark fails on an empty one)."""
        if not self.exists(*parts):
            return False
        selector = pafs.FileSelector(self._local(*parts), recursive=True)
        return any(info.path.endswith(".parquet") and "/_" not in info.path[len(self._root):]
                   for info in self._fs.get_file_info(selector))

    # -- meta.json -----------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        """The dataset's metadata; a dataset that does not exist yet has the defaults."""
        if not self.exists("meta.json"):
            return {"format": FORMAT, "version": VERSION, "pseudonym_key": None, "referenced": None, "runs": 0}
        with self._fs.open_input_stream(self._local("meta.json")) as stream:
            try:
                meta = json.loads(stream.read())
            except ValueError as exc:  # not JSON, or not UTF-8
                raise ValueError(f"{self.uri} is not a hashtide dataset (meta.json is not JSON: {exc})") from exc
        said = meta.get("format") if isinstance(meta, dict) else None
        if said != FORMAT:
            raise ValueError(f"{self.uri} is not a hashtide dataset (meta.json says {said!r})")
        return meta

    def write_meta(self, meta: dict[str, Any]) -> None:
        """Commit ``meta`` (the last write of an ingest)."""
        self._fs.create_dir(self._root, recursive=True)
        self._write(self._local("meta.json"), json.dumps(meta, indent=1, sort_keys=True).encode())

    def ensure(self, pseudonym_key: str | None = None) -> dict[str, Any]:
        """Create the dataset if it is new; its meta (with a pseudonym key) either way."""
        meta = self.meta()
        if meta["pseudonym_key"] is None:
            meta["pseudonym_key"] = pseudonym_key or secrets.token_hex(16)
            self.write_meta(meta)
        return meta

    def _write(self, path: str, data: bytes) -> None:
        # write beside, then move: a reader never sees half a file (atomic on local and HDFS)
        temporary = path + ".writing"
        with self._fs.open_output_stream(temporary) as stream:
            stream.write(data)
        self._fs.move(temporary, path)

    # -- the ingest log --------------------------------------------------------------------------

    def log_ingest(self, run: int, entry: dict[str, Any]) -> None:
        self._fs.create_dir(self._local("ingest_log"), recursive=True)
        self._write(self._local("ingest_log", f"run-{run:06d}.json"),
                    json.dumps(entry, sort_keys=True).encode())

    def ingests(self) -> int:
        """How many ingests were committed."""
        if not self.exists("ingest_log"):
            return 0
        infos = self._fs.get_file_info(pafs.FileSelector(self._local("ingest_log")))
        return sum(1 for info in infos if info.path.endswith(".json"))

    def remove(self, *parts: str) -> None:
        if self.exists(*parts):
            self._fs.delete_dir(self._local(*parts))
