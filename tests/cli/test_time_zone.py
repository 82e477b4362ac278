"""Figures do not depend on the machine's time zone: DuckDB sessions take it by default."""

from __future__ import annotations

import json
import os
import subprocess
import sys

V2 = "twitter-v2-twarc2"


def hashtide(*args: str, tz: str) -> str:
    done = subprocess.run([sys.executable, "-m", "hashtide", *args], capture_output=True, timeout=300,
                          env=os.environ | {"TZ": tz})
    assert done.returncode == 0, done.stderr
    return done.stdout.decode()


def test_day_buckets_and_exported_times_are_utc_wherever_hashtide_runs(tmp_path, shared_data):
    corpus = str(tmp_path / "c.duckdb")
    hashtide("ingest", str(shared_data / V2 / "twarccsv-brexit.jsonl"), "-c", corpus, tz="UTC")
    sheets = {tz: json.loads(hashtide("campaign", "Brexit", "-c", corpus, "--bucket", "day", "--json", tz=tz))
              for tz in ("UTC", "Asia/Tokyo", "America/New_York")}
    for sheet in sheets.values():
        sheet.pop("audit")
    # in Tokyo the peak day held 106 posts, not 126: days were cut at Tokyo's midnight
    assert sheets["UTC"]["peak"] == {"bucket": "2021-09-22T00:00:00Z", "posts": 126, "unit": "day", "per_hour": 5.25}
    assert sheets["Asia/Tokyo"] == sheets["UTC"] == sheets["America/New_York"]
    hashtide("export", "posts", "-c", corpus, "--to", str(tmp_path / "p.csv"), tz="Europe/Paris")
    first = (tmp_path / "p.csv").read_text().splitlines()[1]
    assert "2021-09-14 09:54:34+00" in first  # not 11:54:34+02
