"""The corpus: one DuckDB database file holding posts, users, the quarantine and the ingest log.

>>> import tempfile, os
>>> from hashtide.model import Post
>>> path = os.path.join(tempfile.mkdtemp(), "c.duckdb")
>>> with Corpus.open(path) as corpus:
...     first = corpus.write_posts([Post(platform="twitter", post_id="1", created_at=0)])
...     again = corpus.write_posts([Post(platform="twitter", post_id="1", created_at=0)])
...     stored = corpus.con.execute("select count(*) from posts").fetchall()[0][0]
>>> first, again, stored
(1, 0, 1)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from hashtide.model import Post, User, posts_to_arrow, users_to_arrow

DEFAULT_PATH = "hashtide.duckdb"
ENV_VAR = "HASHTIDE_CORPUS"

_DDL = """
create table if not exists posts (
    platform varchar not null, post_id varchar not null, created_at timestamptz,
    author_id varchar, author_handle varchar, author_followers bigint, text varchar,
    lang varchar, country varchar, hashtags varchar[], hashtag_forms varchar[],
    kind varchar not null, parent_id varchar, root_id varchar, parent_author_id varchar,
    likes bigint, reposts bigint, replies bigint, quotes bigint,
    source varchar, source_offset bigint, top_level boolean not null
);
create table if not exists users (
    platform varchar not null, user_id varchar not null, handle varchar, name varchar,
    followers bigint, location varchar, created_at timestamptz, verified boolean
);
create table if not exists quarantine (
    source varchar not null, line bigint, byte_offset bigint not null, item bigint not null,
    reason varchar not null, raw blob, digest varchar not null,
    primary key (source, byte_offset, item, digest)
);
create table if not exists ingest_log (
    run_id integer, started_at timestamptz, finished_at timestamptz, sources varchar[],
    report json
);
create table if not exists meta (key varchar primary key, value varchar);
"""


def _drop_users_key(con: duckdb.DuckDBPyConnection) -> None:
    """Corpora made by 0.1.0 kept a primary key on users. DuckDB holds such an index in memory
    (206 MB at 3.3 M accounts), so a 10 M-post ingest ran out of its memory limit; profiles are
    merged by joins instead (corpus.store.merge_users). The table is rebuilt without the key."""
    keyed = con.execute("select count(*) from duckdb_constraints() where table_name = 'users' "
                        "and constraint_type = 'PRIMARY KEY'").fetchall()[0][0]
    if not keyed:
        return
    con.execute("begin transaction")
    try:
        con.execute("create table _users_unkeyed as select * from users")
        con.execute("drop table users")
        con.execute("alter table _users_unkeyed rename to users")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


_NOT_DUCKDB = "{path} is not a DuckDB database file (a corpus is one, e.g. --corpus capture.duckdb)"


class NotACorpus(ValueError):
    """A DuckDB database that holds other tables than a corpus's."""


class CannotOpen(Exception):
    """The corpus cannot be opened; the message says why, for a person."""


def _refuse_foreign(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """NotACorpus for a database with tables but no corpus's ``posts``: it is someone's other
    database, and creating hashtide's tables in it would change it. An empty one is a new corpus."""
    if path != ":memory:" and con.execute(
            "select path is null from duckdb_databases() where database_name = current_database()").fetchall()[0][0]:
        # DuckDB 2.0 opens an existing file of JSON lines in memory: a corpus there would vanish
        raise NotACorpus(_NOT_DUCKDB.format(path=path))
    tables = [name for (name,) in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() order by 1").fetchall()]
    posts = {name for (name,) in con.execute(
        "select column_name from duckdb_columns() where database_name = current_database() "
        "and table_name = 'posts'").fetchall()}
    if tables and not {"platform", "post_id", "hashtags", "top_level"} <= posts:
        shown = ", ".join(tables[:6]) + (", ..." if len(tables) > 6 else "")
        raise NotACorpus(f"{path} is a DuckDB database, not a hashtide corpus (it holds {shown}); "
                         "name another file with --corpus")


def define_pseudonyms(con: duckdb.DuckDBPyConnection, secret: str) -> None:
    """The session's ``pseudonym(platform, id)`` (a keyed hash) and ``pseudonym_uri(platform,
    uri)``: an AT URI names its author (at://did:plc:.../app.bsky.feed.post/rkey), whose DID is
    pseudonymised; other ids pass as they are."""
    secret = secret.replace("'", "")
    con.execute(f"create or replace temp macro pseudonym(platform, id) as "
                f"'p_' || left(sha256('{secret}' || platform || ':' || id), 12)")
    con.execute("create or replace temp macro pseudonym_uri(platform, uri) as case "
                "when uri like 'at://%' then 'at://' || pseudonym(platform, split_part(uri, '/', 3)) "
                "|| substr(uri, 6 + length(split_part(uri, '/', 3))) else uri end")


def default_path() -> str:
    """The corpus path when none is given: ``$HASHTIDE_CORPUS``, else ``./hashtide.duckdb``."""
    return os.environ.get(ENV_VAR) or DEFAULT_PATH


class Corpus:
    """A hashtide corpus in a DuckDB file. Open with :meth:`open`; use as a context manager."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str, read_only: bool):
        self.con = con
        self.path = path
        self.read_only = read_only
        self._ibis = None
        # DuckDB takes the machine's time zone for the session: day buckets, exported times and
        # times handed to Python would change with where the analysis runs. hashtide is UTC.
        self.con.execute("set TimeZone = 'UTC'")
        self._secret = self._load_secret()
        define_pseudonyms(self.con, self._secret)

    @classmethod
    def open(cls, path: str | os.PathLike | None = None, read_only: bool = False) -> Corpus:
        """Open (and, unless ``read_only``, create) the corpus at ``path``."""
        path = str(path or default_path())
        if read_only and not Path(path).exists():
            raise FileNotFoundError(f"no corpus at {path} (ingest something first: hashtide ingest FILE)")
        try:
            con = duckdb.connect(path, read_only=read_only)
        except duckdb.CatalogException as exc:
            if "in-memory" in str(exc):  # read-only, DuckDB 2.0 would open a file of JSON lines in memory
                raise NotACorpus(_NOT_DUCKDB.format(path=path)) from exc
            raise
        try:
            _refuse_foreign(con, path)
        except NotACorpus:
            con.close()
            raise
        if not read_only:
            con.execute(_DDL)
            _drop_users_key(con)
        return cls(con, path, read_only)

    @classmethod
    def open_or_explain(cls, path: str | os.PathLike | None = None, read_only: bool = False) -> Corpus:
        """:meth:`open`, its failures as one :class:`CannotOpen` whose message says why (no corpus
        there, not a corpus, locked by a writer, unreadable): what every command shows a person."""
        path = str(path or default_path())
        try:
            return cls.open(path, read_only=read_only)
        except (FileNotFoundError, NotACorpus) as exc:
            raise CannotOpen(str(exc)) from exc
        except (duckdb.Error, OSError) as exc:  # a locked, unreadable or damaged file
            raise CannotOpen(f"cannot open corpus {path}: {exc}") from exc

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    @property
    def ibis(self):
        """An Ibis backend over this corpus' connection (analyses are written in Ibis)."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    # -- privacy ------------------------------------------------------------------------------

    def _load_secret(self) -> str:
        rows = self.con.execute("select value from meta where key = 'pseudonym_key'").fetchall()
        row = rows[0] if rows else None
        if row:
            return row[0]
        secret = secrets.token_hex(16)
        if not self.read_only:
            self.con.execute("insert into meta values ('pseudonym_key', ?)", [secret])
        return secret

    def pseudonym(self, platform: str, author_id: str | None) -> str | None:
        """A stable pseudonym for an account: a keyed hash whose key lives in this corpus only."""
        if author_id is None:
            return None
        return self.con.execute("select pseudonym(?, ?)", [platform, author_id]).fetchall()[0][0]

    # -- writing -----------------------------------------------------------------------------

    def write_posts(self, posts: Sequence[Post] | pa.Table) -> int:
        """Insert posts whose (platform, post_id) is new; returns how many were added.

        A top-level post replaces a stored copy known only from an embedded reference.
        """
        table = posts if isinstance(posts, pa.Table) else posts_to_arrow(posts)
        from hashtide.corpus.store import merge_posts

        return merge_posts(self.con, table).added

    def write_users(self, users: Sequence[User] | pa.Table) -> None:
        """Upsert profiles: later non-null fields override stored ones."""
        table = users if isinstance(users, pa.Table) else users_to_arrow(users)
        from hashtide.corpus.store import merge_users

        merge_users(self.con, table)

    def campaign(self, tag: str, since=None, until=None):
        """The story of one hashtag campaign (see :mod:`hashtide.campaign`)."""
        from hashtide.campaign import Campaign

        return Campaign(self, tag, since=since, until=until)
