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

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hashtide.ingest.arrow_tags import TagCache, hashtag_columns
from hashtide.ingest.read_ahead import ReadError, read_ahead
from hashtide.ingest.twitter_v2 import NO_LANGUAGE, PLATFORM
from hashtide.ingest.twitter_v2_fast import plain_pages
from hashtide.model import TIMESTAMP

BATCH_ROWS = 65_536
MEMORY_LIMIT = "256MB"
MAX_PAGE_BYTES = 16 << 20

_TWEET = ("STRUCT(id VARCHAR, text VARCHAR, created_at VARCHAR, author_id VARCHAR, lang VARCHAR, "
          "entities STRUCT(hashtags STRUCT(tag VARCHAR)[]), referenced_tweets STRUCT(type VARCHAR, id VARCHAR)[], "
          "geo STRUCT(place_id VARCHAR, country_code VARCHAR), "
          "note_tweet STRUCT(text VARCHAR, entities STRUCT(hashtags STRUCT(tag VARCHAR)[])))")
_COLUMNS = ("{data: '" + _TWEET + "[]', includes: 'STRUCT(tweets " + _TWEET
            + "[], places STRUCT(id VARCHAR, country_code VARCHAR)[])', errors: 'JSON', meta: 'JSON'}")
_NO_LANGUAGE = pa.array(sorted(NO_LANGUAGE))



def _long(x: str) -> str:
    """Whether tweet ``x`` is a post over 280 characters whose whole text is in ``note_tweet``."""
    return f"coalesce({x}.note_tweet.text, '') <> ''"


def _entities(x: str) -> str:
    return f"(case when {_long(x)} then {x}.note_tweet.entities else {x}.entities end)"


def _text(x: str) -> str:
    return f"(case when {_long(x)} then {x}.note_tweet.text else {x}.text end)"


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
    list_filter(list_transform(case when subject.text is not null then {_entities('subject')} else {_entities('t')} end.hashtags,
                               lambda h: h.tag), lambda tag: tag is not null) as forms,
    case when subject.text is not null then (case when {_entities('subject')} is null then {_text('subject')} end)
         when {_entities('t')} is null then {_text('t')} end as bare_text
from tweets
"""


ReplayError = ReadError  # DuckDB could not read the file (a page over MAX_PAGE_BYTES, an I/O error)


class Replay:
    """The top-level tweets of a twarc2 file as tables of the columns the detector reads, in file
    order, in batches of about ``BATCH_ROWS``; DuckDB reads ahead on a thread while the caller
    works on the previous batch. ``unread`` counts the lines that are not twarc2 pages (not JSON,
    another format); they are skipped, as are records without an id (counts buckets)."""

    def __init__(self, path: str):
        self.path = path
        self.unread = 0

    def __iter__(self) -> Iterator[pa.Table]:
        tags = TagCache()
        for batch in read_ahead(_QUERY, [self.path], BATCH_ROWS, MEMORY_LIMIT):
            self.unread += pc.sum(batch.column("unreadable")).as_py() or 0
            table = _table(batch, tags)
            if table.column("post_id").null_count:  # unreadable lines, and records that are no
                table = table.filter(pc.is_valid(table.column("post_id")))  # tweet (counts buckets)
            yield table


def _table(batch: pa.RecordBatch, cache: TagCache) -> pa.Table:
    n = batch.num_rows
    hashtags, hashtag_forms = hashtag_columns(batch.column("forms"), batch.column("bare_text"), cache)
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
