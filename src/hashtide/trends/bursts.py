"""Kleinberg burst intervals of one tag, after the fact.

J. Kleinberg, "Bursty and hierarchical structure in streams", KDD 2002, section 4 (the batched,
enumerative model). Time is cut into buckets; bucket ``t`` has ``d[t]`` posts of which ``r[t]``
use the tag. State ``i`` of the automaton expects the share ``p_i = p_0 * s**i`` (``p_0`` the
tag's overall share), and costs ``-ln(C(d, r) p_i^r (1 - p_i)^(d - r))`` per bucket; moving up
from ``i`` to ``j`` costs ``(j - i) * gamma * ln(n)``, moving down is free. The optimal state
sequence is found by the Viterbi algorithm, vectorised over the states (one numpy step per
bucket). A burst of level ``l`` is a maximal run of buckets in state ``>= l``; its weight is the
cost saved by explaining it with state ``l`` instead of state 0.

The ``burst_detection`` package implements the two-state model with a greedy pass (each bucket's
state chosen from the previous one only), not the Viterbi optimum, and uses ``np.float`` that
current numpy removed; benchmarks/trends_speed.py compares both on the same series.

>>> import numpy as np
>>> r = np.array([1, 1, 2, 1, 30, 40, 35, 2, 1, 1])
>>> d = np.full(10, 100)
>>> [(b.level, b.first, b.last) for b in kleinberg(r, d, s=2.0, gamma=1.0)]
[(1, 4, 6)]
"""

from __future__ import annotations

import datetime as dt

import msgspec
import numpy as np

from hashtide.trends.charts import iso, parse_duration

# The Viterbi pass steps through every bucket of the span, empty ones too (about 8 us each, and
# 8 bytes per state for the way back): a million buckets take seconds and tens of MB. Ten years
# in 1 s buckets (315 M) took 20 GB and did not finish.
MAX_BUCKETS = 1_000_000
USUAL_BUCKETS = ("1s", "1m", "5m", "15m", "1h", "6h", "1d", "7d", "30d", "365d")


class TooManyBuckets(ValueError):
    """The corpus spans more than :data:`MAX_BUCKETS` buckets of the chosen size."""

    def __init__(self, buckets: int, span_us: int):
        self.buckets, self.span_us = buckets, span_us
        super().__init__(f"{buckets:,} buckets (at most {MAX_BUCKETS:,}); use a bucket of {self.suggestion} or more")

    @property
    def suggestion(self) -> str:
        """The smallest usual bucket that cuts the span into at most :data:`MAX_BUCKETS`."""
        def fits(text: str) -> bool:
            return self.span_us // int(parse_duration(text).total_seconds() * 1_000_000) + 1 <= MAX_BUCKETS
        return next((text for text in USUAL_BUCKETS if fits(text)), USUAL_BUCKETS[-1])


class Burst(msgspec.Struct, frozen=True):
    """A burst of level ``level`` over buckets ``first``..``last`` (inclusive)."""

    level: int
    first: int
    last: int
    posts: int
    weight: float
    start_us: int = 0
    end_us: int = 0

    def as_dict(self) -> dict:
        return {"level": self.level, "start": iso(self.start_us), "end": iso(self.end_us),
                "posts": self.posts, "weight": round(self.weight, 3)}


def _fit_costs(r: np.ndarray, d: np.ndarray, p: np.ndarray) -> np.ndarray:
    """-log binomial likelihood of each bucket (rows) under each state's share (columns), less
    ln C(d, r): the same for every state, it changes no choice and no weight."""
    r = r[:, None].astype(float)
    d = d[:, None].astype(float)
    return -(r * np.log(p) + (d - r) * np.log1p(-p))


def viterbi(fit: np.ndarray, up_cost: float) -> np.ndarray:
    """The cheapest state sequence for the (buckets x states) ``fit`` costs, starting in state 0."""
    n, k = fit.shape
    levels = np.arange(k)
    # transition[i, j]: cost of going from state i to state j
    transition = np.maximum(levels[None, :] - levels[:, None], 0) * up_cost
    back = np.zeros((n, k), np.int64)
    cost = transition[0] + fit[0]
    for t in range(1, n):
        total = cost[:, None] + transition
        back[t] = np.argmin(total, axis=0)
        cost = total[back[t], levels] + fit[t]
    states = np.empty(n, np.int64)
    states[-1] = int(np.argmin(cost))
    for t in range(n - 1, 0, -1):
        states[t - 1] = back[t, states[t]]
    return states


def kleinberg(r, d, s: float = 2.0, gamma: float = 1.0, states: int = 2) -> list[Burst]:
    """Burst intervals of the series ``r`` (tag posts) over ``d`` (all posts) per bucket."""
    if not (np.isfinite(s) and s > 1 and np.isfinite(gamma) and gamma >= 0):
        raise ValueError(f"the model needs s > 1 and gamma >= 0, both finite, not s={s}, gamma={gamma}")
    r = np.asarray(r, np.int64)
    d = np.asarray(d, np.int64)
    if len(r) == 0 or r.sum() == 0:
        return []
    if (r > d).any() or (r < 0).any():
        raise ValueError("each bucket needs 0 <= r <= d")
    base = r.sum() / d.sum()
    p = np.minimum(base * s ** np.arange(states), 0.9999)
    fit = _fit_costs(r, d, p)
    sequence = viterbi(fit, gamma * np.log(len(r)))
    found = []
    for level in range(1, states):
        above = np.concatenate([[False], sequence >= level, [False]])
        edges = np.flatnonzero(np.diff(above.astype(np.int8)))
        for first, end in zip(edges[::2], edges[1::2]):
            last = end - 1
            weight = float((fit[first:end, 0] - fit[first:end, level]).sum())
            found.append(Burst(level, int(first), int(last), int(r[first:end].sum()), weight))
    return sorted(found, key=lambda b: (b.first, b.level))


def tag_series(con, key: str, bucket: dt.timedelta) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bucket index, posts using ``key``, all posts) per bucket with posts, from the corpus."""
    width = int(bucket.total_seconds() * 1_000_000)
    table = con.sql(
        "select epoch_us(created_at) // $w as b, count(*) filter (where list_contains(hashtags, $k)) as r, "
        "count(*) as d from posts where created_at is not null group by b order by b",
        params={"w": width, "k": key},
    ).fetchnumpy()
    return table["b"].astype(np.int64), table["r"].astype(np.int64), table["d"].astype(np.int64)


def corpus_bursts(corpus, key: str, bucket: dt.timedelta, states: int = 2, s: float = 2.0,
                  gamma: float = 1.0) -> tuple[int, list[Burst]]:
    """The posts using the normalised tag ``key`` in ``corpus``, and its Kleinberg bursts (empty
    buckets count too). :class:`TooManyBuckets` when the span is too fine for ``bucket``."""
    index, r, d = tag_series(corpus.con, key, bucket)
    posts = int(r.sum())
    if not posts:
        return 0, []
    width = int(bucket.total_seconds() * 1_000_000)
    buckets = int(index[-1] - index[0]) + 1
    if buckets > MAX_BUCKETS:
        raise TooManyBuckets(buckets, buckets * width)
    span = np.arange(index[0], index[-1] + 1)
    full_r = np.zeros(len(span), np.int64)
    full_d = np.zeros(len(span), np.int64)
    full_r[index - index[0]] = r
    full_d[index - index[0]] = d
    return posts, [msgspec.structs.replace(b, start_us=int(span[b.first]) * width, end_us=int(span[b.last] + 1) * width)
                   for b in kleinberg(full_r, full_d, s=s, gamma=gamma, states=states)]
