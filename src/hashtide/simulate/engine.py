"""The run: plant the bursts, then walk the window an hour at a time, drawing the background,
naming every post (ids of each platform), counting the truth and writing the files.

Memory: the planted cascades are held as compact rows (about 60 bytes a post) because replies
and reposts reach back to them at any distance; the background exists one hour (and the hour
before, for parents) at a time. Determinism: every random draw comes from a generator seeded by
``(seed, component, hour, platform)``, so the same seed gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hashtide.simulate import ids
from hashtide.simulate.background import HOUR_MS, Background
from hashtide.simulate.cascade import BurstPlan, generate
from hashtide.simulate.names import Names
from hashtide.simulate.rows import CASCADE, ROW
from hashtide.simulate.scenarios import PLATFORM_NAMES, REPLY, REPOST, Scenario
from hashtide.simulate.truth import TruthBuilder, iso
from hashtide.simulate.world import World, build
from hashtide.simulate.writers import FORMATS, JetstreamWriter, MastodonWriter, Twarc2Writer

TWITTER, BLUESKY, MASTODON = (PLATFORM_NAMES.index(p) for p in ("twitter", "bluesky", "mastodon"))


class Truth(dict):
    """The content of ``truth.json``, with the path it was written to."""

    path: Path


def plant(scenario: Scenario, world: World, names: Names, scale: float, seed: int) -> np.ndarray:
    """Every planted burst's posts as one :data:`CASCADE` table sorted by time; a row's index is
    its serial number."""
    onsets = {b.tag: b.onset_us // 1000 for b in scenario.bursts}
    tables = []
    for index, burst in enumerate(scenario.bursts):
        cooccur = [(names.tag_id_of(tag, scenario), onsets[tag], rate) for tag, rate in burst.cooccur.items()]
        plan = BurstPlan(index, burst, names.burst_tag_id(index), cooccur, scenario.end_us // 1000, scale)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 31, index]))
        tables.append(generate(plan, world, rng))
    offsets = np.cumsum([0] + [len(t) for t in tables[:-1]])
    for table, offset in zip(tables, offsets):
        has = table["parent"] >= 0
        table["parent"][has] += offset
        table["root"] += offset
    table = np.concatenate(tables) if tables else np.zeros(0, CASCADE)
    order = np.argsort(table["t"], kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    table = table[order]
    has = table["parent"] >= 0
    table["parent"][has] = rank[table["parent"][has]]
    table["root"] = rank[table["root"]]
    twitter = table["platform"] == TWITTER
    geotag = world.pools["twitter"].geotag
    table["geo"] = False
    table["geo"][twitter] = geotag[table["author"][twitter]] & (table["kind"][twitter] != REPOST)
    return table


def from_cascade(cascade: np.ndarray, serials: np.ndarray) -> np.ndarray:
    """:data:`ROW` rows of planted posts, with their parents' and roots' ids and authors."""
    c = cascade[serials]
    rows = np.zeros(len(serials), ROW)
    rows["serial"] = serials
    for key in ("t", "platform", "kind", "burst", "author", "seed", "geo", "tags", "pid"):
        rows[key] = c[key]
    parent = c["parent"].astype(np.int64)
    has = parent >= 0
    rows["parent"] = np.where(has, parent, -1)
    rows["parent_author"][has] = cascade["author"][parent[has]]
    rows["parent_pid"][has] = cascade["pid"][parent[has]]
    rows["root_author"] = cascade["author"][c["root"]]
    rows["root_pid"] = cascade["pid"][c["root"]]
    return rows


def assign_ids(rows: np.ndarray) -> None:
    """Each platform's ids from the creation time (rows sorted by time): snowflakes, Mastodon
    ids, TIDs; a sequence number separates posts of the same millisecond."""
    for p in (TWITTER, BLUESKY, MASTODON):
        where = np.flatnonzero(rows["platform"] == p)
        if not len(where):
            continue
        t = rows["t"][where]
        seq = ids.sequence_within(t)
        seeds = rows["seed"][where].astype(np.int64)
        if p == TWITTER:
            rows["pid"][where] = ids.twitter_snowflake(t, seeds & 0x3FF, seq & 0xFFF)
        elif p == MASTODON:
            rows["pid"][where] = ids.mastodon_id(t, seq)
        else:
            rows["pid"][where] = ids.tid(t * 1000 + seq % 1000, (seq // 1000) & 0x3FF)


def resolve_background(rows: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Fill the parent and root ids of the background rows of a chunk (ids assigned); returns
    them sorted by serial, to serve as the next chunk's ``previous``."""
    pos = np.flatnonzero(rows["burst"] < 0)
    cur = rows[pos]
    order = np.argsort(cur["serial"], kind="stable")
    cur, pos = cur[order], pos[order]
    prev = previous if previous is not None else np.zeros(0, ROW)
    lookup = np.concatenate([prev, cur])
    if not len(lookup):
        return cur
    base = lookup["serial"][0]
    n_prev = len(prev)
    has = cur["parent"] >= 0
    at = cur["parent"][has] - base
    cur["parent_pid"][has] = lookup["pid"][at]
    cur["parent_author"][has] = lookup["author"][at]
    # a reply's root is its parent's root: follow reply links to a post that is its own root
    # (or to a post of the previous hour, whose root is known) by pointer jumping
    jump = np.arange(len(lookup))
    reply = np.flatnonzero(cur["kind"] == REPLY)
    jump[n_prev + reply] = cur["parent"][reply] - base
    while True:
        nxt = jump[jump]
        if np.array_equal(nxt, jump):
            break
        jump = nxt
    anchor = jump[n_prev:]
    from_prev = anchor < n_prev
    cur["root_pid"] = np.where(from_prev, lookup["root_pid"][anchor], lookup["pid"][anchor])
    cur["root_author"] = np.where(from_prev, lookup["root_author"][anchor], lookup["author"][anchor])
    rows[pos] = cur
    return cur


def gather(serials: np.ndarray, cascade: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Rows of the given serials (planted, or background of this hour and the one before)."""
    rows = np.zeros(len(serials), ROW)
    planted = (serials >= 0) & (serials < len(cascade))
    rows[planted] = from_cascade(cascade, serials[planted])
    other = serials >= len(cascade)
    if other.any():
        rows[other] = background[serials[other] - background["serial"][0]]
    return rows


def run(scenario: Scenario, out_dir: Path, scale: float, seed: int, formats: tuple[str, ...]) -> Truth:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = build(scenario, scale, seed)
    names = Names(scenario, world)
    cascade = plant(scenario, world, names, scale, seed)
    platforms = {FORMATS[f] for f in formats}
    start_ms, end_ms = scenario.start_us // 1000, scenario.end_us // 1000
    writers = {}
    if "twarc2" in formats:
        writers[TWITTER] = Twarc2Writer(out_dir, names, (start_ms, end_ms), iso(end_ms + 6 * HOUR_MS).replace(".000Z", "+00:00"))
    if "jetstream" in formats:
        writers[BLUESKY] = JetstreamWriter(out_dir, names)
    if "mastodon" in formats:
        writers[MASTODON] = MastodonWriter(out_dir, names)
    truth = TruthBuilder(scenario, world, names, platforms, seed, scale)
    background = Background(scenario, world, scale, seed)
    previous_by_platform: dict[str, np.ndarray | None] = {p: None for p in scenario.background_per_hour}
    previous = None
    serial = len(cascade)
    hours = int(np.ceil((end_ms - start_ms) / HOUR_MS))
    for hour in range(hours):
        lo = start_ms + hour * HOUR_MS
        hi = min(lo + HOUR_MS, end_ms)
        parts = []
        first, last = np.searchsorted(cascade["t"], [lo, hi])
        parts.append(from_cascade(cascade, np.arange(first, last)))
        for platform in sorted(scenario.background_per_hour):
            rows = background.hour(platform, hour, lo, serial, previous_by_platform[platform])
            serial += len(rows)
            parts.append(rows)
        rows = np.concatenate(parts)
        rows = rows[np.lexsort((rows["serial"], rows["t"]))]
        assign_ids(rows)
        planted = rows["burst"] >= 0
        cascade["pid"][rows["serial"][planted]] = rows["pid"][planted]
        rows[planted] = from_cascade(cascade, rows["serial"][planted])
        current = resolve_background(rows, previous)
        lookup = np.concatenate([previous, current]) if previous is not None else current
        parents = gather(rows["parent"], cascade, lookup)
        truth.update(rows)
        for p, writer in writers.items():
            on = rows["platform"] == p
            if on.any():
                writer.write(rows[on].tolist(), parents[on].tolist())
        previous = current
        for platform in previous_by_platform:
            previous_by_platform[platform] = current[current["platform"] == PLATFORM_NAMES.index(platform)]
    files = {}
    for p, writer in writers.items():
        writer.close()
        files[PLATFORM_NAMES[p]] = writer.files.paths
    result = Truth(truth.result(files, list(formats)))
    result.path = out_dir / "truth.json"
    result.path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return result
