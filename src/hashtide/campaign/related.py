"""Related hashtags: which tags went with a campaign, how strongly, and in what relation.

For a campaign tag A and another tag B, over the posts of the window:

- *share* (Hashtagify's figure): the fraction of posts using A that also use B,
  ``share = |A and B| / |A|``;
- *lift* against B's base rate: ``lift = share / (|B| / N)``, N all posts of the window. A hub tag
  that goes with everything has lift near 1 and is not related; lift > 1 is required;
- *affinity*: the fraction of B's posts that carry some other tag and carry A among them,
  ``affinity = |A and B| / |B with another tag|``. Lift against the corpus is misleading where the
  corpus was collected around the campaign (query-built collections, the simulator's worlds): a
  sibling campaign is then a large part of the corpus, its base rate high, its lift below 1 though
  every one of its co-tagged posts carries A. A tag is related when it co-occurs at least
  ``min_cooccurrence`` times and has lift > ``min_lift`` *or* affinity >= ``min_affinity``
  (default 0.5): a hub that goes with everything has low lift and low affinity;
- *correlation*: Pearson's r of the hourly counts of A and B over the hours either was used;
- *relation*, from the languages and launches of the two tags:
  ``sibling`` -- B's main language differs from A's and B was launched before A's origin or
  within ``sibling_window`` after it (its own campaign in another language);
  ``answer`` -- same main language, B first seen after A's origin and later than
  ``unseen_launch`` after the collection's start, the corpus' first top-level post (a reply
  campaign; its ``reply_share`` is reported beside). A tag used from the first moments of a
  capture may be older than it: a capture begun mid-stream, or one whose origin is an old post
  embedded in a later one, has every tag of its first hour "start after" the origin, hubs of
  the same language among them;
  ``co-tag`` -- anything else (an older tag of the same language, a late translation).

Decoys -- tags that burst at the same time without going together with A -- are excluded by the
minimum co-occurrence count, never by timing.

"Uses" is the definition of :mod:`hashtide.campaign.usage` for B as for A: a repost uses the tags
of the post it reposts. Main language: the most frequent non-null, non-'und' ``lang`` of B's
posts (ties: alphabetical).
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np

from hashtide.campaign.usage import ARGS, the_key, window

SIBLING_WINDOW = dt.timedelta(hours=48)
UNSEEN_LAUNCH = dt.timedelta(hours=1)
UNDETERMINED = ("und", "")


def effective_tags(u: ir.Table, posts: ir.Table) -> ir.Table:
    """(platform, post_id, created_at, tags) of the posts using A: own tags, and for reposts also
    the tags of the reposted post (whenever it was posted, as in the usage definition)."""
    reposted = u.filter(u.kind == "repost")
    p = posts.filter(posts.hashtags.length() > 0)
    # only the reposted posts: joining every tagged post of the corpus cost 2 s at 10 M posts
    p = p.semi_join(reposted, [p.platform == reposted.platform, p.post_id == reposted.parent_id])
    p = p.select(s_platform="platform", s_post_id="post_id", s_tags="hashtags")
    j = u.left_join(p, [u.kind == "repost", u.platform == p.s_platform, u.parent_id == p.s_post_id])
    # a retweet mostly carries its subject's very tags: the union (a second of list work at 10 M
    # posts) only where they differ
    same = j.s_tags.isnull() | (j.s_tags == j.hashtags).fill_null(False)
    tags = ibis.ifelse(same, j.hashtags, j.hashtags.union(j.s_tags))
    return j.select("platform", "post_id", "created_at", tags=tags)


def cooccurrence(u: ir.Table, posts: ir.Table) -> ir.Table:
    """Tags used together with A at least ``min_cooccurrence`` times (both from the campaign's
    arguments): (tag, together, first_together)."""
    e = effective_tags(u, posts)
    pairs = e.select("created_at", tag=e.tags.unnest())
    pairs = pairs.filter(pairs.tag != the_key())
    counted = pairs.group_by("tag").aggregate(together=pairs.count(), first_together=pairs.created_at.min())
    return counted.filter(counted.together >= ARGS.min_cooccurrence.as_scalar())


def carriers(posts: ir.Table, candidates: ir.Table) -> ir.Table:
    """(platform, post_id, created_at, kind, lang, tags, tag, form): every candidate tag a post
    carries among its own hashtags (``form`` as written, ``tags`` its count of tags), whatever
    the window: a repost inside the window may repost a post from before it."""
    pair = posts.hashtags.zip(posts.hashtag_forms).unnest()
    unnested = posts.select("platform", "post_id", "created_at", "kind", "lang", tags=posts.hashtags.length(),
                            pair=pair)
    unnested = unnested.select("platform", "post_id", "created_at", "kind", "lang", "tags",
                               tag=unnested.pair.f1, form=unnested.pair.f2)
    return unnested.semi_join(candidates, unnested.tag == candidates.tag)


def uses_of(posts: ir.Table, carried: ir.Table) -> ir.Table:
    """(platform, post_id, created_at, kind, lang, tags, tag, form) for every use of a candidate
    tag in the window, the usage definition applied to each: own tags (``carried``, the
    :func:`carriers` table, as written), or a repost of a post carrying it (``form`` null,
    ``tags`` the subject's tag count). ``carried`` is a table of its own, not a subquery: joined
    inline, the unnesting of every post ran twice and the reposts were joined before the
    candidates filtered it (4.7 s against 2.6 s for both tables at 10 M posts)."""
    own = window(carried)
    subj = carried.select(s_platform="platform", s_post_id="post_id", s_tag="tag", s_tags="tags")
    reposts = window(posts.filter(posts.kind == "repost"))
    through = reposts.join(subj, [reposts.platform == subj.s_platform, reposts.parent_id == subj.s_post_id])
    # a repost that carries the tag itself is one of ``own`` already
    through = through.filter(~through.hashtags.contains(through.s_tag).fill_null(False))
    through = through.select("platform", "post_id", "created_at", "kind", "lang", tags=through.s_tags,
                             tag=through.s_tag, form=ibis.null("string"))
    return own.union(through.cast(own.schema()))


def tag_profile(b_uses: ir.Table) -> ir.Table:
    """Per tag: posts, first and last seen, replies, posts carrying another tag too."""
    return b_uses.group_by("tag").aggregate(
        posts=b_uses.count(),
        first_seen=b_uses.created_at.min(),
        last_seen=b_uses.created_at.max(),
        replies=(b_uses.kind == "reply").sum().cast("int64"),
        cotagged=(b_uses.tags > 1).sum().cast("int64"),
    )


def tag_details(b_uses: ir.Table) -> ir.Table:
    """(tag, part, value, hour, posts) in one query: per tag its languages (part 'lang'), the
    forms it was written in ('form') and its hourly counts ('hour')."""
    b = b_uses
    langs = b.filter(b.lang.notnull() & ~b.lang.isin(UNDETERMINED))
    langs = langs.group_by(["tag", "lang"]).aggregate(posts=langs.count())
    forms = b.filter(b.form.notnull())
    forms = forms.group_by(["tag", "form"]).aggregate(posts=forms.count())
    hours = b.group_by(["tag", b.created_at.truncate("h").name("hour")]).aggregate(posts=b.count())
    no_hour = ibis.null("timestamp('UTC')")
    return ibis.union(
        langs.select("tag", part=ibis.literal("lang"), value=langs.lang, hour=no_hour, posts=langs.posts),
        forms.select("tag", part=ibis.literal("form"), value=forms.form, hour=no_hour, posts=forms.posts),
        hours.select("tag", part=ibis.literal("hour"), value=ibis.null("string"),
                     hour=hours.hour.cast("timestamp('UTC')"), posts=hours.posts),
    )


def display_forms(u: ir.Table, key) -> ir.Table:
    """(tag, form, posts): how the posts ``u`` wrote ``key``."""
    pairs = u.select(pair=u.hashtags.zip(u.hashtag_forms).unnest())
    pairs = pairs.select(tag=pairs.pair.f1, form=pairs.pair.f2)
    pairs = pairs.filter(pairs.tag == key)
    return pairs.group_by(["tag", "form"]).aggregate(posts=pairs.count())


def main_forms(forms: list[dict]) -> dict[str, str]:
    """The most frequent display form per tag (ties: alphabetical), from rows (tag, form, posts)."""
    best: dict[str, tuple[int, str]] = {}
    for row in forms:
        if row["form"] is None:
            continue
        current = best.get(row["tag"])
        candidate = (-row["posts"], row["form"])
        if current is None or candidate < current:
            best[row["tag"]] = candidate
    return {tag: form for tag, (_, form) in best.items()}


def main_languages(langs: list[dict]) -> dict[str, str]:
    """The most frequent language per tag (ties: alphabetical), from rows (tag, lang, posts)."""
    best: dict[str, tuple[int, str]] = {}
    for row in langs:
        if row["lang"] is None or row["lang"] in UNDETERMINED:
            continue
        candidate = (-row["posts"], row["lang"])
        if row["tag"] not in best or candidate < best[row["tag"]]:
            best[row["tag"]] = candidate
    return {tag: lang for tag, (_, lang) in best.items()}


def correlation(a: dict, b: dict) -> float | None:
    """Pearson's r of two hourly curves ({hour: posts}) over the hours from the first to the last
    hour either was used (hours without posts count as 0)."""
    hours = sorted(set(a) | set(b))
    if len(hours) < 3:
        return None
    start, end = hours[0], hours[-1]
    n = int((end - start) / dt.timedelta(hours=1)) + 1
    x, y = np.zeros(n), np.zeros(n)
    for curve, arr in ((a, x), (b, y)):
        for hour, posts in curve.items():
            arr[int((hour - start) / dt.timedelta(hours=1))] = posts
    if x.std() == 0 or y.std() == 0:
        return None
    return round(float(np.corrcoef(x, y)[0, 1]), 6)


def classify(lang_a: str | None, origin_a: dt.datetime, lang_b: str | None, first_b: dt.datetime, *,
             collected_from: dt.datetime | None = None, sibling_window: dt.timedelta = SIBLING_WINDOW,
             unseen_launch: dt.timedelta = UNSEEN_LAUNCH) -> str:
    """sibling, answer or co-tag (see the module docstring); ``collected_from``: the time of the
    corpus' first top-level post, whatever the window (None: unknown).

    >>> t = dt.datetime(2017, 10, 15, 20, 21)
    >>> classify("en", t, "fr", t - dt.timedelta(days=2)), classify("en", t, "en", t + dt.timedelta(hours=11))
    ('sibling', 'answer')
    >>> classify("en", t, "en", t - dt.timedelta(days=30)), classify("en", t, "es", t + dt.timedelta(days=5))
    ('co-tag', 'co-tag')
    >>> classify("en", t, "en", t + dt.timedelta(minutes=30), collected_from=t)  # in the capture's first hour
    'co-tag'
    """
    if lang_a and lang_b and lang_a != lang_b:
        return "sibling" if first_b <= origin_a + sibling_window else "co-tag"
    launch_seen = collected_from is None or first_b > collected_from + unseen_launch
    if lang_a and lang_b and first_b > origin_a and launch_seen:
        return "answer"
    return "co-tag"
