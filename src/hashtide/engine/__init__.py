"""Where the posts live, and what runs the analyses: DuckDB (one corpus file) or Spark (a Parquet
dataset directory and a SparkSession).

Analyses are Ibis expressions over ``engine.posts()`` (and ``users()``, ``quarantine()``); Ibis
compiles them to DuckDB SQL or Spark SQL, so one source gives both engines' answers. An engine
also answers what a :class:`~hashtide.corpus.Corpus` answers to analyses (``ibis`` with tables
``posts`` and ``users``, ``pseudonym``, ``path``), so code written against a corpus runs on Spark.

Selection: ``--engine`` / ``$HASHTIDE_ENGINE`` (``duckdb`` by default), ``--corpus`` the file or
dataset, ``--spark-master`` / ``$HASHTIDE_SPARK_MASTER`` (``local[*]`` by default).

>>> import tempfile, os
>>> from hashtide.model import Post
>>> path = os.path.join(tempfile.mkdtemp(), "c.duckdb")
>>> with open_engine("duckdb", path, read_only=False) as engine:
...     _ = engine.corpus.write_posts([Post(platform="twitter", post_id="1", created_at=0)])
...     engine.posts().count().execute()
1
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

ENGINES = ("duckdb", "spark")
ENV_VAR = "HASHTIDE_ENGINE"
DEFAULT_DATASET = "hashtide-dataset"


class EngineError(Exception):
    """An engine that cannot be opened as asked (unknown name, no dataset, no Java)."""


def engine_name(name: str | None = None) -> str:
    """The engine asked for: ``name``, else ``$HASHTIDE_ENGINE``, else ``duckdb``."""
    chosen = (name or os.environ.get(ENV_VAR) or "duckdb").lower()
    if chosen not in ENGINES:
        raise EngineError(f"engine {chosen!r}: one of {', '.join(ENGINES)}")
    return chosen


def open_engine(name: str | None = None, location: str | None = None, *, master: str | None = None,
                read_only: bool = True) -> Engine:
    """Open the engine ``name`` over ``location`` (a corpus file, or a dataset directory)."""
    if engine_name(name) == "duckdb":
        from hashtide.corpus import Corpus, default_path

        return DuckDBEngine(Corpus.open(location or default_path(), read_only=read_only))
    from hashtide.engine.parquet import Dataset

    from pyspark.errors import PySparkException

    try:
        dataset = Dataset(location or os.environ.get("HASHTIDE_CORPUS") or DEFAULT_DATASET)
        found = dataset.exists("meta.json")
        dataset.meta()  # before Spark starts: a folder that is no dataset is refused at once
    except (ValueError, OSError) as exc:  # an unknown URI scheme (pyarrow's ArrowInvalid), a bad meta.json
        raise EngineError(str(exc)) from exc
    if read_only and not found:
        raise FileNotFoundError(f"no dataset at {dataset.uri} (ingest something first: "
                                f"hashtide ingest --engine spark --corpus {dataset.uri} FILE)")
    try:
        return SparkEngine(dataset, master=master)
    except PySparkException as exc:  # a master Spark cannot start with
        raise EngineError(f"cannot start Spark (master {master or 'local[*]'}): {exc}") from exc


class Engine:
    """The posts of a corpus on some engine (see the module docstring)."""

    name: str
    path: str

    @property
    def ibis(self):  # pragma: no cover - interface
        raise NotImplementedError

    def posts(self):
        """The posts, an Ibis table of :data:`hashtide.model.POST_SCHEMA`'s columns."""
        return self.ibis.table("posts")

    def users(self):
        """Accounts' latest known profiles, :data:`hashtide.model.USER_SCHEMA`'s columns."""
        return self.ibis.table("users")

    def quarantine(self):
        """Rejected records: source, line, byte_offset, item, reason, raw, digest."""
        return self.ibis.table("quarantine")

    def ingests(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def pseudonym(self, platform: str, author_id: str | None) -> str | None:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DuckDBEngine(Engine):
    """The embedded engine: a :class:`~hashtide.corpus.Corpus` file."""

    name = "duckdb"

    def __init__(self, corpus):
        self.corpus = corpus
        self.path = corpus.path

    @property
    def ibis(self):
        return self.corpus.ibis

    @property
    def con(self):
        return self.corpus.con

    def ingests(self) -> int:
        return self.corpus.con.execute("select count(*) from ingest_log").fetchall()[0][0]  # fetchone leaves the result open (DuckDB 2)

    def pseudonym(self, platform: str, author_id: str | None) -> str | None:
        return self.corpus.pseudonym(platform, author_id)

    def close(self) -> None:
        self.corpus.close()


class SparkEngine(Engine):
    """The scale engine: a Parquet dataset read by Spark.

    Each engine has its own Spark session (``newSession``: same SparkContext, own temporary
    views), whose views ``posts``, ``users`` and ``quarantine`` show the dataset.
    """

    name = "spark"

    def __init__(self, dataset, master: str | None = None, spark=None):
        from hashtide.engine import spark as sparkmod

        self.dataset = dataset
        self.path = dataset.uri
        self.master = master
        self.spark = (spark or sparkmod.session(master)).newSession()
        self._ibis = None
        self._con = None
        self.refresh()

    @property
    def ibis(self):
        if self._ibis is None:
            import ibis

            self._ibis = ibis.pyspark.connect(self.spark)
        return self._ibis

    def refresh(self) -> None:
        """(Re)define the views over what the dataset holds now (after an ingest)."""
        from hashtide.engine import views

        self.meta = self.dataset.meta()
        for name, frame in views.frames(self.spark, self.dataset, self.meta).items():
            frame.createOrReplaceTempView(name)

    def ingest(self, paths, fmt: str | None = None, mapping: dict[str, str] | None = None, **options: Any):
        """Ingest ``paths`` into the dataset with Spark tasks; the :class:`IngestReport`."""
        from hashtide.engine import spark as sparkmod

        try:
            return sparkmod.ingest(self.spark, self.dataset, paths, fmt, mapping, **options)
        finally:
            self.refresh()

    def ingests(self) -> int:
        return self.dataset.ingests()

    @property
    def con(self):
        """An in-memory DuckDB connection on the driver, for small result tables: it has the
        corpus' pseudonym macros with this dataset's key, as a Corpus has."""
        if self._con is None:
            import duckdb

            from hashtide.corpus import define_pseudonyms

            self._con = duckdb.connect()
            self._con.execute("set TimeZone = 'UTC'")  # as a Corpus's: not the machine's
            define_pseudonyms(self._con, self.meta.get("pseudonym_key") or "")
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()

    def pseudonym(self, platform: str, author_id: str | None) -> str | None:
        """The same keyed hash as :meth:`hashtide.corpus.Corpus.pseudonym`, key from meta.json."""
        if author_id is None:
            return None
        key = self.meta.get("pseudonym_key") or ""
        return "p_" + hashlib.sha256(f"{key}{platform}:{author_id}".encode()).hexdigest()[:12]
