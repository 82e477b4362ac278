"""The post schema, in one place: Arrow schemas, the row structs readers build, and the
hashtag grammar.

Every reader produces :class:`Post` and :class:`User` structs; every analysis reads the Arrow /
DuckDB tables whose columns are :data:`POST_SCHEMA` and :data:`USER_SCHEMA`. Times are integers of
microseconds since the epoch, UTC, from the moment a reader parses them until Arrow turns them into
``timestamp[us, UTC]``.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import unicodedata
from collections.abc import Iterable, Sequence

import msgspec
import pyarrow as pa
import regex

PLATFORMS = ("twitter", "bluesky", "mastodon", "reddit", "facebook", "instagram", "other")
KINDS = ("original", "repost", "reply", "quote")

TIMESTAMP = pa.timestamp("us", tz="UTC")

POST_SCHEMA = pa.schema(
    [
        pa.field("platform", pa.string(), nullable=False),
        pa.field("post_id", pa.string(), nullable=False),
        pa.field("created_at", TIMESTAMP),
        pa.field("author_id", pa.string()),
        pa.field("author_handle", pa.string()),
        pa.field("author_followers", pa.int64()),
        pa.field("text", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("country", pa.string()),
        pa.field("hashtags", pa.list_(pa.string())),
        # The display form of each tag as written, parallel to ``hashtags``: the most frequent
        # display form of a tag is what reports show (#MeToo, not #metoo).
        pa.field("hashtag_forms", pa.list_(pa.string())),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("parent_id", pa.string()),
        pa.field("root_id", pa.string()),
        pa.field("parent_author_id", pa.string()),
        pa.field("likes", pa.int64()),
        pa.field("reposts", pa.int64()),
        pa.field("replies", pa.int64()),
        pa.field("quotes", pa.int64()),
        pa.field("source", pa.string()),
        pa.field("source_offset", pa.int64()),
        # False while the post is known only from an embedded copy (twarc2 ``includes``, a
        # retweeted_status, a reblog): such a post counts as "referenced", not "ingested".
        pa.field("top_level", pa.bool_(), nullable=False),
    ]
)

USER_SCHEMA = pa.schema(
    [
        pa.field("platform", pa.string(), nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("handle", pa.string()),
        pa.field("name", pa.string()),
        pa.field("followers", pa.int64()),
        pa.field("location", pa.string()),
        pa.field("created_at", TIMESTAMP),
        pa.field("verified", pa.bool_()),
    ]
)


class Post(msgspec.Struct, kw_only=True, gc=False):  # no cycles: skip the GC (a third of read time)
    """One post as a reader produces it; field names are :data:`POST_SCHEMA`'s."""

    platform: str
    post_id: str
    created_at: int | None  # microseconds since the epoch, UTC
    author_id: str | None = None
    author_handle: str | None = None
    author_followers: int | None = None
    text: str | None = None
    lang: str | None = None
    country: str | None = None
    hashtags: list[str] = []
    hashtag_forms: list[str] = []
    kind: str = "original"
    parent_id: str | None = None
    root_id: str | None = None
    parent_author_id: str | None = None
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    source: str | None = None
    source_offset: int | None = None
    top_level: bool = True


class User(msgspec.Struct, kw_only=True, gc=False):
    """One account's profile as last seen; field names are :data:`USER_SCHEMA`'s."""

    platform: str
    user_id: str
    handle: str | None = None
    name: str | None = None
    followers: int | None = None
    location: str | None = None
    created_at: int | None = None
    verified: bool | None = None


POST_FIELDS = tuple(POST_SCHEMA.names)
USER_FIELDS = tuple(USER_SCHEMA.names)


def posts_to_arrow(posts: Sequence[Post]) -> pa.Table:
    """Columnar Arrow table of ``posts`` in :data:`POST_SCHEMA`."""
    return _to_arrow(posts, POST_SCHEMA)


def users_to_arrow(users: Sequence[User]) -> pa.Table:
    """Columnar Arrow table of ``users`` in :data:`USER_SCHEMA`."""
    return _to_arrow(users, USER_SCHEMA)


def _to_arrow(rows: Sequence[msgspec.Struct], schema: pa.Schema) -> pa.Table:
    if not rows:
        return schema.empty_table()
    # one C-level transposition instead of a Python loop per field
    transposed = zip(*map(msgspec.structs.astuple, rows))
    columns = []
    for field, values in zip(schema, transposed):
        if field.type == TIMESTAMP:
            columns.append(pa.array(values, pa.int64()).cast(TIMESTAMP))
        else:
            columns.append(pa.array(values, field.type))
    return pa.Table.from_arrays(columns, schema=schema)


# ---------------------------------------------------------------------------------------------
# Hashtags

# Twitter's hashtag grammar (twitter-text): a tag is letters, marks, digits and underscores, not
# digits alone, and does not continue a word, a URL fragment or an HTML entity (``&#39;``).
_HASHTAG = regex.compile(
    r"(?<![\p{L}\p{M}\p{Nd}_&/])[#＃]"
    r"(?!\ufe0f|\u20e3)"
    r"([\p{L}\p{M}\p{Nd}_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0\u30fb\u3003\u0f0b\u0f0c\u00b7]+)"
)
# One tag as any platform writes it: Bluesky's facets take punctuation and emoji (#tide-test, #🔥),
# so only what no platform's tag holds is refused: spaces, control characters, digits alone.
_ONE_TAG = regex.compile(r"[#＃]?([^\s\p{C}#＃]+)")
HASHTAG_GRAMMAR = "one word, without spaces, not digits alone"
_DIGITS_ONLY = regex.compile(r"^[\p{Nd}_]*$")


def normalise_tag(tag: str) -> str | None:
    """The tag's canonical key: without '#', NFKC-normalised and case-folded.

    Returns None for what the platforms' grammar does not accept as a tag (empty, digits alone).

    >>> normalise_tag("#MeToo"), normalise_tag("＃ＭｅＴｏｏ"), normalise_tag("#2017")
    ('metoo', 'metoo', None)
    >>> normalise_tag("Straße")
    'strasse'
    """
    tag = tag.strip()
    if tag[:1] in ("#", "＃"):
        tag = tag[1:]
    key = unicodedata.normalize("NFKC", tag).casefold()
    if not key or _DIGITS_ONLY.match(key):
        return None
    return key


def hashtag_key(text: str) -> str | None:
    """The key of ``text`` when it is one tag ('#' optional; see :data:`_ONE_TAG`), else None.
    What a person types asks for this; :func:`normalise_tag` keeps whatever tag entities the
    platforms hand the readers.

    >>> hashtag_key("#MeToo"), hashtag_key("Jag_också"), hashtag_key("#tide-test")
    ('metoo', 'jag_också', 'tide-test')
    >>> hashtag_key("#tide test"), hashtag_key("tide\\ntest"), hashtag_key("#2017"), hashtag_key("")
    (None, None, None, None)
    """
    match = _ONE_TAG.fullmatch(text.strip())
    return normalise_tag(match.group(1)) if match else None


def display_form(tag: str) -> str:
    """The form a person wrote, without '#', NFKC-normalised but with its case kept."""
    tag = tag.strip()
    if tag[:1] in ("#", "＃"):
        tag = tag[1:]
    return unicodedata.normalize("NFKC", tag)


def hashtags_from_text(text: str | None) -> list[str]:
    """Display forms of the tags in ``text``, in order, for formats that carry no tag entities.

    >>> hashtags_from_text("Me too. #MeToo #metoo! see https://x.org/#anchor, #2017, #Jag_också")
    ['MeToo', 'metoo', 'Jag_också']
    """
    if not text or ("#" not in text and "＃" not in text):
        return []
    return [m for m in _HASHTAG.findall(text) if not _DIGITS_ONLY.match(m)]


def tag_columns(forms: Iterable[str]) -> tuple[list[str], list[str]]:
    """``(hashtags, hashtag_forms)`` for a post: keys and display forms, in order, a tag once.

    >>> tag_columns(["MeToo", "metoo", "#HowIWillChange", "123"])
    (['metoo', 'howiwillchange'], ['MeToo', 'HowIWillChange'])
    """
    keys: list[str] = []
    shown: list[str] = []
    for form in forms:
        key = normalise_tag(form)
        if key is not None and key not in keys:
            keys.append(key)
            shown.append(display_form(form))
    return keys, shown


# ---------------------------------------------------------------------------------------------
# Times

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
FIRST_US = (_dt.date.min.toordinal() - _dt.date(1970, 1, 1).toordinal()) * 86_400_000_000
LAST_US = (_dt.date.max.toordinal() - _dt.date(1970, 1, 1).toordinal() + 1) * 86_400_000_000 - 1


def micros(moment: _dt.datetime) -> int:
    """Microseconds since the epoch; a naive datetime is taken as UTC. ValueError for a moment
    outside the calendar once in UTC (:func:`in_calendar`).

    >>> micros(_dt.datetime.fromisoformat("9999-12-31T23:00:00-05:00"))
    Traceback (most recent call last):
    ...
    ValueError: a time outside the calendar (years 1 to 9999 in UTC)
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    delta = moment - _EPOCH
    return in_calendar((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def in_calendar(us: int) -> int:
    """``us`` (epoch microseconds) when it names a moment of years 1 to 9999 in UTC, else
    ValueError. A client may write any time (Bluesky's ``createdAt``, "9999-12-31T23:00-05:00",
    is in year 10000 once in UTC); stored, it could not be turned back into a date, and every
    verb reading it would fail."""
    if not FIRST_US <= us <= LAST_US:
        raise ValueError("a time outside the calendar (years 1 to 9999 in UTC)")
    return us


def parse_iso(value: str) -> int:
    """ISO 8601 (with 'Z', an offset, or none, which means UTC) to epoch microseconds.

    >>> parse_iso("2017-10-15T20:21:00.000Z"), parse_iso("2017-10-15T22:21:00+02:00")
    (1508098860000000, 1508098860000000)
    """
    return micros(_dt.datetime.fromisoformat(value))


def parse_rfc2822(value: str) -> int:
    """Twitter v1.1's ``Wed Oct 10 20:19:24 +0000 2018`` to epoch microseconds.

    >>> parse_rfc2822("Sun Oct 15 20:21:00 +0000 2017")
    1508098860000000
    >>> parse_rfc2822("Sun Oct 15 22:21:00 +0200 2017")
    1508098860000000
    """
    parts = value.split()
    if len(parts) == 6 and parts[4] == "+0000" and parts[1] in _MONTHS:  # Twitter's own form, fast
        hour, minute, second = parts[3].split(":")
        day = _dt.date(int(parts[5]), _MONTHS[parts[1]], int(parts[2])).toordinal() - _EPOCH_ORDINAL
        return ((day * 24 + int(hour)) * 60 + int(minute)) * 60_000_000 + int(second) * 1_000_000
    if len(parts) == 6:  # the year last; email.utils wants it after the day
        value = f"{parts[0]}, {parts[2]} {parts[1]} {parts[5]} {parts[3]} {parts[4]}"
    return micros(email.utils.parsedate_to_datetime(value))


_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


def parse_epoch(value: float | int | str) -> int:
    """Epoch seconds (Reddit's float ``created_utc``) to epoch microseconds.

    >>> parse_epoch(1481328000.0)
    1481328000000000
    """
    return in_calendar(round(float(value) * 1_000_000))


def shifted(moment: _dt.datetime, by: _dt.timedelta) -> _dt.datetime:
    """``moment + by``, stopped at the calendar's ends: a post a client dated 9999-12-31 (Bluesky's
    createdAt is the client's word) must not make a figure fail.

    >>> shifted(_dt.datetime(9999, 12, 31, 23), _dt.timedelta(hours=2))
    datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)
    """
    try:
        return moment + by
    except OverflowError:
        return (_dt.datetime.max if by > _dt.timedelta(0) else _dt.datetime.min).replace(tzinfo=moment.tzinfo)


def to_datetime(us: int) -> _dt.datetime:
    """Epoch microseconds to an aware UTC datetime."""
    return _EPOCH + _dt.timedelta(microseconds=us)
