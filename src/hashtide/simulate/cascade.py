"""A planted burst as a self-exciting cascade: a Hawkes process in its cluster (branching) form.

Hawkes, "Spectra of some self-exciting and mutually exciting point processes" (Biometrika 1971);
the cluster representation of Hawkes & Oakes (J. Appl. Prob. 1974): *immigrants* arrive from an
exogenous rate and each event begets a Poisson number of children (mean = the branching ratio
``m`` < 1, scaled by the parent's follower reach, as in Zhao et al., "SEISMIC", KDD 2015) after
heavy-tailed (lognormal) delays. The expected size is ``immigrants / (1 - m)``.

Here the immigrants are the launching post, the adopters (original posts whose times follow a
lognormal adoption curve after the onset plus the lag of their country and platform, thinned by
the daily cycle of the country's time zone) and the planted reply storm and reposts under the
launching post. Children are reposts, replies and quotes on the parent's platform; a repost's
children attach to the reposted post, as the platforms do. Everything is drawn a generation at a
time as numpy arrays.
"""

from __future__ import annotations

import numpy as np

from hashtide.simulate.rows import CASCADE, TAG_SLOTS
from hashtide.simulate.scenarios import COUNTRIES, COUNTRY_CODES, ORIGINAL, PLATFORM_NAMES, QUOTE, REPLY, REPOST, Burst
from hashtide.simulate.world import World, daily_cycle

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


def generate(plan: BurstPlan, world: World, rng: np.random.Generator) -> np.ndarray:
    """All posts of one burst, as :data:`CASCADE` rows sorted by time (``parent`` and ``root``
    index rows of the returned array; ``pid`` unset)."""
    burst = plan.burst
    onset_ms = burst.onset_us // 1000
    m = burst.branching
    storm_replies = round(burst.origin_replies * plan.scale)
    storm_reposts = round(burst.origin_reposts * plan.scale)
    immigrants = max(0, round(burst.posts * plan.scale * (1 - m)) - 1 - storm_replies - storm_reposts)

    platform_code, launcher = world.launchers[burst.tag]
    launcher_platform = PLATFORM_NAMES.index(platform_code)
    launcher_country = COUNTRY_CODES.index(burst.launcher_country)
    countries, c_share, c_lag = _mix(burst.countries or {burst.launcher_country: (1.0, 0.0)}, COUNTRY_CODES)
    platforms, p_share, p_lag = _mix(burst.platforms, PLATFORM_NAMES)

    gen = _Generation()
    gen.add(t=[onset_ms], platform=[launcher_platform], country=[launcher_country], author=[launcher],
            kind=[ORIGINAL], parent=[-1], tagged=[True])
    # adopters
    ci = _draw(c_share, immigrants, rng)
    pi = _draw(p_share, immigrants, rng)
    t, pick = _adoption_times(onset_ms, countries[ci], c_lag[ci] + p_lag[pi], burst, rng)
    gen.add(t=t, platform=platforms[pi][pick], country=countries[ci][pick], author=None, kind=np.full(immigrants, ORIGINAL),
            parent=np.full(immigrants, -1), tagged=np.ones(immigrants, bool))
    # the reply storm and reposts under the launching post
    n = storm_replies + storm_reposts
    t = onset_ms + MIN_DELAY_MS + (np.exp(rng.normal(np.log(burst.storm_median_h * 3.6e6), 1.2, n))).astype(np.int64)
    kind = np.where(np.arange(n) < storm_replies, REPLY, REPOST)
    tagged = np.where(kind == REPOST, True, rng.random(n) < burst.storm_reply_tag_share)
    country = _reacting_country(np.full(n, launcher_country), t, onset_ms, countries, c_share, c_lag, rng)
    gen.add(t=t, platform=np.full(n, launcher_platform), country=country, author=None, kind=kind,
            parent=np.zeros(n, np.int64), tagged=tagged)
    rows = gen.finish(plan, world, rng, first=0)
    rows["root"][rows["kind"] == REPLY] = 0  # the storm's replies sit in the launching post's thread
    rows["tags"][rows["kind"] == REPOST] = rows["tags"][0]  # a repost carries what it reposts
    frames = [rows]
    offspring_of = np.arange(len(rows))
    while len(offspring_of):
        rows = _children(frames, offspring_of, plan, world, countries, c_share, c_lag, onset_ms, rng)
        if rows is None:
            break
        start = sum(len(f) for f in frames)
        frames.append(rows)
        offspring_of = np.arange(start, start + len(rows))
    return _sorted(np.concatenate(frames))


class _Generation:
    def __init__(self):
        self.parts: list[dict] = []

    def add(self, **columns):
        self.parts.append({k: (None if v is None else np.asarray(v)) for k, v in columns.items()})

    def finish(self, plan: BurstPlan, world: World, rng: np.random.Generator, first: int) -> np.ndarray:
        cols = {}
        for key in ("t", "platform", "country", "kind", "parent", "tagged"):
            cols[key] = np.concatenate([p[key] for p in self.parts])
        authors = []
        for p in self.parts:
            authors.append(p["author"] if p["author"] is not None else _authors(p["platform"], p["country"], world, rng))
        cols["author"] = np.concatenate(authors)
        keep = cols["t"] < plan.end_ms
        keep[0] = True  # the launching post
        return _rows({k: v[keep] for k, v in cols.items()}, plan, rng, first,
                     variant=None, cooc=None)


def _rows(cols: dict, plan: BurstPlan, rng: np.random.Generator, first: int, variant, cooc) -> np.ndarray:
    """Rows of one generation; ``first`` is the row number of its first element. ``variant`` and
    ``cooc`` are inherited for reposts (None: draw them all)."""
    n = len(cols["t"])
    rows = np.zeros(n, CASCADE)
    rows["t"], rows["platform"], rows["kind"] = cols["t"], cols["platform"], cols["kind"]
    rows["burst"] = plan.index
    rows["author"] = cols["author"]
    rows["parent"] = cols["parent"]
    rows["root"] = first + np.arange(n)
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


def _children(frames, parents_idx, plan, world, countries, c_share, c_lag, onset_ms, rng):
    burst = plan.burst
    all_rows = frames if len(frames) == 1 else None
    table = np.concatenate(frames) if all_rows is None else frames[0]
    parents = table[parents_idx]
    reach = np.clip((world_followers(world, parents) / 180.0) ** 0.4, 0.1, 30.0)
    counts = rng.poisson(burst.branching * reach / reach.mean())
    total = int(counts.sum())
    if total == 0:
        return None
    source = np.repeat(parents_idx, counts)
    src = table[source]
    delay = np.exp(rng.normal(np.log(burst.delay_median_min * 60_000), burst.delay_sigma, total)).astype(np.int64)
    t = src["t"] + MIN_DELAY_MS + delay
    shares = np.cumsum(burst.child_kinds)
    kind = np.array([REPOST, REPLY, QUOTE])[np.minimum(np.searchsorted(shares, rng.random(total) * shares[-1], side="right"), 2)]
    # a reaction to a repost is a reaction to the reposted post
    target = np.where(src["kind"] == REPOST, src["parent"], source)
    tgt = table[target]
    platform = tgt["platform"]
    kind = np.where((platform == PLATFORM_NAMES.index("mastodon")) & (kind == QUOTE), REPLY, kind)
    keep = t < plan.end_ms
    t, kind, target, tgt, platform, source = t[keep], kind[keep], target[keep], tgt[keep], platform[keep], source[keep]
    if len(t) == 0:
        return None
    n = len(t)
    parent_country = world_country(world, tgt)
    country = _reacting_country(parent_country, t, onset_ms, countries, c_share, c_lag, rng)
    tag_share = np.where(kind == QUOTE, 0.9, burst.reply_tag_share)
    parent_tagged = tgt["tags"][:, 0] >= 0
    tagged = np.where(kind == REPOST, parent_tagged, rng.random(n) < tag_share)
    variant = np.where(kind == REPOST, np.where(parent_tagged, tgt["tags"][:, 0] & 3, -1), -1)
    cooc = np.full((n, TAG_SLOTS), -2, np.int32)
    cooc[kind == REPOST] = tgt["tags"][kind == REPOST]
    cols = {"t": t, "platform": platform, "country": country, "kind": kind, "parent": target, "tagged": tagged,
            "author": _authors(platform, country, world, rng)}
    first = len(table)
    rows = _rows(cols, plan, rng, first, variant=variant, cooc=cooc)
    is_reply = kind == REPLY
    rows["root"][is_reply] = tgt["root"][is_reply]
    return rows


def world_followers(world: World, rows: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), np.float64)
    for p, name in enumerate(PLATFORM_NAMES):
        where = rows["platform"] == p
        if where.any():
            out[where] = world.pools[name].followers[rows["author"][where]]
    return out


def world_country(world: World, rows: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), np.int64)
    for p, name in enumerate(PLATFORM_NAMES):
        where = rows["platform"] == p
        if where.any():
            out[where] = world.pools[name].country[rows["author"][where]]
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


def _sorted(rows: np.ndarray) -> np.ndarray:
    order = np.argsort(rows["t"], kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    rows = rows[order]
    has_parent = rows["parent"] >= 0
    rows["parent"][has_parent] = rank[rows["parent"][has_parent]]
    rows["root"] = rank[rows["root"]]
    return rows
