"""The accounts of a simulated world: per platform, each with a country, a language, a
heavy-tailed follower count, an activity weight and handles and ids of the platform's shape.

Followers are lognormal (median about 180, sigma 1.9: a few accounts with millions), activity is
Pareto (alpha 1.3: a few accounts post a great deal), as measured for Twitter by Kwak et al.,
"What is Twitter, a social network or a news media?" (WWW 2010) and Cha et al. (ICWSM 2010).
An account costs 10 bytes (its country, language and running activity sum); every other
attribute, names, handles and ids included, is computed from the account number when asked (a
hash of it and the world's salt), so a pool of millions costs little and needs no drawing order.
"""

from __future__ import annotations

import datetime as dt
import math
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


_MASK = (1 << 64) - 1
_LANG, _FOLLOWERS, _FOLLOWERS_ANGLE, _ACTIVITY, _GEOTAG, _CREATED, _SERVER = range(7)


def account_unit(accounts, attribute: int, salt: int):
    """A uniform number in [0, 1) for each account and attribute: the splitmix64 finaliser
    (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) of the
    account number, the attribute and the salt. ``accounts``: an int, or an array of uint64.

    >>> account_unit(7, 1, 3) == float(account_unit(np.array([7], np.uint64), 1, 3)[0])
    True
    """
    x = (accounts * 0x9E3779B97F4A7C15 + ((salt * 16 + attribute) * 0xD1B54A32D192ED03 & _MASK)) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return ((x ^ (x >> 31)) >> 11) * 2.0**-53


class _Derived:
    """An account attribute computed from the account number when asked (no memory), indexed
    like an array by an account or an array of accounts; a few accounts' values can be set."""

    def __init__(self, compute, size: int):
        self.compute = compute
        self.size = size
        self.fixed: dict[int, object] = {}

    def __getitem__(self, accounts):
        if isinstance(accounts, (int, np.integer)):
            accounts = int(accounts)
            return self.fixed[accounts] if accounts in self.fixed else self.compute(accounts)
        accounts = np.asarray(accounts)
        values = self.compute(accounts.astype(np.uint64))
        for account, value in self.fixed.items():
            values[accounts == account] = value
        return values

    def __setitem__(self, account: int, value) -> None:
        self.fixed[int(account)] = value

    def __len__(self) -> int:
        return self.size


@dataclass
class Pool:
    """One platform's accounts, indexed by account number: country and language as arrays (a
    byte each), the running sum of activity weights that authors are drawn by (8 bytes); the
    other attributes (followers, geotag, creation time, server) are computed from the account
    number and the salt when asked. Accounts are numbered country by country, so a country's
    accounts are a range."""

    platform: str
    country: np.ndarray  # int8 index into COUNTRIES, ascending
    lang: np.ndarray  # int8 index into LANGUAGES
    cumulative: np.ndarray  # float64 running sum of the activity weights, restarting at each country
    ranges: dict[int, tuple[int, int]]  # country -> (first account, end)
    salt: int
    created_from: int  # creation time of account 0's slot, epoch ms
    created_span: int  # ms between the slots of consecutive accounts
    # per country: the mean follower reach of its posts (accounts weighted by activity)
    mean_reach: np.ndarray = field(default_factory=lambda: np.ones(len(COUNTRIES)))

    def __post_init__(self):
        size = len(self.country)
        self.followers = _Derived(lambda a: followers_of(a, self.salt), size)  # int32
        self.geotag = _Derived(lambda a: account_unit(a, _GEOTAG, self.salt) < 0.4, size)  # Twitter posts carry a place
        # names are computed on demand; the busiest accounts' are kept (bounded caches: a name
        # costs a microsecond or two to make, a did a few)
        self.user_id = lru_cache(maxsize=1 << 15)(self._user_id)
        self.username = lru_cache(maxsize=1 << 15)(self._username)
        self.handle = lru_cache(maxsize=1 << 15)(self._handle)

    def __len__(self) -> int:
        return len(self.country)

    def created_ms(self, i: int) -> int:
        """Account ``i``'s creation time (epoch ms): a slot per account in account order, and a
        moment in the first half of it, so times increase strictly and ids made of them are unique."""
        return self.created_from + i * self.created_span + int(account_unit(i, _CREATED, self.salt) * max(1, self.created_span // 2))

    def numeric_id(self, i: int) -> int:
        """The Twitter or Mastodon id of account ``i``."""
        created = self.created_ms(i)
        if self.platform == "mastodon":
            return int(ids.mastodon_id(created, i))
        return int(ids.twitter_snowflake(created, (i >> 12) & 0x3FF, i & 0xFFF))

    def server(self, i: int) -> int:
        """Account ``i``'s home server (Mastodon), an index into SERVERS."""
        options = _SERVER_OPTIONS[int(self.country[i])]
        return options[int(account_unit(i, _SERVER, self.salt) * len(options))]

    def sample(self, countries: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """An author for each entry of ``countries``, drawn by activity among that country's
        accounts (vectorised per country)."""
        authors = np.empty(len(countries), dtype=np.int64)
        u = rng.random(len(countries))
        for c in np.unique(countries):
            where = countries == c
            first, end = self.ranges[int(c)]
            cumulative = self.cumulative[first:end]
            pick = np.searchsorted(cumulative, u[where] * cumulative[-1], side="right")
            authors[where] = first + np.minimum(pick, end - first - 1)
        return authors

    # -- names and ids, computed from the account number ---------------------------------------

    def _user_id(self, i: int) -> str:
        if self.platform == "bluesky":
            return self.did(i)
        return str(self.numeric_id(i))

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
            server = SERVERS[self.server(i)]
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
        pools[platform] = _pool(platform, size, weights, scenario.start_us // 1000, salt=seed * 1000 + n)
    _check_launchers_fit(scenario, pools, weights, scale)
    launchers = {}
    rng = np.random.default_rng(np.random.SeedSequence([seed, 12]))
    taken: set[tuple[str, int]] = set()
    for burst in scenario.bursts:
        pool = pools[burst.launcher_platform]
        first, end = pool.ranges[COUNTRY_CODES.index(burst.launcher_country)]
        while True:  # ends: _check_launchers_fit leaves an account free for every launcher
            account = first + int(rng.integers(end - first))
            if (burst.launcher_platform, account) not in taken:
                break
        taken.add((burst.launcher_platform, account))
        pool.followers[account] = burst.launcher_followers
        pool.geotag[account] = True  # a public figure's posts say where they are from
        launchers[burst.tag] = (burst.launcher_platform, account)
    _count_pinned_reach(scenario, pools, launchers)
    return World(pools, launchers)


def _count_pinned_reach(scenario: Scenario, pools: dict[str, Pool], launchers: dict[str, tuple[str, int]]) -> None:
    """Count the launchers' pinned followers in their pools' mean reach where leaving them out
    would let a pool beget a reaction or more per post.

    A pool's ``mean_reach`` is its accounts' as drawn (:func:`_pool`); a launcher's followers are
    pinned afterwards to the scenario's figure, often far above the pool's. The launcher keeps its
    activity weight and writes reactions too, so the pool's posts beget ``branching * factor``
    reactions on average, the factor being the activity-weighted mean of reach over
    ``mean_reach`` with the pinned followers. In a large pool the launcher is one account among
    many and the factor stays near 1. In a small one (a small scale: a country pool can be a few
    dozen accounts) a busy launcher with hundreds of thousands of followers raises it to 2 or 3:
    every burst drawing reactions there is supercritical and grows until the window ends
    (``tiny`` at scale 0.02, seed 5, never finished). Such a pool's ``mean_reach`` takes the pinned
    followers in, which brings its factor to 1. Pools that stay below one reaction per post keep
    theirs as drawn, and so do their worlds' bytes."""
    branching = max((b.branching for b in scenario.bursts), default=0.0)
    pinned: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for burst in scenario.bursts:
        platform, account = launchers[burst.tag]
        country = int(pools[platform].country[account])
        pinned.setdefault((platform, country), []).append((account, burst.launcher_followers))
    for (platform, country), accounts in pinned.items():
        pool = pools[platform]
        first, end = pool.ranges[country]
        total = float(pool.cumulative[end - 1])  # the country's activity (running sums restart per country)
        weighted = float(pool.mean_reach[country]) * total
        extra = 0.0
        for account, followers in accounts:
            before = float(pool.cumulative[account - 1]) if account > first else 0.0
            activity = float(pool.cumulative[account]) - before
            native = followers_of(account, pool.salt)
            extra += activity * float(reach(np.array([followers]))[0] - reach(np.array([native]))[0])
        factor = (weighted + extra) / weighted
        if branching * factor >= 1.0:
            pool.mean_reach[country] = (weighted + extra) / total


def _check_launchers_fit(scenario: Scenario, pools: dict[str, Pool], weights: np.ndarray, scale: float) -> None:
    """Each burst's launcher is an account of its own: refuse a scale at which some country pool
    has fewer accounts than bursts launched from it (drawing them would never end)."""
    launched: dict[tuple[str, str], int] = {}
    for burst in scenario.bursts:
        key = (burst.launcher_platform, burst.launcher_country)
        launched[key] = launched.get(key, 0) + 1
    for (platform, code), needed in sorted(launched.items()):
        country = COUNTRY_CODES.index(code)
        first, end = pools[platform].ranges[country]
        if end - first >= needed:
            continue
        # the pool that holds them: its country's share of it rounds to ``needed`` or more
        size = max(len(COUNTRIES) * 20, int(np.ceil((needed - 0.5) / weights[country])))
        while max(3, round(weights[country] * size)) < needed:
            size += 1
        # rounded up to 4 significant digits: a scale that makes the pool at least that size
        exact = size / scenario.accounts[platform]
        unit = 10.0 ** (math.floor(math.log10(exact)) - 3)
        smallest = float(f"{math.ceil(exact / unit) * unit:.4g}")
        raise ValueError(f"scale {scale:g} is too small for scenario {scenario.name!r}: {needed} bursts are launched "
                         f"from {code} on {platform}, whose pool has {end - first} accounts at this scale; "
                         f"the smallest scale that works is {smallest:g}")


_CHUNK = 1 << 20  # accounts made at once


def _pool(platform: str, size: int, weights: np.ndarray, start_ms: int, salt: int) -> Pool:
    """Country by country, a chunk of accounts at a time: languages by the country's shares,
    activity weights Pareto (alpha 1.3, capped) summed into the running sums."""
    per_country = np.maximum(3, np.round(weights * size)).astype(np.int64)
    country = np.repeat(np.arange(len(COUNTRIES), dtype=np.int8), per_country)
    size = len(country)
    ends = np.cumsum(per_country)
    ranges = {c: (int(end - n), int(end)) for c, (n, end) in enumerate(zip(per_country, ends))}
    lang = np.empty(size, dtype=np.int8)
    cumulative = np.empty(size, dtype=np.float64)
    mean_reach = np.ones(len(COUNTRIES))
    for c, spec in enumerate(COUNTRIES):
        shares = np.cumsum([share for _, share in spec.languages])
        codes = np.array([LANGUAGES.index(code) for code, _ in spec.languages], dtype=np.int8)
        first, end = ranges[c]
        carried = weighted_reach = 0.0
        for lo in range(first, end, _CHUNK):
            hi = min(lo + _CHUNK, end)
            accounts = np.arange(lo, hi, dtype=np.uint64)
            u = account_unit(accounts, _LANG, salt)
            lang[lo:hi] = codes[np.minimum(np.searchsorted(shares, u * shares[-1], side="right"), len(codes) - 1)]
            # Pareto by inversion, as numpy's: (1 - u) ** (-1 / alpha) - 1, plus the minimum 1
            activity = np.minimum((1.0 - account_unit(accounts, _ACTIVITY, salt)) ** (-1 / 1.3), 2000.0)
            cumulative[lo:hi] = carried + np.cumsum(activity)
            carried = cumulative[hi - 1]
            weighted_reach += float(activity @ reach(followers_of(accounts, salt)))
        mean_reach[c] = weighted_reach / carried
    span = max(1, (start_ms - _ACCOUNTS_FROM) // size)
    return Pool(platform, country, lang, cumulative, ranges, salt, _ACCOUNTS_FROM, span, mean_reach)


def followers_of(accounts, salt: int):
    """Lognormal follower counts (median 180, sigma 1.9, at most 50 million), by Box-Muller from
    two of the account's uniform numbers; an int for an int, else an int32 array."""
    radius = np.sqrt(-2.0 * np.log(1.0 - account_unit(accounts, _FOLLOWERS, salt)))
    normal = radius * np.cos(2.0 * np.pi * account_unit(accounts, _FOLLOWERS_ANGLE, salt))
    followers = np.minimum(np.exp(np.log(180.0) + 1.9 * normal), 5e7)
    return int(followers) if isinstance(accounts, int) else followers.astype(np.int32)


_SERVER_OPTIONS = [tuple(SERVERS.index(s) for s in _SERVERS_BY_COUNTRY.get(c.code, ()) + _SERVERS_DEFAULT) for c in COUNTRIES]


def reach(followers: np.ndarray) -> np.ndarray:
    """How far a post carries with its author's followers: sublinear in them, bounded both ways
    (the follower-count kernel of Zhao et al., "SEISMIC", KDD 2015, flattened)."""
    return np.clip((np.asarray(followers) / 180.0) ** 0.4, 0.1, 30.0)


# Relative posting activity by local hour (trough before dawn, peak in the evening), the shape
# reported for Twitter by Golder & Macy, "Diurnal and seasonal mood vary with work, sleep, and
# daylength across diverse cultures" (Science 2011, fig. 1).
_HOURLY = np.array([0.55, 0.40, 0.28, 0.20, 0.16, 0.17, 0.25, 0.40, 0.55, 0.65, 0.70, 0.72,
                    0.75, 0.75, 0.74, 0.74, 0.76, 0.80, 0.85, 0.92, 0.98, 1.00, 0.92, 0.75])


def daily_cycle(local_hours: np.ndarray) -> np.ndarray:
    """Activity (max 1) at fractional local hours, interpolated between the hourly values."""
    h = np.mod(local_hours, 24.0)
    return np.interp(h, np.arange(25), np.append(_HOURLY, _HOURLY[0]))
