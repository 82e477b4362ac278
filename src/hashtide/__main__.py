"""`python -m hashtide` is the `hashtide` command."""

from hashtide.cli import main

main()
