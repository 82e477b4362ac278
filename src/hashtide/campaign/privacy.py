"""How accounts appear in campaign output.

Authors are people. By default:

- an account id is replaced by its stable pseudonym (a keyed hash whose key lives in the corpus,
  :meth:`hashtide.corpus.Corpus.pseudonym`): the same account always gets the same pseudonym in a
  corpus, and nobody without the corpus can reverse it;
- a handle is shown only for accounts with at least ``public_threshold`` followers (public
  figures, default 5,000); below, the pseudonym stands in for the handle too;
- in tables printed for people, a group of fewer than ``MIN_GROUP`` distinct authors is shown as
  "<10", so that a small group cannot be singled out. The JSON carries exact counts: it is data
  for analysis, and its counts are aggregates; what it must not carry is identities, so its ids
  are pseudonymised exactly as in the tables, and free text about people (profile locations) is
  shown only when ``MIN_GROUP`` authors share it.

``reveal=True`` (``--reveal-authors``) shows ids and handles as collected, for users entitled to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PUBLIC_THRESHOLD = 5_000
MIN_GROUP = 10
# Post ids that may name their author: a Bluesky AT URI holds the author's DID
# (at://did:plc:.../app.bsky.feed.post/rkey). The corpus' pseudonym_uri macro replaces it.
POST_ID_KEYS = ("post_id", "parent_id", "root_id")


@dataclass
class Privacy:
    corpus: object
    reveal: bool = False
    public_threshold: int = PUBLIC_THRESHOLD
    _cache: dict = field(default_factory=dict)

    def pseudonym(self, platform: str, author_id: str | None) -> str | None:
        if author_id is None:
            return None
        key = (platform, author_id)
        if key not in self._cache:
            # the corpus' pseudonym macro; fetchall, because a half-read result blocks DuckDB 2
            self._cache[key] = self.corpus.con.execute("select pseudonym(?, ?)", [platform, author_id]).fetchall()[0][0]
        return self._cache[key]

    def author_id(self, platform: str, author_id: str | None) -> str | None:
        return author_id if self.reveal else self.pseudonym(platform, author_id)

    def handle(self, platform: str, author_id: str | None, handle: str | None, followers: int | None) -> str | None:
        if self.reveal or (followers is not None and followers >= self.public_threshold):
            return handle
        return self.pseudonym(platform, author_id)

    def account(self, row: dict, id_key: str = "author_id", handle_key: str = "author_handle",
                followers_key: str = "author_followers") -> dict:
        """``row`` with its id and handle shown as the policy says."""
        platform = row["platform"]
        shown = dict(row)
        shown[handle_key] = self.handle(platform, row.get(id_key), row.get(handle_key), row.get(followers_key))
        shown[id_key] = self.author_id(platform, row.get(id_key))
        for key in POST_ID_KEYS:
            if shown.get(key) is not None and not self.reveal:
                shown[key] = self.post_id(platform, shown[key])
        return shown

    def post_id(self, platform: str, post_id: str) -> str:
        """``post_id`` with the author it names (a Bluesky URI's DID) pseudonymised, as exports do."""
        if not post_id.startswith("at://"):
            return post_id
        return self.corpus.con.execute("select pseudonym_uri(?, ?)", [platform, post_id]).fetchall()[0][0]

    def shared(self, rows: list[dict], authors_key: str = "authors") -> list[dict]:
        """Rows of free text about people (a profile's location) that at least ``MIN_GROUP``
        authors share: a location one person typed can single them out, even without their
        name. All rows with ``reveal``."""
        return rows if self.reveal else [r for r in rows if r[authors_key] >= MIN_GROUP]

    def table(self, rows: "pa.Table", id_column: str = "author_id", handle_column: str = "author_handle",
              followers_column: str = "author_followers") -> "pa.Table":
        """``rows`` with id and handle columns shown as the policy says, in one query."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.reveal or rows.num_rows == 0:
            return rows
        links = [c for c in POST_ID_KEYS if c in rows.column_names]
        keys = rows.select(["platform", id_column, *links]).rename_columns(["platform", "id", *links])
        con = self.corpus.con
        con.register("_hashtide_authors", keys)
        try:
            shown = con.sql("select pseudonym(platform, id), "
                            + "".join(f"pseudonym_uri(platform, {c}), " for c in links)
                            + "from _hashtide_authors").to_arrow_table()
        finally:
            con.unregister("_hashtide_authors")
        pseudonyms = shown.column(0)
        out = rows.set_column(rows.schema.get_field_index(id_column), id_column, pseudonyms)
        for i, column in enumerate(links, 1):
            out = out.set_column(out.schema.get_field_index(column), column, shown.column(i))
        if handle_column in rows.column_names:
            public = pc.fill_null(pc.greater_equal(rows[followers_column], self.public_threshold), False) \
                if followers_column in rows.column_names else pa.repeat(False, rows.num_rows)
            handles = pc.if_else(public, rows[handle_column], pseudonyms)
            out = out.set_column(out.schema.get_field_index(handle_column), handle_column, handles)
        return out


def group_count(authors: int, min_group: int = MIN_GROUP) -> str:
    """A count of authors for a printed table: exact from ``min_group`` up, "<10" below.

    >>> group_count(3), group_count(10), group_count(12345)
    ('<10', '10', '12,345')
    """
    return f"<{min_group}" if authors < min_group else f"{authors:,}"
