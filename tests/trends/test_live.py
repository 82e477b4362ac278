"""`watch` over a websocket speaking Jetstream, served on 127.0.0.1 from a recorded stream."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from hashtide.ingest import read_posts
from hashtide.trends import live
from hashtide.trends.charts import Alerts, ScopeFilter, alert_row
from hashtide.trends.signitrend import SigniTrend

websockets_server = pytest.importorskip("websockets.sync.server")


def detector() -> SigniTrend:
    # Bluesky carries a small share of the tiny world: a low noise floor lets its burst show
    return SigniTrend(bucket=dt.timedelta(hours=1), warmup=6, threshold=2.0, beta=1.0, min_count=3,
                      lateness=dt.timedelta(hours=1))


@pytest.fixture()
def jetstream(tiny_world):
    """A websocket server on loopback replaying the world's Jetstream files, one event a message."""
    files = sorted(tiny_world.glob("bluesky/jetstream-*.jsonl"))
    lines = [line for path in files for line in path.read_bytes().splitlines() if line.strip()]

    def replay(connection):
        for line in lines:
            connection.send(line.decode())
        connection.close()

    server = websockets_server.serve(replay, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.socket.getsockname()[:2]
    assert host == "127.0.0.1"
    yield f"ws://{host}:{port}/subscribe", files
    server.shutdown()
    thread.join(timeout=5)


def test_watch_websocket_alerts_equal_the_same_posts_read_from_files(jetstream, capsys):
    url, files = jetstream
    scopes = ScopeFilter.parse("all")
    seen = live.watch(url, detector(), scopes, top=5, terminal=False)
    got = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    expected_detector, alerts, expected = detector(), Alerts(top=5, scopes=scopes), []
    posts = 0
    for table in read_posts([str(p) for p in files]):
        posts += table.num_rows
        for bucket in expected_detector.update(table):
            expected.extend(alert_row(bucket, e) for e in alerts.update(bucket))
    for bucket in expected_detector.flush():
        expected.extend(alert_row(bucket, e) for e in alerts.update(bucket))

    assert seen == posts > 500
    assert got == expected
    assert any(a["tag"] == "#TideTest" for a in got)
    assert {a["scope"] for a in got} <= {"global", "platform:bluesky"} | {a["scope"] for a in got if a["scope"].startswith("lang:")}


def test_unreachable_websocket_is_a_watch_error():
    with pytest.raises(live.WatchError, match="cannot connect"):
        list(live.websocket_messages("ws://127.0.0.1:9/none", open_timeout=2))


def test_follow_lines_waits_for_a_whole_line(tmp_path):
    path = tmp_path / "growing.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b"')
    lines = live.follow_lines(str(path), follow=True, poll=0.01, idle_timeout=0.2)
    assert next(lines) == b'{"a": 1}\n'
    assert next(lines) == b""  # heartbeat: the half line is not given out
    with open(path, "ab") as handle:
        handle.write(b': 2}\n')
    rest = [line for line in lines if line]
    assert rest == [b'{"b": 2}\n']
