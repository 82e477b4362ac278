"""The `hashtide` command: a thin layer over the library, one module per verb family."""

from hashtide.cli.app import app
from hashtide.cli import corpus_verbs  # noqa: F401  (ingest, info, quarantine, export posts)
from hashtide.cli import simulate  # noqa: F401  (simulate)


def main() -> None:
    app()
