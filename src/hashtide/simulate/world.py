"""The accounts of a simulated world: per platform, each with a country, a language, a
heavy-tailed follower count, an activity weight and handles and ids of the platform's shape.

Followers are lognormal (median about 180, sigma 1.9: a few accounts with millions), activity is
Pareto (alpha 1.3: a few accounts post a great deal), as measured for Twitter by Kwak et al.,
"What is Twitter, a social network or a news media?" (WWW 2010) and Cha et al. (ICWSM 2010).
Accounts are arrays (numpy); names and handles are computed from the index when written, so a
pool of millions costs a few bytes per account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from hashtide.model import micros
from hashtide.simulate import ids
from hashtide.simulate.scenarios import COUNTRIES, COUNTRY_CODES, LANGUAGES, Scenario

_FIRST = (
    "ana", "ben", "cleo", "dan", "eva", "finn", "gia", "hugo", "ines", "jon", "kai", "lena",
    "max", "nora", "omar", "pia", "ravi", "sara", "tom", "uma", "vic", "wen", "yara", "zoe",
    "aiko", "bo", "chen", "dev", "emi", "faye", "gus", "hana", "ivo", "jade", "koji", "lia",
    "milo", "nia", "otto", "priya", "rosa", "sol", "tara", "ugo", "vera", "yuki", "zeno", "amir",
)
_LAST = (
    "lee", "kim", "ruiz", "moss", "vale", "park", "rossi", "diaz", "berg", "shaw", "ito", "roy",
    "kaur", "bell", "cruz", "lund", "mori", "nash", "ortiz", "pike", "quin", "reed", "sato", "tran",
    "ueda", "voss", "wolf", "xu", "yang", "zaho", "amar", "blom", "cole", "dahl", "egan", "fox",
)
_SERVERS_BY_COUNTRY = {
    "FR": ("piaille.fr", "mamot.fr"), "BE": ("mastodon.social",), "IT": ("mastodon.uno",),
    "JP": ("mstdn.jp", "pawoo.net"), "DE": ("chaos.social", "mastodon.social"), "ES": ("masto.es",),
    "NL": ("mastodon.nl",), "BR": ("mastodon.com.br",), "MX": ("masto.es", "mastodon.social"),
}
_SERVERS_DEFAULT = ("mastodon.social", "mastodon.online", "mstdn.social", "mastodon.world")
COLLECTING_SERVER = "mastodon.social"  # the instance whose federated timeline is "collected"
SERVERS = tuple(sorted({s for v in _SERVERS_BY_COUNTRY.values() for s in v} | set(_SERVERS_DEFAULT)))
_ACCOUNTS_FROM = micros(dt.datetime(2011, 1, 1, tzinfo=dt.timezone.utc)) // 1000


@dataclass
class Pool:
    """One platform's accounts, as parallel arrays indexed by account number."""

    platform: str
    country: np.ndarray  # int16 index into COUNTRIES
    lang: np.ndarray  # int16 index into LANGUAGES
    followers: np.ndarray  # int64
    activity: np.ndarray  # float64 weight of being the author of a post
    geotag: np.ndarray  # bool: Twitter posts of this account carry a place
    created_ms: np.ndarray  # int64
    server: np.ndarray  # int16 index into SERVERS (Mastodon)
    salt: int
    groups: dict[int, tuple[np.ndarray, np.ndarray]]  # country -> (accounts, cumulative activity)
    numeric_id: np.ndarray = field(default=None)  # Twitter / Mastodon account ids

    def __post_init__(self):
        n = np.arange(len(self.country), dtype=np.int64)
        if self.platform == "mastodon":
            self.numeric_id = ids.mastodon_id(self.created_ms, n)
        else:
            self.numeric_id = ids.twitter_snowflake(self.created_ms, (n >> 12) & 0x3FF, n & 0xFFF)
        # names are computed on demand; the busiest accounts' are kept (bounded caches)
        self.user_id = lru_cache(maxsize=1 << 17)(self._user_id)
        self.username = lru_cache(maxsize=1 << 17)(self._username)
        self.handle = lru_cache(maxsize=1 << 17)(self._handle)

    def __len__(self) -> int:
        return len(self.country)

    def sample(self, countries: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """An author for each entry of ``countries``, drawn by activity among that country's
        accounts (vectorised per country)."""
        authors = np.empty(len(countries), dtype=np.int64)
        u = rng.random(len(countries))
        for c in np.unique(countries):
            where = countries == c
            members, cumulative = self.groups[int(c)]
            pick = np.searchsorted(cumulative, u[where] * cumulative[-1], side="right")
            authors[where] = members[np.minimum(pick, len(members) - 1)]
        return authors

    # -- names and ids, computed from the account number ---------------------------------------

    def _user_id(self, i: int) -> str:
        if self.platform == "bluesky":
            return self.did(i)
        return str(self.numeric_id[i])

    def did(self, i: int) -> str:
        return ids.did_plc(b"%d:%d" % (self.salt, i))

    def _username(self, i: int) -> str:
        x = (i * 2654435761 + self.salt) & 0xFFFFFFFF
        return f"{_FIRST[x % len(_FIRST)][:5]}{_LAST[(x >> 8) % len(_LAST)][:4]}{i}"

    def display_name(self, i: int) -> str:
        x = (i * 2654435761 + self.salt) & 0xFFFFFFFF
        return f"{_FIRST[x % len(_FIRST)].capitalize()} {_LAST[(x >> 8) % len(_LAST)].capitalize()}"

    def _handle(self, i: int) -> str:
        """The handle as the platform shows it: Twitter username, Bluesky domain handle,
        Mastodon ``acct`` (``user@server`` for accounts of other servers)."""
        name = self.username(i)
        if self.platform == "bluesky":
            return f"{name}.bsky.social"
        if self.platform == "mastodon":
            server = SERVERS[self.server[i]]
            return name if server == COLLECTING_SERVER else f"{name}@{server}"
        return name


@dataclass
class World:
    """All platforms' account pools and the launchers pinned for the scenario's bursts."""

    pools: dict[str, Pool]
    launchers: dict[str, tuple[str, int]]  # burst tag -> (platform, account)


def build(scenario: Scenario, scale: float, seed: int) -> World:
    """The accounts of ``scenario`` at ``scale``, deterministic in ``seed``."""
    weights = np.array([(scenario.country_weights or {}).get(c.code, c.weight) for c in COUNTRIES])
    weights = weights / weights.sum()
    pools = {}
    for n, platform in enumerate(sorted(scenario.accounts)):
        size = max(len(COUNTRIES) * 20, round(scenario.accounts[platform] * scale))
        rng = np.random.default_rng(np.random.SeedSequence([seed, 11, n]))
        pools[platform] = _pool(platform, size, weights, rng, scenario.start_us // 1000, salt=seed * 1000 + n)
    launchers = {}
    rng = np.random.default_rng(np.random.SeedSequence([seed, 12]))
    taken: set[tuple[str, int]] = set()
    for burst in scenario.bursts:
        pool = pools[burst.launcher_platform]
        members = pool.groups[COUNTRY_CODES.index(burst.launcher_country)][0]
        while True:
            account = int(members[rng.integers(len(members))])
            if (burst.launcher_platform, account) not in taken:
                break
        taken.add((burst.launcher_platform, account))
        pool.followers[account] = burst.launcher_followers
        pool.geotag[account] = True  # a public figure's posts say where they are from
        launchers[burst.tag] = (burst.launcher_platform, account)
    return World(pools, launchers)


def _pool(platform: str, size: int, weights: np.ndarray, rng: np.random.Generator, start_ms: int, salt: int) -> Pool:
    per_country = np.maximum(3, np.round(weights * size)).astype(np.int64)
    country = np.repeat(np.arange(len(COUNTRIES), dtype=np.int16), per_country)
    size = len(country)
    lang = np.empty(size, dtype=np.int16)
    u = rng.random(size)
    for c, spec in enumerate(COUNTRIES):
        where = country == c
        shares = np.cumsum([share for _, share in spec.languages])
        codes = np.array([LANGUAGES.index(code) for code, _ in spec.languages], dtype=np.int16)
        lang[where] = codes[np.minimum(np.searchsorted(shares, u[where] * shares[-1], side="right"), len(codes) - 1)]
    followers = np.minimum(np.exp(rng.normal(np.log(180.0), 1.9, size)), 5e7).astype(np.int64)
    activity = np.minimum(rng.pareto(1.3, size) + 1.0, 2000.0)
    geotag = rng.random(size) < 0.4
    # creation times strictly increasing with the account number: ids derived from them are unique
    span = max(1, (start_ms - _ACCOUNTS_FROM) // size)
    created_ms = _ACCOUNTS_FROM + np.arange(size, dtype=np.int64) * span + rng.integers(0, max(1, span // 2), size)
    server = np.zeros(size, dtype=np.int16)
    if platform == "mastodon":
        for c, spec in enumerate(COUNTRIES):
            where = np.flatnonzero(country == c)
            options = _SERVERS_BY_COUNTRY.get(spec.code, ()) + _SERVERS_DEFAULT
            server[where] = [SERVERS.index(options[k]) for k in rng.integers(0, len(options), len(where))]
    groups = {}
    for c in range(len(COUNTRIES)):
        members = np.flatnonzero(country == c)
        groups[c] = (members, np.cumsum(activity[members]))
    return Pool(platform, country, lang, followers, activity, geotag, created_ms, server, salt, groups)


# Relative posting activity by local hour (trough before dawn, peak in the evening), the shape
# reported for Twitter by Golder & Macy, "Diurnal and seasonal mood vary with work, sleep, and
# daylength across diverse cultures" (Science 2011, fig. 1).
_HOURLY = np.array([0.55, 0.40, 0.28, 0.20, 0.16, 0.17, 0.25, 0.40, 0.55, 0.65, 0.70, 0.72,
                    0.75, 0.75, 0.74, 0.74, 0.76, 0.80, 0.85, 0.92, 0.98, 1.00, 0.92, 0.75])


def daily_cycle(local_hours: np.ndarray) -> np.ndarray:
    """Activity (max 1) at fractional local hours, interpolated between the hourly values."""
    h = np.mod(local_hours, 24.0)
    return np.interp(h, np.arange(25), np.append(_HOURLY, _HOURLY[0]))
