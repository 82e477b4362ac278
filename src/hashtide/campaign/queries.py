"""The campaign's queries: built once, compiled once, run many times.

Compiling an Ibis expression costs 50-200 ms (Ibis rewrites, then sqlglot generates); running
most campaign queries costs less. So every query is written over *unbound* tables (see
:mod:`hashtide.campaign.usage`): the tag and the window live in a one-row table, the posts
using the tag in a table the campaign materialises once. The SQL of each query then depends on
nothing but the code, and is compiled once per dialect -- and kept on disk between processes
(``$XDG_CACHE_HOME/hashtide``, keyed by the Ibis and sqlglot versions and the source of this
package), so a second ``hashtide campaign`` compiles nothing at all.

A :class:`Runner` binds the unbound names to one campaign's temporary tables (unique names, so
several campaigns can be open on one connection) and runs the SQL: on DuckDB straight on the
connection, elsewhere through the Ibis backend.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from hashtide.campaign import amplifiers as amp
from hashtide.campaign import facts as F
from hashtide.campaign import related as rel
from hashtide.campaign import usage

# -- the campaign's own tables, each defined by a query over the ones before -----------------

NAMES = {  # the campaign's tables: unbound names in the SQL, in dependency order
    "args": usage.ARGS.get_name(),  # filled from Python values
    "accounts": "hashtide_campaign_accounts",  # accounts to look up, filled from Python
    "uses": "hashtide_campaign_uses",
    "authors": "hashtide_campaign_authors",
    "edges": "hashtide_campaign_edges",
    "cotags": "hashtide_campaign_cotags",
    "tag_carriers": "hashtide_campaign_tag_carriers",
    "tag_uses": "hashtide_campaign_tag_uses",
}
FILLED_FROM_PYTHON = ("args", "accounts")
TEMP_TABLES = {name: (None if table in FILLED_FROM_PYTHON else table) for table, name in NAMES.items()}


@functools.cache
def unbound(table: str) -> ir.Table:
    """The unbound Ibis table of the campaign's ``table`` (built on first use: a process whose
    SQL all comes from the disk cache never builds an expression)."""
    if table == "args":
        return usage.ARGS
    if table == "accounts":
        return ibis.table({"account": "string"}, name=NAMES[table])
    return ibis.table(QUERIES[table]().schema(), name=NAMES[table])


# -- every query, by name; options (e.g. the bucket) are positional ----------------------------

QUERIES: dict[str, Callable[..., ir.Table]] = {
    "uses": lambda: usage.using(),
    "authors": lambda: F.per_author(unbound("uses")),
    "magnitude": lambda: F.magnitude(unbound("authors")),
    "origin": lambda: F.origin_with_children(unbound("uses"), usage.windowed_posts()),
    "timeline": lambda bucket: F.timeline(unbound("uses"), unbound("authors"), bucket),
    "spread": lambda: F.spread(unbound("uses")),
    "profile_locations": lambda: F.profile_locations(unbound("authors"), usage.USERS),
    "forms": lambda: rel.display_forms(unbound("uses"), usage.the_key()),
    "nodes": lambda: F.chronological(unbound("uses").select(*F.NODE_COLUMNS)),
    "edges": lambda: amp.account_edges(unbound("uses"), usage.windowed_posts()),
    "edge_rows": lambda: unbound("edges"),
    "numbered_edges": lambda: amp.numbered(unbound("edges")),
    "use_rows": lambda: F.chronological(unbound("uses")),
    "author_rows": lambda: unbound("authors").order_by(["platform", "author_id"]),
    "cotag_rows": lambda: unbound("cotags").order_by("tag"),
    "accounts": lambda: F.accounts(unbound("authors"), unbound("accounts")),
    "extent": lambda: F.extent(usage.windowed_posts(), usage.POSTS),
    "cotags": lambda: rel.cooccurrence(unbound("uses"), usage.POSTS),
    "tag_carriers": lambda: rel.carriers(usage.POSTS, unbound("cotags")),
    "tag_uses": lambda: rel.uses_of(usage.POSTS, unbound("tag_carriers")),
    "tag_profile": lambda: rel.tag_profile(unbound("tag_uses")),
    "tag_details": lambda: rel.tag_details(unbound("tag_uses")),
    # for the audit only: one figure each, as the fact sheet reports it
    "audit:posts": lambda: F.magnitude(unbound("authors")).select("posts"),
    "audit:distinct_authors": lambda: F.magnitude(unbound("authors")).select("distinct_authors"),
    "audit:reach_upper_bound": lambda: F.magnitude(unbound("authors")).select("reach_upper_bound"),
    "audit:first_seen": lambda: F.magnitude(unbound("authors")).select("first_seen"),
    "audit:last_seen": lambda: F.magnitude(unbound("authors")).select("last_seen"),
    "audit:collected_from": lambda: F.collection_start(usage.POSTS),
    "audit:by_kind": lambda: F.by_kind(unbound("uses")),
    "audit:origin": lambda: F.origin(unbound("uses")),
    "audit:replies_to_origin": lambda: F.children_of_origin(unbound("uses"), usage.windowed_posts(), "reply").pipe(F.count_rows),
    "audit:reposts_of_origin": lambda: F.children_of_origin(unbound("uses"), usage.windowed_posts(), "repost").pipe(F.count_rows),
    "audit:spread": lambda dimension: F.spread_of(unbound("uses"), dimension),
    "audit:peak": lambda bucket: F.peak(F.timeline(unbound("uses"), unbound("authors"), bucket)),
}


def _source_digest() -> str:
    """What the compiled SQL depends on: library versions, this package's source, the schema."""
    import sqlglot

    h = hashlib.sha256(f"{ibis.__version__} {sqlglot.__version__}".encode())
    here = Path(__file__).parent
    for path in sorted(here.glob("*.py")) + [here.parent / "model.py"]:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


class _DiskCache:
    """{(query, dialect, options): SQL} in one JSON file per source digest; best effort (a
    read-only home just means compiling again)."""

    def __init__(self) -> None:
        base = os.environ.get("HASHTIDE_CACHE") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "hashtide")
        self.enabled = base not in ("", "0", "off")
        self.path = Path(base) / f"campaign-sql-{_source_digest()}.json" if self.enabled else None
        self.entries: dict[str, str] | None = None

    def get(self, key: str) -> str | None:
        if not self.enabled:
            return None
        if self.entries is None:
            try:
                self.entries = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.entries = {}
        return self.entries.get(key)

    def put(self, key: str, sql: str) -> None:
        if not self.enabled:
            return
        self.entries = (self.entries or {}) | {key: sql}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # replace atomically: concurrent processes each write a whole file
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as sink:
                json.dump(self.entries, sink, sort_keys=True)
            os.replace(tmp, self.path)
            for stale in self.path.parent.glob("campaign-sql-*.json"):  # other versions' SQL
                if stale != self.path:
                    stale.unlink(missing_ok=True)
        except OSError:
            pass


@functools.cache
def _disk() -> _DiskCache:
    return _DiskCache()


@functools.cache
def compiled(name: str, dialect: str, *options) -> str:
    """The SQL of query ``name`` in ``dialect`` (an Ibis backend name), over the unbound names."""
    key = json.dumps([name, dialect, *options])
    sql = _disk().get(key)
    if sql is None:
        sql = str(ibis.to_sql(QUERIES[name](*options), dialect=dialect)).strip()
        _disk().put(key, sql)
    return sql


_instances = itertools.count()
_PLACEHOLDER = re.compile(r"\b(" + "|".join(re.escape(n) for n in TEMP_TABLES) + r")\b")

# How a dialect keeps a query's result for the session; Spark SQL caches a temporary view.
_MATERIALISE = {"pyspark": "CACHE TABLE {name} AS {sql}"}
_MATERIALISE_DEFAULT = "CREATE TEMPORARY TABLE {name} AS {sql}"


def _integers(table: pa.Table) -> pa.Table:
    """Sums of 64-bit integers come back as 128-bit decimals from DuckDB (Ibis would cast them
    to its int64 schema; raw SQL results need it done here)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type) and field.type.scale == 0:
            table = table.set_column(i, field.name, table.column(i).cast(pa.int64()))
    return table


class Runner:
    """Runs compiled queries for one campaign; owns its temporary tables (dropped on close)."""

    def __init__(self, backend=None, con=None):
        """On ``backend`` (an Ibis backend), or straight on a DuckDB connection ``con``."""
        self.backend = backend
        self.dialect = "duckdb" if con is not None else backend.name
        self.con = con if con is not None else backend.con if self.dialect == "duckdb" else None
        n = next(_instances)
        self.names = {name: f"{name}_{os.getpid()}_{n}" for name in TEMP_TABLES}
        self.made: list[str] = []

    @classmethod
    def for_corpus(cls, corpus) -> Runner:
        """A DuckDB corpus runs on its connection (no Ibis backend to set up: half a second);
        anything else (the Spark engine) through its Ibis backend."""
        from hashtide.corpus import Corpus

        # an engine's ``con`` may be a side connection (Spark's holds the pseudonym macro only)
        if isinstance(corpus, Corpus) or getattr(corpus, "name", None) == "duckdb":
            return cls(con=corpus.con)
        return cls(corpus.ibis)

    def bind(self, sql: str) -> str:
        """``sql`` with the unbound table names replaced by this campaign's tables."""
        return _PLACEHOLDER.sub(lambda m: self.names[m.group(1)], sql)

    def run(self, name: str, *options) -> pa.Table:
        return self.arrow(self.bind(compiled(name, self.dialect, *options)))

    def arrow(self, sql: str) -> pa.Table:
        if self.con is not None:
            return _integers(self.con.sql(sql).to_arrow_table())
        return _integers(self.backend.sql(sql).to_pyarrow())

    def expr(self, expr: ir.Table) -> pa.Table:
        """Compile and run an ad-hoc expression over the unbound tables (not cached)."""
        return self.arrow(self.bind(str(ibis.to_sql(expr, dialect=self.dialect))))

    def put(self, placeholder: str, table: pa.Table) -> None:
        name = self.names[placeholder]
        if self.con is not None:
            self.con.register(name, table)
        else:  # Ibis' PySpark backend has no temporary tables: a temporary view of the rows
            self.backend.create_view(name, ibis.memtable(table), overwrite=True)
        self.made.append(placeholder)

    def materialise(self, placeholder: str, *options) -> None:
        sql = self.bind(compiled(TEMP_TABLES[placeholder], self.dialect, *options))
        template = _MATERIALISE.get(self.dialect, _MATERIALISE_DEFAULT)
        self._ddl(template.format(name=self.names[placeholder], sql=sql))
        self.made.append(placeholder)

    def made_table(self, placeholder: str) -> bool:
        return placeholder in self.made

    def _ddl(self, sql: str) -> None:
        if self.con is not None:
            self.con.execute(sql).fetchall()  # fetchall: a pending result blocks DuckDB 2's next call
        else:
            self.backend.raw_sql(sql)

    def close(self) -> None:
        while self.made:
            placeholder = self.made.pop()
            name = self.names[placeholder]
            try:
                if TEMP_TABLES[placeholder] is None and self.con is not None:
                    self.con.unregister(name)
                elif self.con is not None:
                    self._ddl(f"DROP TABLE IF EXISTS {name}")
                else:
                    self.backend.drop_table(name, force=True)
            except Exception:  # the connection is already gone: temp tables went with it
                pass
