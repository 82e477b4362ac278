"""Trending charts: the ranked tags of one bucket per scope, and alerts when a tag enters a top N.

A chart lists, for one time bucket and one scope, the tags whose significance passed the
detector's threshold, best first: rank, the tag in its most frequent display form, the score (z),
posts and distinct authors in the bucket. ``scope`` is written as on the command line: ``global``,
``country:GB``, ``lang:fr``, ``platform:bluesky``.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from hashtide.model import PLATFORMS, to_datetime

DIMENSIONS = ("global", "country", "lang", "platform")


class TrendEntry(msgspec.Struct, frozen=True):
    """One line of a chart."""

    scope: str
    rank: int
    tag: str  # display form with '#', e.g. "#MeToo"
    key: str  # normalised key, e.g. "metoo"
    score: float
    posts: int
    authors: int


class BucketCharts(msgspec.Struct):
    """Every scope's chart for the bucket [start, end) (epoch microseconds, UTC)."""

    start: int
    end: int
    charts: dict[str, list[TrendEntry]] = {}

    def chart(self, scope: str, top: int | None = None) -> list[TrendEntry]:
        entries = self.charts.get(scope, [])
        return entries if top is None else entries[:top]

    def rows(self, scopes: ScopeFilter | None = None, top: int | None = None) -> list[dict]:
        """JSON rows of the selected charts: bucket_end, scope, rank, tag, score, posts, authors."""
        end = iso(self.end)
        rows = []
        for scope in sorted(self.charts):
            if scopes is not None and not scopes.accepts(scope):
                continue
            for entry in self.chart(scope, top):
                rows.append({"bucket_end": end, "scope": scope, "rank": entry.rank, "tag": entry.tag,
                             "score": round(entry.score, 3), "posts": entry.posts, "authors": entry.authors})
        return rows


def iso(us: int) -> str:
    """Epoch microseconds as ``2017-10-15T21:00:00Z`` (seconds precision, UTC)."""
    return to_datetime(us).strftime("%Y-%m-%dT%H:%M:%SZ")


class ScopeFilter(msgspec.Struct, frozen=True):
    """Which charts to show: ``all``, ``global``, a whole dimension (``country``) or one scope
    (``country:US``); several separated by commas.

    >>> f = ScopeFilter.parse("global,country:US")
    >>> f.accepts("global"), f.accepts("country:US"), f.accepts("country:GB"), f.dimensions
    (True, True, False, ('global', 'country'))
    >>> ScopeFilter.parse("lang").accepts("lang:fr")
    True
    >>> ScopeFilter.parse("platform:Bluesky").specs
    ('platform:bluesky',)
    """

    specs: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> ScopeFilter:
        specs = tuple(s.strip() for s in text.split(",") if s.strip())
        if not specs:
            raise ValueError("empty scope")
        for spec in specs:
            if spec in ("all", "global"):
                continue
            dimension, _, value = spec.partition(":")
            if dimension not in DIMENSIONS[1:] or (":" in spec and not value):
                raise ValueError(
                    f"unknown scope {spec!r}: use global, all, country[:CC], lang[:xx] or platform[:name]"
                )
            if dimension == "platform" and value and value.lower() not in PLATFORMS:
                raise ValueError(f"unknown platform {value!r} in scope {spec!r}: one of {', '.join(PLATFORMS)}")
        return cls(tuple(_canonical(s) for s in specs))

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The detector dimensions these charts need, in :data:`DIMENSIONS` order."""
        if "all" in self.specs:
            return DIMENSIONS
        wanted = {spec.partition(":")[0] for spec in self.specs}
        return tuple(d for d in DIMENSIONS if d in wanted)

    def accepts(self, scope: str) -> bool:
        for spec in self.specs:
            if spec == "all" or spec == scope or (":" not in spec and scope.partition(":")[0] == spec):
                return True
        return False


def _canonical(spec: str) -> str:
    """Country codes upper case, languages and platforms lower case, as the corpus stores them."""
    dimension, sep, value = spec.partition(":")
    if not sep:
        return spec
    return f"{dimension}:{value.upper() if dimension == 'country' else value.lower()}"


class Alerts:
    """Alerts when a tag enters the top ``top`` of a scope's chart (it was not there in the
    previous bucket that had a chart for that scope).

    >>> a = Alerts(top=2)
    >>> e = lambda tag, rank: TrendEntry("global", rank, "#" + tag, tag, 5.0, 10, 9)
    >>> [x.tag for x in a.update(BucketCharts(0, 1, {"global": [e("a", 1)]}))]
    ['#a']
    >>> [x.tag for x in a.update(BucketCharts(1, 2, {"global": [e("b", 1), e("a", 2)]}))]
    ['#b']
    """

    def __init__(self, top: int = 10, scopes: ScopeFilter | None = None):
        self.top = top
        self.scopes = scopes
        self._previous: dict[str, set[str]] = {}

    def update(self, bucket: BucketCharts) -> list[TrendEntry]:
        entered = []
        for scope, entries in sorted(bucket.charts.items()):
            if self.scopes is not None and not self.scopes.accepts(scope):
                continue
            current = entries[: self.top]
            before = self._previous.get(scope, set())
            entered.extend(e for e in current if e.key not in before)
            self._previous[scope] = {e.key for e in current}
        # a scope with no chart this bucket has nothing in its top: its tags may enter again
        for scope in list(self._previous):
            if scope not in bucket.charts:
                del self._previous[scope]
        return entered


def alert_row(bucket: BucketCharts, entry: TrendEntry) -> dict:
    """The JSON line of an alert."""
    return {"bucket_end": iso(bucket.end), "scope": entry.scope, "rank": entry.rank, "tag": entry.tag,
            "score": round(entry.score, 3), "posts": entry.posts, "authors": entry.authors}


# A bucket, half-life or lateness beyond a year says nothing about a trend, and far beyond it
# overflows timedelta.
LONGEST_DURATION = dt.timedelta(days=365)


def parse_duration(text: str, allow_zero: bool = False) -> dt.timedelta:
    """``90s``, ``5m``, ``1h``, ``2d`` (also ``1h30m``) as a timedelta, positive (or zero with
    ``allow_zero``) and at most :data:`LONGEST_DURATION`.

    >>> parse_duration("5m"), parse_duration("1h30m").total_seconds()
    (datetime.timedelta(seconds=300), 5400.0)
    >>> parse_duration("0s", allow_zero=True)
    datetime.timedelta(0)
    """
    import re

    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhd])", text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != re.sub(r"\s+", "", text.strip().lower()):
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 1h, 1d)")
    seconds = sum(float(n) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[u] for n, u in parts)
    if seconds > LONGEST_DURATION.total_seconds():
        raise ValueError(f"duration {text!r} is longer than {LONGEST_DURATION.days}d")
    duration = dt.timedelta(seconds=seconds)  # under a microsecond is zero
    if not duration and not allow_zero:
        raise ValueError(f"duration must be positive: {text!r}")
    return duration
