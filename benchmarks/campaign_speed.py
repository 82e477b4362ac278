"""The full fact sheet of #MeToo at 1 M and 10 M posts, and the same figures the way users compute
them today (pandas over `twarc2 csv` output), in one run.

    .venv/bin/python benchmarks/campaign_speed.py [--sizes 1e6,1e7] [--scale 0.1] [--work DIR]

The corpus: the simulated ``metoo-2017`` world (Twitter only, written as twarc2 files and
ingested by ``hashtide ingest``) at ``--scale`` (0.1: ~274 k posts), replicated inside DuckDB
to each size. Copy k of the world appends the three digits of k to every id (post, parent,
root, author, parent author: distinct across copies, links stay inside a copy) and moves every
time k milliseconds later, so the copies interleave in time and copy 0 keeps the origin. The
structure is the simulator's (cascades, siblings, answers, decoys, background) and the figures
are known: posts, kinds and authors are ``copies`` times the world's, the origin's replies and
reposts the world's. The benchmark checks both.

Times: ``hashtide campaign --json`` end to end as a user runs it (a new process: imports,
compiled SQL from the on-disk cache, every figure including the audit SQL, JSON on stdout), and
``Campaign(...).facts()`` in a warm process (best of ``--runs``).

The peer: ``twarc2 csv`` (twarc-csv, in the peers' virtual environment) converts the world's
twarc2 files once; its CSV is replicated like the corpus; then the pandas pipeline a researcher
writes reads it (only the 10 columns it needs: the fastest reasonable way, so the ratio is
conservative) and computes posts (reposts through their subject), kinds, authors, origin,
replies and reposts of the origin, peak hour, languages, countries. It computes fewer figures
(no cascades, PageRank, related tags, timeline of new authors). It runs up to ``--peer-max``
posts (pandas holds the CSV in memory).

Built corpora stay in ``--work`` (default /tmp/hashtide-campaign-speed) for the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from _measure import BIN, machine, peer_bin  # noqa: E402

from hashtide.campaign import Campaign  # noqa: E402
from hashtide.corpus import Corpus  # noqa: E402

TAG = "metoo"
ID_COLUMNS = ("post_id", "author_id", "author_handle", "parent_id", "root_id", "parent_author_id")
CSV_ID_COLUMNS = ("id", "author_id", "referenced_tweets.retweeted.id", "referenced_tweets.replied_to.id",
                  "referenced_tweets.quoted.id")
PEER_COLUMNS = [*CSV_ID_COLUMNS, "created_at", "lang", "geo.country_code", "entities.hashtags",
                "author.public_metrics.followers_count"]


def base_world(work: Path, scale: float, seed: int) -> tuple[Path, Path, dict]:
    """(corpus, twarc2 csv, truth) of the simulated world, built once into ``work``."""
    world, corpus, csv = work / "world", work / "base.duckdb", work / "base.csv"
    if not (world / "truth.json").exists():
        subprocess.run([str(BIN / "hashtide"), "simulate", "metoo-2017", "--scale", str(scale), "--seed", str(seed),
                        "--formats", "twarc2", "--out", str(world)], check=True, capture_output=True)
    files = sorted(str(p) for p in (world / "twitter").glob("*.jsonl"))
    if not corpus.exists():
        subprocess.run([str(BIN / "hashtide"), "ingest", *files, "--corpus", str(corpus)], check=True,
                       capture_output=True)
    if not csv.exists():
        joined = work / "world.jsonl"
        with open(joined, "wb") as out:
            for f in files:
                with open(f, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        began = time.perf_counter()
        # a bearer token only to get past twarc2's first-run configuration prompt: csv is offline
        subprocess.run([str(peer_bin("twarc2")), "--bearer-token", "offline", "csv", str(joined), str(csv)],
                       check=True, capture_output=True, stdin=subprocess.DEVNULL,
                       env=os.environ | {"HOME": str(work)}, cwd=work)  # twarc2 writes twarc.log here
        (work / "twarc2-csv-seconds").write_text(f"{time.perf_counter() - began:.1f}")
        joined.unlink()
    return corpus, csv, json.loads((world / "truth.json").read_text())


def replicate(base: Path, target: Path, copies: int) -> None:
    """``copies`` copies of the base corpus' posts and users (see the module docstring)."""
    if target.exists():
        return
    with Corpus.open(target) as corpus:
        con = corpus.con
        con.execute(f"attach '{base}' as base (read_only)")
        suffix = "lpad(k::varchar, 3, '0')"
        columns = [f"{c} || {suffix} as {c}" if c in ID_COLUMNS else
                   f"created_at + k * interval 1 millisecond as created_at" if c == "created_at" else c
                   for c in (r[0] for r in con.execute("select name from pragma_table_info('posts')").fetchall())]
        con.execute(f"insert into posts select {', '.join(columns)} from base.posts, "
                    f"(select range as k from range({copies}))")
        users = [f"{c} || {suffix} as {c}" if c in ("user_id", "handle") else c
                 for c in (r[0] for r in con.execute("select name from pragma_table_info('users')").fetchall())]
        con.execute(f"insert into users select {', '.join(users)} from base.users, (select range as k from range({copies}))")
        con.execute("checkpoint")
        con.execute("detach base")


def replicate_csv(base: Path, target: Path, copies: int) -> None:
    """The `twarc2 csv` output replicated like the corpus (ids suffixed, times moved)."""
    if target.exists():
        return
    con = duckdb.connect()
    names = [r[0] for r in con.execute(f"describe select * from read_csv('{base}', all_varchar=true)").fetchall()]
    suffix = "lpad(k::varchar, 3, '0')"
    columns = []
    for c in names:
        q = f'"{c}"'
        if c in CSV_ID_COLUMNS:
            columns.append(f"{q} || {suffix} as {q}")
        elif c == "created_at":
            columns.append(f"strftime({q}::timestamptz + k * interval 1 millisecond, '%Y-%m-%dT%H:%M:%S.%gZ') as {q}")
        else:
            columns.append(q)
    con.execute("set timezone = 'UTC'")
    con.execute(f"copy (select {', '.join(columns)} from read_csv('{base}', all_varchar=true), "
                f"(select range as k from range({copies}))) to '{target}' (header, delimiter ',')")
    con.close()


def pandas_way(path: Path, tag: str) -> dict:
    """The figures a researcher computes with pandas from `twarc2 csv` output."""
    import pandas as pd

    df = pd.read_csv(path, dtype=str, usecols=PEER_COLUMNS)
    df["created_at"] = pd.to_datetime(df["created_at"], format="ISO8601")
    carries = df["entities.hashtags"].str.lower().str.contains(f'"#{tag}"', regex=False, na=False)
    own = df[carries]
    through = df[df["referenced_tweets.retweeted.id"].isin(own["id"]) & ~carries]
    uses = pd.concat([own, through])
    kind = pd.Series("original", index=uses.index)
    kind[uses["referenced_tweets.retweeted.id"].notna()] = "repost"
    kind[uses["referenced_tweets.replied_to.id"].notna()] = "reply"
    kind[uses["referenced_tweets.quoted.id"].notna()] = "quote"
    uses = uses.assign(kind=kind)
    origin = uses.sort_values(["created_at", "id"]).iloc[0]
    per_hour = uses.groupby(uses["created_at"].dt.floor("h")).size()
    followers = pd.to_numeric(uses["author.public_metrics.followers_count"]).groupby(uses["author_id"]).max()
    return {
        "posts": len(uses), "by_kind": uses["kind"].value_counts().to_dict(),
        "distinct_authors": uses["author_id"].nunique(), "origin": origin["id"],
        "replies_to_origin": int((df["referenced_tweets.replied_to.id"] == origin["id"]).sum()),
        "reposts_of_origin": int((df["referenced_tweets.retweeted.id"] == origin["id"]).sum()),
        "reach_upper_bound": int(followers.sum()), "peak": int(per_hour.max()),
        "languages": uses.groupby("lang").agg(posts=("id", "size"), authors=("author_id", "nunique")).to_dict(),
        "countries": uses.groupby("geo.country_code").agg(posts=("id", "size"), first=("created_at", "min")).to_dict(),
    }


def time_cli(corpus: Path) -> tuple[float, dict]:
    began = time.perf_counter()
    out = subprocess.run([str(BIN / "hashtide"), "campaign", TAG, "--corpus", str(corpus), "--json"],
                         check=True, capture_output=True).stdout
    return time.perf_counter() - began, json.loads(out)


def time_in_process(corpus: Path, runs: int) -> float:
    best = float("inf")
    with Corpus.open(corpus, read_only=True) as store:
        for _ in range(runs):
            began = time.perf_counter()
            with Campaign(store, TAG) as story:
                story.facts()
            best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e6,1e7", help="target posts per corpus, comma-separated")
    parser.add_argument("--scale", type=float, default=0.1, help="metoo-2017 scale of the replicated world")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-max", type=float, default=2e6, help="largest corpus the pandas peer runs on")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--work", type=Path, default=Path(tempfile_dir()))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    base, base_csv, truth = base_world(args.work, args.scale, args.seed)
    with duckdb.connect(str(base), read_only=True) as con:
        world_posts = con.execute("select count(*) from posts").fetchall()[0][0]
    metoo = next(c for c in truth["campaigns"] if c["key"] == TAG)
    load = os.getloadavg()
    print(f"# campaign speed, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}, "
          f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (shared machine)")
    print(f"world: metoo-2017 scale {args.scale} seed {args.seed}, {world_posts:,} posts, #MeToo {metoo['posts']:,}")
    if (args.work / "twarc2-csv-seconds").exists():
        print(f"twarc2 csv of the world (once, not in the ratio): {(args.work / 'twarc2-csv-seconds').read_text().strip()} s")
    print(f"{'posts':>12} {'#metoo':>10} {'CLI --json':>11} {'facts()':>9} {'pandas':>9} {'ratio':>7}  exact")
    for size in (float(s) for s in args.sizes.split(",")):
        copies = max(1, round(size / world_posts))
        corpus = args.work / f"corpus-x{copies}.duckdb"
        replicate(base, corpus, copies)
        cli, facts = time_cli(corpus)
        warm = time_in_process(corpus, args.runs)
        exact = (facts["posts"] == copies * metoo["posts"]
                 and facts["distinct_authors"] == copies * metoo["distinct_authors"]
                 and facts["by_kind"] == {k: copies * v for k, v in metoo["by_kind"].items()}
                 and facts["replies_to_origin"] == metoo["replies_to_origin"]
                 and facts["reposts_of_origin"] == metoo["reposts_of_origin"])
        peer_s, ratio = "-", "-"
        if not args.no_peer and copies * world_posts <= args.peer_max:
            csv = args.work / f"tweets-x{copies}.csv"
            replicate_csv(base_csv, csv, copies)
            began = time.perf_counter()
            peer = pandas_way(csv, TAG)
            seconds = time.perf_counter() - began
            peer_s, ratio = f"{seconds:.2f}", f"{seconds / warm:.1f}x"
            exact = exact and peer["posts"] == facts["posts"] and peer["replies_to_origin"] == facts["replies_to_origin"]
        print(f"{copies * world_posts:>12,} {facts['posts']:>10,} {cli:>10.2f}s {warm:>8.2f}s {peer_s:>9} {ratio:>7}  "
              f"{'yes' if exact else 'NO'}", flush=True)
    print("target: 10 M posts in < 5 s. ratio = pandas seconds / facts() seconds (pandas computes fewer figures).")


def tempfile_dir() -> str:
    return os.path.join(os.environ.get("TMPDIR", "/tmp"), "hashtide-campaign-speed")


if __name__ == "__main__":
    main()
