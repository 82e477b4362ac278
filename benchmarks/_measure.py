"""Shared by the benchmarks: run a command, time it, and sample the peak memory of its process tree."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent


PEERS = Path(__file__).resolve().parents[1] / ".venv-peers"
PEER_PACKAGES = ["twarc", "twarc-csv", "twarc-hashtags", "burst_detection", "pandas<3"]


def peer_bin(name: str) -> Path:
    """A peer tool's executable, from a virtual environment of its own: twarc-csv 0.7 needs a
    pandas older than the one hashtide uses (it calls DataFrame.applymap, gone in pandas 3)."""
    if not (PEERS / "bin" / name).exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(PEERS / "bin" / "pip"), "install", "-q", *PEER_PACKAGES], check=True)
    return PEERS / "bin" / name


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and all its children, in bytes."""
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(command: list[str], **kwargs) -> tuple[float, int, subprocess.CompletedProcess]:
    """``(seconds, peak tree RSS in bytes, result)`` of running ``command``."""
    peak = 0
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)
    handle = psutil.Process(child.pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, tree_rss(handle))
            except psutil.Error:
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    result = subprocess.CompletedProcess(command, child.returncode, out, err)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{err.decode()[-2000:]}")
    return seconds, peak, result


def machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}")


def table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)
