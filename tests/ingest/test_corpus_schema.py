"""The corpus keeps no primary key on users (DuckDB holds a key's index in memory: at millions
of accounts it outgrew the ingest's memory limit), and corpora made with one are migrated."""

from __future__ import annotations

import duckdb

from hashtide.corpus import _DDL, Corpus
from hashtide.model import User


def _keys(con) -> int:
    return con.execute("select count(*) from duckdb_constraints() where table_name = 'users' "
                       "and constraint_type = 'PRIMARY KEY'").fetchall()[0][0]


def test_a_keyed_users_table_is_rebuilt_without_its_key_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(_DDL.split(";")[0])  # the posts table, as 0.1.0 made it
    con.execute("create table users (platform varchar not null, user_id varchar not null, handle varchar, "
                "name varchar, followers bigint, location varchar, created_at timestamptz, verified boolean, "
                "primary key (platform, user_id))")
    con.execute("insert into users values ('twitter', '1', 'a', null, 5, null, null, null)")
    con.close()
    with Corpus.open(path) as corpus:
        assert _keys(corpus.con) == 0
        corpus.write_users([User(platform="twitter", user_id="1", name="A"),
                            User(platform="twitter", user_id="2", handle="b")])
        rows = corpus.con.execute("select user_id, handle, name, followers from users order by user_id").fetchall()
    assert rows == [("1", "a", "A", 5), ("2", "b", None, None)]


def test_profiles_stay_one_row_per_account_across_batches(tmp_path):
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        assert _keys(corpus.con) == 0
        for followers in (1, None, 3):
            corpus.write_users([User(platform="twitter", user_id="1", followers=followers),
                                User(platform="twitter", user_id="1", handle=f"h{followers}")])
        rows = corpus.con.execute("select user_id, handle, followers from users").fetchall()
    assert rows == [("1", "h3", 3)]
