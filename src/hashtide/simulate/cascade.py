"""A planted burst as a self-exciting cascade: a Hawkes process in its cluster (branching) form.

Hawkes, "Spectra of some self-exciting and mutually exciting point processes" (Biometrika 1971);
the cluster representation of Hawkes & Oakes (J. Appl. Prob. 1974): *immigrants* arrive from an
exogenous rate and each event begets a Poisson number of children (mean = the branching ratio
``m`` < 1, scaled by the parent's follower reach relative to the mean reach of its platform's
posts, as in Zhao et al., "SEISMIC", KDD 2015) after heavy-tailed (lognormal) delays. The expected
size is ``immigrants / (1 - m)``.

Here the immigrants are the launching post, the adopters (original posts whose times follow a
lognormal adoption curve after the onset plus the lag of their country and platform, thinned by
the daily cycle of the country's time zone) and the planted reply storm and reposts under the
launching post. Children are reposts, replies and quotes on the parent's platform; a repost's
children attach to the reposted post, as the platforms do. Everything is drawn as numpy arrays, a
block at a time: a block of at most :data:`BLOCK` immigrants, then its descendants depth first,
the reactions to at most BLOCK parents at a time. The cluster form makes that exact: each post's
children depend on that post alone. So a burst of any size costs a few blocks of memory; its posts
go to the caller as they are drawn (spill.py keeps them on disk).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hashtide.simulate.rows import CASCADE, TAG_SLOTS
from hashtide.simulate.scenarios import COUNTRIES, COUNTRY_CODES, ORIGINAL, PLATFORM_NAMES, QUOTE, REPLY, REPOST, Burst
from hashtide.simulate.world import World, daily_cycle, reach

MIN_DELAY_MS = 1000  # a reaction comes at least a second later: keeps parents strictly first
HOMOPHILY = 0.35  # share of reactions from the parent's own country (the rest follow the burst's mix)


class BurstPlan:
    """What a cascade needs besides its :class:`Burst`: codes of its tag variants and of the
    co-occurring tags, the other bursts' onsets, the window end."""

    def __init__(self, index: int, burst: Burst, tag_id: int, cooccur: list[tuple[int, int, float]], end_ms: int, scale: float):
        self.index = index
        self.burst = burst
        self.tag_id = tag_id
        self.cooccur = cooccur  # (tag id, onset ms, rate)
        self.end_ms = end_ms
        self.scale = scale
        forms = burst.forms or ((burst.tag, 1.0),)
        self.form_shares = np.cumsum([share for _, share in forms])


def generate(plan: BurstPlan, world: World, rng: np.random.Generator, emit: Callable[[np.ndarray], None]) -> int:
    """Draw all posts of one burst, handing them to ``emit`` as :data:`CASCADE` rows a block at a
    time: at most :data:`BLOCK` immigrants, or the reactions to at most BLOCK parents (``parent``
    and ``root``: row numbers within the burst, in the order drawn); returns the number of rows.

    The immigrants come a block at a time, and each block's descendants are drawn before the next
    block (depth first, a block of reactions at a time), so what is held is a few blocks."""
    burst = plan.burst
    onset_ms = burst.onset_us // 1000
    storm_replies = round(burst.origin_replies * plan.scale)
    storm_reposts = round(burst.origin_reposts * plan.scale)
    immigrants = max(0, round(burst.posts * plan.scale * (1 - burst.branching)) - 1 - storm_replies - storm_reposts)
    platform_code, launcher = world.launchers[burst.tag]
    launcher_platform = PLATFORM_NAMES.index(platform_code)
    launcher_country = COUNTRY_CODES.index(burst.launcher_country)
    drawing = _Drawing(plan, world, rng, emit)

    launch = drawing.rows({"t": [onset_ms], "platform": [launcher_platform], "country": [launcher_country],
                           "author": [launcher], "kind": [ORIGINAL], "parent": [-1], "tagged": [True]})
    drawing.add(launch)
    # the reply storm and reposts under the launching post
    for lo, hi in _blocks(storm_replies + storm_reposts):
        n = hi - lo
        t = onset_ms + MIN_DELAY_MS + (np.exp(rng.normal(np.log(burst.storm_median_h * 3.6e6), 1.2, n))).astype(np.int64)
        kind = np.where(np.arange(lo, hi) < storm_replies, REPLY, REPOST)
        tagged = np.where(kind == REPOST, True, rng.random(n) < burst.storm_reply_tag_share)
        country = _reacting_country(np.full(n, launcher_country), t, onset_ms, drawing.countries, drawing.c_share,
                                    drawing.c_lag, rng)
        rows = drawing.rows({"t": t, "platform": np.full(n, launcher_platform), "country": country, "kind": kind,
                             "parent": np.zeros(n, np.int64), "tagged": tagged})
        rows["root"][rows["kind"] == REPLY] = launch["row"][0]  # the storm's replies sit in the launching post's thread
        reposts = rows["kind"] == REPOST
        rows["tags"][reposts] = launch["tags"][0]  # a repost carries what it reposts
        targets = _targets_of(rows)
        targets[reposts] = _targets_of(launch)[0]
        drawing.add(rows, targets)
    # the adopters
    countries, c_share, c_lag = drawing.countries, drawing.c_share, drawing.c_lag
    platforms, p_share, p_lag = _mix(burst.platforms, PLATFORM_NAMES)
    for lo, hi in _blocks(immigrants):
        n = hi - lo
        ci = _draw(c_share, n, rng)
        pi = _draw(p_share, n, rng)
        t, pick = _adoption_times(onset_ms, countries[ci], c_lag[ci] + p_lag[pi], burst, rng)
        drawing.add(drawing.rows({"t": t, "platform": platforms[pi][pick], "country": countries[ci][pick],
                                  "kind": np.full(n, ORIGINAL), "parent": np.full(n, -1), "tagged": np.ones(n, bool)}))
    return drawing.drawn


BLOCK = 1 << 16  # posts drawn together, and parents whose reactions are drawn together


def _blocks(n: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK)]


def _targets_of(rows: np.ndarray) -> np.ndarray:
    """What reactions to ``rows`` need of the post they attach to, for posts that are their own."""
    return rows[["row", "platform", "author", "root", "tags"]].copy()


class _Drawing:
    """One burst being drawn: numbers the rows, hands them out, draws their descendants."""

    def __init__(self, plan: BurstPlan, world: World, rng: np.random.Generator, emit: Callable[[np.ndarray], None]):
        self.plan, self.world, self.rng, self.emit = plan, world, rng, emit
        burst = plan.burst
        self.onset_ms = burst.onset_us // 1000
        self.countries, self.c_share, self.c_lag = _mix(burst.countries or {burst.launcher_country: (1.0, 0.0)}, COUNTRY_CODES)
        self.drawn = 0

    def rows(self, cols: dict) -> np.ndarray:
        """Rows of immigrants (authors drawn when not given), those past the window's end dropped
        but for the launching post (row 0)."""
        cols = {k: np.asarray(v) for k, v in cols.items()}
        if "author" not in cols:
            cols["author"] = _authors(cols["platform"], cols["country"], self.world, self.rng)
        keep = (cols["t"] < self.plan.end_ms) | (self.drawn == 0)
        return _rows({k: v[keep] for k, v in cols.items()}, self.plan, self.rng, self.drawn, variant=None, cooc=None)

    def add(self, rows: np.ndarray, targets: np.ndarray | None = None) -> None:
        """Hand out ``rows`` (numbered by :meth:`rows`), then draw all their descendants, depth
        first, a block of parents at a time."""
        self._hand_out(rows)
        stack = [_Frontier(rows, _targets_of(rows) if targets is None else targets)]
        while stack:
            children = _children(stack.pop(), self.drawn, self.plan, self.world, self.countries, self.c_share,
                                 self.c_lag, self.onset_ms, self.rng)
            if children is None:
                continue
            self._hand_out(children.rows)
            stack.extend(reversed([children.part(lo, hi) for lo, hi in _blocks(len(children.rows))]))

    def _hand_out(self, rows: np.ndarray) -> None:
        self.drawn += len(rows)
        if len(rows):
            self.emit(rows)


class _Frontier:
    """Posts whose reactions are to be drawn, and for each the post a reaction attaches to
    (itself, or for a repost the reposted post: the platforms attach reactions there)."""

    def __init__(self, rows: np.ndarray, targets: np.ndarray):
        self.rows = rows
        self.target = targets

    def part(self, lo: int, hi: int) -> _Frontier:
        return _Frontier(self.rows[lo:hi], self.target[lo:hi])


def _rows(cols: dict, plan: BurstPlan, rng: np.random.Generator, first: int, variant, cooc) -> np.ndarray:
    """Rows of one generation; ``first`` is the row number of its first element. ``variant`` and
    ``cooc`` are inherited for reposts (None: draw them all)."""
    n = len(cols["t"])
    rows = np.zeros(n, CASCADE)
    rows["t"], rows["platform"], rows["kind"] = cols["t"], cols["platform"], cols["kind"]
    rows["burst"] = plan.index
    rows["author"] = cols["author"]
    rows["parent"] = cols["parent"]
    rows["row"] = first + np.arange(n)
    rows["root"] = rows["row"]
    rows["seed"] = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    drawn_variant = np.minimum(np.searchsorted(plan.form_shares, rng.random(n) * plan.form_shares[-1], side="right"),
                               len(plan.form_shares) - 1)
    if variant is not None:
        drawn_variant = np.where(variant >= 0, variant, drawn_variant)
    tags = np.full((n, TAG_SLOTS), -1, np.int32)
    tagged = cols["tagged"]
    tags[:, 0] = np.where(tagged, plan.tag_id * 4 + drawn_variant, -1)
    for slot, (tag_id, onset_ms, rate) in enumerate(plan.cooccur[: TAG_SLOTS - 1], start=1):
        carries = tagged & (cols["t"] > onset_ms + MIN_DELAY_MS) & (rng.random(n) < rate)
        if cooc is not None:
            carries = np.where(cooc[:, slot] != -2, cooc[:, slot] >= 0, carries)
        tags[:, slot] = np.where(carries, tag_id * 4, -1)
    rows["tags"] = tags
    return rows


def _children(frontier: _Frontier, first: int, plan, world, countries, c_share, c_lag, onset_ms, rng) -> _Frontier | None:
    """The next generation: each post of ``frontier`` begets a Poisson number of reactions;
    ``first`` is the row number of the first one."""
    burst = plan.burst
    parents = frontier.rows
    counts = rng.poisson(burst.branching * world_reach(world, parents["platform"], parents["author"]))
    total = int(counts.sum())
    if total == 0:
        return None
    source = np.repeat(np.arange(len(parents)), counts)
    delay = np.exp(rng.normal(np.log(burst.delay_median_min * 60_000), burst.delay_sigma, total)).astype(np.int64)
    t = parents["t"][source] + MIN_DELAY_MS + delay
    shares = np.cumsum(burst.child_kinds)
    kind = np.array([REPOST, REPLY, QUOTE])[np.minimum(np.searchsorted(shares, rng.random(total) * shares[-1], side="right"), 2)]
    tgt = frontier.target[source]
    platform = tgt["platform"]
    kind = np.where((platform == PLATFORM_NAMES.index("mastodon")) & (kind == QUOTE), REPLY, kind)
    keep = t < plan.end_ms
    t, kind, tgt, platform = t[keep], kind[keep], tgt[keep], platform[keep]
    if len(t) == 0:
        return None
    n = len(t)
    parent_country = world_country(world, platform, tgt["author"])
    country = _reacting_country(parent_country, t, onset_ms, countries, c_share, c_lag, rng)
    tag_share = np.where(kind == QUOTE, 0.9, burst.reply_tag_share)
    parent_tagged = tgt["tags"][:, 0] >= 0
    tagged = np.where(kind == REPOST, parent_tagged, rng.random(n) < tag_share)
    variant = np.where(kind == REPOST, np.where(parent_tagged, tgt["tags"][:, 0] & 3, -1), -1)
    cooc = np.full((n, TAG_SLOTS), -2, np.int32)
    cooc[kind == REPOST] = tgt["tags"][kind == REPOST]
    cols = {"t": t, "platform": platform, "country": country, "kind": kind, "parent": tgt["row"], "tagged": tagged,
            "author": _authors(platform, country, world, rng)}
    rows = _rows(cols, plan, rng, first, variant=variant, cooc=cooc)
    is_reply = kind == REPLY
    rows["root"][is_reply] = tgt["root"][is_reply]
    targets = _targets_of(rows)
    is_repost = kind == REPOST
    targets[is_repost] = tgt[is_repost]
    return _Frontier(rows, targets)


def world_reach(world: World, platform: np.ndarray, author: np.ndarray) -> np.ndarray:
    """Each author's follower reach relative to the mean reach of the posts of its platform and
    country. Relative to its own country's, so that every post begets ``branching`` reactions on
    average wherever it is: a small country's pool can be dominated by one busy, widely followed
    account, and against the platform's mean its reactions would beget more than one post each
    (a supercritical cascade that fills the disk)."""
    out = np.empty(len(platform), np.float64)
    for p, name in enumerate(PLATFORM_NAMES):
        where = platform == p
        if where.any():
            pool = world.pools[name]
            authors = author[where]
            out[where] = reach(pool.followers[authors]) / pool.mean_reach[pool.country[authors]]
    return out


def world_country(world: World, platform: np.ndarray, author: np.ndarray) -> np.ndarray:
    out = np.empty(len(platform), np.int64)
    for p, name in enumerate(PLATFORM_NAMES):
        where = platform == p
        if where.any():
            out[where] = world.pools[name].country[author[where]]
    return out


def _authors(platform: np.ndarray, country: np.ndarray, world: World, rng: np.random.Generator) -> np.ndarray:
    authors = np.empty(len(platform), np.int64)
    for p, name in enumerate(PLATFORM_NAMES):
        where = platform == p
        if where.any():
            authors[where] = world.pools[name].sample(country[where], rng)
    return authors


def _mix(spec: dict[str, tuple[float, float]], names) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keys = sorted(spec)
    codes = np.array([names.index(k) for k in keys])
    shares = np.array([spec[k][0] for k in keys], float)
    lags = np.array([spec[k][1] * 3.6e6 for k in keys]).astype(np.int64)
    return codes, shares / shares.sum(), lags


def _draw(shares: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return np.minimum(np.searchsorted(np.cumsum(shares), rng.random(n), side="right"), len(shares) - 1)


def _adoption_times(onset_ms, country, lag_ms, burst: Burst, rng) -> tuple[np.ndarray, np.ndarray]:
    """Lognormal adoption delays after onset + lag, thinned by the local daily cycle (Lewis &
    Shedler's thinning, 1979): draw candidates, keep each with probability cycle(local hour).

    Returns the times and, for each, the candidate (index into ``country``) it belongs to.
    """
    n = len(country)
    offsets = np.array([c.utc_offset_h for c in COUNTRIES])
    times, picks, done = [], [], 0
    while done < n:
        draw = int((n - done) * 1.8) + 16
        idx = rng.integers(0, n, draw)
        t = onset_ms + MIN_DELAY_MS + lag_ms[idx] + np.exp(
            rng.normal(np.log(burst.adoption_median_h * 3.6e6), burst.adoption_sigma, draw)).astype(np.int64)
        local_h = (t / 3.6e6 + offsets[country[idx]]) % 24.0
        accepted = np.flatnonzero(rng.random(draw) < daily_cycle(local_h))[: n - done]
        times.append(t[accepted])
        picks.append(idx[accepted])
        done += len(accepted)
    return np.concatenate(times), np.concatenate(picks)


def _reacting_country(parent_country, t, onset_ms, countries, shares, lags, rng) -> np.ndarray:
    """Mostly the parent's country; otherwise one of the burst's countries whose lag has passed."""
    n = len(t)
    drawn = _draw(shares, n, rng)
    other = countries[drawn]
    reached = t >= onset_ms + lags[drawn]
    keep_own = (rng.random(n) < HOMOPHILY) | ~reached
    return np.where(keep_own, parent_country, other)
