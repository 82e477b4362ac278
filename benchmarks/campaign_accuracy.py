"""Campaign figures against the truth of simulated worlds: one row per figure, truth vs computed.

    .venv/bin/python benchmarks/campaign_accuracy.py [--scenario tiny] [--scale 1.0] [--seed 1] [--formats F,...]

Simulates the world (hashtide.simulate), ingests its files into a fresh corpus, tells the story
of every campaign, sibling and answer the truth lists, and compares: every count equal, every
first-seen time equal, the planted siblings and answers found with their relation (those sharing
fewer posts with the campaign than ``MIN_COOCCURRENCE`` are, by definition, not related: expected
absent), decoys absent.
Exit status 1 when a figure differs. Where a campaign's posts differ, it also prints the posts of
the corpus' other tags that differ from the campaign's key only by accents (hashtide's keys, NFKC
+ casefold as DESIGN.md says, keep #YoTambien apart from #YoTambién; the simulator's display forms
are all spellings of one key, which its scenarios check): if they add up to the truth, it says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import unicodedata
from pathlib import Path

from hashtide.campaign import Campaign
from hashtide.campaign.story import MIN_COOCCURRENCE
from hashtide.corpus import Corpus
from hashtide.ingest import ingest
from hashtide.simulate import simulate

COUNTS = ("posts", "distinct_authors", "replies_to_origin", "reposts_of_origin")


def moment(text: str | None):
    return None if text is None else dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def compare(truth: dict, facts: dict) -> list[tuple[str, object, object]]:
    rows = [(name, truth[name], facts[name]) for name in COUNTS]
    rows += [(f"by_kind.{k}", v, facts["by_kind"].get(k, 0)) for k, v in truth["by_kind"].items()]
    for key in ("platform", "post_id", "created_at"):  # a world may hold no post of a campaign
        t, f = (truth["origin"] or {}).get(key), (facts["origin"] or {}).get(key)
        if key == "created_at":
            t, f = moment(t), moment(f)
        rows.append((f"origin.{key}", t, f))
    for what in ("platforms", "countries", "languages"):
        for name, t in truth[what].items():
            f = facts[what].get(name, {"posts": 0, "authors": 0, "first_seen": None})
            rows.append((f"{what}.{name}", (t["posts"], t["authors"], moment(t["first_seen"])),
                         (f["posts"], f["authors"], moment(f["first_seen"]))))
        extra = set(facts[what]) - set(truth[what])
        if extra:
            rows.append((f"{what} (extra)", [], sorted(extra)))
    related = {r["key"]: r["relation"] for r in facts["related"]}
    for role, relation in (("siblings", "sibling"), ("answers", "answer")):
        for planted in truth.get(role, []):
            # a planted tag that shares fewer posts with the campaign than the threshold is, by the
            # definition, not related (a decoy shares none): absence is then the right answer
            shared = planted.get("cooccurrence", MIN_COOCCURRENCE)
            expected = relation if shared >= MIN_COOCCURRENCE else "absent"
            rows.append((f"related.{planted['key']}", expected, related.get(planted["key"], "absent")))
    return rows


def unaccented(key: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", key) if not unicodedata.combining(c))


def accent_variants(corpus, key: str) -> dict[str, int]:
    """Posts using each tag of the corpus whose key equals ``key`` but for accents (not ``key``)."""
    tags = corpus.con.execute("select distinct unnest(hashtags) from posts").fetchall()
    variants = {}
    for (other,) in tags:
        if other != key and unaccented(other) == unaccented(key):
            with Campaign(corpus, other) as story:
                variants[other] = story.facts(audit=False)["posts"]
    return variants


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="tiny")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default="twarc2,jetstream,mastodon", help="formats the world is written in")
    args = parser.parse_args()
    wrong = 0
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        truth = simulate(args.scenario, world, scale=args.scale, seed=args.seed, formats=tuple(args.formats.split(",")))
        files = sorted(str(p) for p in world.rglob("*.jsonl*"))
        with Corpus.open(Path(tmp) / "c.duckdb") as corpus:
            ingest(corpus, files)
            decoys = {d["key"] for d in truth["decoys"]}
            print(f"{'world':<12} {'figure':<34} {'truth':>28} {'computed':>28}  ok")
            for campaign in truth["campaigns"]:
                with Campaign(corpus, campaign["key"], reveal_authors=True) as story:
                    facts = story.facts(audit=False)
                for name, t, f in compare(campaign, facts):
                    ok = t == f
                    wrong += not ok
                    print(f"{campaign['tag'][:12]:<12} {name[:34]:<34} {str(t)[:28]:>28} {str(f)[:28]:>28}  "
                          f"{'yes' if ok else 'NO'}")
                if facts["posts"] != campaign["posts"]:
                    variants = accent_variants(corpus, campaign["key"])
                    total = facts["posts"] + sum(variants.values())
                    print(f"{campaign['tag'][:12]:<12} note: tags differing only by accents: {variants or 'none'}; "
                          f"{facts['posts']} + {sum(variants.values())} = {total} "
                          + ("= the truth: the simulator counts them as one tag" if total == campaign["posts"]
                             else "!= the truth"))
                present = decoys & {r["key"] for r in facts["related"]}
                wrong += bool(present)
                print(f"{campaign['tag'][:12]:<12} {'decoys among related':<34} {'none':>28} "
                      f"{', '.join(sorted(present)) or 'none':>28}  {'NO' if present else 'yes'}")
    print(f"\n{args.scenario} scale {args.scale} seed {args.seed}: "
          + ("every figure equals the truth" if not wrong else f"{wrong} figures differ"))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
