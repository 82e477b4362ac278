"""What a reader yields for one decoded document: the contract between formats and the pipeline.

A *document* is one decoded JSON value (a line of a JSONL file, a whole JSON file, a CSV row as a
dict). A reader turns it into *items*. Every top-level record in the document (a tweet in a twarc2
page's ``data``, a status of a v1.1 search response, a child of a Reddit Listing, an ``errors``
entry) becomes exactly one :class:`Record`, :class:`Skip` or :class:`Reject`: that is what the
accounting counts. :class:`Referenced` carries what a document holds beside its records
(``includes.tweets``, ``includes.users``, a retweeted_status) and is not a record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import msgspec

from hashtide.model import Post, User


class Record(msgspec.Struct, gc=False):
    """A top-level post, with the posts and users embedded in it (stored, not counted)."""

    post: Post
    embedded: list[Post] = []
    users: list[User] = []


class Referenced(msgspec.Struct, gc=False):
    """Posts and users the document carries beside its records (twarc2 ``includes``)."""

    posts: list[Post] = []
    users: list[User] = []


class Skip(msgspec.Struct, gc=False):
    """A record recognised as not a post: ``kind`` names it (``api_error``, ``counts``,
    ``compliance``, ``delete``, ``like``, ``identity`` ...)."""

    kind: str
    users: list[User] = []


class Reject(msgspec.Struct, gc=False):
    """A record that cannot be read: ``reason`` says why, ``raw`` is the record's own bytes
    when it is part of a larger document (else the pipeline keeps the document's bytes)."""

    reason: str
    raw: bytes | None = None


Item = Record | Referenced | Skip | Reject


class Reader(Protocol):
    """A format module: ``NAME``, ``sniff(doc)`` and ``read(doc)``.

    ``sniff`` answers whether a decoded document is of this format (cheaply: a few key lookups);
    ``read`` yields the document's items. Neither raises for bad content: a record that cannot
    be read is a :class:`Reject` with the reason.
    """

    NAME: str

    def sniff(self, doc: Any) -> bool: ...

    def read(self, doc: Any) -> Iterator[Item]: ...


ReadFn = Callable[[Any], Iterator[Item]]
