"""Replaying a twarc2 file into the trend detector at the speed of DuckDB's JSON reader.

``hashtide watch FILE --no-follow`` (without ``--corpus``) only needs, of each tweet, what the
detector reads: id, time, author, language, country, hashtags, and whether it is a retweet. DuckDB reads exactly those
fields of every page line in C++ on every core, streaming under a memory limit, and unnests the
pages into rows; a retweet takes the tags of the tweet it retweets, found in the page's
``includes.tweets``, and a tweet's country falls back to its place in ``includes.places``, as in
:mod:`hashtide.ingest.twitter_v2`. What SQL cannot say exactly stays in Python, on distinct values
only: each distinct hashtag form is normalised once (:func:`hashtide.model.normalise_tag`), and
the tags of a tweet without entities are found in its text.

The per-line readers are the reference: tests/trends/test_replay.py checks that the rows and the
charts are theirs on real and simulated files. The watch takes this path only for a file that is
not followed, not ingested (``--corpus`` needs the full, audited ingest) and starts with twarc2
pages (:func:`plain_pages`). A line that is not a readable page is skipped and counted
(``Replay.unread``), where the per-line watch would have tried the other readers on it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hashtide.ingest.twitter_v2 import NO_LANGUAGE, PLATFORM
from hashtide.ingest.twitter_v2_fast import PAGE_PREFIXES
from hashtide.model import TIMESTAMP, display_form, hashtags_from_text, normalise_tag

BATCH_ROWS = 65_536
MEMORY_LIMIT = "256MB"
MAX_PAGE_BYTES = 16 << 20

_TWEET = ("STRUCT(id VARCHAR, text VARCHAR, created_at VARCHAR, author_id VARCHAR, lang VARCHAR, "
          "entities STRUCT(hashtags STRUCT(tag VARCHAR)[]), referenced_tweets STRUCT(type VARCHAR, id VARCHAR)[], "
          "geo STRUCT(place_id VARCHAR, country_code VARCHAR))")
_COLUMNS = ("{data: '" + _TWEET + "[]', includes: 'STRUCT(tweets " + _TWEET
            + "[], places STRUCT(id VARCHAR, country_code VARCHAR)[])', errors: 'JSON', meta: 'JSON'}")
_NO_LANGUAGE = pa.array(sorted(NO_LANGUAGE))

# One row per tweet of ``data``. The retweeted tweet is the first "retweeted" reference with an
# id, looked up in the page's includes (the last copy of an id wins, as in a dict); a retweet
# shows its subject's tags. Lookups run per page, before the pages are unnested, so that a page's
# includes are not copied to each of its tweets. Times: ISO 8601, else the Snowflake id's
# (twitter_v2._created_at). No ``IN (...)`` list: DuckDB does not keep the rows in order with it.
_QUERY = f"""
with pages as (
    select coalesce(data, case when errors is null and meta is null then [null] else [] end) as data, includes.tweets as embedded, includes.places as places,
           list_reverse(list_transform(includes.tweets, lambda x: x.id)) as embedded_ids,
           list_reverse(list_transform(includes.places, lambda p: p.id)) as place_ids
    from read_json(?, columns={_COLUMNS}, format='newline_delimited',
                   maximum_object_size={MAX_PAGE_BYTES}, ignore_errors=true)
), looked_up as (
    select data,
           list_transform(data, lambda x: embedded[len(embedded_ids) + 1 - list_position(embedded_ids,
               list_filter(x.referenced_tweets, lambda r: r.type = 'retweeted' and r.id is not null)[1].id)])
               as subjects,
           list_transform(data, lambda x: places[len(place_ids) + 1 - list_position(place_ids, x.geo.place_id)]
               .country_code) as place_countries
    from pages
), tweets as (
    select unnest(data) as t, unnest(subjects) as subject, unnest(place_countries) as place_country
    from looked_up
)
select
    t is null as unreadable,
    t.id as post_id,
    coalesce(try_cast(t.created_at as timestamptz),
             case when regexp_full_match(t.id, '[0-9]{{15,19}}') and t.id::hugeint <= 9223372036854775807
                  then make_timestamp(((t.id::bigint >> 22) + 1288834974657) * 1000) end) as created_at,
    t.author_id as author_id,
    t.lang as lang,
    case when len(list_filter(t.referenced_tweets, lambda r: r.type = 'retweeted' and r.id is not null)) > 0
         then 'repost' end as repost,
    coalesce(nullif(t.geo.country_code, ''), nullif(place_country, '')) as country,
    list_filter(list_transform(case when subject.text is not null then subject.entities else t.entities end.hashtags,
                               lambda h: h.tag), lambda tag: tag is not null) as forms,
    case when subject.text is not null then (case when subject.entities is null then subject.text end)
         when t.entities is null then t.text end as bare_text
from tweets
"""


class ReplayError(Exception):
    """DuckDB could not read the file (a page over MAX_PAGE_BYTES, an I/O error)."""


def plain_pages(path: str, probe_bytes: int = 1 << 20) -> bool:
    """Whether ``path`` starts with twarc2 page lines (a cheap look before the real read)."""
    with open(path, "rb") as stream:
        head = stream.read(probe_bytes)
    lines = head.split(b"\n")[:-1] or [head]
    return bool(head) and all(line.startswith(PAGE_PREFIXES) for line in lines if line.strip())


class Replay:
    """The top-level tweets of a twarc2 file as tables of the columns the detector reads, in file
    order, in batches of about ``BATCH_ROWS``; DuckDB reads ahead on a thread while the caller
    works on the previous batch. ``unread`` counts the lines that are not twarc2 pages (not JSON,
    another format); they are skipped, as are records without an id (counts buckets)."""

    def __init__(self, path: str):
        self.path = path
        self.unread = 0

    def __iter__(self) -> Iterator[pa.Table]:
        tags = _TagCache()
        for batch in _read_ahead(self.path):
            self.unread += pc.sum(batch.column("unreadable")).as_py() or 0
            table = _table(batch, tags)
            if table.column("post_id").null_count:  # unreadable lines, and records that are no
                table = table.filter(pc.is_valid(table.column("post_id")))  # tweet (counts buckets)
            yield table


def _read_ahead(path: str) -> Iterator[pa.RecordBatch]:
    """DuckDB's batches, read on a thread one or two ahead of the consumer. The thread is always
    joined (a DuckDB call cut off by the interpreter's exit aborts the process), also when the
    consumer stops early."""
    handoff: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            con = duckdb.connect()
            con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
            for batch in con.sql(_QUERY, params=[path]).to_arrow_reader(BATCH_ROWS):
                while not stop.is_set():
                    try:
                        handoff.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            con.close()
            handoff.put(done)
        except duckdb.Error as exc:
            handoff.put(ReplayError(str(exc).splitlines()[0]))

    worker = threading.Thread(target=produce, name="hashtide-replay")
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is done:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                handoff.get(timeout=0.1)  # make room for a producer blocked on a full queue
            except queue.Empty:
                pass
        worker.join()


class _TagCache:
    """Keys and display forms of the hashtag forms seen so far (bounded)."""

    LIMIT = 1 << 20

    def __init__(self):
        self.keys: dict[str, str | None] = {}
        self.shown: dict[str, str] = {}

    def lookup(self, forms: list[str]) -> tuple[list[str | None], list[str]]:
        if len(self.keys) > self.LIMIT:
            self.keys.clear()
            self.shown.clear()
        keys, shown = self.keys, self.shown
        for form in forms:
            if form not in keys:
                keys[form] = normalise_tag(form)
                shown[form] = display_form(form)
        return [keys[f] for f in forms], [shown[f] for f in forms]


def _table(batch: pa.RecordBatch, cache: _TagCache) -> pa.Table:
    n = batch.num_rows
    owner, forms = _forms(batch)
    hashtags, hashtag_forms = _tag_lists(owner, forms, n, cache)
    created = batch.column("created_at")
    return pa.table({
        "platform": pa.array(np.full(n, PLATFORM, dtype=object), pa.string()),
        "post_id": batch.column("post_id"),
        "created_at": created if created.type == TIMESTAMP else created.cast(TIMESTAMP),
        "author_id": batch.column("author_id"),
        "lang": _language(batch.column("lang")),
        "country": batch.column("country"),
        "hashtags": hashtags,
        "hashtag_forms": hashtag_forms,
        "kind": pc.fill_null(batch.column("repost"), "other"),  # the detector asks only: a repost?
    })


def _language(lang: pa.Array) -> pa.Array:
    """The tweet's language, none for Twitter's codes of no language (``und``, ``zxx``...).
    In Python, not SQL: DuckDB's ``IN`` list does not keep the rows in order."""
    return pc.if_else(pc.is_in(lang, _NO_LANGUAGE), pa.scalar(None, pa.string()), lang)


def _forms(batch: pa.RecordBatch) -> tuple[np.ndarray, pa.Array]:
    """(row, form) of every tag as written, in row order: entities' tags, or the text's."""
    lists = batch.column("forms")
    owner = pc.list_parent_indices(lists).to_numpy()
    forms = pc.list_flatten(lists)
    bare = batch.column("bare_text")
    marked = pc.fill_null(pc.or_(pc.match_substring(bare, "#"), pc.match_substring(bare, "＃")), False)
    rows = np.flatnonzero(marked.to_numpy(zero_copy_only=False))
    if not len(rows):
        return owner, forms
    found = [(row, form) for row, text in zip(rows, bare.take(pa.array(rows)).to_pylist())
             for form in hashtags_from_text(text)]
    if not found:
        return owner, forms
    merged = np.concatenate([owner, np.array([row for row, _ in found], np.int64)])
    order = np.argsort(merged, kind="stable")
    values = pa.concat_arrays([forms.cast(pa.string()), pa.array([form for _, form in found], pa.string())])
    return merged[order], values.take(pa.array(order))


def _tag_lists(owner: np.ndarray, forms: pa.Array, n: int, cache: _TagCache) -> tuple[pa.Array, pa.Array]:
    """Normalised keys and display forms per row, each key once per row, in order of writing
    (:func:`hashtide.model.tag_columns`, on the distinct forms)."""
    encoded = pc.dictionary_encode(forms)
    keys, shown = cache.lookup(encoded.dictionary.to_pylist())
    key_ids: dict[str, int] = {}
    key_code = np.array([-1 if key is None else key_ids.setdefault(key, len(key_ids)) for key in keys] + [-1],
                        np.int64)
    code = key_code[encoded.indices.to_numpy()] if len(forms) else np.zeros(0, np.int64)
    valid = np.flatnonzero(code >= 0)
    pair = owner[valid].astype(np.int64) * (len(key_ids) + 1) + code[valid]
    _, first = np.unique(pair, return_index=True)
    kept = valid[np.sort(first)]
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(np.bincount(owner[kept], minlength=n), out=offsets[1:])
    key_values = pa.array(list(key_ids), pa.string()).take(pa.array(code[kept]))
    form_values = pa.array(shown, pa.string()).take(encoded.indices.take(pa.array(kept, pa.int64())))
    return (pa.ListArray.from_arrays(pa.array(offsets), key_values),
            pa.ListArray.from_arrays(pa.array(offsets), form_values))
