"""The reader registry: which format a decoded document is in.

Readers are tried in a fixed order; the reader that recognised the previous document is tried
first, because files are nearly always of one format throughout.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

# name -> module; the order is the order of detection (most specific shapes first)
_MODULES = {
    "twitter-v2": "hashtide.ingest.twitter_v2",
    "twitter-v1.1": "hashtide.ingest.twitter_v1",
    "twitter-activitystreams": "hashtide.ingest.activitystreams",
    "bluesky": "hashtide.ingest.bluesky",
    "mastodon": "hashtide.ingest.mastodon",
    "reddit": "hashtide.ingest.reddit",
}
JSON_FORMATS = tuple(_MODULES)
FORMATS = JSON_FORMATS + ("csv",)


def reader(name: str) -> ModuleType:
    """The reader module of format ``name`` (one of :data:`JSON_FORMATS`)."""
    return importlib.import_module(_MODULES[name])


class Detector:
    """Finds the reader of each document, remembering the last one that matched."""

    def __init__(self, forced: str | None = None):
        names = JSON_FORMATS if forced is None else (forced,)
        self._readers = [reader(name) for name in names]
        self._last: ModuleType | None = None

    def __call__(self, doc: Any) -> ModuleType | None:
        last = self._last
        if last is not None and last.sniff(doc):
            return last
        for candidate in self._readers:
            if candidate is not last and candidate.sniff(doc):
                self._last = candidate
                return candidate
        return None


def describe(doc: Any) -> str:
    """A short description of an unrecognised document, for the reject reason."""
    if isinstance(doc, dict):
        keys = sorted(doc)[:8]
        return "an object with keys " + ", ".join(keys) if keys else "an empty object"
    return f"a JSON {type(doc).__name__}"
