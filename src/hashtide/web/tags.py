"""A hashtag in the dashboard's paths and links.

A ``{tag}`` in a path is read as the CLI reads a TAG argument (:func:`hashtide.model.hashtag_key`),
so the API and the command line open the same campaigns. Tags are stored verbatim as the
platforms hand them over, and some hold what no typed tag does (spaces, '#'): the pages list them
but do not link them, since the link could only answer "not a hashtag".

>>> path_key("MeToo"), path_key("#a/b"), path_key("##MeToo"), path_key(" MeToo"), path_key("a" * 141)
('metoo', 'a/b', None, None, None)
>>> campaign_href("a/b"), campaign_href(".."), campaign_href("tide test")
('/campaign/a%2Fb', '/campaign/%23..', None)
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.convertors import Convertor, register_url_convertor

from hashtide.model import hashtag_key

TAG_MAX = 140


def path_key(tag: str) -> str | None:
    """The key of ``tag`` as the CLI reads a TAG, else None. Spaces around it are refused too: the
    CLI forgives the shell's quoting, but in a path they are part of the tag."""
    return hashtag_key(tag) if len(tag) <= TAG_MAX and tag == tag.strip() else None


def campaign_href(key: str) -> str | None:
    """The page of the tag ``key``, or None for a tag that :func:`path_key` refuses. '/' is
    encoded (Mastodon and Bluesky tags may hold it), and a tag '.' or '..' keeps its '#': browsers
    resolve such a path segment, even as %2E%2E, and '/campaign/..' would open the overview."""
    if path_key(key) is None:
        return None
    return "/campaign/" + ("%23" if key in (".", "..") else "") + quote(key, safe="")


class TagConvertor(Convertor[str]):
    """A path's tag: any characters, '/' and newlines too (the "path" convertor stops at a
    newline), so that every tag reaches :func:`path_key` and is judged there."""

    regex = r"[\s\S]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("tag", TagConvertor())
