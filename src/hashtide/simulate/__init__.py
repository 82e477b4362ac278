"""Synthetic social worlds with ground truth, written in the platforms' real formats.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as out:
...     truth = simulate("tiny", out, scale=0.2, seed=1)
>>> truth["campaigns"][0]["tag"], truth["totals"]["posts"] > 0
('TideTest', True)
"""

from __future__ import annotations

import json
from pathlib import Path

from hashtide.simulate.engine import Truth, run
from hashtide.simulate.scenarios import SCENARIOS, Scenario, get
from hashtide.simulate.writers import FILE_PATTERNS, FORMATS

__all__ = ["FILE_PATTERNS", "FORMATS", "SCENARIOS", "Scenario", "Truth", "clear_world", "simulate"]


def simulate(scenario: str | Scenario, out_dir: str | Path, scale: float = 1.0, seed: int = 0,
             formats: tuple[str, ...] = ("twarc2", "jetstream", "mastodon")) -> Truth:
    """Simulate ``scenario`` (a name from :data:`SCENARIOS` or a :class:`Scenario`) into
    ``out_dir``: the posts in each of ``formats``, a file per platform per day, and
    ``truth.json`` beside them. Returns the truth. Same arguments, same bytes."""
    if isinstance(scenario, str):
        scenario = get(scenario)
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    ordered = tuple(f for f in FORMATS if f in formats)
    return run(scenario, Path(out_dir), scale, seed, ordered)


def clear_world(out_dir: str | Path) -> None:
    """Remove the world in ``out_dir``: the files its truth.json lists, the folders that leaves
    empty, and truth.json; anything else stays. A second world written over a first would
    otherwise keep the first's files, which its truth does not describe.
    ValueError when truth.json cannot be read or names a file outside ``out_dir``."""
    out_dir = Path(out_dir)
    truth = out_dir / "truth.json"
    try:
        listed = json.loads(truth.read_text(encoding="utf-8"))["files"]
        paths = [out_dir / name for names in listed.values() for name in names]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{truth} cannot be read as a world's truth: {exc!r}") from exc
    if any(not path.resolve().is_relative_to(out_dir.resolve()) for path in paths):
        raise ValueError(f"{truth} names files outside {out_dir}")
    for path in paths:
        path.unlink(missing_ok=True)
        for folder in path.parents:
            if folder == out_dir or not folder.is_dir() or any(folder.iterdir()):
                break
            folder.rmdir()
    truth.unlink()
