"""The `hashtide` command: a thin layer over the library, one module per verb family."""

import errno
import os
import sys

from hashtide.cli.app import app
from hashtide.cli import corpus_verbs  # noqa: F401  (ingest, info, quarantine, export posts)
from hashtide.cli import trends  # noqa: F401  (trends, watch, bursts)
from hashtide.cli import demo  # noqa: F401  (demo)
from hashtide.cli import campaign  # noqa: F401  (campaign, related, posts, export network)
from hashtide.cli import report  # noqa: F401  (report, serve)
from hashtide.cli import simulate  # noqa: F401  (simulate)


# What writing the output can meet where it goes: a full disk, a quota, a closed pipe, a device.
_OUTPUT_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EPIPE, errno.EIO}


def main() -> None:
    try:
        app()
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRORS:
            raise
        # stdout cannot take more: say so on stderr, and keep Python's own last flush quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if exc.errno != errno.EPIPE:  # a reader that stopped reading needs no message
            sys.stderr.write(f"error: cannot write the output: {exc.strerror}\n")
        sys.exit(1)
