"""`--engine spark` through the CLI: the same account and the same `info` JSON as DuckDB."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hashtide.cli import app

pytestmark = pytest.mark.spark
runner = CliRunner()
V2 = "twitter-v2-twarc2"


def test_ingest_and_info_on_spark_match_duckdb(spark, tmp_path, shared_data):
    files = [str(shared_data / V2 / "twarccsv-brexit.jsonl"), str(shared_data / V2 / "twarccsv-streaming_output_with_error.jsonl")]
    duck = runner.invoke(app, ["ingest", *files, "-c", str(tmp_path / "c.duckdb"), "--json"])
    sparky = runner.invoke(app, ["ingest", *files, "-c", str(tmp_path / "dataset"), "--engine", "spark",
                                 "--spark-master", "local[2]", "--json"])
    assert duck.exit_code == sparky.exit_code == 0, sparky.output
    assert json.loads(duck.stdout) == json.loads(sparky.stdout)
    duck_info = json.loads(runner.invoke(app, ["info", "-c", str(tmp_path / "c.duckdb"), "--json"]).stdout)
    spark_info = json.loads(runner.invoke(app, ["info", "-c", str(tmp_path / "dataset"), "--engine", "spark",
                                                "--spark-master", "local[2]", "--json"]).stdout)
    for facts in (duck_info, spark_info):
        facts.pop("corpus")
    assert duck_info == spark_info


def test_spark_refuses_strict_and_unknown_engines(tmp_path, shared_data):
    path = str(shared_data / V2 / "twarccsv-brexit.jsonl")
    strict = runner.invoke(app, ["ingest", path, "-c", str(tmp_path / "d"), "--engine", "spark", "--strict"])
    assert strict.exit_code == 2 and "--strict" in strict.output
    unknown = runner.invoke(app, ["info", "-c", str(tmp_path / "d"), "--engine", "hadoop"])
    assert unknown.exit_code == 2 and "hadoop" in unknown.output


def test_campaign_and_trends_on_spark_match_duckdb(spark, tmp_path, shared_data):
    path = str(shared_data / V2 / "twarccsv-entities_test.jsonl")
    assert runner.invoke(app, ["ingest", path, "-c", str(tmp_path / "c.duckdb")]).exit_code == 0
    assert runner.invoke(app, ["ingest", path, "-c", str(tmp_path / "ds"), "--engine", "spark",
                               "--spark-master", "local[2]"]).exit_code == 0
    facts = []
    for extra in ([], ["--engine", "spark", "--spark-master", "local[2]"]):
        corpus = str(tmp_path / ("ds" if extra else "c.duckdb"))
        # each corpus keys its own pseudonyms: compare the real ids
        result = runner.invoke(app, ["campaign", "#salvini", "-c", corpus, "--json", "--reveal-authors", *extra])
        assert result.exit_code == 0, result.output
        sheet = json.loads(result.stdout)
        sheet.pop("audit")  # each engine's own SQL dialect
        facts.append(sheet)
    assert facts[0] == facts[1]
    assert facts[0]["posts"] == 73
    charts = []
    for extra in ([], ["--engine", "spark", "--spark-master", "local[2]"]):
        corpus = str(tmp_path / ("ds" if extra else "c.duckdb"))
        result = runner.invoke(app, ["trends", "-c", corpus, "--every", "5m", "--scope", "all", "--json", *extra])
        assert result.exit_code == 0, result.output
        charts.append(json.loads(result.stdout))
    assert charts[0] == charts[1]


@pytest.mark.parametrize("meta, reason", [(None, "Unrecognized filesystem type"),
                                          (b"not json", "is not a hashtide dataset (meta.json is not JSON"),
                                          (b"[1]", "is not a hashtide dataset (meta.json says None)"),
                                          (b'{"format": "other"}', "is not a hashtide dataset (meta.json says 'other')")])
@pytest.mark.parametrize("verb", [("info",), ("trends",), ("campaign", "metoo"), ("ingest", "{source}")])
def test_what_is_no_dataset_is_refused_before_spark_starts(tmp_path, meta, reason, verb):
    """They ended in tracebacks, some after starting Java."""
    dataset = "foo://x"
    if meta is not None:
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "meta.json").write_bytes(meta)
        dataset = str(tmp_path / "d")
    source = tmp_path / "s.jsonl"
    source.write_text('{"data": [{"id": "1", "text": "#metoo"}]}\n')
    args = [a.format(source=source) for a in verb]
    result = runner.invoke(app, [*args, "-c", dataset, "--engine", "spark"])
    assert result.exit_code == 2 and reason in result.output, result.output


def test_a_master_spark_cannot_start_with_is_explained(tmp_path):
    import shutil
    import subprocess
    import sys

    from hashtide.engine.parquet import FORMAT, VERSION

    if shutil.which("java") is None:
        pytest.skip("no java on PATH: the Spark engine needs Java 17+ (make deps installs it)")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "meta.json").write_text(json.dumps({"format": FORMAT, "version": VERSION, "runs": 0,
                                                          "pseudonym_key": "k", "referenced": None}))
    done = subprocess.run([sys.executable, "-m", "hashtide", "info", "-c", str(tmp_path / "d"), "--engine", "spark",
                           "--spark-master", "bogus://x"], capture_output=True, timeout=300)
    assert done.returncode == 2 and b"cannot start Spark (master bogus://x)" in done.stderr
    assert b"Traceback" not in done.stderr
