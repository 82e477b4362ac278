""""Trending now" for the dashboard: the tags of the latest hour against the hours before.

"Now" is the time of the newest post in the corpus (a replayed or paused stream still shows its
last hour), leaving out posts dated after tomorrow: a client may write any time (Bluesky's
createdAt is the client's word), and one post dated 9999 would make every other hour the past.
For each tag carried by posts of the last hour: its posts in that hour, its mean per hour over the ``BASELINE_HOURS`` before, and the ratio (now + 1) / (baseline + 1) -- add-one
smoothing so that a tag new to the corpus does not divide by zero. Tags are listed by posts in
the last hour, then by ratio. This is a plain volume chart for the live view; the significance
detector of :mod:`hashtide.trends` replaces it once it is available.
"""

from __future__ import annotations

from typing import Any

from hashtide.campaign.facts import iso
from hashtide.corpus import Corpus
from hashtide.web.tags import campaign_href

BASELINE_HOURS = 24
LIMIT = 20

_QUERY = """
with now as (select max(created_at) as t from posts where created_at <= current_timestamp + interval 1 day),
uses as (
    select unnest(hashtags) as tag, unnest(hashtag_forms) as form, created_at
    from posts, now
    where created_at > now.t - interval (? + 1) hour and created_at <= now.t and len(hashtags) > 0
),
per_tag as (
    select tag,
           count(*) filter (where created_at > (select t from now) - interval 1 hour) as last_hour,
           count(*) filter (where created_at <= (select t from now) - interval 1 hour) as before,
           mode(form) as shown
    from uses group by tag
)
select tag, shown, last_hour, round(before / ?, 3) as baseline,
       round((last_hour + 1) / (before / ? + 1), 3) as ratio, (select t from now) as now
from per_tag where last_hour > 0
order by last_hour desc, ratio desc, tag
limit ?
"""


def trending_now(corpus: Corpus, limit: int = LIMIT, baseline_hours: int = BASELINE_HOURS) -> dict[str, Any]:
    """{"now": ISO time, "tags": [{tag, key, href, posts, baseline, ratio}, ...]}; ``href`` is the
    campaign page, null for a stored tag that names none (see :mod:`hashtide.web.tags`)."""
    rows = corpus.con.execute(_QUERY, [baseline_hours, baseline_hours, baseline_hours, limit]).fetchall()
    corpus.con.complete()
    tags = [{"rank": i, "tag": "#" + (shown or key), "key": key, "href": campaign_href(key), "posts": last,
             "baseline": base, "ratio": ratio}
            for i, (key, shown, last, base, ratio, _) in enumerate(rows, 1)]
    now = rows[0][5] if rows else None
    return {"now": iso(now), "window_hours": 1, "baseline_hours": baseline_hours, "tags": tags}
