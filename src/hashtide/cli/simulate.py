"""`hashtide simulate`: write a synthetic world in the platforms' real formats, with its truth."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from hashtide.cli.app import app
from hashtide.cli.common import err, fail, out


@app.command()
def simulate(
    scenario: Annotated[str, typer.Argument(help="The scenario: metoo-2017 or tiny.")],
    scale: Annotated[float, typer.Option(help="Multiplies every count (1.0 = the scenario's figures).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the files and truth.json.")] = Path("world"),
    formats: Annotated[str, typer.Option(help="Comma-separated: twarc2, jetstream, mastodon.")] = "twarc2,jetstream,mastodon",
) -> None:
    """Simulate SCENARIO into --out: a file per platform per day, and truth.json beside them.

    Example: hashtide simulate metoo-2017 --scale 0.02 --seed 7 --out metoo
    """
    from hashtide.simulate import FORMATS, SCENARIOS
    from hashtide.simulate import simulate as run

    if scenario not in SCENARIOS:
        fail(f"unknown scenario {scenario!r}; known: {', '.join(sorted(SCENARIOS))}")
    chosen = tuple(f.strip() for f in formats.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        fail(f"unknown format {', '.join(unknown) or '(none)'}; known: {', '.join(FORMATS)}")
    if scale <= 0:
        fail(f"--scale must be positive, not {scale}")
    started = time.perf_counter()
    try:
        truth = run(scenario, out_dir, scale=scale, seed=seed, formats=chosen)
    except ValueError as error:  # a scale too small for the scenario's launchers, said as such
        fail(str(error))
    elapsed = time.perf_counter() - started
    totals = truth["totals"]
    out.print(f"{totals['posts']:,} posts ("
              + ", ".join(f"{p} {n:,}" for p, n in totals["by_platform"].items())
              + f") in {sum(len(v) for v in truth['files'].values())} files under {out_dir}", highlight=False)
    for entry in truth["campaigns"] + truth["decoys"]:
        out.print(f"  #{entry['tag']:<16} {entry['role']:<9} onset {entry['onset']}  {entry['posts']:>9,} posts  "
                  f"{entry['distinct_authors']:>8,} authors  {entry['replies_to_origin']:>7,} replies to origin",
                  highlight=False)
    err.print(f"truth: {truth.path}  ({elapsed:.1f} s)")
