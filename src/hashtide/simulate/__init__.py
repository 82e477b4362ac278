"""Synthetic social worlds with ground truth, written in the platforms' real formats.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as out:
...     truth = simulate("tiny", out, scale=0.2, seed=1)
>>> truth["campaigns"][0]["tag"], truth["totals"]["posts"] > 0
('TideTest', True)
"""

from __future__ import annotations

from pathlib import Path

from hashtide.simulate.engine import Truth, run
from hashtide.simulate.scenarios import SCENARIOS, Scenario, get
from hashtide.simulate.writers import FILE_PATTERNS, FORMATS

__all__ = ["FILE_PATTERNS", "FORMATS", "SCENARIOS", "Scenario", "Truth", "simulate"]


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
