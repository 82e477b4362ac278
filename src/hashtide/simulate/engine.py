"""The run: plant the bursts, then walk the window an hour at a time, drawing the background,
naming every post (ids of each platform), counting the truth and writing the files.

Memory does not grow with the number of posts (issue #2). The planted cascades are drawn a block
at a time (cascade.py) and spilled to disk, a file per hour, then numbered in time order
(spill.py). The walk goes an hour at a time, and within the hour a slice of whole seconds of at
most about :data:`SLICE_ROWS` posts at a time: it reads the slice's planted posts back, and their
parents and roots of earlier slices from the file of planted rows already written. The background
is drawn an hour at a time and kept one hour more (its reactions' parents), as compact rows. What
stays in memory for the whole run: the account pools (10 bytes an account, world.py: they grow
with the world's accounts, not with its posts), the truth's sets of authors (three bit sets over
the accounts per planted tag and platform, truth.py) and the writers' caches of recent tweets and
users (fixed sizes, writers.py).

Determinism: every random draw comes from a generator seeded by ``(seed, component, burst or hour,
platform)``, accounts are hashes of their number, and the order posts are spilled in does not
reach the files (numbering sorts by time, burst and row), so the same seed gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hashtide.simulate import ids
from hashtide.simulate.background import HOUR_MS, Background
from hashtide.simulate.cascade import BurstPlan, generate
from hashtide.simulate.names import Names
from hashtide.simulate.rows import ROW
from hashtide.simulate.scenarios import PLATFORM_NAMES, REPLY, REPOST, Scenario
from hashtide.simulate.spill import PlantedStore
from hashtide.simulate.truth import TruthBuilder, iso
from hashtide.simulate.world import World, build
from hashtide.simulate.writers import FORMATS, JetstreamWriter, MastodonWriter, Twarc2Writer

TWITTER, BLUESKY, MASTODON = (PLATFORM_NAMES.index(p) for p in ("twitter", "bluesky", "mastodon"))


class Truth(dict):
    """The content of ``truth.json``, with the path it was written to."""

    path: Path


def plant(scenario: Scenario, world: World, names: Names, scale: float, seed: int, store: PlantedStore) -> int:
    """Draw every planted burst into ``store`` and number the posts; returns how many there are."""
    onsets = {b.tag: b.onset_us // 1000 for b in scenario.bursts}
    geotag = world.pools["twitter"].geotag

    def spill(rows: np.ndarray) -> None:
        twitter = rows["platform"] == TWITTER
        rows["geo"][twitter] = geotag[rows["author"][twitter]] & (rows["kind"][twitter] != REPOST)
        store.add(rows)

    for index, burst in enumerate(scenario.bursts):
        cooccur = [(names.tag_id_of(tag, scenario), onsets[tag], rate) for tag, rate in burst.cooccur.items()]
        plan = BurstPlan(index, burst, names.burst_tag_id(index), cooccur, scenario.end_us // 1000, scale)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 31, index]))
        store.end_burst(generate(plan, world, rng, spill))
    return store.number()


def resolve_planted(planted: np.ndarray, roots: np.ndarray, store: PlantedStore) -> np.ndarray:
    """Fill the parent and root authors and ids of an hour's planted rows (ids assigned, serial
    order); returns each row's parent row (zeros where none). Parents and roots of earlier hours
    are read from ``store``; the others are rows of this hour."""
    if not len(planted):
        return np.zeros(0, ROW)
    first = planted["serial"][0]
    has = planted["parent"] >= 0
    wanted = np.concatenate([planted["parent"][has], roots])
    earlier_serials = np.unique(wanted[wanted < first])
    earlier = store.read(earlier_serials)

    def rows_of(serials: np.ndarray) -> np.ndarray:
        out = np.empty(len(serials), ROW)
        here = serials >= first
        out[here] = planted[serials[here] - first]
        out[~here] = earlier[np.searchsorted(earlier_serials, serials[~here])]
        return out

    parent = rows_of(planted["parent"][has])
    planted["parent_author"][has] = parent["author"]
    planted["parent_pid"][has] = parent["pid"]
    root = rows_of(roots)
    planted["root_author"] = root["author"]
    planted["root_pid"] = root["pid"]
    parents = np.zeros(len(planted), ROW)
    parents[has] = rows_of(planted["parent"][has])  # again: this hour's parents are complete now
    return parents


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


def resolve_background(rows: np.ndarray, known: np.ndarray, base: int) -> np.ndarray:
    """Fill the parent and root ids of the background rows of a slice (ids assigned); returns
    their parents' rows (zeros where none). ``known``: the background rows of the hour before and
    of this hour by serial from ``base``, complete for the slices before (it is completed here)."""
    pos = np.flatnonzero(rows["burst"] < 0)
    cur = rows[pos]
    at = cur["serial"] - base
    known["pid"][at] = cur["pid"]
    own_root = cur["kind"] != REPLY
    known["root_pid"][at[own_root]] = cur["pid"][own_root]
    known["root_author"][at[own_root]] = cur["author"][own_root]
    has = cur["parent"] >= 0
    parent_at = cur["parent"][has] - base
    cur["parent_pid"][has] = known["pid"][parent_at]
    cur["parent_author"][has] = known["author"][parent_at]
    # a reply's root is its parent's root: follow reply links to a post whose root is known (one
    # that is no reply, or of an earlier slice) by pointer jumping
    jump = np.arange(len(known))
    jump[at[~own_root]] = cur["parent"][~own_root] - base
    while True:
        nxt = jump[jump]
        if np.array_equal(nxt, jump):
            break
        jump = nxt
    anchor = jump[at]
    cur["root_pid"] = known["root_pid"][anchor]
    cur["root_author"] = known["root_author"][anchor]
    known[at] = cur
    rows[pos] = cur
    parents = np.zeros(len(rows), ROW)
    parents[pos[has]] = known[parent_at]
    return parents


def run(scenario: Scenario, out_dir: Path, scale: float, seed: int, formats: tuple[str, ...]) -> Truth:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = build(scenario, scale, seed)
    names = Names(scenario, world)
    start_ms, end_ms = scenario.start_us // 1000, scenario.end_us // 1000
    with PlantedStore(out_dir, start_ms, end_ms) as store:
        planted_posts = plant(scenario, world, names, scale, seed, store)
        writers = _writers(out_dir, names, formats, (start_ms, end_ms))
        truth = TruthBuilder(scenario, world, names, {FORMATS[f] for f in formats}, seed, scale)
        _write(scenario, world, scale, seed, store, planted_posts, writers, truth)
    files = {}
    for p, writer in writers.items():
        writer.close()
        files[PLATFORM_NAMES[p]] = writer.files.paths
    result = Truth(truth.result(files, list(formats)))
    result.path = out_dir / "truth.json"
    result.path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def _writers(out_dir: Path, names: Names, formats: tuple[str, ...], window: tuple[int, int]) -> dict:
    writers = {}
    if "twarc2" in formats:
        retrieved = iso(window[1] + 6 * HOUR_MS).replace(".000Z", "+00:00")
        writers[TWITTER] = Twarc2Writer(out_dir, names, window, retrieved)
    if "jetstream" in formats:
        writers[BLUESKY] = JetstreamWriter(out_dir, names)
    if "mastodon" in formats:
        writers[MASTODON] = MastodonWriter(out_dir, names)
    return writers


SLICE_ROWS = 8192  # posts named, counted and written together (more when one second has more)


def _write(scenario: Scenario, world: World, scale: float, seed: int, store: PlantedStore, planted_posts: int,
           writers: dict, truth: TruthBuilder) -> None:
    """Walk the window an hour at a time: the hour's background drawn, then a slice of whole
    seconds at a time, its planted posts read from ``store``, all of it named, counted and
    written. Whole seconds: ids number the posts of a millisecond together, and the truth's first
    uses compare times as the files show them (Twitter's to the second)."""
    background = Background(scenario, world, scale, seed)
    previous_by_platform: dict[str, np.ndarray | None] = {p: None for p in scenario.background_per_hour}
    previous = np.zeros(0, ROW)
    serial = planted_posts
    for hour in range(store.hours):
        lo = store.start_ms + hour * HOUR_MS
        parts = [previous]
        for platform in sorted(scenario.background_per_hour):
            rows = background.hour(platform, hour, lo, serial, previous_by_platform[platform])
            serial += len(rows)
            parts.append(rows)
        known = np.concatenate(parts)  # by serial, for parents and roots
        base = int(known["serial"][0]) if len(known) else 0
        drawn = known[len(previous):]
        drawn = drawn[np.lexsort((drawn["serial"], drawn["t"]))]
        drawn_before = np.searchsorted((drawn["t"] - lo) // 1000, np.arange(3601))
        planted_before = store.seconds(hour)
        for first, end in _slices(planted_before + drawn_before):
            planted, roots = store.hour(hour, planted_before[first], planted_before[end])
            rows = np.concatenate([planted, drawn[drawn_before[first]:drawn_before[end]]])
            rows = rows[np.lexsort((rows["serial"], rows["t"]))]
            _name_and_write(rows, roots, store, known, base, truth, writers)
        store.done(hour)
        previous = known[len(previous):]
        for platform in previous_by_platform:
            previous_by_platform[platform] = previous[previous["platform"] == PLATFORM_NAMES.index(platform)]


def _slices(before: np.ndarray) -> list[tuple[int, int]]:
    """Runs of whole seconds of about :data:`SLICE_ROWS` rows, from the rows before each second."""
    limits = np.arange(1, before[-1] // SLICE_ROWS + 1) * SLICE_ROWS
    cuts = np.unique(np.concatenate([[0], np.searchsorted(before, limits, side="right") - 1, [len(before) - 1]]))
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:]) if before[b] > before[a]]


def _name_and_write(rows: np.ndarray, roots: np.ndarray, store: PlantedStore, known: np.ndarray, base: int,
                    truth: TruthBuilder, writers: dict) -> None:
    """Give a slice's posts their ids and their parents' and roots', count them, write them."""
    assign_ids(rows)
    # among themselves the planted rows keep their serial order, which ``roots`` follows
    is_planted = np.flatnonzero(rows["burst"] >= 0)
    planted = rows[is_planted]
    planted_parents = resolve_planted(planted, roots, store)
    rows[is_planted] = planted
    store.keep(planted)
    parents = resolve_background(rows, known, base)
    parents[is_planted] = planted_parents
    truth.update(rows)
    for p, writer in writers.items():
        on = rows["platform"] == p
        if on.any():
            writer.write(rows[on].tolist(), parents[on].tolist())
