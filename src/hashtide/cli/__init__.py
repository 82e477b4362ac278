"""The `hashtide` command: a thin layer over the library, one module per verb family."""

from hashtide.cli.app import app
from hashtide.cli import corpus_verbs  # noqa: F401  (ingest, info, quarantine, export posts)
from hashtide.cli import trends  # noqa: F401  (trends, watch, bursts)
from hashtide.cli import demo  # noqa: F401  (demo)
from hashtide.cli import campaign  # noqa: F401  (campaign, related, posts, export network)
from hashtide.cli import report  # noqa: F401  (report, serve)
from hashtide.cli import simulate  # noqa: F401  (simulate)


def main() -> None:
    app()
