"""Files hashtide writes for other programs: whole or not at all, compressed as their name says,
with only the text their format can hold.

>>> import os, tempfile
>>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
>>> with replacing(target) as temporary:
...     _ = temporary.write_text("done")
>>> open(target).read(), os.listdir(os.path.dirname(target))
('done', ['out.txt'])
"""

from __future__ import annotations

import bz2
import errno
import gzip
import lzma
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import BinaryIO

from hashtide.ingest.sources import COMPRESSED

STDOUT = "-"  # as for twarc and ingest: the path "-" is the standard stream

# XML 1.0 allows only these characters (https://www.w3.org/TR/xml/#charsets). GEXF, GraphML and
# the SVG of a chart are XML: one C0 control in a handle makes a reader refuse the whole file.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids.

    >>> xml_text("evil\\x01<&>\\ttab")
    'evil<&>\\ttab'
    """
    return _NOT_XML.sub("", text)


def xml_safe(value):
    """``value`` (text, or lists and dicts of it, any depth) without the characters XML forbids.

    >>> xml_safe([{"handle": "a\\x01b", "n": 1}])
    [{'handle': 'ab', 'n': 1}]
    """
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [xml_safe(v) for v in value]
    return value


def format_of(path: str, formats: tuple[str, ...], what: str, aliases: dict[str, str] | None = None) -> str:
    """The format of ``formats`` that the suffix of ``path`` names (or an alias of it); ValueError,
    saying which suffixes would do, for a path without a suffix or with another one.

    >>> format_of("posts.CSV", ("csv", "jsonl"), "export")
    'csv'
    >>> format_of("posts", ("csv", "jsonl"), "export")
    Traceback (most recent call last):
    ValueError: posts: no file extension (use one of: .csv, .jsonl)
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    choices = ", ".join(f".{name}" for name in formats)
    if not suffix:
        raise ValueError(f"{path or repr('')}: no file extension (use one of: {choices})")
    fmt = (aliases or {}).get(suffix, suffix)
    if fmt not in formats:
        raise ValueError(f"{path}: unknown {what} format .{suffix} (use one of: {choices})")
    return fmt


@contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A new temporary file beside ``path`` for the block to write; it becomes ``path`` when the
    block succeeds and is removed when it fails, so a failed write never leaves a partial file.

    Raises OSError, before anything is written, when ``path`` cannot be created there."""
    if not str(path):
        raise FileNotFoundError(errno.ENOENT, "the path is empty")
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    temporary = _temporary_beside(target)
    try:
        yield temporary
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _temporary_beside(target: Path) -> Path:
    descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(descriptor)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)  # mkstemp's private 0600 would follow the file to its name
    return Path(name)


@contextmanager
def output_stream(path: str | Path) -> Iterator[BinaryIO]:
    """A binary stream to ``path``: stdout for ``-``, else a file replaced whole (:func:`replacing`)
    and compressed when its suffix names a compression ingest reads (.gz, .bz2, .xz, .zst)."""
    if str(path) == STDOUT:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with replacing(path) as temporary, open(temporary, "wb") as raw, _compressing(raw, Path(path)) as sink:
        yield sink


def _compressing(raw: BinaryIO, path: Path):
    """A compressing writer over ``raw`` (left open) for the suffix of ``path``, if it names one."""
    kind = COMPRESSED.get(path.suffix.lower())
    if kind == "gzip":  # named for the target, not the temporary file; no clock, same bytes each time
        return gzip.GzipFile(filename=path.name, mode="wb", fileobj=raw, mtime=0)
    if kind == "bzip2":
        return bz2.BZ2File(raw, "wb")
    if kind == "xz":
        return lzma.LZMAFile(raw, "wb")
    if kind == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().stream_writer(raw, closefd=False)
    return nullcontext(raw)
