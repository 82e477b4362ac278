"""`hashtide simulate`: write a synthetic world in the platforms' real formats, with its truth."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from hashtide.cli.app import app
from hashtide.cli.common import err, fail, finite, out

# Past this, counts overflow the simulator's integers; 2.0 is already 5.4 M tweets of metoo-2017.
MAX_SCALE = 100.0
ScaleOption = Annotated[float, typer.Option(callback=finite(0, MAX_SCALE, above=True),
                                            help=f"Multiplies every count (1.0 = the scenario's figures; > 0, at most {MAX_SCALE:g}).")]
SeedOption = Annotated[int, typer.Option(min=0, help="Same seed, same bytes.")]


@app.command()
def simulate(
    scenario: Annotated[str, typer.Argument(help="The scenario: metoo-2017 or tiny.")],
    scale: ScaleOption = 1.0,
    seed: SeedOption = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the files and truth.json; "
                                          "one that holds a world already needs --force.")] = Path("world"),
    formats: Annotated[str, typer.Option(help="Comma-separated: twarc2, jetstream, mastodon.")] = "twarc2,jetstream,mastodon",
    force: Annotated[bool, typer.Option("--force", help="Replace the world in --out (the files its truth.json "
                                        "lists, and truth.json); other files stay.")] = False,
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
    prepare_out(out_dir, force)
    started = time.perf_counter()
    try:
        truth = run(scenario, out_dir, scale=scale, seed=seed, formats=chosen)
    except ValueError as error:  # a scale too small for the scenario's launchers, said as such
        fail(str(error))
    except OSError as error:
        fail(f"cannot write the world into {out_dir}: {error}")
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


def prepare_out(out_dir: Path, force: bool) -> None:
    """Make ``out_dir`` a folder ready for a new world: created if missing; a world already there
    (its truth.json) is refused, or with ``force`` cleared, so that two worlds never mix."""
    from hashtide.simulate import clear_world

    if out_dir.exists() and not out_dir.is_dir():
        fail(f"--out {out_dir}: not a folder")
    if (out_dir / "truth.json").exists():
        if not force:
            fail(f"--out {out_dir} already holds a world (truth.json): use --force to replace it, or another folder")
        try:
            clear_world(out_dir)
        except (ValueError, OSError) as error:
            fail(f"--force: cannot clear the world in {out_dir}: {error}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"--out {out_dir}: cannot create it: {error.strerror}")
