"""`hashtide simulate` writes the world and its truth, and refuses bad arguments cleanly."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hashtide.cli import app

runner = CliRunner()


def test_simulate_command_writes_files_and_truth(tmp_path):
    result = runner.invoke(app, ["simulate", "tiny", "--scale", "0.3", "--seed", "4", "--out", str(tmp_path),
                                 "--formats", "twarc2,mastodon"])
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 4 and truth["formats"] == ["twarc2", "mastodon"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mastodon", "truth.json", "twitter"]
    assert "#TideTest" in result.output


def test_unknown_scenario_and_format_fail_without_traceback(tmp_path):
    bad = runner.invoke(app, ["simulate", "nope", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "unknown scenario" in bad.output and "Traceback" not in bad.output
    bad = runner.invoke(app, ["simulate", "tiny", "--formats", "myspace", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "unknown format myspace" in bad.output


def test_bad_scale_seed_and_out_name_the_option(tmp_path):
    """inf and nan tracebacked or said "cannot convert float NaN to integer"; --seed -1 said only
    "expected non-negative integer"; a file or an impossible --out tracebacked."""
    for option, value in (("--scale", "inf"), ("--scale", "nan"), ("--scale", "0"), ("--scale", "101"),
                          ("--seed", "-1")):
        bad = runner.invoke(app, ["simulate", "tiny", option, value, "--out", str(tmp_path / "w")])
        assert bad.exit_code == 2 and f"Invalid value for '{option}'" in bad.output, bad.output
    (tmp_path / "afile").write_text("")
    for out, message in ((tmp_path / "afile", "not a folder"), (tmp_path / "afile" / "w", "cannot create it"),
                         ("/proc/sim", "cannot create it")):
        bad = runner.invoke(app, ["simulate", "tiny", "--out", str(out)])
        assert bad.exit_code == 2 and f"--out {out}" in bad.output and message in bad.output, bad.output
    assert not (tmp_path / "w").exists()


def test_a_world_is_replaced_only_with_force(tmp_path):
    """A second world used to be written over the first: its truth.json described only the
    second, beside the first's files."""
    args = ["simulate", "tiny", "--scale", "0.3", "--out", str(tmp_path)]
    assert runner.invoke(app, [*args, "--seed", "3", "--formats", "twarc2,mastodon"]).exit_code == 0
    (tmp_path / "notes.txt").write_text("mine")
    refused = runner.invoke(app, [*args, "--seed", "5", "--formats", "jetstream"])
    assert refused.exit_code == 2 and "already holds a world" in refused.output and "--force" in refused.output
    assert json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))["seed"] == 3
    replaced = runner.invoke(app, [*args, "--seed", "5", "--formats", "jetstream", "--force"])
    assert replaced.exit_code == 0, replaced.output
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bluesky", "notes.txt", "truth.json"]
    assert sorted(p.name for p in (tmp_path / "bluesky").iterdir()) == sorted(n.split("/")[-1] for n in truth["files"]["bluesky"])


def test_demo_run_twice_in_one_folder_tells_the_second_world(tmp_path):
    """The demo wrote its world and corpus over an earlier demo's: the corpus then held both."""
    import duckdb

    for seed in ("2017", "5"):
        result = runner.invoke(app, ["demo", "--scale", "0.005", "--seed", seed, "--out", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert " 0 duplicates" in result.output
    with duckdb.connect(str(tmp_path / "metoo.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from ingest_log").fetchone()[0] == 1
    assert json.loads((tmp_path / "world" / "truth.json").read_text(encoding="utf-8"))["seed"] == 5
