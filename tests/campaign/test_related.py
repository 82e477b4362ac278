"""Related tags on the hand-built corpus of campaign_worlds.related_posts (numbers worked out there)."""

from __future__ import annotations

import datetime as dt

from hashtide.campaign import Campaign
from hashtide.campaign.related import correlation


def test_related_table(related_corpus):
    with Campaign(related_corpus, "#TideTest") as c:
        rows = {r["key"]: r for r in c.related.to_pylist()}
    assert set(rows) == {"vagueessai", "whatiwilldo", "news"}  # no hub, no rare, no decoy cupfinal
    assert (rows["vagueessai"]["relation"], rows["vagueessai"]["lang"]) == ("sibling", "fr")
    assert (rows["whatiwilldo"]["relation"], rows["whatiwilldo"]["lang"]) == ("answer", "en")
    assert rows["news"]["relation"] == "co-tag"
    assert (rows["vagueessai"]["share"], rows["vagueessai"]["lift"]) == (0.12, round(0.12 * 550 / 52, 6))
    assert (rows["whatiwilldo"]["share"], rows["whatiwilldo"]["lift"]) == (0.15, round(0.15 * 550 / 45, 6))
    assert (rows["news"]["together"], rows["news"]["lift"]) == (8, round(0.08 * 550 / 28, 6))
    assert rows["whatiwilldo"]["reply_share"] == round(15 / 45, 6)
    assert rows["whatiwilldo"]["lag_hours"] == 10.0 and rows["vagueessai"]["lag_hours"] == -6.0
    assert rows["vagueessai"]["tag"] == "#VagueEssai"
    assert rows["vagueessai"]["affinity"] == 1.0  # its only co-tagged posts are the campaign's


def test_related_in_facts_is_ordered_by_share(related_corpus):
    with Campaign(related_corpus, "tidetest") as c:
        related = c.facts()["related"]
    assert [r["key"] for r in related] == ["whatiwilldo", "vagueessai", "news"]
    assert related[0]["first_seen"] == "2017-10-16T06:00:00Z"


def test_thresholds_are_options(related_corpus):
    with Campaign(related_corpus, "tidetest", min_cooccurrence=1) as c:
        assert "rare" in {r["key"] for r in c.related.to_pylist()}
    with Campaign(related_corpus, "tidetest", min_lift=1.6, min_affinity=1.1) as c:
        assert {r["key"] for r in c.related.to_pylist()} == {"whatiwilldo"}


def test_correlation_of_curves():
    t = dt.datetime(2017, 10, 15)
    hours = [t + dt.timedelta(hours=i) for i in range(5)]
    a = dict(zip(hours, [1, 5, 9, 5, 1]))
    assert correlation(a, dict(zip(hours, [2, 10, 18, 10, 2]))) == 1.0
    assert correlation(a, dict(zip(hours, [9, 5, 1, 5, 9]))) == -1.0
    assert correlation({hours[0]: 1, hours[2]: 1}, {hours[1]: 4}) == -1.0  # the gaps count as zero
    assert correlation(a, a | {}) == 1.0
    assert correlation({t: 1}, {t: 2}) is None
