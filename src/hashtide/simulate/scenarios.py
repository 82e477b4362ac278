"""Scenarios: the countries, platforms and planted bursts of a simulated world.

A scenario is data, not code: :class:`Scenario` lists the bursts (campaigns, siblings, answers,
decoys) with their onsets, sizes and spread, and the background's volume. Sizes are at scale 1;
``simulate(scale=...)`` multiplies every count (posts, replies to the origin, account pools) and
keeps every proportion and time.

``metoo-2017`` follows the published figures of the #MeToo launch (October 2017): the launch on
Sunday 2017-10-15 20:21 UTC by an account of about 3.2 million followers, more than 500,000 tweets
within days, more than 30,000 replies to the launching post by the next morning, hourly use rising
to tens of thousands on the first evening, the country shares of 16 October (US 30 %, UK 7 %,
Canada 3.6 %, India 3.1 %, France 1.5 %, Australia 1.2 %), #balancetonporc (France, from
2017-10-13, about 200,000 tweets in six days), #quellavoltache (Italy, from 2017-10-12, about 20,000
in a week), the Spanish siblings and the answer campaigns #HowIWillChange and #IHave. Bluesky did
not exist in 2017: the world has it anyway (small shares, late lags) so that every format is
exercised; the truth says what was planted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hashtide.model import micros, normalise_tag

PLATFORM_NAMES = ("twitter", "bluesky", "mastodon")
KIND_NAMES = ("original", "repost", "reply", "quote")
ORIGINAL, REPOST, REPLY, QUOTE = range(4)


@dataclass(frozen=True)
class Country:
    """A country of the world: its time zone (fixed offset; October 2017, summer time where
    it applied), its languages with shares, its name and a few places for Twitter geo."""

    code: str
    name: str
    utc_offset_h: float
    languages: tuple[tuple[str, float], ...]
    cities: tuple[str, ...]
    weight: float  # share of the world's accounts


COUNTRIES: tuple[Country, ...] = (
    Country("US", "United States", -5.0, (("en", 0.93), ("es", 0.07)), ("New York, NY", "Los Angeles, CA", "Chicago, IL", "Houston, TX"), 0.30),
    Country("GB", "United Kingdom", 1.0, (("en", 1.0),), ("London, England", "Manchester, England", "Glasgow, Scotland"), 0.07),
    Country("CA", "Canada", -5.0, (("en", 0.78), ("fr", 0.22)), ("Toronto, Ontario", "Montréal, Québec", "Vancouver, British Columbia"), 0.036),
    Country("IN", "India", 5.5, (("en", 0.7), ("hi", 0.3)), ("Mumbai, India", "New Delhi, India", "Bengaluru, India"), 0.031),
    Country("FR", "France", 2.0, (("fr", 1.0),), ("Paris, France", "Lyon, France", "Marseille, France"), 0.04),
    Country("AU", "Australia", 11.0, (("en", 1.0),), ("Sydney, New South Wales", "Melbourne, Victoria"), 0.012),
    Country("IT", "Italy", 2.0, (("it", 1.0),), ("Roma, Lazio", "Milano, Lombardia"), 0.025),
    Country("ES", "Spain", 2.0, (("es", 1.0),), ("Madrid, España", "Barcelona, España"), 0.03),
    Country("MX", "Mexico", -5.0, (("es", 1.0),), ("Ciudad de México, México", "Guadalajara, Jalisco"), 0.03),
    Country("AR", "Argentina", -3.0, (("es", 1.0),), ("Buenos Aires, Argentina", "Córdoba, Argentina"), 0.02),
    Country("CO", "Colombia", -5.0, (("es", 1.0),), ("Bogotá, D.C., Colombia", "Medellín, Colombia"), 0.012),
    Country("DE", "Germany", 2.0, (("de", 1.0),), ("Berlin, Deutschland", "München, Bayern"), 0.04),
    Country("BR", "Brazil", -2.0, (("pt", 1.0),), ("São Paulo, Brasil", "Rio de Janeiro, Brasil"), 0.05),
    Country("JP", "Japan", 9.0, (("ja", 1.0),), ("東京 都", "大阪 市"), 0.08),
    Country("SE", "Sweden", 2.0, (("sv", 1.0),), ("Stockholm, Sverige", "Göteborg, Sverige"), 0.01),
    Country("BE", "Belgium", 2.0, (("fr", 0.5), ("nl", 0.5)), ("Bruxelles, Belgique", "Antwerpen, België"), 0.01),
    Country("CH", "Switzerland", 2.0, (("de", 0.6), ("fr", 0.4)), ("Zürich, Schweiz", "Genève, Suisse"), 0.008),
    Country("IE", "Ireland", 1.0, (("en", 1.0),), ("Dublin City, Ireland",), 0.008),
    Country("NG", "Nigeria", 1.0, (("en", 1.0),), ("Lagos, Nigeria",), 0.02),
    Country("PH", "Philippines", 8.0, (("en", 0.6), ("tl", 0.4)), ("Manila, National Capital Region",), 0.03),
    Country("KR", "South Korea", 9.0, (("ko", 1.0),), ("서울 특별시",), 0.03),
    Country("NL", "Netherlands", 2.0, (("nl", 1.0),), ("Amsterdam, Nederland",), 0.012),
    Country("ZA", "South Africa", 2.0, (("en", 1.0),), ("Johannesburg, South Africa",), 0.01),
    Country("TR", "Turkey", 3.0, (("tr", 1.0),), ("İstanbul, Türkiye",), 0.03),
)
COUNTRY_CODES = tuple(c.code for c in COUNTRIES)
LANGUAGES = tuple(sorted({lang for c in COUNTRIES for lang, _ in c.languages}))


@dataclass(frozen=True)
class Burst:
    """A planted burst: a self-exciting cascade around one hashtag.

    ``role`` is campaign, sibling, answer or decoy. ``posts`` is the expected number of posts of
    the cascade at scale 1 (all kinds, all platforms); ``origin_replies`` / ``origin_reposts``
    the planted reply storm and reposts under the launching post. ``countries`` and
    ``platforms`` map a name to ``(share, lag in hours after the onset)``: adopters in a country
    or on a platform appear only after its lag. ``cooccur`` maps another burst's tag to the
    share of this burst's posts (after that burst's onset) that carry it too.
    """

    tag: str
    role: str
    onset: str  # ISO 8601, UTC
    posts: int
    launcher_country: str
    launcher_followers: int
    launcher_platform: str = "twitter"
    countries: dict[str, tuple[float, float]] = field(default_factory=dict)
    platforms: dict[str, tuple[float, float]] = field(default_factory=lambda: {"twitter": (1.0, 0.0)})
    origin_replies: int = 0
    origin_reposts: int = 0
    branching: float = 0.6  # mean offspring per post (Hawkes branching ratio, < 1)
    adoption_median_h: float = 12.0  # immigrants' delay after onset + lags: lognormal median
    adoption_sigma: float = 1.0
    delay_median_min: float = 25.0  # child delay after its parent: lognormal median (heavy tail)
    delay_sigma: float = 1.6
    storm_median_h: float = 4.0  # delay of the replies and reposts under the launching post
    reply_tag_share: float = 0.8  # share of replies in the cascade that carry the tag
    storm_reply_tag_share: float = 0.35  # "me too" replies under the launching post mostly do not
    child_kinds: tuple[float, float, float] = (0.62, 0.24, 0.14)  # repost, reply, quote
    cooccur: dict[str, float] = field(default_factory=dict)
    forms: tuple[tuple[str, float], ...] = ()  # display variants of the tag with shares

    def __post_init__(self) -> None:
        # A display form is a spelling of the same tag: it must normalise to the tag's key, or the
        # truth would count under one key posts that hashtide (rightly) files under another.
        key = normalise_tag(self.tag)
        strangers = [form for form, _ in self.forms if normalise_tag(form) != key]
        if strangers:
            raise ValueError(f"#{self.tag}: forms {strangers} are other tags under NFKC + casefold")

    @property
    def onset_us(self) -> int:
        return micros(dt.datetime.fromisoformat(self.onset.replace("Z", "+00:00")))


@dataclass(frozen=True)
class Scenario:
    """A world: a time window, account pools, background volume and planted bursts."""

    name: str
    start: str
    end: str
    bursts: tuple[Burst, ...]
    accounts: dict[str, int]  # accounts per platform at scale 1
    background_per_hour: dict[str, float]  # background posts per hour per platform at scale 1
    background_kinds: dict[str, tuple[float, float, float, float]]  # original, repost, reply, quote
    vocabulary: int = 2000  # background hashtags (Zipf)
    zipf_exponent: float = 1.1
    country_weights: dict[str, float] | None = None  # None: the COUNTRIES weights

    @property
    def start_us(self) -> int:
        return micros(dt.datetime.fromisoformat(self.start.replace("Z", "+00:00")))

    @property
    def end_us(self) -> int:
        return micros(dt.datetime.fromisoformat(self.end.replace("Z", "+00:00")))


_BACKGROUND_KINDS = {
    "twitter": (0.36, 0.44, 0.15, 0.05),
    "bluesky": (0.55, 0.25, 0.15, 0.05),
    "mastodon": (0.60, 0.28, 0.12, 0.0),
}

# Country shares of #MeToo on 16 October 2017 (the rest spread over the world's other countries).
_METOO_COUNTRIES = {
    "US": (0.30, 0.0), "GB": (0.07, 0.4), "CA": (0.036, 0.2), "IN": (0.031, 5.0), "FR": (0.015, 8.0),
    "AU": (0.012, 2.0), "IE": (0.03, 1.0), "DE": (0.04, 9.0), "ES": (0.04, 8.0), "MX": (0.05, 3.0),
    "AR": (0.03, 4.0), "BR": (0.05, 6.0), "JP": (0.05, 10.0), "SE": (0.04, 9.0), "NG": (0.04, 7.0),
    "PH": (0.05, 10.0), "ZA": (0.03, 8.0), "NL": (0.03, 9.0), "IT": (0.02, 9.0), "KR": (0.02, 11.0),
    "TR": (0.02, 10.0), "CO": (0.02, 4.0),
}

METOO_2017 = Scenario(
    name="metoo-2017",
    start="2017-10-12T00:00:00Z",
    end="2017-10-22T00:00:00Z",
    accounts={"twitter": 2_000_000, "bluesky": 200_000, "mastodon": 100_000},
    background_per_hour={"twitter": 6000.0, "bluesky": 800.0, "mastodon": 400.0},
    background_kinds=_BACKGROUND_KINDS,
    bursts=(
        Burst(
            # tuned so that at scale 1: ~790k tweets, ~47k replies to the launching post by
            # 12:00 UTC next day, 5-7k uses in the launch hour rising to ~65-80k/h 3-5 h later
            tag="MeToo", role="campaign", onset="2017-10-15T20:21:00Z", posts=950_000,
            launcher_country="US", launcher_followers=3_200_000,
            countries=_METOO_COUNTRIES,
            platforms={"twitter": (0.92, 0.0), "mastodon": (0.03, 4.0), "bluesky": (0.05, 9.0)},
            origin_replies=45_000, origin_reposts=24_000, branching=0.7,
            adoption_median_h=4.0, adoption_sigma=0.35, delay_median_min=15.0, storm_median_h=3.0,
            forms=(("MeToo", 0.75), ("metoo", 0.17), ("Metoo", 0.05), ("METOO", 0.03)),
        ),
        Burst(
            tag="balancetonporc", role="sibling", onset="2017-10-13T14:15:00Z", posts=200_000,
            launcher_country="FR", launcher_followers=4_000,
            countries={"FR": (0.82, 0.0), "BE": (0.06, 2.0), "CH": (0.05, 2.0), "CA": (0.05, 6.0), "US": (0.02, 10.0)},
            platforms={"twitter": (0.93, 0.0), "mastodon": (0.05, 3.0), "bluesky": (0.02, 12.0)},
            origin_replies=2_000, origin_reposts=3_000, branching=0.6,
            adoption_median_h=40.0, adoption_sigma=1.0,
            cooccur={"MeToo": 0.12},
            forms=(("balancetonporc", 0.8), ("BalanceTonPorc", 0.2)),
        ),
        Burst(
            tag="quellavoltache", role="sibling", onset="2017-10-12T19:30:00Z", posts=20_000,
            launcher_country="IT", launcher_followers=9_000,
            countries={"IT": (0.92, 0.0), "CH": (0.04, 6.0), "US": (0.04, 12.0)},
            platforms={"twitter": (0.95, 0.0), "mastodon": (0.05, 6.0)},
            origin_replies=600, origin_reposts=500, branching=0.55,
            adoption_median_h=60.0, adoption_sigma=1.0,
            cooccur={"MeToo": 0.10},
            forms=(("quellavoltache", 0.85), ("QuellaVoltaChe", 0.15)),
        ),
        Burst(
            tag="YoTambién", role="sibling", onset="2017-10-16T02:10:00Z", posts=30_000,
            launcher_country="MX", launcher_followers=60_000,
            countries={"MX": (0.35, 0.0), "ES": (0.25, 5.0), "AR": (0.2, 1.0), "CO": (0.1, 1.0), "US": (0.1, 0.5)},
            platforms={"twitter": (0.9, 0.0), "bluesky": (0.05, 8.0), "mastodon": (0.05, 8.0)},
            origin_replies=800, origin_reposts=1_200, branching=0.6,
            adoption_median_h=20.0, cooccur={"MeToo": 0.30},
            forms=(("YoTambién", 0.8), ("yotambién", 0.2)),
        ),
        Burst(
            tag="AMiTambién", role="sibling", onset="2017-10-16T13:40:00Z", posts=12_000,
            launcher_country="ES", launcher_followers=25_000,
            countries={"ES": (0.5, 0.0), "MX": (0.25, 4.0), "AR": (0.15, 4.0), "CO": (0.1, 5.0)},
            platforms={"twitter": (1.0, 0.0)},
            origin_replies=300, origin_reposts=500, branching=0.55,
            adoption_median_h=20.0, cooccur={"MeToo": 0.25},
            forms=(("AMiTambién", 0.85), ("amitambién", 0.15)),
        ),
        Burst(
            tag="HowIWillChange", role="answer", onset="2017-10-16T07:05:00Z", posts=40_000,
            launcher_country="AU", launcher_followers=70_000,
            countries={"AU": (0.15, 0.0), "US": (0.45, 3.0), "GB": (0.15, 2.0), "CA": (0.08, 3.0), "IE": (0.04, 2.0), "IN": (0.05, 4.0)},
            platforms={"twitter": (0.9, 0.0), "bluesky": (0.05, 6.0), "mastodon": (0.05, 6.0)},
            origin_replies=1_500, origin_reposts=2_500, branching=0.6,
            adoption_median_h=18.0, cooccur={"MeToo": 0.35},
        ),
        Burst(
            tag="IHave", role="answer", onset="2017-10-16T21:30:00Z", posts=15_000,
            launcher_country="US", launcher_followers=400_000,
            countries={"US": (0.6, 0.0), "GB": (0.1, 2.0), "CA": (0.1, 1.0), "AU": (0.05, 5.0)},
            platforms={"twitter": (0.95, 0.0), "mastodon": (0.05, 5.0)},
            origin_replies=1_000, origin_reposts=1_500, branching=0.55,
            adoption_median_h=14.0, cooccur={"MeToo": 0.30},
            forms=(("IHave", 0.7), ("ihave", 0.3)),
        ),
        Burst(
            tag="NLCS", role="decoy", onset="2017-10-20T00:09:00Z", posts=60_000,
            launcher_country="US", launcher_followers=1_500_000,
            countries={"US": (0.9, 0.0), "CA": (0.05, 0.0), "MX": (0.05, 0.0)},
            origin_replies=1_000, origin_reposts=5_000, branching=0.5,
            adoption_median_h=2.0, adoption_sigma=0.6, delay_median_min=10.0, storm_median_h=1.0,
        ),
        Burst(
            tag="UCL", role="decoy", onset="2017-10-17T18:45:00Z", posts=50_000,
            launcher_country="GB", launcher_followers=900_000,
            countries={"GB": (0.3, 0.0), "ES": (0.2, 0.0), "FR": (0.15, 0.0), "DE": (0.15, 0.0), "IT": (0.1, 0.0), "NG": (0.1, 0.0)},
            platforms={"twitter": (0.9, 0.0), "mastodon": (0.1, 0.0)},
            origin_replies=500, origin_reposts=3_000, branching=0.5,
            adoption_median_h=1.5, adoption_sigma=0.6, delay_median_min=10.0, storm_median_h=1.0,
            forms=(("UCL", 0.8), ("ucl", 0.2)),
        ),
    ),
)

TINY = Scenario(
    name="tiny",
    start="2021-03-06T00:00:00Z",
    end="2021-03-08T00:00:00Z",
    accounts={"twitter": 3_000, "bluesky": 800, "mastodon": 600},
    background_per_hour={"twitter": 50.0, "bluesky": 12.0, "mastodon": 8.0},
    background_kinds=_BACKGROUND_KINDS,
    vocabulary=300,
    bursts=(
        Burst(
            tag="TideTest", role="campaign", onset="2021-03-06T18:00:00Z", posts=900,
            launcher_country="US", launcher_followers=250_000,
            countries={"US": (0.5, 0.0), "GB": (0.2, 1.0), "FR": (0.1, 3.0), "JP": (0.1, 6.0), "BR": (0.1, 4.0)},
            platforms={"twitter": (0.7, 0.0), "bluesky": (0.15, 2.0), "mastodon": (0.15, 3.0)},
            origin_replies=60, origin_reposts=40, adoption_median_h=5.0, storm_median_h=2.0,
            forms=(("TideTest", 0.8), ("tidetest", 0.2)),
        ),
        Burst(
            tag="VagueEssai", role="sibling", onset="2021-03-06T12:00:00Z", posts=250,
            launcher_country="FR", launcher_followers=5_000,
            countries={"FR": (0.8, 0.0), "BE": (0.1, 1.0), "CA": (0.1, 2.0)},
            platforms={"twitter": (0.7, 0.0), "bluesky": (0.15, 1.0), "mastodon": (0.15, 1.0)},
            origin_replies=10, origin_reposts=10, adoption_median_h=8.0,
            cooccur={"TideTest": 0.3},
            forms=(("VagueEssai", 1.0),),
        ),
        Burst(
            tag="WhatIWillDo", role="answer", onset="2021-03-07T02:00:00Z", posts=200,
            launcher_country="GB", launcher_followers=20_000,
            countries={"GB": (0.6, 0.0), "US": (0.4, 1.0)},
            platforms={"twitter": (0.8, 0.0), "bluesky": (0.2, 1.0)},
            origin_replies=10, origin_reposts=10, adoption_median_h=5.0,
            cooccur={"TideTest": 0.4},
        ),
        Burst(
            tag="CupFinal", role="decoy", onset="2021-03-07T15:00:00Z", posts=300,
            launcher_country="GB", launcher_followers=800_000,
            countries={"GB": (0.7, 0.0), "ES": (0.3, 0.0)},
            platforms={"twitter": (0.8, 0.0), "mastodon": (0.2, 0.0)},
            origin_replies=10, origin_reposts=30, adoption_median_h=1.0, adoption_sigma=0.5,
            delay_median_min=8.0, storm_median_h=0.5,
        ),
    ),
)

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (METOO_2017, TINY)}


def get(name: str) -> Scenario:
    """The scenario called ``name`` (KeyError naming the known ones otherwise)."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(sorted(SCENARIOS))}") from None
