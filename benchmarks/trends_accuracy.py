"""Accuracy of the trending charts on simulated worlds, against the planted truth.

Usage: python benchmarks/trends_accuracy.py [--scenario metoo-2017] [--scale 1.0] [--work DIR]

The default scale is the scenario's own world (metoo-2017 at 1.0: about 3.1 M posts, 5 to 10 minutes to
simulate and ingest the first time; worlds are kept in --work). --scale 0.1 is a quick look, too
small for the Italian sibling to chart.

For each scenario the world is simulated (or reused from --work), ingested into a corpus, and the
batch charts (1 h buckets, default parameters, every scope) are compared with truth.json:

- recall: planted bursts (campaigns, siblings, answers, decoys) that enter a chart, per scope
  dimension. A (burst, scope) pair is *expected* when the burst's busiest bucket in that scope
  holds at least EXPECTED_PEAK posts (fewer cannot pass min_count with room to spare);
- delay: minutes from the burst's first post in the scope to the end of the first bucket in
  which it charts (the moment the chart can say so), and the same in buckets;
- false alerts per scope per day: background tags (no planted burst) entering a chart;
- steady tags: the background's top tags (truth ``steady_tags``) must never chart;
- the done-when checks of issue 3 for metoo-2017.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from hashtide.corpus import Corpus
from hashtide.ingest import ingest
from hashtide.simulate import simulate
from hashtide.trends.batch import corpus_trends
from hashtide.trends.charts import Alerts
from hashtide.trends.signitrend import SigniTrend

EXPECTED_PEAK = 40
HOUR_US = 3_600_000_000


def world(scenario: str, scale: float, work: Path) -> tuple[dict, Path]:
    out = work / f"{scenario}-{scale}"
    truth_path = out / "truth.json"
    if not truth_path.exists():
        simulate(scenario, out, scale=scale, seed=1)
    corpus_path = work / f"{scenario}-{scale}.duckdb"
    if not corpus_path.exists():
        with Corpus.open(corpus_path) as corpus:
            ingest(corpus, sorted(str(p) for p in out.glob("*/*.jsonl")))
    return json.loads(truth_path.read_text()), corpus_path


def peaks(corpus: Corpus, keys: list[str]) -> dict[tuple[str, str], tuple[int, int]]:
    """(tag key, scope) -> (posts in the busiest hour, first post time in us)."""
    found = {}
    for dimension in ("global", "country", "lang", "platform"):
        scope = "'global'" if dimension == "global" else f"'{dimension}:' || {dimension}"
        rows = corpus.con.execute(
            f"""
            with uses as (
                select unnest(hashtags) as tag, {scope} as scope, epoch_us(created_at) as t
                from posts where created_at is not null {'' if dimension == 'global' else f'and {dimension} is not null'}
            )
            select tag, scope, max(n), min(first) from (
                select tag, scope, t // {HOUR_US} as b, count(*) as n, min(t) as first
                from uses where list_contains(?, tag) group by all
            ) group by tag, scope
            """,
            [keys],
        ).fetchall()
        for tag, scope_name, peak, first in rows:
            found[(tag, scope_name)] = (int(peak), int(first))
    return found


def evaluate(truth: dict, corpus_path: Path, **params) -> dict:
    planted = {b["key"]: b for b in truth["campaigns"] + truth["decoys"]}
    for b in truth["campaigns"]:
        for rel in b.get("siblings", []) + b.get("answers", []):
            planted.setdefault(rel["key"], rel)
    steady = {t["key"] for t in truth["background"]["steady_tags"]}
    detector = SigniTrend(**params)
    alerts = Alerts(top=10)
    first_chart: dict[tuple[str, str], int] = {}
    false_alerts: dict[str, int] = defaultdict(int)
    steady_charted: set[str] = set()
    top_global: dict[int, str] = {}
    scopes_seen: set[str] = set()
    topped: set[tuple[str, str]] = set()
    started = time.perf_counter()
    with Corpus.open(corpus_path, read_only=True) as corpus:
        expected = {k: v for k, v in peaks(corpus, list(planted)).items() if v[0] >= EXPECTED_PEAK}
        buckets = 0
        for bucket in corpus_trends(corpus, detector):
            buckets += 1
            for scope, entries in bucket.charts.items():
                scopes_seen.add(scope)
                for e in entries[:10]:
                    first_chart.setdefault((e.key, scope), bucket.end)
                    if e.key in steady:
                        steady_charted.add(f"{e.key}@{scope}")
                if entries:
                    topped.add((entries[0].key, scope))
                if scope == "global" and entries:
                    top_global[bucket.end] = entries[0].key
            for e in alerts.update(bucket):
                if e.key not in planted:
                    false_alerts[e.scope] += 1
    elapsed = time.perf_counter() - started
    days = (dt.datetime.fromisoformat(truth["window"]["end"].replace("Z", "+00:00"))
            - dt.datetime.fromisoformat(truth["window"]["start"].replace("Z", "+00:00"))).total_seconds() / 86400
    by_dim: dict[str, dict] = {}
    for (key, scope), (peak, first) in expected.items():
        dim = scope.partition(":")[0]
        stats = by_dim.setdefault(dim, {"expected": 0, "found": 0, "delays": [], "missed": []})
        stats["expected"] += 1
        if (key, scope) in first_chart:
            stats["found"] += 1
            stats["delays"].append((first_chart[(key, scope)] - first) / 60e6)
        else:
            stats["missed"].append(f"{key}@{scope}(peak {peak})")
    n_scopes = max(len(scopes_seen), 1)
    return {"by_dim": by_dim, "false_alerts": dict(false_alerts), "false_per_scope_day": sum(false_alerts.values()) / n_scopes / days,
            "worst_scope_per_day": max(false_alerts.values(), default=0) / days, "steady_charted": sorted(steady_charted),
            "first_chart": first_chart, "topped": topped, "top_global": top_global, "seconds": elapsed, "scopes": n_scopes, "days": days}


def done_when(truth: dict, result: dict) -> list[tuple[str, bool, str]]:
    """Issue 3's checks on metoo-2017."""
    checks = []
    onset = int(dt.datetime.fromisoformat("2017-10-15T20:21:00+00:00").timestamp() * 1e6)
    first_top = min((end for end, key in result["top_global"].items() if key == "metoo" and end > onset), default=None)
    buckets = None if first_top is None else (first_top - onset) / HOUR_US
    checks.append(("#MeToo top global trend within 2 buckets of launch", buckets is not None and buckets <= 2,
                   f"{buckets:.2f} buckets" if buckets is not None else "never"))
    for scope in ("country:US", "country:GB"):
        checks.append((f"#MeToo tops the {scope} chart", ("metoo", scope) in result["topped"], ""))
    for key, scope in (("balancetonporc", "country:FR"), ("quellavoltache", "country:IT")):
        checks.append((f"#{key} trends in {scope}", (key, scope) in result["first_chart"], ""))
    return checks


def report(name: str, result: dict) -> None:
    print(f"\n== {name}: {result['scopes']} scopes, {result['days']:.1f} days, charts in {result['seconds']:.1f} s")
    print(f"{'dimension':10} {'recall':>8} {'median delay min':>17} {'(buckets)':>10}")
    for dim, s in sorted(result["by_dim"].items()):
        recall = s["found"] / s["expected"] if s["expected"] else float("nan")
        delay = statistics.median(s["delays"]) if s["delays"] else float("nan")
        print(f"{dim:10} {recall:8.3f} {delay:17.1f} {delay / 60:10.2f}   ({s['found']}/{s['expected']})")
        if s["missed"]:
            print(f"{'':10} missed: {', '.join(sorted(s['missed'])[:8])}")
    print(f"false alerts per scope per day: {result['false_per_scope_day']:.3f} "
          f"(worst scope {result['worst_scope_per_day']:.2f}/day; targets < 1)")
    print(f"steady background tags charted: {result['steady_charted'] or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", action="append")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/hashtide-trends-accuracy"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for scenario in args.scenario or ["tiny", "metoo-2017"]:
        truth, corpus_path = world(scenario, args.scale if scenario != "tiny" else 1.0, args.work)
        result = evaluate(truth, corpus_path)
        report(f"{scenario} (scale {truth['scale']})", result)
        if scenario == "metoo-2017":
            for label, ok, note in done_when(truth, result):
                print(f"  [{'x' if ok else ' '}] {label} {note}")


if __name__ == "__main__":
    sys.exit(main())
