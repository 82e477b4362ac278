"""Ingesting a file of twarc2 pages at the speed of DuckDB's JSON reader, with the per-line
readers' results.

DuckDB reads every page line in C++ on every core, into typed columns of the fields hashtide
keeps (:data:`QUERY`): the tweets of ``data`` and ``includes.tweets`` with their retweeted,
replied or quoted tweet, author and place looked up in the page's ``includes`` (the last copy of
an id wins, as in a dict), and ``includes.users``. Python then only adds what SQL cannot say
exactly, on whole columns: hashtag keys (once per distinct form, :mod:`hashtide.ingest.arrow_tags`),
the byte offset of each page's line and the file's name.

The per-line readers (:mod:`hashtide.ingest.twitter_v2`) stay the reference, and keep every line
this path is not sure of. A page is read here only when it is *plain*: a non-empty ``data`` of
tweets that each have an id and a text, ``errors`` absent or a list, no inlined ``author``,
``note_tweet`` or flattened reference, times in the API's own form, ids unique within the page's ``includes``.
Every other line (not JSON, not a page, a counts page, an odd page) is read by the per-line
readers, in file order with the plain pages, with its own line number and raw bytes when it is
set aside. DuckDB yields one row per non-blank line; :class:`Lines` pairs each row with its line, and a
page is kept only when its line is seen to start a page with the page's first tweet id (if ever
DuckDB read a line as two rows or none, the pages after it would fail that check and be read per
line). Should DuckDB fail on a line (a page too large for it), the rest of the file is read per
line. tests/ingest/test_native.py compares the two paths' corpora and accounts on real, simulated
and malformed files.

Two differences are accepted, on input the API never writes: an object with a key twice (DuckDB
keeps the first value, the per-line readers the last), and a JSON value of another type where the
API writes a string or an object (DuckDB keeps a number's text, where the per-line readers drop
it or set the tweet aside; ``"entities": []`` gives no tags, where they look in the text). Counts,
booleans and times are checked for their JSON type and form, as the per-line readers check them.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hashtide.ingest.arrow_tags import TagCache, hashtag_columns
from hashtide.ingest.read_ahead import ReadError, read_ahead
from hashtide.ingest.sources import compression
from hashtide.ingest.twitter_v2 import NAME, NO_LANGUAGE, PLATFORM
from hashtide.ingest.twitter_v2_fast import PAGE_PREFIXES, plain_pages
from hashtide.model import POST_SCHEMA, TIMESTAMP, USER_SCHEMA

NATIVE_MIN_BYTES = 16 << 20  # below: the per-line readers are as quick (HASHTIDE_NATIVE_MIN_BYTES)
BATCH_ROWS = 100_000
MEMORY_LIMIT = "512MB"
MAX_PAGE_BYTES = 16 << 20
HEAD_BYTES = 16 << 10  # where a page's first tweet id is looked for (its first tweet is a few KB)

_TWEET = ("STRUCT(id VARCHAR, text VARCHAR, created_at VARCHAR, author_id VARCHAR, author JSON, "
          "conversation_id VARCHAR, lang VARCHAR, entities STRUCT(hashtags STRUCT(tag VARCHAR)[]), "
          "referenced_tweets STRUCT(type VARCHAR, id VARCHAR, text JSON)[], in_reply_to_user_id VARCHAR, "
          "public_metrics STRUCT(like_count JSON, retweet_count JSON, reply_count JSON, "
          "quote_count JSON), geo STRUCT(place_id VARCHAR, country_code VARCHAR), note_tweet JSON)")
_USER = ("STRUCT(id VARCHAR, username VARCHAR, name VARCHAR, location VARCHAR, created_at VARCHAR, "
         "verified JSON, public_metrics STRUCT(followers_count JSON))")
_COLUMNS = ("{data: '" + _TWEET + "[]', includes: 'STRUCT(users " + _USER + "[], tweets " + _TWEET
            + "[], places STRUCT(id VARCHAR, country_code VARCHAR)[])', errors: 'JSON'}")


def _api_time(value: str) -> str:
    """Whether ``value`` is in the API's time form (``2017-10-15T20:21:00.000Z``); a page with a
    time in any other form is one for the per-line readers (see :data:`_PLAIN`)."""
    return f"regexp_full_match({value}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(\\.[0-9]{{3}})?Z')"


def _time(value: str) -> str:
    """A time in the API's form as epoch microseconds (null for an impossible date, as
    :func:`hashtide.ingest.twitter_v2.iso_time`)."""
    return (f"epoch_us(coalesce(try_strptime({value}, '%Y-%m-%dT%H:%M:%S.%gZ'), "
            f"try_strptime({value}, '%Y-%m-%dT%H:%M:%SZ')))")


def _count(value: str) -> str:
    """An engagement counter (read as JSON): a non-negative JSON integer, else null, as
    :func:`hashtide.ingest.twitter_v2.count` (a string, a float or a bool is not a count). DuckDB
    keeps a JSON value as its minified text, so digits alone are a non-negative integer (a string
    keeps its quotes); a match costs less than parsing the text again with ``json_type``."""
    return f"case when regexp_full_match({value}::varchar, '[0-9]+') then try_cast({value}::varchar as bigint) end"


def _boolean(value: str) -> str:
    """A JSON true or false, else null (``"true"``, a string, is not a boolean)."""
    return f"case {value}::varchar when 'true' then true when 'false' then false end"


def _first_ref(kind: str) -> str:
    return f"list_filter(t.referenced_tweets, lambda r: r.type = '{kind}' and r.id is not null)[1]"


def _position(ids: str, key: str) -> str:
    """Where the last element whose id is ``key`` sits (``ids`` is the elements' ids, reversed):
    the last copy of an id wins, as in a dict."""
    return f"len({ids}) + 1 - list_position({ids}, {key})"


def _unique(items: str) -> str:
    return f"coalesce(len(list_distinct(list_transform({items}, lambda o: o.id))) = len({items}), true)"


def _none(items: str, condition: str) -> str:
    return f"coalesce(len(list_filter({items}, lambda o: {condition})), 0) = 0"


_PLAIN = " and ".join([
    "coalesce(len(data) > 0, false)",
    "(errors is null or json_type(errors) = 'ARRAY')",
    _none("tweets", "o is null or o.id is null or o.id = '' or o.text is null or o.author is not null "
          "or o.note_tweet is not null "
          f"or (o.created_at is not null and not {_api_time('o.created_at')}) "
          "or len(list_filter(o.referenced_tweets, lambda r: r is null or r.text is not null)) > 0"),
    _none("users", f"o is null or o.id is null or o.id = '' or (o.created_at is not null and not {_api_time('o.created_at')})"),
    _none("places", "o is null or o.id is null"),
    _unique("embedded"), _unique("users"), _unique("places"),
])

_SNOWFLAKE = ("case when regexp_full_match(t.id, '[0-9]{1,19}') and t.id::hugeint between 100000000000000 "
              "and 9223372036854775807 then ((t.id::bigint >> 22) + 1288834974657) * 1000 end")

# Every line's first row is its ``head`` (with its plain flag, first tweet id and count of
# ``errors``): a line that is not a plain page gives that row alone, a plain page one row per tweet
# (``data`` first, then ``includes.tweets``) with the page's users beside them (DuckDB pads the
# shorter list with nulls). A separate head row cost a copy of every list (1.2x the CPU of the
# read, measured on 2,500 pages). Lookups run per page, before the unnest,
# in lists of the one field each reads (looking up whole tweets made the read 1.23x slower).
# No ``IN (...)`` list: with it DuckDB does not keep the rows in order.
QUERY = f"""
with pages as (
    select data, includes.users as users, includes.tweets as embedded, includes.places as places,
           errors, list_concat(data, includes.tweets) as tweets
    from read_json(?, columns={_COLUMNS}, format='newline_delimited',
                   maximum_object_size={MAX_PAGE_BYTES}, ignore_errors=true)
), checked as (
    select *, {_PLAIN} as plain from pages
), indexed as (
    select plain, data, errors, tweets, users,
        list_transform(embedded, lambda e: e.text) as e_text,
        list_transform(embedded, lambda e: e.entities is null) as e_bare,
        list_transform(embedded, lambda e: e.entities.hashtags) as e_tags,
        list_transform(embedded, lambda e: e.author_id) as e_author,
        list_reverse(list_transform(embedded, lambda t: t.id)) as embedded_ids,
        list_transform(users, lambda u: u.username) as u_name,
        list_transform(users, lambda u: u.public_metrics.followers_count) as u_followers,
        list_reverse(list_transform(users, lambda u: u.id)) as user_ids,
        list_transform(list_filter(places, lambda p: p.country_code <> ''), lambda p: p.country_code) as countries,
        list_reverse(list_transform(list_filter(places, lambda p: p.country_code <> ''), lambda p: p.id)) as country_ids,
        list_transform(tweets, lambda t: coalesce({_first_ref('retweeted')}, {_first_ref('replied_to')},
                                                  {_first_ref('quoted')})) as refs
    from checked
), positioned as (
    select *,
        list_transform(refs, lambda r: {_position('embedded_ids', 'r.id')}) as p_at,
        list_transform(tweets, lambda t: {_position('user_ids', 't.author_id')}) as a_at
    from indexed
), looked_up as (
    select plain, data[1].id as head_id, coalesce(json_array_length(errors), 0) as n_errors, len(data) as n_top,
        case when plain then tweets else [null] end as tweets,
        (case when plain then list_transform(tweets, lambda t, i: struct_pack(
            i := i, ref_type := refs[i].type, parent_id := refs[i].id,
            p_text := e_text[p_at[i]], p_bare := e_bare[p_at[i]], p_tags := e_tags[p_at[i]], p_author := e_author[p_at[i]],
            a_name := u_name[a_at[i]], a_followers := u_followers[a_at[i]],
            place_country := countries[{_position('country_ids', 't.geo.place_id')}]
        )) else [null] end) as meta,
        case when plain then users else [null] end as users
    from positioned
), flat as (
    select unnest(tweets) as t, unnest(meta) as m, unnest(users) as u, plain, head_id, n_errors, n_top from looked_up
), kinds as (
    select *, case m.ref_type when 'retweeted' then 'repost' when 'replied_to' then 'reply'
                              when 'quoted' then 'quote' else 'original' end as kind from flat
), shown as (
    select *, kind = 'repost' and m.p_text is not null as shows_parent from kinds
)
select
    coalesce(m.i = 1, u is null) as head, plain, head_id, n_errors,
    m.i <= n_top as top_level,
    t.id as post_id,
    coalesce({_time('t.created_at')}, {_SNOWFLAKE}) as created_at,
    t.author_id as author_id,
    m.a_name as author_handle,
    {_count('m.a_followers')} as author_followers,
    case when shows_parent then m.p_text else t.text end as text,
    t.lang as lang,
    coalesce(nullif(t.geo.country_code, ''), m.place_country) as country,
    coalesce(list_filter(list_transform(case when shows_parent then m.p_tags else t.entities.hashtags end, lambda h: h.tag),
                         lambda tag: tag is not null), []) as forms,
    case when shows_parent then (case when m.p_bare then m.p_text end)
         when t.entities is null then t.text end as bare_text,
    kind,
    m.parent_id as parent_id,
    t.conversation_id as root_id,
    case when kind = 'reply' then t.in_reply_to_user_id else m.p_author end as parent_author_id,
    {_count('t.public_metrics.like_count')} as likes,
    {_count('t.public_metrics.retweet_count')} as reposts,
    {_count('t.public_metrics.reply_count')} as replies,
    {_count('t.public_metrics.quote_count')} as quotes,
    u.id as user_id, u.username as user_handle, u.name as user_name,
    {_count('u.public_metrics.followers_count')} as user_followers,
    u.location as user_location, {_time('u.created_at')} as user_created_at, {_boolean('u.verified')} as user_verified
from shown
"""


def native_min_bytes() -> int:
    return int(os.environ.get("HASHTIDE_NATIVE_MIN_BYTES", NATIVE_MIN_BYTES))


def eligible(path: str, fmt: str | None) -> bool:
    """Whether ``path`` is a large, uncompressed file that starts with twarc2 page lines."""
    if path == "-" or fmt not in (None, NAME) or not os.path.isfile(path) or compression(path):
        return False
    return os.path.getsize(path) >= native_min_bytes() and plain_pages(path)


class Line(NamedTuple):
    number: int  # 1-based
    offset: int  # byte offset of its first byte
    head: bytes  # its first HEAD_BYTES

    def starts_page_with(self, tweet_id: str) -> bool:
        """Whether the line is a page whose first tweet is ``tweet_id`` (or, rarely, mentions it):
        enough to tell DuckDB's row of this line from that of a neighbour."""
        if not self.head.startswith(PAGE_PREFIXES):
            return False
        quoted = tweet_id.encode()
        return b'"id": "' + quoted + b'"' in self.head or b'"id":"' + quoted + b'"' in self.head

    def cut_page(self) -> bool:
        """A page whose first tweet may run past the head read: it cannot be checked here, and
        is left to the per-line readers."""
        return len(self.head) == HEAD_BYTES and self.head.startswith(PAGE_PREFIXES)


class Lines:
    """The non-blank lines of a file, in order, found lazily (bounded memory)."""

    WINDOW = 16 << 20  # a multiple of mmap.ALLOCATIONGRANULARITY

    def __init__(self, path: str):
        self._file = open(path, "rb", buffering=0)
        self.size = os.fstat(self._file.fileno()).st_size
        self._lines = self._scan()

    def _scan(self) -> Iterator[Line]:
        """Newlines found in windows of the file mapped one at a time: nothing is copied, and
        the pages mapped stay few (they count in the process's resident memory)."""
        fd, size = self._file.fileno(), self.size
        number, start, base = 1, 0, 0
        while base < size:
            length = min(self.WINDOW, size - base)
            with mmap.mmap(fd, length, offset=base, access=mmap.ACCESS_READ) as window:
                cut = window.find(b"\n")
                while cut >= 0:
                    end = base + cut + 1
                    line = self._line(number, start, end)
                    if line is not None:
                        yield line
                    number, start = number + 1, end
                    cut = window.find(b"\n", cut + 1)
            base += length
        if start < size:
            line = self._line(number, start, size)
            if line is not None:
                yield line

    def _line(self, number: int, start: int, end: int) -> Line | None:
        head = self.bytes(start, min(start + HEAD_BYTES, end))
        if not head.strip() and (end - start <= HEAD_BYTES or not self.bytes(start, end).strip()):
            return None  # blank: DuckDB yields no row for it
        return Line(number, start, head)

    def next(self) -> Line | None:
        return next(self._lines, None)

    def bytes(self, start: int, end: int) -> bytes:
        return os.pread(self._file.fileno(), end - start, start)

    def close(self) -> None:
        self._file.close()


class Run(NamedTuple):
    """Lines DuckDB's pass did not read: bytes ``start:end``, the first at line ``line``."""

    line: int
    start: int
    end: int


class Rows(NamedTuple):
    """Consecutive plain pages as post and user rows, with their records (tweets of ``data`` and
    ``errors`` entries) and the ``errors`` entries alone."""

    posts: pa.Table
    users: pa.Table
    records: int
    api_errors: int
    end: int  # byte offset of the last page's line, for progress


def read(path: str, label: str) -> Iterator[Rows | Run]:
    """The plain pages of ``path`` as Arrow rows and the other lines as :class:`Run` s, in file
    order. Should DuckDB fail on a line (a page too large for it), the rest is one run."""
    lines = Lines(path)
    try:
        pairing = _Pairing(lines, label)
        try:
            for batch in _whole_pages(read_ahead(QUERY, [path], BATCH_ROWS, MEMORY_LIMIT)):
                yield from pairing.batch(batch)
        except ReadError:
            pass
        rest = lines.next()  # lines DuckDB gave no row for (it gives one per line it reads)
        if pairing.run is None and rest is not None:
            pairing.run = Run(rest.number, rest.offset, lines.size)
        if pairing.run is not None:
            yield pairing.run._replace(end=lines.size)
    finally:
        lines.close()


def _whole_pages(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """DuckDB's batches cut so that each holds whole pages: a page's rows may run on into the
    next batch, so the last page of each is held back until the next has come (or none will)."""
    held = None
    for batch in batches:
        heads = np.flatnonzero(batch.column("head").to_numpy(zero_copy_only=False))
        if held is not None:
            first = int(heads[0]) if len(heads) else batch.num_rows
            held = pa.concat_batches([held, batch.slice(0, first)])
            if first == batch.num_rows:
                continue
            yield held
            batch, heads = batch.slice(first), heads - first
        last = int(heads[-1])
        if last > 0:
            yield batch.slice(0, last)
        held = batch.slice(last)
    if held is not None:
        yield held


class _Pairing:
    """Pairs DuckDB's rows with the file's lines, one row per non-blank line, batch after batch
    (each starts with a page). A plain page is kept only when its line is seen to start with the
    page's first tweet; any other line joins the run of lines read per line. Should DuckDB ever
    read a line as two rows or none, the pages after it fail that check and are read per line."""

    def __init__(self, lines: Lines, label: str):
        self.lines = lines
        self.label = label
        self.tags = TagCache()
        self.run: Run | None = None

    def batch(self, batch: pa.RecordBatch) -> Iterator[Rows | Run]:
        head = batch.column("head").to_numpy(zero_copy_only=False)
        plain = batch.column("plain").to_numpy(zero_copy_only=False)
        first_ids = batch.column("head_id").to_pylist()
        errors = batch.column("n_errors").to_numpy(zero_copy_only=False)
        pages = np.flatnonzero(head)
        page_of_row = np.cumsum(head)  # pages counted from 1
        kept = np.zeros(len(pages) + 1, bool)
        offsets = np.zeros(len(pages) + 1, np.int64)
        start, api_errors = 0, 0
        for k, row in enumerate(pages, 1):
            line = self.lines.next()
            if line is None:  # more rows than lines: nothing is left to pair them with
                end = row
                break
            offsets[k] = line.offset
            if plain[row] and line.starts_page_with(first_ids[row]):
                kept[k] = True
                api_errors += int(errors[row])
                if self.run is not None:
                    yield self.run._replace(end=line.offset)
                    self.run, start = None, row
            elif self.run is None:
                if row > start:
                    yield self._rows(batch, page_of_row, kept, offsets, start, row, api_errors)
                self.run, api_errors = Run(line.number, line.offset, self.lines.size), 0
        else:
            end = batch.num_rows
        if self.run is None and end > start:
            yield self._rows(batch, page_of_row, kept, offsets, start, end, api_errors)

    def _rows(self, batch, page_of_row, kept, offsets, start: int, end: int, api_errors: int) -> Rows:
        """Rows ``start:end`` of the batch, less the rows of pages not kept; each column group is
        copied once, by one ``take``."""
        part = batch.slice(start, end - start)
        page = page_of_row[start:end]
        wanted = kept[page]
        posts = np.flatnonzero(wanted & _valid(part.column("post_id")))
        top = pc.fill_null(part.column("top_level"), False).to_numpy(zero_copy_only=False)
        records = int(np.count_nonzero(top[posts]))
        posts = _without_spare_copies(part.column("post_id"), top, posts)
        users = np.flatnonzero(wanted & _valid(part.column("user_id")))
        return Rows(_posts(part.select(_POST_COLUMNS).take(pa.array(posts)), offsets[page][posts], self.label, self.tags),
                    _users(part.select(_USER_COLUMNS).take(pa.array(users))),
                    records + api_errors, api_errors, int(offsets[page[-1]]))


_POST_COLUMNS = ["post_id", "created_at", "author_id", "author_handle", "author_followers", "text", "lang", "country",
                 "forms", "bare_text", "kind", "parent_id", "root_id", "parent_author_id", "likes", "reposts",
                 "replies", "quotes", "top_level"]
_USER_COLUMNS = ["user_id", "user_handle", "user_name", "user_followers", "user_location", "user_created_at",
                 "user_verified"]


def _valid(column: pa.Array) -> np.ndarray:
    return column.is_valid().to_numpy(zero_copy_only=False)


def _without_spare_copies(ids: pa.Array, top: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows`` less the embedded copies a merge would pass over: those of a post that is also
    top-level here, and all but the first of the others (:func:`hashtide.corpus.store.merge_posts`
    keeps a key's first top-level row, else its first embedded copy). A popular tweet is embedded in
    page after page: 280,882 of 686,481 embedded rows of a 1 M-tweet file went before the merge."""
    if top[rows].all():
        return rows
    encoded = pc.dictionary_encode(ids.take(pa.array(rows)))
    codes = encoded.indices.to_numpy()
    is_top = top[rows]
    top_ids = np.zeros(len(encoded.dictionary), bool)
    top_ids[codes[is_top]] = True
    embedded = np.flatnonzero(~is_top)
    embedded = embedded[~top_ids[codes[embedded]]]
    _, first = np.unique(codes[embedded], return_index=True)
    return rows[np.sort(np.concatenate([np.flatnonzero(is_top), embedded[first]]))]


def _posts(posts: pa.RecordBatch, offsets: np.ndarray, label: str, tags: TagCache) -> pa.Table:
    hashtags, hashtag_forms = hashtag_columns(posts.column("forms"), posts.column("bare_text"), tags)
    n = posts.num_rows
    lang = posts.column("lang")
    return pa.table({
        "platform": pa.repeat(PLATFORM, n) if n else pa.array([], pa.string()),
        "post_id": posts.column("post_id"),
        "created_at": posts.column("created_at").cast(pa.int64()).cast(TIMESTAMP),
        "author_id": posts.column("author_id"),
        "author_handle": posts.column("author_handle"),
        "author_followers": posts.column("author_followers"),
        "text": posts.column("text"),
        "lang": pc.if_else(pc.is_in(lang, _NO_LANGUAGE), pa.scalar(None, pa.string()), lang),
        "country": posts.column("country"),
        "hashtags": hashtags,
        "hashtag_forms": hashtag_forms,
        "kind": posts.column("kind"),
        "parent_id": posts.column("parent_id"),
        "root_id": posts.column("root_id"),
        "parent_author_id": posts.column("parent_author_id"),
        "likes": posts.column("likes"),
        "reposts": posts.column("reposts"),
        "replies": posts.column("replies"),
        "quotes": posts.column("quotes"),
        "source": pa.repeat(label, n) if n else pa.array([], pa.string()),
        "source_offset": pa.array(offsets, pa.int64()),
        "top_level": posts.column("top_level"),
    }).cast(POST_SCHEMA)


def _users(users: pa.RecordBatch) -> pa.Table:
    m = users.num_rows
    return pa.table({
        "platform": pa.repeat(PLATFORM, m) if m else pa.array([], pa.string()),
        "user_id": users.column("user_id"),
        "handle": users.column("user_handle"),
        "name": users.column("user_name"),
        "followers": users.column("user_followers"),
        "location": users.column("user_location"),
        "created_at": users.column("user_created_at").cast(pa.int64()).cast(TIMESTAMP),
        "verified": users.column("user_verified"),
    }).cast(USER_SCHEMA)


_NO_LANGUAGE = pa.array(sorted(NO_LANGUAGE))
