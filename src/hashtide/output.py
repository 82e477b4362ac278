"""Files hashtide writes for other programs: whole or not at all, with only the text their format
can hold.

>>> import os, tempfile
>>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
>>> with replacing(target) as temporary:
...     _ = temporary.write_text("done")
>>> open(target).read(), os.listdir(os.path.dirname(target))
('done', ['out.txt'])
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# XML 1.0 allows only these characters (https://www.w3.org/TR/xml/#charsets). GEXF, GraphML and
# the SVG of a chart are XML: one C0 control in a handle makes a reader refuse the whole file.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids.

    >>> xml_text("evil\\x01<&>\\ttab")
    'evil<&>\\ttab'
    """
    return _NOT_XML.sub("", text)


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
