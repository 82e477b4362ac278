"""Debian's Chromium driven by Playwright, for the report and dashboard tests.

The browser is the system's (/usr/bin/chromium, installed by `make test`), never one that
Playwright downloads. Its background services are switched off so that the only requests a page
makes are its own -- which is what the offline test checks.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("HASHTIDE_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def launch(playwright):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"no browser at {CHROMIUM}: CI installs Debian's chromium (make test)")
        pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


class Watched:
    """A page with its console errors, page errors and requests recorded."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))

    def chart_marks(self) -> dict[str, int]:
        """Per chart container: the number of drawn SVG marks (paths, lines, circles, rects)."""
        return self.page.eval_on_selector_all(
            "[data-chart]",
            "els => Object.fromEntries(els.map(e => [e.dataset.chart,"
            " e.querySelectorAll('svg path, svg line, svg circle, svg rect').length]))")


_shared: tuple | None = None


def shared():
    """One browser for the whole test run (Playwright's sync API allows one driver per thread)."""
    global _shared
    if _shared is None:
        from playwright.sync_api import sync_playwright

        driver = sync_playwright().start()
        try:
            _shared = (driver, launch(driver))
        except BaseException:
            driver.stop()
            raise
        atexit.register(_close)
    return _shared[1]


def _close() -> None:
    driver, chromium = _shared
    chromium.close()
    driver.stop()
