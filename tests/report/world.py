"""A small campaign world with known figures, written through the real corpus API.

One public figure launches #MeToo on Twitter at ``LAUNCH``; replies and reposts hang under the
launching post, thirty people in the US post their own within the hour (so that it trends there),
other people start their own posts in four countries, the tag reaches Mastodon
and Bluesky hours later, and the French sibling #BalanceTonPorc starts ten hours in. Background
tags (#news, #music) run all along so that trending ranks mean something.
"""

from __future__ import annotations

import random

from hashtide.corpus import Corpus
from hashtide.model import Post

HOUR = 3_600_000_000
LAUNCH = 1_508_112_000_000_000  # 2017-10-16 00:00 UTC (microseconds)
LAUNCHER = "launcher"
COUNTRIES = ("US", "FR", "GB", "IN")


def _post(pid: str, at: int, author: str, tags: list[str], **kw) -> Post:
    return Post(platform=kw.pop("platform", "twitter"), post_id=pid, created_at=at, author_id=author,
                author_handle=f"h_{author}", author_followers=kw.pop("followers", 100),
                hashtags=[t.lower() for t in tags], hashtag_forms=list(tags), **kw)


def campaign_posts(seed: int = 7) -> list[Post]:
    rng = random.Random(seed)
    posts = [_post("0", LAUNCH, LAUNCHER, ["MeToo"], followers=3_000_000, country="US", lang="en",
                   text="If you have been harassed, reply #MeToo")]
    n = 0

    def next_id() -> str:
        nonlocal n
        n += 1
        return str(n)

    for i in range(240):  # replies and reposts under the launching post, first 24 hours
        at = LAUNCH + int(rng.expovariate(1 / (4 * HOUR)))
        kind = "reply" if i % 2 else "repost"
        posts.append(_post(next_id(), at, f"u{i}", ["MeToo"] if kind == "reply" else [],
                           kind=kind, parent_id="0", parent_author_id=LAUNCHER,
                           country=COUNTRIES[i % 4], lang="en"))
    for i in range(160):  # own posts, some with their own small cascades
        at = LAUNCH + HOUR + int(rng.expovariate(1 / (8 * HOUR)))
        pid = next_id()
        posts.append(_post(pid, at, f"o{i}", ["MeToo"], country=COUNTRIES[i % 4], lang="en",
                           followers=20_000 if i == 0 else 200))
        for j in range(3 if i < 5 else 0):
            posts.append(_post(next_id(), at + (j + 1) * 60_000_000, f"r{i}_{j}", [], kind="repost",
                               parent_id=pid, country=COUNTRIES[i % 4]))
    for i in range(30):  # people who post their own at once where it was launched: it trends there
        posts.append(_post(next_id(), LAUNCH + 60_000_000 * (i + 1), f"us{i}", ["MeToo"], country="US", lang="en"))
    for i, platform in enumerate(("mastodon", "bluesky")):
        for k in range(30):
            at = LAUNCH + (6 + 3 * i) * HOUR + k * 600_000_000
            posts.append(_post(next_id(), at, f"{platform}{k}", ["MeToo"], platform=platform, lang="en"))
    for k in range(40):  # the French sibling, ten hours in, often with #MeToo
        at = LAUNCH + 10 * HOUR + k * 900_000_000
        tags = ["BalanceTonPorc", "MeToo"] if k % 2 == 0 else ["BalanceTonPorc"]
        posts.append(_post(next_id(), at, f"fr{k}", tags, country="FR", lang="fr"))
    for k in range(3):  # a country with fewer than ten authors: a small cell
        posts.append(_post(next_id(), LAUNCH + (12 + k) * HOUR, f"is{k}", ["MeToo"], country="IS", lang="is"))
    for h in range(-24, 48):  # background, every hour, every country
        for c in COUNTRIES:
            for t, per_hour in (("news", 3), ("music", 2)):
                for k in range(per_hour):
                    posts.append(_post(next_id(), LAUNCH + h * HOUR + k * 1_000_000, f"bg{c}{t}{k}",
                                       [t], country=c, lang="en"))
    return posts


def build(path) -> str:
    """Write the world into a new corpus at ``path``; return the path."""
    with Corpus.open(path) as corpus:
        corpus.write_posts(campaign_posts())
    return str(path)


def later_posts(start_id: int, tag: str, count: int, at: int) -> list[Post]:
    """``count`` new posts using ``tag`` at ``at`` (to feed a live corpus)."""
    return [_post(f"live{start_id + i}", at + i * 1_000_000, f"live{start_id + i}", [tag], country="US")
            for i in range(count)]
