"""`hashtide serve` in a child process on loopback, for the dashboard tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HASHTIDE = Path(sys.executable).with_name("hashtide")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`hashtide serve` in a child process, on loopback."""

    def __init__(self, corpus: str, token: str | None = None):
        self.corpus, self.port = corpus, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [str(HASHTIDE), "serve", "--corpus", corpus, "--port", str(self.port)]
        if token:
            args += ["--token", token]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        env={**os.environ, "HASHTIDE_TOKEN": ""})
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited: {self.process.stderr.read().decode()}")
            try:
                if httpx.get(self.url + "/api/trending", headers=headers, timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("serve did not answer within 30 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
