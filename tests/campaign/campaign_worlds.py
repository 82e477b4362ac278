"""Hand-built corpora whose every campaign figure is known (worked out in the comments)."""

from __future__ import annotations

import datetime as dt

from hashtide.model import Post, micros

T0 = dt.datetime(2017, 10, 15, 20, 0, tzinfo=dt.timezone.utc)


_FORMS = {"metoo": "MeToo", "tidetest": "TideTest", "vagueessai": "VagueEssai", "whatiwilldo": "WhatIWillDo"}


def at(minutes: float) -> int:
    return micros(T0 + dt.timedelta(minutes=minutes))


def tw(post_id, minutes, author, followers, kind="original", parent=None, tags=("metoo",), lang="en",
       country=None, parent_author=None, forms=None):
    return Post(platform="twitter", post_id=post_id, created_at=at(minutes), author_id=author,
                author_handle=f"h_{author}", author_followers=followers, kind=kind, parent_id=parent,
                hashtags=list(tags), hashtag_forms=list(forms or [_FORMS.get(t, t) for t in tags]),
                lang=lang, country=country, parent_author_id=parent_author)


def story_posts() -> list[Post]:
    """#MeToo in miniature.

    Origin 100 (u1, 100 followers, 20:00). The star's 101 (3.2 M followers, 20:30) draws the big
    tree: reposts 102-105, reply 109 (and 110 replying to 109), quote 111 by r1 (r1 posts twice).
    Under the origin: reply 106 without the tag (counts as a reply to the origin, not as a use),
    reply 107 with it, and repost 108 with no tags (uses the tag through its subject).
    Bluesky b1 (22:00) and its tagless repost b2; Mastodon m1 in French from France (01:00).
    Noise: 200 without the tag, 201 a repost of it.

    Uses: 14 posts -- original 4 (100, 101, b1, m1), repost 6 (102-105, 108, b2), reply 3
    (107, 109, 110), quote 1 (111). Distinct authors 13.
    Trees: 101 -> 8 nodes (W = 4*7 + 2*6 + 7 + 7 = 54, v = 54/28), 100 -> star of 3 (v = 4/3),
    b1 -> 2 (v = 1), m1 alone.
    """
    posts = [
        tw("100", 0, "u1", 100, country="US", forms=["MeToo"]),
        tw("101", 30, "star", 3_200_000, forms=["METOO"]),
        *[tw(f"10{i}", 30 + i * 5, f"r{i - 1}", 50 * i, kind="repost", parent="101", parent_author="star")
          for i in range(2, 6)],
        tw("106", 10, "a1", 10, kind="reply", parent="100", tags=()),
        tw("107", 12, "a2", 20, kind="reply", parent="100", parent_author="u1"),
        tw("108", 15, "r5", 30, kind="repost", parent="100", tags=()),
        tw("109", 40, "a3", 7_000, kind="reply", parent="101", parent_author="star"),
        tw("110", 55, "a4", 40, kind="reply", parent="109", parent_author="a3"),
        tw("111", 70, "r1", 50, kind="quote", parent="101", parent_author="star"),
        tw("200", 5, "n1", 10, tags=("other",)),
        tw("201", 6, "n2", 10, kind="repost", parent="200", tags=("other",)),
        Post(platform="bluesky", post_id="at://b1", created_at=at(120), author_id="did:b1",
             author_handle="b1.bsky.social", author_followers=900, hashtags=["metoo"],
             hashtag_forms=["MeToo"], lang="en"),
        Post(platform="bluesky", post_id="at://b2", created_at=at(130), author_id="did:b2",
             author_handle="b2.bsky.social", kind="repost", parent_id="at://b1", lang="en"),
        Post(platform="mastodon", post_id="m1", created_at=at(300), author_id="m_u1",
             author_handle="m_u1@piaille.fr", author_followers=12, hashtags=["metoo"],
             hashtag_forms=["metoo"], lang="fr", country="FR"),
    ]
    return posts


def related_posts() -> list[Post]:
    """A campaign #tidetest (en, launched at T0) among other tags, with known relations.

    - 100 posts use tidetest (ids c000..c099), every 6 minutes from T0;
    - vagueessai (fr) launched 6 h before T0: 40 posts of its own (v000..v039) and 12 campaign
      posts carry it too -> together 12, share 0.12; a sibling;
    - whatiwilldo (en) from T0 + 10 h: 30 own posts (w000..), 15 campaign posts carry it ->
      share 0.15; an answer;
    - news (en), a week before T0 on: 20 own posts, 8 campaign posts -> share 0.08; a co-tag;
    - hub: on 300 filler posts (with other tags) and on 20 campaign posts: base rate 320/N gives
      lift 0.2 / (320 / 550) < 1, affinity 20 / 320 < 0.5 -> not related;
    - rare: 1 campaign post (one co-occurrence, fewer than the 2 required) -> not related;
    - cupfinal (en): 60 posts in a burst at T0 + 2 h, never with tidetest -> a decoy, absent.
    N = 100 + 40 + 30 + 20 + 300 + 60 = 550 posts; lift = share * N / posts of B.
    """
    posts = []
    for i in range(100):
        tags = ["tidetest"]
        if i < 12:
            tags.append("vagueessai")
        if 50 <= i < 65:
            tags.append("whatiwilldo")
        if 70 <= i < 78:
            tags.append("news")
        if 20 <= i < 40:
            tags.append("hub")
        if i == 90:
            tags.append("rare")
        # whatiwilldo only once it exists: campaign posts 50..64 are at T0 + 5 h .. 6.4 h; move them
        minutes = i * 6 if not 50 <= i < 65 else 600 + (i - 50) * 6
        posts.append(tw(f"c{i:03d}", minutes, f"ca{i % 40}", 100, tags=tags))
    posts += [tw(f"v{i:03d}", -360 + i * 15, f"va{i}", 100, tags=["vagueessai"], lang="fr") for i in range(40)]
    posts += [tw(f"w{i:03d}", 610 + i * 7, f"wa{i}", 100, tags=["whatiwilldo"], kind="reply" if i % 2 else "original",
                 parent="c050" if i % 2 else None) for i in range(30)]
    posts += [tw(f"n{i:03d}", -10_080 + i * 200, f"na{i}", 100, tags=["news"]) for i in range(20)]
    posts += [tw(f"h{i:03d}", -3000 + i * 10, f"ha{i}", 100, tags=["hub", f"misc{i % 7}"]) for i in range(300)]
    posts += [tw(f"d{i:03d}", 120 + i, f"da{i}", 100, tags=["cupfinal"]) for i in range(60)]
    return posts
