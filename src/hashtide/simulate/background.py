"""Background activity: what every platform carries anyway, an hour at a time.

Post counts per country follow the country's share of the accounts and the daily cycle in its
time zone; hashtags come from a Zipf vocabulary (Zipf exponent ~1.1, as measured for hashtag
popularity by Cunha et al., "Analyzing the dynamic evolution of hashtags on Twitter", 2011), so a
few tags (#news, #music ...) are popular every hour without ever trending. Replies, reposts and
quotes pick a parent among the earlier posts of the same platform in this hour and the previous
one, weighted by the square root of the parent author's followers.
"""

from __future__ import annotations

import numpy as np

from hashtide.simulate.rows import ROW, TAG_SLOTS
from hashtide.simulate.scenarios import COUNTRIES, ORIGINAL, PLATFORM_NAMES, QUOTE, REPLY, REPOST, Scenario
from hashtide.simulate.world import World, daily_cycle

HOUR_MS = 3_600_000
_TAGS_PER_POST = np.cumsum([0.45, 0.35, 0.15, 0.05])  # 0, 1, 2 or 3 hashtags
_OFFSETS = np.array([c.utc_offset_h for c in COUNTRIES])


class Background:
    """Draws each hour's background posts of each platform (deterministic per hour)."""

    def __init__(self, scenario: Scenario, world: World, scale: float, seed: int):
        self.scenario = scenario
        self.world = world
        self.scale = scale
        self.seed = seed
        ranks = np.arange(1, scenario.vocabulary + 1, dtype=float)
        self.zipf = np.cumsum(ranks ** -scenario.zipf_exponent)
        self.country_share = {}
        for name, pool in world.pools.items():
            counts = np.bincount(pool.country, minlength=len(COUNTRIES)).astype(float)
            self.country_share[name] = counts / counts.sum()
        self.mean_cycle = float(daily_cycle(np.arange(0, 24, 0.25)).mean())

    def hour(self, platform: str, hour_index: int, hour_start_ms: int, first_serial: int, previous: np.ndarray | None) -> np.ndarray:
        """Background :data:`ROW` rows of ``platform`` in the hour starting at ``hour_start_ms``,
        sorted by time, serials from ``first_serial``; ``previous`` are the platform's rows of
        the hour before (candidate parents)."""
        p = PLATFORM_NAMES.index(platform)
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 21, hour_index, p]))
        local = (hour_start_ms / HOUR_MS + 0.5 + _OFFSETS) % 24.0
        expected = (self.scenario.background_per_hour[platform] * self.scale * self.country_share[platform]
                    * daily_cycle(local) / self.mean_cycle)
        counts = rng.poisson(expected)
        n = int(counts.sum())
        rows = np.zeros(n, ROW)
        if n == 0:
            return rows
        country = np.repeat(np.arange(len(COUNTRIES)), counts)
        t = hour_start_ms + rng.integers(0, HOUR_MS, n)
        order = np.argsort(t, kind="stable")
        t, country = t[order], country[order]
        pool = self.world.pools[platform]
        rows["serial"] = first_serial + np.arange(n)
        rows["t"] = t
        rows["platform"] = p
        rows["burst"] = -1
        rows["author"] = pool.sample(country, rng)
        shares = np.cumsum(self.scenario.background_kinds[platform])
        rows["kind"] = np.minimum(np.searchsorted(shares, rng.random(n) * shares[-1], side="right"), 3)
        rows["seed"] = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
        rows["tags"] = self._tags(n, rng)
        rows["parent"] = -1
        self._parents(rows, previous, pool, rng)
        rows["geo"] = (platform == "twitter") & pool.geotag[rows["author"]] & (rows["kind"] != REPOST)
        return rows

    def _tags(self, n: int, rng: np.random.Generator) -> np.ndarray:
        how_many = np.searchsorted(_TAGS_PER_POST, rng.random(n), side="right")
        drawn = np.searchsorted(self.zipf, rng.random((n, TAG_SLOTS)) * self.zipf[-1], side="right")
        drawn = np.minimum(drawn, len(self.zipf) - 1).astype(np.int32)
        tags = np.where(np.arange(TAG_SLOTS) < how_many[:, None], drawn * 4, -1)
        # a tag once per post
        for slot in range(1, TAG_SLOTS):
            repeated = (tags[:, :slot] == tags[:, slot: slot + 1]).any(axis=1)
            tags[repeated, slot] = -1
        return tags

    def _parents(self, rows: np.ndarray, previous: np.ndarray | None, pool, rng: np.random.Generator) -> None:
        """Reactions pick an earlier non-repost parent; a reaction with none becomes an original."""
        earlier = previous if previous is not None else np.zeros(0, ROW)
        candidates = np.concatenate([earlier, rows])
        weight = np.sqrt(pool.followers[candidates["author"]] + 1.0) * (candidates["kind"] != REPOST)
        cumulative = np.cumsum(weight)
        offset = len(earlier)
        reacting = np.flatnonzero(rows["kind"] != ORIGINAL)
        before = offset + reacting - 1
        reachable = np.where(before >= 0, cumulative[np.maximum(before, 0)], 0.0)
        has = reachable > 0
        rows["kind"][reacting[~has]] = ORIGINAL
        reacting, reachable = reacting[has], reachable[has]
        pick = np.searchsorted(cumulative, rng.random(len(reacting)) * reachable, side="right")
        pick = np.minimum(pick, offset + reacting - 1)
        parent = candidates[pick]
        rows["parent"][reacting] = parent["serial"]
        reposts = rows["kind"][reacting] == REPOST
        rows["tags"][reacting[reposts]] = parent["tags"][reposts]
        quote_or_reply = rows["kind"][reacting] != REPOST
        # Mastodon has no quote posts in this world: a quote there is a reply
        if PLATFORM_NAMES[int(rows["platform"][0])] == "mastodon":
            rows["kind"][reacting[quote_or_reply & (rows["kind"][reacting] == QUOTE)]] = REPLY
