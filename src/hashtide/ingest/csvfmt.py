"""CSV: rows with their exact bytes and offsets, the ``twarc2 csv`` layout, and mapped columns.

:func:`iter_rows` splits a CSV stream into rows without losing where each came from: a row is the
lines up to the one that closes its quotes (RFC 4180: a field in double quotes may hold newlines,
``""`` is a quote), so the raw bytes, first line number and byte offset of every row are exact and
memory is bounded by the longest row. The stdlib :mod:`csv` parser then splits the row's text.

Three readers turn rows into posts:

- :data:`TWARC_CSV` recognises the columns of ``twarc2 csv`` (the twarc-csv plugin,
  ``dataframe_converter.DEFAULT_TWEET_COLUMNS``) and gives the Twitter posts
  :mod:`hashtide.ingest.twitter_v2` gives for the same tweets, except what twarc-csv does not keep:
  it copies a retweet's text, entities and ``public_metrics`` from the retweeted tweet; a
  retweet's own counters are rebuilt as the API gives them (the original's ``retweet_count``,
  zero likes, replies and quotes). It writes a newline in a text as the two characters ``\\n``; they are turned back.
- :data:`TWARC1_CSV` recognises the columns of twarc 1's ``utils/json2csv.py`` (v1.1 statuses)
  and gives the posts :mod:`hashtide.ingest.twitter_v1` gives, less what that CSV does not keep
  (:class:`Twarc1Csv`).
- :class:`MappedCsv` maps schema columns to CSV columns (``--map created_at=date --map
  text=body``); a schema column not mapped is read from the CSV column of the same name when there
  is one. It needs ``post_id`` (or a column ``id``), ``created_at``, and ``text`` or ``hashtags``.

Spreadsheets damage ids: Excel shows a long number as ``1.1846E+18`` and keeps 15 significant
digits, so a saved file holds ``1.1846E+18`` or ``1184612345678900000``. Such ids would merge
distinct posts (or tie posts to one invented parent or author); a row with one in any id column
is rejected with the reason and the column, never stored, unless that column has shown its
digits kept in the file (:func:`row_problem`). A twarc2 csv tweet id is digits. (A genuine id ending in zeros
in a column with no such witness yet is rejected too: a price paid for never merging; the quarantine
keeps those rows.) The twarc-csv versions read, and what each wrote differently (hashtag objects,
JSON-encoded cells, Python list reprs, the pre-0.5 reference list), are in docs/formats.md.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

import regex

from hashtide.ingest.items import Item, Record, Reject
from hashtide.ingest.sources import BOM, utf8_text
from hashtide.ingest.twitter_v2 import NO_LANGUAGE
from hashtide.model import PLATFORMS, Post, User, hashtags_from_text, micros, parse_epoch, tag_columns

NAME = "csv"
MAX_ROW_BYTES = 16 << 20  # a row longer than this is an unterminated quote, not a row

Row = tuple[int, int, bytes, "dict[str, str] | None", "str | None"]


# ---------------------------------------------------------------------------------------------
# Rows


def starts_with_twarc_header(head: bytes) -> bool:
    """Whether a stream beginning with ``head`` (a whole first line) is a ``twarc2 csv`` file, for
    stdin, which has no suffix to say so. Any other CSV on stdin needs ``--format csv`` or a map:
    a fragment of JSON with a comma in it must not pass for a header.

    >>> starts_with_twarc_header(b'id,conversation_id,text\\n'), starts_with_twarc_header(b'"id": "1", "text"')
    (False, False)
    """
    first, newline, _ = head.partition(b"\n")
    if not newline:
        return False
    try:
        header = next(csv.reader([first.removeprefix(BOM).decode("utf-8").rstrip("\r")]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return False
    return layout_of(dict.fromkeys(header)) is not None


def iter_rows(stream: BinaryIO) -> Iterator[Row]:
    """``(line, offset, raw, row, error)`` for each row after the header.

    ``line`` is the 1-based line of the row's first byte, ``offset`` its byte offset, ``raw`` its
    bytes (newline included), ``row`` a dict header -> value, ``error`` None or why the row cannot
    be read (then ``row`` holds the header's keys, with what could be read). A header that cannot
    be read is yielded as ``(1, 0, raw, None, error)`` and ends the stream.
    """
    buffered = stream if hasattr(stream, "peek") else io.BufferedReader(stream, 1 << 20)
    buffered = utf8_text(buffered)
    head = buffered.peek(1 << 16)
    legacy = "cp1252"  # Excel on Windows saves "CSV" in the ANSI code page
    if b"\r" in head and b"\n" not in head:
        buffered = io.BufferedReader(_CrAsLf(buffered), 1 << 20)
        legacy = "mac_roman"  # and Excel for Mac, which ends lines in CR alone, in Mac Roman
    header: list[str] | None = None
    dialect: type[csv.Dialect] = csv.excel
    for line, offset, raw, error in _records(buffered):
        if header is None:
            if raw.startswith(BOM):
                raw = raw[len(BOM):]
            if not raw.strip():
                continue
            text, problem = _decode(raw, legacy)
            if problem is None:
                dialect = _dialect(raw)
                fields, problem = _fields(text, dialect)
            if error or problem or not any(fields):
                yield line, offset, raw, None, f"unreadable CSV header ({error or problem or 'empty'})"
                return
            header = [name.strip() for name in fields]
            continue
        if not raw.strip(b"\r\n"):
            continue  # a blank line separates nothing: not a record
        yield _row(line, offset, raw, error, header, dialect, legacy)


class _CrAsLf(io.RawIOBase):
    """Text whose lines end in CR alone (classic Mac OS; Excel for Mac's "CSV (Macintosh)") read
    with LF in their place, byte for byte, so offsets and line numbers stay the file's."""

    def __init__(self, stream: io.BufferedReader):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read1(len(buffer)).replace(b"\r", b"\n")
        buffer[:len(data)] = data
        return len(data)


class _ExcelSemicolon(csv.excel):
    """What Excel saves as "CSV" where the decimal mark is a comma (France, Germany, Italy...)."""

    delimiter = ";"


def _dialect(header: bytes) -> type[csv.Dialect]:
    """The dialect whose delimiter the header uses most: comma, tab or semicolon (commas win ties).

    >>> [_dialect(h).delimiter for h in (b"id,text\\n", b"id\\ttext\\n", b"id;created_at;text\\n", b"a;b,c\\n")]
    [',', '\\t', ';', ',']
    """
    counts = {dialect: header.count(dialect.delimiter.encode()) for dialect in (csv.excel, csv.excel_tab, _ExcelSemicolon)}
    return max(counts, key=counts.get)


def _records(stream: BinaryIO) -> Iterator[tuple[int, int, bytes, str | None]]:
    """``(first_line, offset, raw, error)`` of each CSV record: lines joined while a quote is open."""
    number = offset = 0
    pending: list[bytes] = []
    start_line = start_offset = size = 0
    quotes = 0
    for line in stream:
        number += 1
        if not pending:
            start_line, start_offset, size, quotes = number, offset, 0, 0
        pending.append(line)
        size += len(line)
        offset += len(line)
        quotes += line.count(b'"')  # a '"' byte never occurs inside a UTF-8 multi-byte character
        if quotes % 2 == 0:
            yield start_line, start_offset, b"".join(pending), None
            pending = []
        elif size > MAX_ROW_BYTES:
            yield start_line, start_offset, b"".join(pending), "unterminated quoted field (row too long)"
            pending = []
    if pending:
        yield start_line, start_offset, b"".join(pending), "unterminated quoted field at end of file"


def _decode(raw: bytes, legacy: str = "cp1252") -> tuple[str, str | None]:
    """The text of ``raw``: UTF-8, else the ``legacy`` code page a spreadsheet saved it in."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode(legacy), None
    except UnicodeDecodeError as exc:
        return "", f"not UTF-8 or Windows-1252 text ({exc.reason} at byte {exc.start})"


def _fields(text: str, dialect: type[csv.Dialect]) -> tuple[list[str], str | None]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        return [], f"malformed CSV ({exc})"
    if len(rows) != 1:
        return [], f"malformed CSV ({len(rows)} rows where one was expected)"
    return rows[0], None


def _row(line: int, offset: int, raw: bytes, error: str | None, header: list[str],
         dialect: type[csv.Dialect], legacy: str = "cp1252") -> Row:
    if error is not None:
        return line, offset, raw, dict.fromkeys(header, ""), error
    text, problem = _decode(raw, legacy)
    fields, problem = _fields(text, dialect) if problem is None else ([], problem)
    if problem is None and len(fields) != len(header):
        problem = f"row has {len(fields)} fields, the header {len(header)}"
    row = dict(zip(header, fields))
    if len(fields) < len(header):
        row.update(dict.fromkeys(header[len(fields):], ""))
    return line, offset, raw, row, problem


# ---------------------------------------------------------------------------------------------
# Values


_SCIENTIFIC = regex.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")
_DIGITS = regex.compile(r"[0-9]+")
_REFERENCE_COLUMNS = ("author_id", "parent_id", "root_id", "parent_author_id")  # of a mapped CSV


def id_problem(value: str) -> str | None:
    """Why ``value`` is not an id a spreadsheet left intact, or None.

    >>> id_problem("1184612345678901234") is None, id_problem("1.1846E+18")
    (True, 'id mangled by Excel (scientific notation): 1.1846E+18')
    >>> id_problem("1184612345678900000")
    'id mangled by Excel (digits lost beyond the 15th): 1184612345678900000'
    """
    if not value:
        return "no id"
    if _SCIENTIFIC.fullmatch(value):
        return f"id mangled by Excel (scientific notation): {value}"
    if len(value) > 15 and _DIGITS.fullmatch(value) and not value[15:].strip("0"):
        return f"id mangled by Excel (digits lost beyond the 15th): {value}"
    return None


def row_problem(post_id: str, values: dict[str, str | None], columns: tuple[str, ...],
                intact: set[str] | None = None, vouched: bool = False) -> str | None:
    """Why the row's id, or one of its ids in ``columns`` (parent, author...), is not one a
    spreadsheet left intact: a mangled parent id would tie unrelated posts to one invented parent.

    Trailing zeros alone are not taken for damage in a column that has shown, in this row or an
    earlier one of the file, a long id with its digits kept: Excel formats a whole column alike
    (users often import the id column as text and leave the others to it, so one intact column
    says nothing of another). ``intact`` holds those columns ("" for the post's id) and is
    updated here, row after row. Genuine ids do end in zeros, far more often than 1 in 10^k: a
    tweet id's last 12 bits, a sequence within the millisecond, are mostly 0, so about 1 tweet id
    in 125 of 18 digits ends in 000 (5 of 455 in the v1.1 data of 2016-2018), and an account's id
    does as often. ``vouched``: the row shows the post id's digits in a text Excel leaves alone (a
    tweet's URL). Scientific notation is always damage.

    >>> row_problem("7", {"parent_id": "1.4407E+18", "author_id": "12"}, ("author_id", "parent_id"))
    'id mangled by Excel (scientific notation): 1.4407E+18, in column parent_id'
    >>> seen = set()
    >>> row_problem("1574186375729012744", {"author_id": "889221137871360000"}, ("author_id",), seen)
    'id mangled by Excel (digits lost beyond the 15th): 889221137871360000, in column author_id'
    >>> row_problem("1574186375729012745", {"author_id": "889221137871361234"}, ("author_id",), seen) is None
    True
    >>> row_problem("1574186375729012746", {"author_id": "889221137871360000"}, ("author_id",), seen) is None
    True
    """
    found = [("", post_id)] + [(column, values.get(column) or "") for column in columns]
    intact = set() if intact is None else intact
    intact.update(column for column, value in found if _digits_kept(value))
    for column, value in found:
        if (value or not column) and (problem := id_problem(value)):
            witnessed = bool(_DIGITS.fullmatch(value)) and (column in intact or (vouched and not column))
            if not witnessed:
                return f"{problem}, in column {column}" if column else problem
    return None


def _digits_kept(value: str) -> bool:
    """A long id whose digits past the 15th are not all zeros: no spreadsheet rounded it."""
    return len(value) > 15 and bool(_DIGITS.fullmatch(value)) and bool(value[15:].strip("0"))


_EXCEL_TIMES = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%a %b %d %H:%M:%S %z %Y")


def parse_time(value: str) -> int | None:
    """A CSV time to epoch microseconds UTC: ISO 8601 (zone-less means UTC), Excel's
    ``2017-10-15 20:21:00``, Twitter v1.1's ``Sun Oct 15 20:21:00 +0000 2017``, or epoch seconds
    or milliseconds. None when it is none of those (day/month order of ``10/11/2017`` is ambiguous
    and not guessed).

    >>> [parse_time(v) for v in ("2017-10-15T20:21:00.000Z", "2017-10-15 20:21:00", "1508098860", "1508098860000")]
    [1508098860000000, 1508098860000000, 1508098860000000, 1508098860000000]
    """
    try:
        return _parse_time(value.strip())  # bounded to the calendar by micros and parse_epoch
    except (ValueError, OverflowError):
        return None


def _parse_time(value: str) -> int | None:
    if not value:
        return None
    if value.isdigit() or (value[:1] == "-" and value[1:].isdigit()):
        number = int(value)
        return parse_epoch(number / 1000 if abs(number) >= 100_000_000_000 else number)
    try:
        return micros(dt.datetime.fromisoformat(value))
    except ValueError:
        pass
    for form in _EXCEL_TIMES:
        try:
            return micros(dt.datetime.strptime(value, form))
        except ValueError:
            continue
    return parse_epoch(float(value))


def _int(value: str | None) -> int | None:
    """A counter, or None when it is not a non-negative int64 (as :func:`twitter_v2.count`):
    pandas writes an integer column with gaps as floats (``12.0``).

    >>> [_int(v) for v in ("12", "12.0", "-1", "9223372036854775808", "1e3", "", "n/a")]
    [12, 12, None, None, 1000, None, None]
    """
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        try:
            real = float(value)
        except ValueError:
            return None
        if not real.is_integer() or abs(real) >= 2**63:
            return None
        number = int(real)
    return number if 0 <= number < 2**63 else None


def _tag_list(value: str | None) -> list[str]:
    """A hashtags cell: a JSON list (twarc-csv), or tags separated by spaces, commas, semicolons.

    twarc-csv 0.7 writes ``["#MeToo"]``; 0.5 and 0.6 wrote the API's entity objects,
    ``[{"start": 0, "end": 6, "tag": "MeToo"}]`` (``text`` in v1.1 entities): both are tags.

    >>> _tag_list('[{"start": 0, "end": 6, "tag": "MeToo"}]'), _tag_list('["#MeToo"]'), _tag_list("MeToo; iHave")
    (['MeToo'], ['#MeToo'], ['MeToo', 'iHave'])
    """
    if not value:
        return []
    if value[:1] == "[":
        tags = _list_cell(value)
        if isinstance(tags, list):
            return [tag for tag in map(_entity_tag, tags) if tag is not None]
    return [t for t in regex.split(r"[\s,;|]+", value) if t]


def _list_cell(value: str) -> Any:
    """A list cell as twarc-csv wrote it: JSON, or with ``--no-json-encode-lists`` Python's repr
    of the list (``['#MeToo']``), which is not JSON. None when it is neither.

    >>> _list_cell('["#MeToo"]'), _list_cell("['#MeToo']"), _list_cell("[MeToo]")
    (['#MeToo'], ['#MeToo'], None)
    """
    try:
        return json.loads(value)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
        pass
    try:
        return ast.literal_eval(value)  # literals only: never runs code
    except Exception:  # not a literal (SyntaxError, ValueError), or too deeply nested
        return None


def _entity_tag(tag: Any) -> str | None:
    """A tag of a JSON hashtags list: a string, or a v2 (``tag``) or v1.1 (``text``) entity."""
    if isinstance(tag, dict):
        tag = tag.get("tag", tag.get("text"))
    return tag if isinstance(tag, str) else None


# ---------------------------------------------------------------------------------------------
# twarc2 csv


class TwarcCsv:
    """The column layout of ``twarc2 csv`` (twarc-csv), read as Twitter posts."""

    NAME = "twarc-csv"
    REQUIRED = ("id", "created_at", "text", "author_id", "author.username", "entities.hashtags",
                "referenced_tweets.retweeted.id", "referenced_tweets.replied_to.id",
                "referenced_tweets.quoted.id")
    ID_COLUMNS = ("author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets.retweeted.id",
                  "referenced_tweets.replied_to.id", "referenced_tweets.quoted.id", "retweeted_user_id",
                  "quoted_user_id")  # checked for Excel damage like the id

    # twarc-csv before 0.5 (0.2, 0.3) kept the references as one JSON list in "referenced_tweets",
    # and wrote each referenced tweet as a row of its own, its "type" saying how it was referenced
    EARLY_REQUIRED = ("id", "created_at", "text", "author_id", "author.username", "entities.hashtags",
                      "referenced_tweets", "type")

    def __init__(self) -> None:
        self.intact: set[str] = set()  # id columns seen intact in this file (row_problem)

    def sniff(self, row: Any) -> bool:
        return isinstance(row, dict) and (all(name in row for name in self.REQUIRED)
                                          or all(name in row for name in self.EARLY_REQUIRED))

    def read(self, row: dict[str, str]) -> Iterator[Item]:
        # --json-encode-text and --json-encode-all write every text cell as a JSON string, the id
        # too ("\"1440...\""); a tweet id is never quoted otherwise
        encoded = row.get("id", "")[:1] == '"'
        if encoded:
            row = {name: _json_string(value) for name, value in row.items()}
        if "referenced_tweets.retweeted.id" not in row:
            row = _reference_columns(row)
        yield self._post(row, escaped_newlines=not encoded)

    def _post(self, row: dict[str, str], escaped_newlines: bool = True) -> Item:
        post_id = row.get("id", "")
        created = _tweet_checked(row, post_id, self.ID_COLUMNS, self.intact, parse_time(row.get("created_at") or ""))
        if isinstance(created, Reject):
            return created
        get = row.get
        # twarc-csv writes a newline as the two characters "\n" and drops "\r" (unless it
        # JSON-encoded the text, which the JSON decoding undid)
        text = get("text") or ""
        if escaped_newlines:
            text = text.replace("\\n", "\n")
        hashtags, forms = tag_columns(self._tag_forms(row, text))
        lang = get("lang") or None
        post = Post(platform="twitter", post_id=post_id, created_at=created,
                    author_id=get("author_id") or get("author.id") or None,
                    author_handle=get("author.username") or None,
                    author_followers=_int(get("author.public_metrics.followers_count")),
                    text=text, lang=None if lang in NO_LANGUAGE else lang,
                    country=get("geo.country_code") or None,
                    hashtags=hashtags, hashtag_forms=forms)
        retweeted = get("referenced_tweets.retweeted.id")
        replied = get("referenced_tweets.replied_to.id")
        quoted = get("referenced_tweets.quoted.id")
        post.reposts = _int(get("public_metrics.retweet_count"))
        if retweeted:
            post.kind, post.parent_id, post.parent_author_id = "repost", retweeted, get("retweeted_user_id") or None
            # twarc-csv put the retweeted tweet's metrics here; the API gives a retweet that
            # tweet's retweet_count and zero likes, replies and quotes (all 593 retweets with
            # both sides in the twarc-csv test data agree), so the retweet's own are known.
            if post.reposts is not None:
                post.likes = post.replies = post.quotes = 0
        else:
            post.likes = _int(get("public_metrics.like_count"))
            post.replies = _int(get("public_metrics.reply_count"))
            post.quotes = _int(get("public_metrics.quote_count"))
            if replied:
                post.kind, post.parent_id = "reply", replied
                post.parent_author_id = get("in_reply_to_user_id") or None
            elif quoted:
                post.kind, post.parent_id, post.parent_author_id = "quote", quoted, get("quoted_user_id") or None
        post.root_id = get("conversation_id") or None
        users = [self._user(row)] if post.author_id else []
        return Record(post, [], users)

    @staticmethod
    def _tag_forms(row: dict[str, str], text: str) -> list[str]:
        """``entities.hashtags``; the text only when the tweet had no entities at all (as the
        JSON reader does)."""
        tags = _tag_list(row.get("entities.hashtags"))
        if tags or any(row.get(column) for column in _TWARC_ENTITIES):
            return tags
        return hashtags_from_text(text)

    @staticmethod
    def _user(row: dict[str, str]) -> User:
        get = row.get
        verified = get("author.verified")
        return User(platform="twitter", user_id=get("author_id") or get("author.id"),
                    handle=get("author.username") or None, name=get("author.name") or None,
                    followers=_int(get("author.public_metrics.followers_count")),
                    location=get("author.location") or None,
                    created_at=parse_time(get("author.created_at") or ""),
                    verified=_BOOLEANS.get((verified or "").lower()))


def _tweet_checked(row: dict[str, str], post_id: str, columns: tuple[str, ...], intact: set[str],
                   created: int | None, vouched: bool = False) -> int | Reject:
    """``created`` when the row of a tweet layout can be read: its ids intact (:func:`row_problem`),
    the tweet's id digits, its time known; else the Reject saying why."""
    problem = row_problem(post_id, row, columns, intact, vouched)
    if problem:
        return Reject(problem)
    if not _DIGITS.fullmatch(post_id):
        return Reject(f"not a tweet id: {post_id!r}")
    if created is None:
        return Reject(f"no valid created_at ({row.get('created_at')!r})")
    return created


def _reference_columns(row: dict[str, str]) -> dict[str, str]:
    """An early twarc-csv row with the reference columns of later ones, from its JSON list
    ``[{"type": "retweeted", "id": "..."}]`` (whose items may still hold the tweet's
    ``author_id``); the first reference of each type counts, as in later versions.

    >>> _reference_columns({"referenced_tweets": '[{"type": "quoted", "id": "12", "author_id": "7"}]'})["quoted_user_id"]
    '7'
    """
    columns = dict.fromkeys(("referenced_tweets.retweeted.id", "referenced_tweets.replied_to.id",
                             "referenced_tweets.quoted.id", "retweeted_user_id", "quoted_user_id"), "")
    references = _list_cell(row.get("referenced_tweets") or "[]")
    for reference in references if isinstance(references, list) else []:
        if not isinstance(reference, dict) or not isinstance(reference.get("id"), str):
            continue
        kind = reference.get("type")
        if kind in ("retweeted", "replied_to", "quoted") and not columns[f"referenced_tweets.{kind}.id"]:
            columns[f"referenced_tweets.{kind}.id"] = reference["id"]
            author = reference.get("author_id")
            if kind != "replied_to" and isinstance(author, str):
                columns[f"{kind}_user_id"] = author
    return row | columns


def _json_string(value: str) -> str:
    """A cell that holds a JSON string, decoded; any other cell as it is."""
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    try:
        decoded = json.loads(value)
        decoded.encode("utf-8")  # a lone surrogate escape ("\\ud83d") is no text to store
    except (ValueError, AttributeError):  # UnicodeEncodeError is a ValueError; not a string
        return value
    return decoded


# pandas writes True/False, JSON true/false, and Excel, which reads them as booleans, saves TRUE/FALSE
_BOOLEANS = {"true": True, "false": False}
_TWARC_ENTITIES = ("entities.annotations", "entities.cashtags", "entities.mentions", "entities.urls")
TWARC_CSV = TwarcCsv()


class Twarc1Csv:
    """The column layout of twarc 1's ``utils/json2csv.py`` (v1.1 statuses, the tool of the #MeToo
    years; DocNow's TweetSets exports the same columns), read as Twitter posts as
    :mod:`hashtide.ingest.twitter_v1` reads the statuses it was made from, except what the CSV does
    not keep: a place's country (it keeps the place's name), counters beyond likes and retweets,
    and the retweeted or quoted posts themselves.

    Two generations of the script: the later one names the kind (``tweet_type``: original,
    reply, retweet, quote) and the author's id (``user_id``), and writes the retweeted or quoted
    post's id and author (``retweet_or_quote_id``, once misspelt ``reweet_or_quote_id``); the
    earlier one has ``reweet_id`` [sic] for a retweet only, no author id (the author is known by
    handle alone) and no kind: a reply has ``in_reply_to_status_id``, a retweet ``reweet_id``, and
    a quote reads as an original. For a retweet, the later script wrote the retweeted post's full
    text, hashtags and likes; the API gives a retweet no likes of its own, so they are zero, as the
    JSON reader has them.
    """

    NAME = "twarc1-json2csv"
    COMMON = ("id", "created_at", "text", "hashtags", "user_screen_name", "in_reply_to_status_id",
              "retweet_count")
    ID_COLUMNS = ("user_id", "in_reply_to_status_id", "in_reply_to_user_id", "retweet_or_quote_id",
                  "reweet_or_quote_id", "retweet_or_quote_user_id", "reweet_id")
    KINDS = {"original": "original", "reply": "reply", "retweet": "repost", "quote": "quote"}

    def __init__(self) -> None:
        self.intact: set[str] = set()  # id columns seen intact in this file (row_problem)

    def sniff(self, row: Any) -> bool:
        return (isinstance(row, dict) and all(name in row for name in self.COMMON)
                and ("tweet_type" in row or "reweet_id" in row))

    def read(self, row: dict[str, str]) -> Iterator[Item]:
        yield self._post(row)

    def _post(self, row: dict[str, str]) -> Item:
        get = row.get
        post_id = get("id", "")
        # the tweet's URL is text, which Excel keeps: it shows the id's digits are the tweet's
        vouched = bool(post_id) and (get("tweet_url") or "").endswith(f"/status/{post_id}")
        created = _tweet_checked(row, post_id, self.ID_COLUMNS, self.intact,
                                 parse_time(get("created_at") or "") or parse_time(get("parsed_created_at") or ""),
                                 vouched)
        if isinstance(created, Reject):
            return created
        kind, parent_id, parent_author_id = self._reference(row)
        if kind is None:
            return Reject(f"unknown tweet_type {get('tweet_type')!r}")
        text = get("text") or ""
        hashtags, forms = tag_columns(_tag_list(get("hashtags")))
        lang = get("lang") or None
        post = Post(platform="twitter", post_id=post_id, created_at=created, author_id=get("user_id") or None,
                    author_handle=get("user_screen_name") or None,
                    author_followers=_int(get("user_followers_count")), text=text,
                    lang=None if lang in NO_LANGUAGE else lang, hashtags=hashtags, hashtag_forms=forms,
                    kind=kind, parent_id=parent_id, parent_author_id=parent_author_id,
                    root_id=None if kind == "reply" else post_id,
                    likes=_int(get("favorite_count")), reposts=_int(get("retweet_count")))
        if kind == "repost" and post.likes is not None:
            post.likes = 0
        users = [self._user(row)] if post.author_id else []
        return Record(post, [], users)

    def _reference(self, row: dict[str, str]) -> tuple[str | None, str | None, str | None]:
        """(kind, parent_id, parent_author_id) of a row; kind None for a ``tweet_type`` unknown."""
        get = row.get
        if "tweet_type" not in row:  # the earlier script
            if get("in_reply_to_status_id"):
                return "reply", get("in_reply_to_status_id"), get("in_reply_to_user_id") or None
            if get("reweet_id"):
                return "repost", get("reweet_id"), None
            return "original", None, None
        kind = self.KINDS.get((get("tweet_type") or "").strip())
        if kind == "reply":
            return kind, get("in_reply_to_status_id") or None, get("in_reply_to_user_id") or None
        if kind in ("repost", "quote"):
            subject = get("retweet_or_quote_id") or get("reweet_or_quote_id") or None
            return kind, subject, get("retweet_or_quote_user_id") or None
        return kind, None, None

    @staticmethod
    def _user(row: dict[str, str]) -> User:
        get = row.get
        return User(platform="twitter", user_id=get("user_id"), handle=get("user_screen_name") or None,
                    name=get("user_name") or None, followers=_int(get("user_followers_count")),
                    location=get("user_location") or None, created_at=parse_time(get("user_created_at") or ""),
                    verified=_BOOLEANS.get((get("user_verified") or "").lower()))


TWARC1_CSV = Twarc1Csv()
LAYOUTS = (TWARC_CSV, TWARC1_CSV)


def layout_of(row: Any) -> TwarcCsv | Twarc1Csv | None:
    """A reader of the known layout whose columns ``row`` (a header's dict) has, else None: a new
    one, for one file (it learns which of the file's id columns are intact)."""
    return next((type(layout)() for layout in LAYOUTS if layout.sniff(row)), None)


# ---------------------------------------------------------------------------------------------
# Mapped columns

MAPPABLE = ("post_id", "created_at", "author_id", "author_handle", "author_followers", "text", "lang",
            "country", "hashtags", "kind", "parent_id", "root_id", "parent_author_id", "likes",
            "reposts", "replies", "quotes")
_COUNTERS = ("author_followers", "likes", "reposts", "replies", "quotes")
_ALIASES = {"post_id": ("post_id", "id")}


def resolve(header: list[str], mapping: dict[str, str] | None) -> tuple[dict[str, str], list[str]]:
    """``(schema column -> CSV column, problems)`` for ``header`` under ``mapping``."""
    present = set(header)
    mapping = dict(mapping or {})
    problems = [f"--map {key}=...: {key!r} is not a post column (one of {', '.join(MAPPABLE)})"
                for key in mapping if key not in MAPPABLE]
    problems += [f"--map {key}={column}: the header has no column {column!r}"
                 for key, column in mapping.items() if key in MAPPABLE and column not in present]
    columns = {}
    for key in MAPPABLE:
        if key in mapping:
            if mapping[key] in present:
                columns[key] = mapping[key]
            continue
        for name in _ALIASES.get(key, (key,)):
            if name in present:
                columns[key] = name
                break
    missing = [key for key in ("post_id", "created_at") if key not in columns]
    if "text" not in columns and "hashtags" not in columns:
        missing.append("text (or hashtags)")
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    return columns, problems


def header_problem(header: list[str], mapping: dict[str, str] | None) -> str | None:
    """A message naming what is missing when no reading of ``header`` fits, else None.

    Without a mapping the header fits when it is ``twarc2 csv``'s or holds the schema's own
    column names; with one, when the mapped columns exist and cover what a post needs.

    >>> print(header_problem(["date", "body"], None))
    not a twarc2 csv file and missing columns: post_id, created_at, text (or hashtags); the header has: date, body. Name the columns with --map, e.g. --map post_id=ID_COLUMN --map created_at=date --map text=body
    >>> header_problem(["id", "date", "body"], {"created_at": "date", "text": "body"}) is None
    True
    """
    if mapping is None and layout_of(dict.fromkeys(header)) is not None:
        return None
    _, problems = resolve(header, mapping)
    if not problems:
        return None
    shown = ", ".join(header[:30]) + (", ..." if len(header) > 30 else "")
    if mapping is None:
        example = " ".join(f"--map {key}={_guess(key, header)}" for key in ("post_id", "created_at", "text"))
        return (f"not a twarc2 csv file and {'; '.join(problems)}; the header has: {shown}. "
                f"Name the columns with --map, e.g. {example}")
    return f"{'; '.join(problems)}; the header has: {shown}"


def _guess(key: str, header: list[str]) -> str:
    hints = {"post_id": ("id",), "created_at": ("date", "time", "created"), "text": ("text", "body", "content")}
    for column in header:
        if any(hint in column.lower() for hint in hints[key]):
            return column
    return {"post_id": "ID_COLUMN", "created_at": "DATE_COLUMN", "text": "TEXT_COLUMN"}[key]


class MappedCsv:
    """Posts from a CSV whose columns are named by a mapping (schema column -> CSV column).

    >>> reader = MappedCsv({"created_at": "date", "text": "body"}, platform="other")
    >>> [item.post.hashtags for item in reader.read({"id": "7", "date": "2017-10-15 20:21:00", "body": "#MeToo"})]
    [['metoo']]
    """

    NAME = "csv"

    def __init__(self, mapping: dict[str, str] | None = None, platform: str = "other"):
        if platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}, not {platform!r}")
        self.mapping = dict(mapping or {})
        self.platform = platform
        self._columns: dict[str, str] | None = None
        self._header: tuple[str, ...] | None = None
        self.intact: set[str] = set()  # id columns seen intact in this file (row_problem)

    def sniff(self, row: Any) -> bool:
        return isinstance(row, dict) and not resolve(list(row), self.mapping)[1]

    def read(self, row: dict[str, str]) -> Iterator[Item]:
        yield self._post(row)

    def _columns_of(self, row: dict[str, str]) -> dict[str, str]:
        header = tuple(row)
        if header != self._header:  # resolved once per header, not per row
            self._columns, self._header = resolve(list(header), self.mapping)[0], header
        return self._columns

    def _post(self, row: dict[str, str]) -> Item:
        columns = self._columns_of(row)
        values = {key: row.get(column) or None for key, column in columns.items()}
        post_id = (values.pop("post_id", None) or "").strip()
        problem = row_problem(post_id, values, _REFERENCE_COLUMNS, self.intact)
        if problem:
            return Reject(problem)
        stamp = values.pop("created_at", None)
        created = parse_time(stamp) if stamp else None
        if created is None:
            return Reject(f"no valid created_at ({stamp!r})")
        text = values.pop("text", None)
        values.pop("hashtags", None)
        # a hashtags column is the format's entities: empty means none, the text is not searched
        tags = _tag_list(row.get(columns["hashtags"])) if "hashtags" in columns else hashtags_from_text(text)
        hashtags, forms = tag_columns(tags)
        for key in _COUNTERS:
            if key in values:
                values[key] = _int(values[key])
        kind = values.pop("kind", None) or ("reply" if values.get("parent_id") else "original")
        if kind not in ("original", "repost", "reply", "quote"):
            return Reject(f"unknown kind {kind!r} (original, repost, reply or quote)")
        post = Post(platform=self.platform, post_id=post_id, created_at=created, text=text,
                    hashtags=hashtags, hashtag_forms=forms, kind=kind, **values)
        users = [User(platform=self.platform, user_id=post.author_id, handle=post.author_handle,
                      followers=post.author_followers)] if post.author_id else []
        return Record(post, [], users)
