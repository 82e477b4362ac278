"""SigniTrend: incremental detection of significant hashtag trends, with bounded memory.

Schubert, Weiler, Kriegel, "SigniTrend: scalable detection of emerging topics in textual streams
by hashed significance thresholds", KDD 2014. For every (scope, tag) the detector keeps an
exponentially weighted moving average and variance of the tag's count per time bucket (Finch,
"Incremental calculation of weighted mean and variance", 2009)::

    delta = x - mean;  mean += alpha * delta;  var = (1 - alpha) * (var + alpha * delta**2)
    alpha = 1 - 2 ** (-bucket / half_life)

and scores the count of a new bucket against the past before learning from it::

    z = (count - max(mean, beta)) / (sqrt(var) + beta)

``beta`` keeps rare tags quiet: a tag never seen before needs ``count > beta`` to score above 0
and about ``(threshold + 1) * beta`` posts to pass the threshold. A tag trends in a bucket when
``z >= threshold`` and ``count >= min_count``.

The count that is scored leaves reposts out (unless ``score_reposts``): a trend is many people
saying something, not one post passed along. A steady tag's one viral post is otherwise a burst
like any other (on a simulated world, an hour of #love with 78 posts, 51 of them reposts, against
a median of 29, charted globally).
Reposts still count in a chart's ``posts``, and in ``min_count``.

Memory does not grow with the vocabulary: the statistics live in ``depth`` hashed rows of
``width`` cells each (count-min style). A (scope, tag) key adds its count to one cell per row; a
cell's mean is the sum of its keys' means, so it never underestimates a key's own mean, and the
score is the smallest over the rows (a collision with a busy tag can only hide a trend, never
invent one where every row has it alone). Buckets in which a cell sees nothing are applied
lazily, in closed form, when the cell is next touched: after ``k`` empty buckets, with
``r = (1 - alpha) ** k``, ``mean = r * mean`` and ``var = r * (var + mean**2 * (1 - r))``.

Scopes are ``global`` and one per country, language and platform of the posts (``country:US``,
``lang:fr``, ``platform:bluesky``). Buckets close when a post at least ``lateness`` past their
end arrives (or at :meth:`SigniTrend.flush`); a post for a closed bucket is counted in ``late``
and left out. Fed the same posts, any order within ``lateness``, the detector gives the same
charts.

Default parameters, chosen on simulated worlds (``benchmarks/trends_accuracy.py``, metoo-2017 at
scales 0.1, 0.4 and 1.0, 39-40 scopes, 10 days; grids over threshold 2.5-4, half-life 6/12/24
buckets, beta 2-5, reposts scored or not): ``bucket`` 1 hour; ``half_life`` 24 buckets (a day of
hours: the baseline spans the daily cycle, so a slow adopter such as #balancetonporc still stands
out; 6 buckets missed 5 of 12 country bursts); reposts not scored (scored, the steady top tags
charted through single viral posts at scales 0.1 and 0.4, and at beta 2-3 gave up to 1.7 false
alerts a day in a scope); ``beta`` 2.5 posts (with reposts left out: no false alert and no steady tag at
any scale, every planted burst found at scales 0.1 and 1.0 and 29 of 30 language bursts at 0.4;
beta 2 charted steady tags at 0.4 and 1.0, beta 3 and 5 missed small-country and language
bursts, among them #quellavoltache in Italy); ``threshold`` 3; ``min_count`` 5 posts;
``warmup`` 12 buckets before anything may trend.

>>> import datetime as dt
>>> from hashtide.model import Post, posts_to_arrow
>>> hour = 3_600_000_000
>>> def posts(h, tag, n):
...     return [Post(platform="twitter", post_id=f"{tag}{h}-{i}", created_at=h * hour + i,
...                  author_id=f"u{i}", hashtags=[tag.lower()], hashtag_forms=[tag]) for i in range(n)]
>>> detector = SigniTrend(bucket=dt.timedelta(hours=1), warmup=3)
>>> for h in range(24):  # a steady giant, and a small tag that takes off in the last hour
...     batch = posts(h, "news", 200) + posts(h, "MeToo", 1 if h < 23 else 60)
...     _ = detector.update(posts_to_arrow(batch))
>>> _ = detector.flush()  # the end of the stream closes the last hour
>>> [(e.rank, e.tag, e.posts, e.authors) for e in detector.trending("global", top=3)]
[(1, '#MeToo', 60, 60)]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hashtide.trends.charts import DIMENSIONS, BucketCharts, TrendEntry
from hashtide.trends.hashing import hash_strings, hash_text, splitmix64

_ROW_SEEDS = np.array([0x243F6A8885A308D3, 0x13198A2E03707344, 0xA4093822299F31D0, 0x082EFA98EC4E6C89,
                       0x452821E638D01377, 0xBE5466CF34E90C6C, 0xC0AC29B7C97C50DD, 0x3F84D5B5B5470917],
                      dtype=np.uint64)  # digits of pi: one independent hash per row
_DENSE_LIMIT = 1 << 24  # above this many (scope, tag) slots, aggregate by sorting instead of bincount


def _duration_us(value: dt.timedelta | float | int) -> int:
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
    return int(round(seconds * 1_000_000))


@dataclass
class _Piece:
    """The rows of one batch that fall in one bucket, kept until the bucket closes so that the
    charted tags' display forms and distinct authors can be counted exactly."""

    tags: pa.Array  # flattened normalised tags of the batch
    forms: pa.Array  # flattened display forms, parallel
    authors: _Authors  # author of each post of the batch, hashed when a chart needs it
    parent: np.ndarray  # post index of each flattened tag
    rows: np.ndarray  # which flattened rows fall in this bucket
    tag_hash: np.ndarray  # uint64 per flattened row (all rows of the batch)
    scope_ids: list[np.ndarray]  # per tracked dimension, a scope id per post (-1: none)


@dataclass
class _OpenBucket:
    keys: list[np.ndarray] = field(default_factory=list)
    counts: list[np.ndarray] = field(default_factory=list)
    voiced: list[np.ndarray] = field(default_factory=list)  # the counts without reposts
    scopes: list[np.ndarray] = field(default_factory=list)
    tags: list[np.ndarray] = field(default_factory=list)
    pieces: list[_Piece] = field(default_factory=list)


class SigniTrend:
    """Incremental trend detector over batches of posts (Arrow tables in POST_SCHEMA).

    Parameters: ``bucket`` (time bucket), ``half_life`` (of the moving averages; default
    24 buckets), ``beta`` (noise floor, posts), ``threshold`` (z to trend), ``min_count`` (posts
    in the bucket to trend), ``dimensions`` (which scopes to track), ``width`` x ``depth`` (the
    hashed table), ``chart_size`` (entries kept per chart), ``warmup`` (buckets seen before
    anything may trend), ``lateness`` (how long a bucket waits for late posts).
    """

    def __init__(
        self,
        bucket: dt.timedelta | float = dt.timedelta(hours=1),
        half_life: dt.timedelta | float | None = None,
        beta: float = 2.5,
        threshold: float = 3.0,
        min_count: int = 5,
        score_reposts: bool = False,
        dimensions: tuple[str, ...] = DIMENSIONS,
        width: int = 1 << 20,
        depth: int = 2,
        chart_size: int = 25,
        warmup: int = 12,
        lateness: dt.timedelta | float = 0,
    ):
        unknown = [d for d in dimensions if d not in DIMENSIONS]
        if unknown or not dimensions:
            raise ValueError(f"dimensions must be among {DIMENSIONS}, not {dimensions}")
        if width & (width - 1) or width < 2:
            raise ValueError("width must be a power of two")
        if not 1 <= depth <= len(_ROW_SEEDS):
            raise ValueError(f"depth must be 1..{len(_ROW_SEEDS)}")
        self.bucket_us = _duration_us(bucket)
        if self.bucket_us <= 0:
            raise ValueError("bucket must be positive")
        half_life_us = _duration_us(half_life) if half_life is not None else 24 * self.bucket_us
        self.alpha = 1.0 - 2.0 ** (-self.bucket_us / half_life_us)
        self.beta = float(beta)
        self.threshold = float(threshold)
        self.min_count = int(min_count)
        self.score_reposts = bool(score_reposts)
        self.dimensions = tuple(d for d in DIMENSIONS if d in dimensions)
        self.width = width
        self.depth = depth
        self.chart_size = chart_size
        self.warmup = warmup
        self.lateness_us = _duration_us(lateness)
        self.mean = np.zeros((depth, width))
        self.var = np.zeros((depth, width))
        self.last = np.full((depth, width), -1, np.int64)  # bucket of the cell's last update
        self.late = 0  # posts that came after their bucket closed
        self._scope_names: list[str] = []
        self._scope_ids: dict[str, int] = {}
        self._scope_hashes = np.zeros(0, np.uint64)
        self._open: dict[int, _OpenBucket] = {}
        self._watermark = -(1 << 62)
        self._closed_upto: int | None = None  # the last bucket closed
        self._first_bucket: int | None = None
        self._latest: BucketCharts | None = None
        if "global" in self.dimensions:
            self._scope_id("global")

    # -- the river-like surface ------------------------------------------------------------------

    def update(self, batch: pa.Table | pa.RecordBatch) -> list[BucketCharts]:
        """Learn from a batch of posts; returns the charts of the buckets this batch closed."""
        if batch.num_rows:
            self._absorb(batch)
        return self._close_due()

    def flush(self) -> list[BucketCharts]:
        """Close every open bucket (the end of a stream)."""
        return [self._close(b) for b in sorted(self._open)]

    def advance(self, now: dt.datetime | int) -> list[BucketCharts]:
        """Let time pass without posts (a quiet live stream): close buckets that ended by ``now``."""
        now_us = now if isinstance(now, int) else int(now.timestamp() * 1_000_000)
        self._watermark = max(self._watermark, now_us)
        return self._close_due()

    def trending(self, scope: str = "global", top: int = 10) -> list[TrendEntry]:
        """The chart of ``scope`` in the last closed bucket (tags above threshold, best first)."""
        return [] if self._latest is None else self._latest.chart(scope, top)

    @property
    def latest(self) -> BucketCharts | None:
        """Every chart of the last closed bucket."""
        return self._latest

    @property
    def state_bytes(self) -> int:
        """Memory of the hashed statistics (fixed by width and depth)."""
        return self.mean.nbytes + self.var.nbytes + self.last.nbytes

    def estimate(self, scope: str, tag: str) -> tuple[float, float]:
        """The (mean, variance) the table holds for a normalised ``tag`` in ``scope`` as of the
        last closed bucket; the mean never underestimates the key's own."""
        key = splitmix64(np.array([hash_text(tag) ^ hash_text(scope)], np.uint64))
        now = self._closed_upto if self._closed_upto is not None else 0
        means, variances = [], []
        for row in range(self.depth):
            cell = self._cells(key, row)
            mean, var = self._decayed(row, cell, now + 1)
            means.append(float(mean[0]))
            variances.append(float(var[0]))
        return min(means), min(variances)

    # -- reading a batch -------------------------------------------------------------------------

    def _scope_id(self, name: str) -> int:
        sid = self._scope_ids.get(name)
        if sid is None:
            sid = self._scope_ids[name] = len(self._scope_names)
            self._scope_names.append(name)
            self._scope_hashes = np.append(self._scope_hashes, np.uint64(hash_text(name)))
        return sid

    def _post_scopes(self, batch, dimension: str, n: int) -> np.ndarray:
        """Scope id per post for ``dimension`` (-1 where the post has no value)."""
        if dimension == "global":
            return np.zeros(n, np.int64) + self._scope_ids["global"]
        if dimension not in batch.schema.names:
            return np.full(n, -1, np.int64)
        encoded = batch.column(dimension).dictionary_encode()
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        names = encoded.dictionary.to_pylist()
        if dimension == "country":
            names = [v.upper() for v in names]
        lookup = np.array([self._scope_id(f"{dimension}:{v}") for v in names] + [-1], np.int64)
        codes = np.asarray(encoded.indices.fill_null(len(names)))
        return lookup[codes]

    def _absorb(self, batch) -> None:
        created = batch.column("created_at")
        if isinstance(created, pa.ChunkedArray):
            created = created.combine_chunks()
        created = created.cast(pa.int64()) if not pa.types.is_integer(created.type) else created
        when = np.asarray(created.fill_null(-(1 << 62)))
        hashtags = batch.column("hashtags")
        if isinstance(hashtags, pa.ChunkedArray):
            hashtags = hashtags.combine_chunks()
        n = batch.num_rows
        has_time = when > -(1 << 62)
        self._watermark = max(self._watermark, int(when.max()))
        bucket_of_post = np.where(has_time, when // self.bucket_us, -(1 << 40))
        parent = np.asarray(pc.list_parent_indices(hashtags))
        tags = pc.list_flatten(hashtags)
        if len(tags) == 0:
            return
        forms = pc.list_flatten(_column(batch, "hashtag_forms", hashtags))
        if len(forms) != len(tags):  # a table without parallel forms shows the keys
            forms = tags
        encoded = tags.dictionary_encode()
        codes = np.asarray(encoded.indices)
        dictionary_hash = hash_strings(encoded.dictionary)
        tag_hash = dictionary_hash[codes]
        authors = _Authors(_column(batch, "author_id", None), _column(batch, "platform", None))
        scope_ids = [self._post_scopes(batch, d, n) for d in self.dimensions]
        voiced = self._voiced(batch)
        voiced = None if voiced is None else voiced[parent]
        row_bucket = bucket_of_post[parent]
        low, high = int(row_bucket.min()), int(row_bucket.max())
        if low == high:
            spans = [(low, np.arange(len(tags)))]
        elif (np.diff(row_bucket) >= 0).all():  # time-ordered input (the corpus, most streams): no sort
            edges = np.flatnonzero(np.diff(row_bucket)) + 1
            spans = [(int(row_bucket[s[0]]), s) for s in np.split(np.arange(len(tags)), edges)]
        else:
            order = np.argsort(row_bucket, kind="stable")
            sorted_buckets = row_bucket[order]
            edges = np.flatnonzero(np.diff(sorted_buckets)) + 1
            spans = [(int(row_bucket[s[0]]), s) for s in np.split(order, edges)]
        for bucket, rows in spans:
            if bucket == -(1 << 40):
                continue  # posts without a time cannot be placed in a bucket
            if self._closed_upto is not None and bucket <= self._closed_upto:
                self.late += len(np.unique(parent[rows]))
                continue
            self._accumulate(bucket, rows, codes, dictionary_hash, parent, scope_ids, voiced,
                             _Piece(tags, forms, authors, parent, rows, tag_hash, scope_ids))

    def _voiced(self, batch) -> np.ndarray | None:
        """1.0 for a post that says something itself, 0.0 for a repost; None when every post
        counts (reposts scored, or a batch without kinds or without reposts)."""
        if self.score_reposts or "kind" not in batch.schema.names:
            return None
        reposts = np.asarray(pc.fill_null(pc.equal(batch.column("kind"), "repost"), False))
        return 1.0 - reposts if reposts.any() else None

    def _accumulate(self, bucket, rows, codes, tag_hashes, parent, scope_ids, voiced, piece) -> None:
        """Add the (scope, tag) counts of ``rows`` to the open bucket, aggregated per batch."""
        state = self._open.setdefault(bucket, _OpenBucket())
        if self._first_bucket is None or bucket < self._first_bucket:
            self._first_bucket = bucket
        state.pieces.append(piece)
        tag_codes = codes[rows]
        weights = None if voiced is None else voiced[rows]
        n_tags = len(tag_hashes)
        for post_scopes in scope_ids:
            scope = post_scopes[parent[rows]]
            valid = scope >= 0
            scope, local_codes = scope[valid], tag_codes[valid]
            local_weights = None if weights is None else weights[valid]
            if not len(scope):
                continue
            present, local_scope = np.unique(scope, return_inverse=True)
            if len(present) * n_tags <= _DENSE_LIMIT:
                flat = local_scope * n_tags + local_codes
                slots = np.bincount(flat)
                slot = np.flatnonzero(slots)
                counts = slots[slot]
                spoken = counts if local_weights is None else np.bincount(
                    flat, weights=local_weights, minlength=len(slots))[slot]
            else:
                slot, inverse, counts = np.unique(local_scope.astype(np.int64) * n_tags + local_codes,
                                                  return_inverse=True, return_counts=True)
                spoken = counts if local_weights is None else np.bincount(
                    inverse, weights=local_weights, minlength=len(slot))
            sid = present[slot // n_tags]
            th = tag_hashes[slot % n_tags]
            state.keys.append(splitmix64(th ^ self._scope_hashes[sid]))
            state.counts.append(counts.astype(np.int64))
            state.voiced.append(spoken)
            state.scopes.append(sid)
            state.tags.append(th)

    # -- closing a bucket ------------------------------------------------------------------------

    def _close_due(self) -> list[BucketCharts]:
        due = [b for b in sorted(self._open) if (b + 1) * self.bucket_us + self.lateness_us <= self._watermark]
        return [self._close(b) for b in due]

    def _close(self, bucket: int) -> BucketCharts:
        state = self._open.pop(bucket)
        self._closed_upto = bucket if self._closed_upto is None else max(self._closed_upto, bucket)
        charts = BucketCharts(start=bucket * self.bucket_us, end=(bucket + 1) * self.bucket_us)
        if state.keys:
            keys, first, inverse = np.unique(np.concatenate(state.keys), return_index=True, return_inverse=True)
            counts = np.bincount(inverse, weights=np.concatenate(state.counts)).astype(np.int64)
            voiced = np.bincount(inverse, weights=np.concatenate(state.voiced))
            scopes = np.concatenate(state.scopes)[first]
            tags = np.concatenate(state.tags)[first]
            scores = self._score_and_learn(bucket, keys, voiced)
            if bucket - self._first_bucket >= self.warmup:
                charts.charts = self._charts(state, keys, counts, scopes, tags, scores)
        self._latest = charts
        return charts

    def _cells(self, keys: np.ndarray, row: int) -> np.ndarray:
        return (splitmix64(keys ^ _ROW_SEEDS[row]) & np.uint64(self.width - 1)).astype(np.int64)

    def _decayed(self, row: int, cells: np.ndarray, bucket: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of ``cells`` just before ``bucket``, the empty buckets since their
        last update applied in closed form (see the module docstring)."""
        empty = bucket - self.last[row, cells] - 1
        r = (1.0 - self.alpha) ** np.minimum(empty, 1 << 20)
        mean = self.mean[row, cells]
        return r * mean, r * (self.var[row, cells] + mean * mean * (1.0 - r))

    def _score_and_learn(self, bucket: int, keys: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """z of each key against the past (smallest over the rows), then learn this bucket."""
        alpha, beta = self.alpha, self.beta
        score = np.full(len(keys), np.inf)
        for row in range(self.depth):
            cells, inverse = np.unique(self._cells(keys, row), return_inverse=True)
            cell_counts = np.bincount(inverse, weights=counts)
            mean, var = self._decayed(row, cells, bucket)
            z = (cell_counts - np.maximum(mean, beta)) / (np.sqrt(var) + beta)
            delta = cell_counts - mean
            self.mean[row, cells] = mean + alpha * delta
            self.var[row, cells] = (1.0 - alpha) * (var + alpha * delta * delta)
            self.last[row, cells] = bucket
            np.minimum(score, z[inverse], out=score)
        return score

    def _charts(self, state, keys, counts, scopes, tags, scores) -> dict[str, list[TrendEntry]]:
        hot = np.flatnonzero((scores >= self.threshold) & (counts >= self.min_count))
        if not len(hot):
            return {}
        # best first: score, then posts, then a stable tie-break on the tag's hash
        hot = hot[np.lexsort((tags[hot], -counts[hot], -scores[hot], scopes[hot]))]
        chosen = []
        for sid in np.unique(scopes[hot]):
            chosen.append(hot[scopes[hot] == sid][: self.chart_size])
        chosen = np.concatenate(chosen)
        details = _Details(state.pieces, tags[chosen], self.dimensions)
        charts: dict[str, list[TrendEntry]] = {}
        for i in chosen:
            scope = self._scope_names[scopes[i]]
            key, form = details.names[int(tags[i])]
            entries = charts.setdefault(scope, [])
            entries.append(TrendEntry(scope, len(entries) + 1, "#" + form, key, float(scores[i]),
                                      int(counts[i]), details.authors(int(scopes[i]), int(tags[i]))))
        return charts


def _column(batch, name: str, like):
    if name in batch.schema.names:
        column = batch.column(name)
        return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if like is None:
        return pa.nulls(batch.num_rows, pa.string())
    return like


class _Authors:
    """The batch's author ids, hashed (with the platform: an id is unique within its platform)
    only for the posts of charted tags, which are few."""

    def __init__(self, ids: pa.Array, platforms: pa.Array):
        self.ids = ids
        self.platforms = platforms

    def hashes(self, posts: np.ndarray) -> np.ndarray:
        index = pa.array(posts)
        return splitmix64(hash_strings(self.ids.take(index)) ^ hash_strings(self.platforms.take(index)))


class _Details:
    """Display forms and distinct authors of the charted tags, from the bucket's own rows."""

    def __init__(self, pieces: list[_Piece], charted: np.ndarray, dimensions: tuple[str, ...]):
        wanted = np.unique(charted)
        tag_hash, author, scope_sets, keys, forms = [], [], [], [], []
        for piece in pieces:
            rows = piece.rows[np.isin(piece.tag_hash[piece.rows], wanted)]
            if not len(rows):
                continue
            posts = piece.parent[rows]
            tag_hash.append(piece.tag_hash[rows])
            author.append(piece.authors.hashes(posts))
            scope_sets.append(np.stack([s[posts] for s in piece.scope_ids]))
            index = pa.array(rows)
            keys.append(piece.tags.take(index))
            forms.append(piece.forms.take(index))
        tag_hash = np.concatenate(tag_hash)
        author = np.concatenate(author)
        scope_sets = np.concatenate(scope_sets, axis=1)
        # distinct (scope, tag, author) triples, counted per (scope, tag)
        scope = scope_sets.ravel()
        triples = np.stack([scope, np.tile(tag_hash, len(scope_sets)).view(np.int64),
                            np.tile(author, len(scope_sets)).view(np.int64)], axis=1)[scope >= 0]
        pairs = np.unique(np.unique(triples, axis=0)[:, :2], axis=0, return_counts=True)
        self._authors = {(int(s), int(t) & 0xFFFFFFFFFFFFFFFF): int(c) for (s, t), c in zip(*pairs)}
        self.names = _most_frequent_forms(tag_hash, pa.chunked_array(keys), pa.chunked_array(forms))

    def authors(self, scope: int, tag: int) -> int:
        return self._authors.get((scope, tag), 0)


def _most_frequent_forms(tag_hash: np.ndarray, keys: pa.ChunkedArray, forms: pa.ChunkedArray) -> dict[int, tuple[str, str]]:
    """tag hash -> (key, most frequent display form; ties to the smallest form)."""
    table = pa.table({"h": tag_hash, "key": keys, "form": forms})
    counted = table.group_by(["h", "key", "form"]).aggregate([([], "count_all")])
    best = counted.sort_by([("h", "ascending"), ("count_all", "descending"), ("form", "ascending")])
    names: dict[int, tuple[str, str]] = {}
    for h, key, form in zip(best.column("h").to_pylist(), best.column("key").to_pylist(), best.column("form").to_pylist()):
        names.setdefault(h, (key, form or key))
    return names

