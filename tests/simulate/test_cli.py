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
