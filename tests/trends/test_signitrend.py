"""The detector on hand-built series: exact behaviour, the z formula, the hashed state."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtide.model import POST_SCHEMA, Post, posts_to_arrow
from hashtide.trends.batch import corpus_trends, rows
from hashtide.trends.charts import ScopeFilter
from hashtide.trends.signitrend import SigniTrend

HOUR = 3_600_000_000


def posts(hour: int, tag: str, n: int, country: str | None = None, lang: str | None = None,
          platform: str = "twitter", authors: int | None = None) -> list[Post]:
    return [Post(platform=platform, post_id=f"{tag}-{hour}-{country}-{i}", created_at=hour * HOUR + i * 1000,
                 author_id=f"a{i % (authors or n)}", country=country, lang=lang,
                 hashtags=[tag.lower()], hashtag_forms=[tag]) for i in range(n)]


def feed(detector: SigniTrend, hours: dict[int, list[Post]]):
    closed = []
    for hour in sorted(hours):
        closed.extend(detector.update(posts_to_arrow(hours[hour])))
    closed.extend(detector.flush())
    return closed


def test_steady_giant_never_trends_small_jump_does():
    rng = np.random.default_rng(7)
    hours = {h: posts(h, "news", int(rng.poisson(500))) + posts(h, "music", int(rng.poisson(80)))
             + posts(h, "Rare", 2 if h < 40 else 90) for h in range(48)}
    charts = feed(SigniTrend(), hours)
    charted = {(c.end // HOUR - 1, e.key) for c in charts for e in c.chart("global")}
    assert not any(key in ("news", "music") for _, key in charted)
    assert (40, "rare") in charted
    entry = next(e for c in charts if c.end // HOUR - 1 == 40 for e in c.chart("global"))
    assert (entry.rank, entry.tag, entry.posts, entry.authors) == (1, "#Rare", 90, 90)


def test_nothing_trends_during_warmup():
    hours = {h: posts(h, "first", 100) for h in range(3)}
    charts = feed(SigniTrend(warmup=12), hours)
    assert [c.charts for c in charts] == [{}, {}, {}]


def test_min_count_and_threshold_gate_the_chart():
    hours = {h: posts(h, "bg", 50) for h in range(20)}
    hours[19] += posts(19, "tiny", 4)  # new, z = (4 - beta) / beta < 0 anyway, and below min_count
    hours[19] += posts(19, "big", 40)
    charts = feed(SigniTrend(warmup=2), hours)
    assert [e.key for e in charts[-1].chart("global")] == ["big"]


def direct_scores(series: list[int], alpha: float, beta: float) -> list[float]:
    """z of each bucket computed the long way: every bucket, empty or not, updates the EWMA."""
    mean = var = 0.0
    scores = []
    for x in series:
        scores.append((x - max(mean, beta)) / (math.sqrt(var) + beta))
        delta = x - mean
        mean += alpha * delta
        var = (1 - alpha) * (var + alpha * delta * delta)
    return scores


@pytest.mark.parametrize("half_life", [3, 24])
def test_z_matches_direct_computation_with_gaps(half_life):
    series = [5, 7, 0, 0, 6, 0, 0, 0, 8, 30, 0, 9, 12]
    detector = SigniTrend(half_life=dt.timedelta(hours=half_life), threshold=-math.inf, min_count=0, warmup=0, beta=2.0)
    hours = {h: posts(h, "t", n) for h, n in enumerate(series) if n}
    charts = feed(detector, hours)
    got = {c.end // HOUR - 1: c.chart("global")[0].score for c in charts if c.charts}
    expected = direct_scores(series, detector.alpha, 2.0)
    assert sorted(got) == [h for h, n in enumerate(series) if n]
    for hour, score in got.items():
        assert score == pytest.approx(expected[hour], rel=1e-12, abs=1e-12)


def test_scopes_are_counted_separately():
    hours = {h: posts(h, "bg", 30, country="US", lang="en") + posts(h, "bg", 30, country="FR", lang="fr") for h in range(14)}
    hours[13] += posts(13, "Allons", 60, country="FR", lang="fr", platform="mastodon", authors=20)
    charts = feed(SigniTrend(warmup=2), hours)
    last = charts[-1]
    assert sorted(last.charts) == ["country:FR", "global", "lang:fr", "platform:mastodon"]
    assert {(e.posts, e.authors) for scope in last.charts for e in last.chart(scope)} == {(60, 20)}


def test_dimensions_limit_the_scopes():
    hours = {h: posts(h, "bg", 30, country="US") for h in range(14)}
    hours[13] += posts(13, "x", 60, country="US")
    charts = feed(SigniTrend(warmup=2, dimensions=("country",)), hours)
    assert sorted(charts[-1].charts) == ["country:US"]


def test_late_posts_are_counted_not_used():
    detector = SigniTrend(warmup=0)
    detector.update(posts_to_arrow(posts(0, "a", 3)))
    detector.update(posts_to_arrow(posts(2, "a", 3)))  # closes hour 0
    detector.update(posts_to_arrow(posts(0, "a", 5)))
    assert detector.late == 5


def test_lateness_keeps_a_bucket_open():
    detector = SigniTrend(warmup=0, lateness=dt.timedelta(hours=2))
    assert detector.update(posts_to_arrow(posts(0, "a", 3))) == []
    assert detector.update(posts_to_arrow(posts(2, "a", 3))) == []
    assert detector.update(posts_to_arrow(posts(0, "a", 5))) == []
    assert detector.late == 0
    assert [c.end // HOUR for c in detector.update(posts_to_arrow(posts(3, "a", 1)))] == [1]


def test_posts_without_time_or_tags_are_harmless():
    batch = posts_to_arrow([Post(platform="twitter", post_id="1", created_at=None, hashtags=["a"], hashtag_forms=["a"]),
                            Post(platform="twitter", post_id="2", created_at=HOUR)])
    detector = SigniTrend(warmup=0)
    assert detector.update(batch) == []
    assert detector.update(POST_SCHEMA.empty_table()) == []
    assert detector.flush() == []  # no tagged post with a time: no bucket


def test_display_form_is_the_most_frequent():
    hours = {h: posts(h, "bg", 30) for h in range(14)}
    hours[13] += posts(13, "metoo", 10) + [
        Post(platform="twitter", post_id=f"m{i}", created_at=13 * HOUR + i, author_id=f"b{i}",
             hashtags=["metoo"], hashtag_forms=["MeToo"]) for i in range(30)]
    charts = feed(SigniTrend(warmup=2), hours)
    assert [(e.tag, e.key, e.posts) for e in charts[-1].chart("global")] == [("#MeToo", "metoo", 40)]


events = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 400), st.integers(1, 20)), min_size=1, max_size=120)


@settings(max_examples=40, deadline=None)
@given(events)
def test_hashed_mean_never_underestimates_and_state_is_fixed(raw_events):
    """A tiny table forces collisions: a cell's mean is a sum of means, never less than a key's own."""
    detector = SigniTrend(width=16, depth=2, dimensions=("global",), warmup=0)
    size = detector.state_bytes
    per_hour: dict[int, dict[int, int]] = {}
    for hour, tag, count in raw_events:
        per_hour.setdefault(hour, {})
        per_hour[hour][tag] = per_hour[hour].get(tag, 0) + count
    for hour in sorted(per_hour):
        batch = [p for tag, count in per_hour[hour].items() for p in posts(hour, f"t{tag}", count)]
        detector.update(posts_to_arrow(batch))
    detector.flush()
    assert detector.state_bytes == size
    last = max(per_hour)
    for tag in {t for counts in per_hour.values() for t in counts}:
        exact = 0.0
        for hour in range(min(per_hour), last + 1):
            exact += detector.alpha * (per_hour.get(hour, {}).get(tag, 0) - exact)
        mean, _ = detector.estimate("global", f"t{tag}")
        assert mean >= exact - 1e-9


def test_state_does_not_grow_with_the_vocabulary():
    detector = SigniTrend(width=1 << 12)
    before = detector.state_bytes
    batch = posts_to_arrow([Post(platform="twitter", post_id=str(i), created_at=i, hashtags=[f"tag{i}"],
                                 hashtag_forms=[f"tag{i}"]) for i in range(20_000)])
    detector.update(batch)
    detector.flush()
    assert detector.state_bytes == before == 3 * 2 * (1 << 12) * 8


def test_batch_and_live_give_the_same_ranks(tiny_world, tiny_corpus):
    """The corpus read in time order, and the files read one day after another as a live
    stream would (out of order within a day, hence a day of lateness), chart alike."""
    from hashtide.corpus import Corpus
    from hashtide.trends.live import batches, PostStream, follow_lines
    import itertools

    scopes = ScopeFilter.parse("all")
    with Corpus.open(tiny_corpus, read_only=True) as corpus:
        batch_rows = rows(corpus_trends(corpus, SigniTrend(warmup=6)), scopes)
    live = SigniTrend(warmup=6, lateness=dt.timedelta(days=1))
    files = sorted(tiny_world.glob("*/*.jsonl"), key=lambda p: (p.stem[-10:], p.parent.name))
    stream = PostStream()
    documents = itertools.chain.from_iterable(follow_lines(str(p), follow=False) for p in files)
    live_charts = []
    for table in batches(documents, stream, batch_posts=300):
        live_charts.extend(live.update(table))
    live_charts.extend(live.flush())
    assert live.late == 0
    assert rows(live_charts, scopes) == batch_rows
    assert any(r["tag"] == "#TideTest" and r["scope"] == "global" and r["rank"] == 1 for r in batch_rows)
    assert len({r["scope"] for r in batch_rows}) >= 3


def test_batch_reads_in_time_order_with_since_and_until(tiny_corpus):
    from hashtide.corpus import Corpus

    since = dt.datetime(2021, 3, 6, 17, tzinfo=dt.timezone.utc)
    until = dt.datetime(2021, 3, 7, 0, tzinfo=dt.timezone.utc)
    with Corpus.open(tiny_corpus, read_only=True) as corpus:
        charts = list(corpus_trends(corpus, SigniTrend(), since, until))
    ends = [c.end for c in charts]
    assert ends == sorted(ends)
    assert ends[0] == int(since.timestamp() * 1e6) + HOUR
    assert ends[-1] == int(until.timestamp() * 1e6)
    assert any(e.key == "tidetest" for c in charts for e in c.chart("global"))
