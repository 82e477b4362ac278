"""Figures in words, as a reader expects them: "1 post", "2 posts", "1,234 posts"."""

from __future__ import annotations


def counted(n: int, noun: str, nouns: str | None = None) -> str:
    """``n`` with ``noun``, singular for exactly one; ``nouns`` is the plural when it is not
    ``noun + "s"``.

    >>> counted(1, "post"), counted(0, "post"), counted(12345, "reply", "replies")
    ('1 post', '0 posts', '12,345 replies')
    """
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"
