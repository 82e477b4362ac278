"""Ingest: one reader per source format, format detection, quarantine, and the account."""

from hashtide.ingest.pipeline import (
    IngestError,
    IngestReport,
    PartialIngest,
    StrictStop,
    ingest,
    read_posts,
)
from hashtide.ingest.sources import SourceError

__all__ = ["IngestError", "IngestReport", "PartialIngest", "SourceError", "StrictStop", "ingest", "read_posts"]
