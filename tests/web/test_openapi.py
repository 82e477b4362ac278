"""Schemathesis against the dashboard's OpenAPI document, served on loopback over the test world.

``st run`` calls every documented operation with generated inputs (path tags of any shape,
positive and negative) and applies all its checks: no 5xx, status codes, content types and
bodies as documented. The server-sent-event stream never ends, so it is left out (the browser
test covers it). The CLI rather than ``schemathesis.pytest.from_fixture``: the latter fails on
this pytest ("'Function' object has no attribute '_nodeid'").
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from web.served import Server

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_api_conforms_to_its_openapi_document(world_corpus, tmp_path):
    server = Server(world_corpus)
    try:
        run = subprocess.run(
            [str(SCHEMATHESIS), "run", server.url + "/api/openapi.json", "--checks", "all",
             "--max-examples", "30", "--seed", "1", "--workers", "1", "--no-color",
             "--exclude-path", "/api/trending/stream", "--phases", "examples,coverage,fuzzing",
             "--report-dir", str(tmp_path)],
            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    finally:
        server.stop()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "Tested: 4" in run.stdout, run.stdout[-3000:]  # every operation but the stream
