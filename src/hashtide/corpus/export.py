"""Posts out of the corpus, for pandas, Excel or another tool: ids as text, authors pseudonymised.

Accounts are people: by default every account id becomes a keyed-hash pseudonym (the key lives
in the corpus) and a handle is shown only for accounts at or above ``public_threshold``
followers (public figures); the text of posts is left out unless asked for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import duckdb

from hashtide.corpus import Corpus
from hashtide.output import format_of as _format_of, replacing

FORMATS = ("parquet", "csv", "xlsx", "jsonl", "json")
PUBLIC_THRESHOLD = 5_000
_COPY_OPTIONS = {
    "csv": "(format csv, header true, force_quote (post_id, parent_id, root_id, author_id))",
    "parquet": "(format parquet, compression zstd)",
    "jsonl": "(format json)",
    "json": "(format json, array true)",
}


class Exported(NamedTuple):
    rows: int
    cleaned_cells: int = 0  # xlsx cells that lost characters a worksheet cannot hold


def format_of(path: str) -> str:
    """The export format ``path`` names by its suffix; ValueError for none or an unknown one."""
    return _format_of(path, FORMATS, "export", aliases={"ndjson": "jsonl", "pq": "parquet"})


def posts_query(reveal_authors: bool, with_text: bool, public_threshold: int) -> str:
    """The SELECT that gives the exported rows, in a stable order."""
    if reveal_authors:
        author = "author_id, author_handle, parent_author_id"
        post_id, links = "post_id", "parent_id, root_id"
    else:
        author = (
            "pseudonym(platform, author_id) as author_id, "
            f"case when author_followers >= {int(public_threshold)} then author_handle "
            "else pseudonym(platform, author_id) end as author_handle, "
            "pseudonym(platform, parent_author_id) as parent_author_id"
        )
        # Bluesky post ids are AT URIs that name their author: their DID is pseudonymised too
        post_id = "pseudonym_uri(platform, post_id) as post_id"
        links = "pseudonym_uri(platform, parent_id) as parent_id, pseudonym_uri(platform, root_id) as root_id"
    text = "text, " if with_text else ""
    return f"""
        select platform, {post_id}, created_at, {author}, author_followers, {text}
               lang, country, hashtags, hashtag_forms, kind, {links},
               likes, reposts, replies, quotes, top_level as collected, source, source_offset
        from posts order by created_at, platform, post_id
    """


def export_posts(
    corpus: Corpus,
    path: str,
    reveal_authors: bool = False,
    with_text: bool = False,
    public_threshold: int = PUBLIC_THRESHOLD,
) -> Exported:
    """Write the posts to ``path`` (format from its suffix), whole or not at all.

    Raises ValueError for a suffix that names no format, OSError when ``path`` cannot be written."""
    fmt = format_of(path)
    query = posts_query(reveal_authors, with_text, public_threshold)
    with replacing(path) as temporary:
        if fmt == "xlsx":
            return _write_xlsx(corpus.con.execute(query), temporary)
        _copy(corpus.con, query, fmt, temporary)
    return Exported(corpus.con.execute("select count(*) from posts").fetchall()[0][0])


def _copy(con, query: str, fmt: str, path: Path) -> None:
    """DuckDB's COPY of the rows to ``path`` in ``fmt``."""
    if fmt == "csv":
        # lists as space-separated tags: one cell each, readable in a spreadsheet
        query = f"""select * replace (array_to_string(hashtags, ' ') as hashtags,
                                      array_to_string(hashtag_forms, ' ') as hashtag_forms)
                    from ({query})"""
    quoted = str(path).replace("'", "''")
    try:
        con.execute(f"copy ({query}) to '{quoted}' {_COPY_OPTIONS[fmt]}")
    except duckdb.IOException as exc:  # a full disk, say: an OSError like any other failed write
        raise OSError(str(exc)) from exc


def _write_xlsx(cursor, path: Path) -> Exported:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("posts")
    columns = [d[0] for d in cursor.description]
    sheet.append(columns)
    rows = cleaned = 0
    while batch := cursor.fetchmany(10_000):
        for row in batch:
            cells, dirty = _cells(row, ILLEGAL_CHARACTERS_RE)
            sheet.append(cells)
            cleaned += dirty
        rows += len(batch)
    book.save(path)
    return Exported(rows, cleaned)


def _cells(row: tuple, illegal: re.Pattern) -> tuple[list, int]:
    """The row as worksheet cells, and how many of them lost characters a worksheet cannot hold
    (``illegal``, C0 controls: tweets carry \\v or BEL, and openpyxl refuses the file for one)."""
    cells = [_cell(v) for v in row]
    dirty = [i for i, cell in enumerate(cells) if isinstance(cell, str) and illegal.search(cell)]
    for i in dirty:
        cells[i] = illegal.sub("", cells[i])
    return cells, len(dirty)


def _cell(value):
    # Excel keeps text cells as typed: ids stay exact; lists become space-separated tags.
    if isinstance(value, list):
        return " ".join(value)
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; the column is UTC
    return value
