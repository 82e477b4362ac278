"""Where records come from: files (plain, .gz, .bz2, .zst, .xz) or stdin, split into JSON documents.

A JSON source is read line by line, in bounded memory. A line that decodes is a document. A line
that opens a pretty-printed document (``{`` or ``[`` and not closed on that line) starts a
multi-line document that ends where a line at column 0 closes it and the whole decodes. An array
written one element per line (``[{...},`` then ``{...},`` ... ``{...}]``) gives its elements, each
with its own line; the brackets and commas between them are no records. Anything else (a truncated
line, a plain-text line between documents) is a *bad document*: it keeps its raw bytes and the
decoder's reason, and the pipeline quarantines it.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import msgspec

_strict_decode = msgspec.json.decode
MAX_DOCUMENT = 256 * 1024 * 1024  # a pretty-printed document larger than this is set aside
COMPRESSED = {".gz": "gzip", ".bz2": "bzip2", ".zst": "zstd", ".zstd": "zstd", ".xz": "xz"}
# A compressed stream also says what it is in its first bytes (a file renamed, or piped on stdin).
MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"\x28\xb5\x2f\xfd": "zstd", b"\xfd7zXZ\x00": "xz"}


def decode_json(raw: bytes) -> Any:
    """``raw`` decoded; a string escape of half a surrogate pair (``"\\ud83d"``, what a
    platform writes when it cuts a text inside an emoji) is read as U+FFFD, where the JSON
    decoder refuses the whole record (as *truncated*). Only a document that fails is looked at."""
    try:
        return _strict_decode(raw)
    except msgspec.DecodeError as exc:
        if "trailing" in str(exc) or not _HALF_PAIR.search(raw):  # a value read whole, then more
            raise
        mended = _ESCAPE.sub(_mend, raw)  # same length: the error positions of a retry still hold
        if mended == raw:
            raise
    return _strict_decode(mended)


_HALF_PAIR = re.compile(rb"\\u[dD][89a-fA-F]")
# A surrogate pair, half a pair, or any other escape (so that `\\` followed by `ud83d` is text).
_ESCAPE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\.")


def _mend(escape: re.Match) -> bytes:
    found = escape.group()
    return b"\\ufffd" if len(found) == 6 and found[2:3] in b"dD" else found


class Document(NamedTuple):
    """One decoded JSON value (``error`` is None) or a stretch of bytes that is not one."""

    line: int  # 1-based line of the document's first byte
    offset: int  # byte offset of the document's first byte in the (decompressed) stream
    raw: bytes
    value: Any
    error: str | None


try:
    from zstandard import ZstdError as DecompressionError
except ImportError:  # pragma: no cover - zstandard is a dependency
    DecompressionError = OSError

# What reading a damaged or cut file raises: gzip's zlib.error and EOFError, bz2's OSError, zstd's.
READ_ERRORS = (OSError, EOFError, zlib.error, DecompressionError, lzma.LZMAError)
BOM = b"\xef\xbb\xbf"  # UTF-8's byte order mark
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # little- and big-endian
# What decoding a line that is not JSON raises: msgspec's error, bad UTF-8, or, for nesting deeper
# than the interpreter's stack allows (``[[[[...``), RecursionError.
JSON_ERRORS = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


class SourceError(Exception):
    """A source that cannot be read at all (missing, unreadable, corrupt compression)."""


def open_source(path: str) -> BinaryIO:
    """A binary stream of ``path``'s content (``-`` is stdin), decompressed by its suffix or, when
    that names no compression, by its first bytes."""
    if path == "-":
        stdin = sys.stdin.buffer
        return _once(stdin, path) if hasattr(stdin, "peek") else stdin  # closing it leaves stdin open
    p = _existing(path)
    if not p.is_file():  # a named pipe (`<(zcat x.gz)`): read once, like stdin
        try:
            pipe = open(p, "rb")
        except OSError as exc:
            raise SourceError(f"{path}: {exc.strerror or exc}") from exc
        return _once(pipe, path)
    try:
        kind = compression(path)
        _refuse_archive(_archive(p, kind), path)
        return _decompressed(p, kind) if kind else open(p, "rb")
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from exc


EXTRACT = {"zip": "unzip", "tar": "tar xf"}


def check(path: str) -> None:
    """SourceError unless ``path`` is ``-``, a pipe, or a file that can be read. A pipe is not
    opened here: what a reading takes from it is gone for the next."""
    if path != "-" and _existing(path).is_file():
        open_source(path).close()


def _existing(path: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise SourceError(f"{path}: no such file")
    if p.is_dir():
        raise SourceError(f"{path}: is a directory (name the files, e.g. {path}/*.jsonl)")
    return p


def _archive(path: Path, kind: str | None) -> str | None:
    """"zip" or "tar" when the (decompressed) file is an archive of files, else None. An archive
    read as lines would mix its headers into the first line of each file it holds."""
    return _archive_of(_head(path, kind, 262))


def head(path: str, size: int) -> bytes:
    """The first ``size`` bytes of the file at ``path``, decompressed (fewer at its end; none when
    it cannot be read, which reading it for real will say). Not for a pipe: they would be gone."""
    try:
        kind = compression(path)
    except OSError:
        return b""
    return _head(Path(path), kind, size)


def _head(path: Path, kind: str | None, size: int) -> bytes:
    try:
        with (_decompressed(path, kind) if kind else open(path, "rb")) as stream:
            found = b""
            while len(found) < size and (more := stream.read(size - len(found))):
                found += more
            return found
    except READ_ERRORS:
        return b""


def utf8_text(stream: io.BufferedReader) -> io.BufferedReader:
    """``stream``, transcoded to UTF-8 when it starts with a UTF-16 byte order mark."""
    if stream.peek(2)[:2] in UTF16_BOMS:
        return io.BufferedReader(Utf16AsUtf8(stream), 1 << 20)
    return stream


def _archive_of(head: bytes) -> str | None:
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return "tar" if head[257:262] == b"ustar" else None


def _refuse_archive(archive: str | None, path: str) -> None:
    if archive:
        command = f"{EXTRACT[archive]} FILE" if path == "-" else f"{EXTRACT[archive]} {path}"
        raise SourceError(f"{path}: a {archive} archive; hashtide reads the files in it, not the archive: "
                          f"extract them ({command}) and ingest those")


def _once(stream: io.BufferedReader, path: str) -> BinaryIO:
    """Stdin or a pipe, decompressed by the bytes it starts with; an archive is refused, whether
    it shows at once (a .tar, a .zip) or once decompressed (a .tar.gz). Only peeks are taken from
    the stream before that: nothing of it is read twice, nor lost."""
    head = stream.peek(262)
    _refuse_archive(_archive_of(head), path)
    kind = compression_of(head[:6])
    if not kind:
        return stream
    content = io.BufferedReader(_decompressed(stream, kind), 1 << 20)
    try:
        _refuse_archive(_archive_of(content.peek(262)), path)
    except READ_ERRORS:
        pass  # not even its first bytes decompress: reading it will say so, with what it holds
    return content


def utf16_content(path: str) -> str | None:
    """"json" or "csv" when ``path`` holds UTF-16 text (it starts with a UTF-16 byte order mark:
    Excel's "Unicode Text", saved as .txt, or what Windows PowerShell 5's ``>`` writes), by its
    first character; None otherwise. Not asked of a pipe, which a second reading would drain."""
    if not Path(path).is_file():
        return None
    start = head(path, 256)
    if start[:2] not in UTF16_BOMS:
        return None
    text = start.decode("utf-16", errors="ignore").lstrip()
    return "json" if text[:1] in ("{", "[") else "csv"


def compression(path: str) -> str | None:
    """The compression of the file at ``path``: named by its suffix or, when that names none, by
    its first bytes (a renamed file); None for a plain file. Every reader that splits or maps a
    file itself asks this first."""
    kind = COMPRESSED.get(Path(path).suffix.lower())
    if kind is None and Path(path).is_file():  # a pipe's first bytes are for its one reading
        with open(path, "rb") as head:
            kind = compression_of(head.read(6))
    return kind


def compression_of(head: bytes) -> str | None:
    """The compression whose magic number starts ``head``, or None.

    >>> compression_of(b"\\x1f\\x8b\\x08\\x00"), compression_of(b"BZh9"), compression_of(b'{"da')
    ('gzip', 'bzip2', None)
    >>> compression_of(b"\\xfd7zXZ\\x00")
    'xz'
    """
    return next((kind for magic, kind in MAGIC.items() if head.startswith(magic)), None)


def _decompressed(source: Path | BinaryIO, kind: str) -> BinaryIO:
    """A file (which the result owns) or a stream (which it leaves open), decompressed."""
    if kind == "gzip":
        return _CutTolerant(gzip.open(source, "rb"))
    if kind == "bzip2":
        return _CutTolerant(bz2.open(source, "rb"))
    if kind == "xz":  # Pushshift's dumps of 2017-2018 among others
        return _CutTolerant(lzma.open(source, "rb"))
    owned = isinstance(source, Path)
    return _ZstdFrames(open(source, "rb") if owned else source, owned)


class _CutTolerant(io.RawIOBase):
    """A gzip or bzip2 stream that ends, instead of raising, where its compressed input was cut
    off: the lines before the cut, and the cut line as far as it goes, reach the readers (which
    set the cut line aside), where gzip's EOFError used to drop the line buffered so far.
    ``cut`` keeps the error for :func:`raise_if_cut`, so the file still ends as one that cannot
    be read whole."""

    def __init__(self, inner: BinaryIO):
        self.inner, self.cut = inner, None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.cut is not None:
            return 0
        try:
            # read1: one step of decompression. A whole-buffer read gathers many steps, and the
            # cut's EOFError threw away everything gathered (up to the reader's 1 MiB buffer).
            data = self.inner.read1(len(buffer))
        except EOFError as exc:
            self.cut = exc
            return 0
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


class SteppedStream(io.RawIOBase):
    """A stream whose bytes are made a step at a time by ``_step`` (b"" once it has ended)."""

    def __init__(self):
        self.pending, self.ended = memoryview(b""), False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not len(self.pending):
            if self.ended:
                return 0
            self.pending = memoryview(self._step())
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def _step(self) -> bytes:
        raise NotImplementedError


class _ZstdFrames(SteppedStream):
    """A zstd stream of one or more frames, decompressed; like :class:`_CutTolerant`, it ends
    where a frame was cut off and keeps the error in ``cut``. (zstandard's ``stream_reader`` ends
    such a stream without a word and withholds the cut frame's last complete blocks.)"""

    # Compressed bytes fed per step. Output is not bounded by zstd, only by its ratio: 2 KiB of a
    # repetitive stream give at most about 21 MB (128 KiB gave 924 MB from 85 KB); no slower.
    STEP = 1 << 11

    def __init__(self, inner: BinaryIO, owned: bool):
        import zstandard

        super().__init__()
        # Pushshift / Arctic Shift dumps are written with --long=31: allow a 2 GiB window
        self.decompressor = zstandard.ZstdDecompressor(max_window_size=1 << 31)
        self.inner, self.owned, self.cut = inner, owned, None
        self.frame, self.fed = self.decompressor.decompressobj(), False

    def _step(self) -> bytes:
        compressed = self.inner.read(self.STEP)
        if not compressed:
            self.ended = True
            if self.fed and not self.frame.eof:
                self.cut = EOFError("zstd: the compressed file ends before the end of its frame")
            return b""
        out = []
        while compressed:
            self.fed = True
            try:
                out.append(self.frame.decompress(compressed))
            except DecompressionError as exc:  # bytes that are no zstd (a file with junk appended)
                return self._damaged(exc, b"".join(out))
            compressed = self.frame.unused_data if self.frame.eof else b""
            if self.frame.eof:  # the next frame starts in what this one left over (or next read)
                self.frame, self.fed = self.decompressor.decompressobj(), False
        return b"".join(out)

    def _damaged(self, exc: Exception, decoded: bytes) -> bytes:
        """End the stream after ``decoded`` (what came before the damage) and keep the error in
        ``cut``: raised from the step, it took the step's decoded lines with it (a small file's
        whole content, since a step reads up to 2 KiB of frames)."""
        self.ended, self.frame = True, None
        self.cut = DecompressionError(str(exc))
        return decoded

    def close(self) -> None:
        if self.owned:
            self.inner.close()
        super().close()


class Utf16AsUtf8(SteppedStream):
    """A UTF-16 stream that starts with its byte order mark (Excel's "Unicode Text"; what Windows
    PowerShell 5's ``>`` writes) as UTF-8, so that rows or lines, their raw bytes and offsets are
    those of its UTF-8 text. Bytes that are not UTF-16 (an odd byte at the end, a lone surrogate)
    end the stream, after the text before them, with an OSError naming their offset: the file
    ends as one that cannot be read.

    >>> io.BufferedReader(Utf16AsUtf8(io.BytesIO("id\\tcafé\\n".encode("utf-16")))).read()
    b'id\\tcaf\\xc3\\xa9\\n'
    """

    STEP = 1 << 16

    def __init__(self, inner: BinaryIO):
        import codecs

        super().__init__()
        bom = inner.read(2)
        self.codec = "utf-16-le" if bom == b"\xff\xfe" else "utf-16-be"
        self.inner, self.decoder = inner, codecs.getincrementaldecoder(self.codec)()
        self.consumed, self.error = len(bom), None

    def _step(self) -> bytes:
        if self.error is not None:
            raise self.error
        data = self.inner.read(self.STEP)
        held = len(self.decoder.getstate()[0])
        try:
            text = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:  # exc.object: the bytes held from the last step, then data
            before = exc.object[: exc.start].decode(self.codec).encode("utf-8")
            if not data and _cut(self.inner):  # the cut fell inside a character: the cut is the error
                self.ended = True
                return before
            where = self.consumed - held + exc.start
            self.error = OSError(f"not UTF-16 text ({exc.reason} at byte {where})")
            return before or self._step()
        self.consumed += len(data)
        self.ended = not data
        return text.encode("utf-8")


def raise_if_cut(stream: BinaryIO) -> None:
    """Raise the error that ended a cut compressed ``stream`` (see :class:`_CutTolerant`)."""
    cut = _cut(stream)
    if cut is not None:
        raise cut


def _cut(stream: BinaryIO) -> BaseException | None:
    """The error that ended ``stream`` (or the stream it buffers) where it was cut, if it was."""
    return getattr(getattr(stream, "raw", stream), "cut", None)


def inner_suffix(path: str) -> str:
    """The suffix that names the content: ``.csv`` for ``posts.csv.gz``."""
    p = Path(path)
    if p.suffix.lower() in COMPRESSED:
        p = p.with_suffix("")
    return p.suffix.lower()


def iter_lines(stream: BinaryIO) -> Iterator[tuple[int, int, bytes]]:
    """``(line_number, byte_offset, line)`` for each line, newline included; a byte order mark
    that starts a line (Windows tools write one; files are concatenated) is no part of it."""
    offset = 0
    buffered = stream if isinstance(stream, io.BufferedIOBase) else io.BufferedReader(stream, 1 << 20)
    for number, line in enumerate(buffered, 1):
        if line.startswith(BOM):
            offset, line = offset + len(BOM), line[len(BOM):]
        yield number, offset, line
        offset += len(line)


def _opens_document(stripped: bytes) -> bool:
    return stripped[:1] in (b"{", b"[") and stripped[-1:] in (b"{", b"[", b",", b":")


def _closes_document(line: bytes) -> bool:
    return line[:1] in (b"}", b"]")


def iter_documents(stream: BinaryIO) -> Iterator[Document]:
    """Split a JSON / JSON-lines stream into documents; see the module docstring."""
    pending: list[bytes] = []
    start = (0, 0)
    size = 0
    for number, offset, line in iter_lines(stream):
        if pending:
            pending.append(line)
            size += len(line)
            if _closes_document(line):
                raw = b"".join(pending)
                try:
                    value = decode_json(raw)
                except JSON_ERRORS:
                    if size <= MAX_DOCUMENT:
                        continue
                    yield from _salvaged(start, raw, "multi-line JSON document too large or malformed")
                    pending, size = [], 0
                    continue
                yield Document(*start, raw, value, None)
                pending, size = [], 0
                continue
            if line[:1] not in (b" ", b"\t", b"\n", b"\r", b'"') and line.strip():
                # A line at column 0 that neither continues nor closes: the pending block was
                # not a document after all. Set it aside (unless it was only an array's opening
                # bracket, with its elements on lines of their own) and read this line afresh.
                block = b"".join(pending[:-1])
                if block.strip() != b"[":
                    yield from _salvaged(start, block, "unterminated JSON document")
                pending, size = [], 0
            else:
                continue
        while True:
            if line[:_MIN_ZEROS] == _ZEROS:  # zeros a crash left, then, often, what was appended after it
                zeros = len(line) - len(line.lstrip(b"\x00"))
                yield Document(number, offset, line[:zeros], None, _NUL_REASON.format(zeros))
                line, offset = line[zeros:], offset + zeros
                continue
            stripped = line.strip()
            if not stripped or _PUNCTUATION.fullmatch(stripped):
                break  # blank, or the commas and closing brackets between an array's elements
            try:
                yield Document(number, offset, line, decode_json(stripped), None)
                break
            except JSON_ERRORS as exc:
                end = _end_of_first(line, exc)
                first = _first_of_several(line, end)
                if first is not None:  # documents written back to back on one line: `{...}{...}` or `{...}{`
                    yield Document(number, offset, line[:end], first, None)
                    line, offset = _after_comma(line[end:], offset + end)
                    continue
                if stripped[:1] == b"[" and _leads_elements(stripped[1:]):
                    # `[{...},`: an array written one element per line; the bracket is no record
                    skip = len(line) - len(line.lstrip()) + 1
                    line, offset = line[skip:], offset + skip
                    continue
                if _opens_document(stripped):
                    pending, start, size = [line], (number, offset), len(line)
                else:
                    yield Document(number, offset, line, None, _json_reason(stripped, exc))
                break
    if pending:
        raw = b"".join(pending)
        try:
            yield Document(*start, raw, decode_json(raw), None)
        except JSON_ERRORS as exc:
            yield from _salvaged(start, raw, _json_reason(raw.strip(), exc))


def _salvaged(start: tuple[int, int], raw: bytes, reason: str) -> Iterator[Document]:
    """A multi-line document that does not decode, as documents: when it is an array (a whole
    file written with ``json.dump(..., indent=2)`` and cut short, or interrupted), each whole
    element before the damage is one, with its own line and offset, and the rest is one bad
    document with ``reason``. Anything else is one bad document, as it was."""
    line, offset = start
    view, at = memoryview(raw), len(raw) - len(raw.lstrip())
    if raw[at:at + 1] != b"[":
        yield Document(line, offset, raw, None, reason)
        return
    at, counted, number = _skip_separator(raw, at + 1), 0, line
    while at < len(raw) and (found := _element(view, at))[0] is not None:
        end, value = found
        number, counted = number + raw.count(b"\n", counted, at), at  # lines counted once
        yield Document(number, offset + at, raw[at:end], value, None)
        at = _skip_separator(raw, end)
    if not counted:  # not one element is whole: the document stays one, as read
        yield Document(line, offset, raw, None, reason)
    elif at < len(raw):
        yield Document(number + raw.count(b"\n", counted, at), offset + at, raw[at:], None, reason)


def _skip_separator(raw: bytes, at: int) -> int:
    """The position after the whitespace, and at most one comma, that follow ``at``."""
    return _SEPARATOR.match(raw, at).end()


_SEPARATOR = re.compile(rb"\s*(?:,\s*)?")


def _element(view: memoryview, at: int) -> tuple[int | None, Any]:
    """(end, value) of the array element that starts at ``at``: a whole object or array, followed
    by more or by nothing (an array cut right after it), else (None, None). The decoder reads the
    element and stops at the byte after it."""
    try:
        value = decode_json(view[at:])
        return (len(view), value) if isinstance(value, (dict, list)) else (None, None)
    except JSON_ERRORS as exc:
        found = _TRAILING.search(str(exc))
        if found:
            end = at + int(found.group(1)) - 1
            try:
                value = decode_json(view[at:end])
            except JSON_ERRORS:
                return None, None
            return (end, value) if isinstance(value, (dict, list)) else (None, None)
    return None, None


_NUL_REASON = "NUL bytes ({}; a file padded with zeros, as after a crash)"
# A crash pads with whole blocks of zeros; a line of UTF-16 text without its byte order mark starts
# with one or two, and stays one bad line.
_MIN_ZEROS = 16
_ZEROS = b"\x00" * _MIN_ZEROS
_TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")
_PUNCTUATION = re.compile(rb"[\]},\s]+")  # what follows an array's element on its line: `,`, `]`, `]}}`


def _leads_elements(rest: bytes) -> bool:
    """Whether ``rest`` (a line less its opening ``[``) starts with a whole object or array
    followed by a comma or a closing bracket: the first line of an array written one element per
    line, ``[{...},``. A pretty-printed document's first line, ``[{"a": 1,``, is not."""
    try:
        decode_json(rest)
        return False  # `[{...}` alone: a cut array, not elements on lines of their own
    except JSON_ERRORS as exc:
        end = _end_of_first(rest, exc)
        return _first_of_several(rest, end) is not None and rest[end:].lstrip()[:1] in (b",", b"]")


def _after_comma(rest: bytes, offset: int) -> tuple[bytes, int]:
    """``rest`` (at ``offset``) less the comma that ends an array's element on a line that holds
    several: in ``[{...}, {...}, {...`` (an array cut short) each element is a document and only
    the cut one is bad; the comma once made the rest one line of "plain text"."""
    stripped = rest.lstrip()
    if stripped[:1] != b",":
        return rest, offset
    skip = len(rest) - len(stripped[1:].lstrip(b" \t"))  # the newline stays with the line's last part
    return rest[skip:], offset + skip


def _end_of_first(line: bytes, exc: Exception) -> int:
    """Where the first of several back-to-back documents on ``line`` ends (0: not that case)."""
    found = _TRAILING.search(str(exc))
    if not found:
        return 0
    lead = len(line) - len(line.lstrip())
    return lead + int(found.group(1)) - 1  # msgspec counts from 1, at the first trailing byte


def _first_of_several(line: bytes, end: int) -> Any:
    """The value of ``line[:end]`` when it is the first of back-to-back documents, else None
    (``end`` is 0, or the bytes before it do not decode: a line of binary data, where Python's
    whitespace, which ``strip`` takes off, is no JSON whitespace)."""
    if not end:
        return None
    try:
        value = decode_json(line[:end].strip())
    except JSON_ERRORS:
        return None
    return value if isinstance(value, (dict, list)) else None


def _json_reason(stripped: bytes, exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"invalid UTF-8 (byte {exc.start})"
    if "UTF-8" in str(exc):  # msgspec's own check, inside a string: say where, as above
        try:
            stripped.decode()
        except UnicodeDecodeError as bad:
            return f"invalid UTF-8 (byte {bad.start})"
    if isinstance(exc, RecursionError):
        return "invalid JSON (nested too deeply)"
    if stripped[:1] not in (b"{", b"[", b'"'):
        return "not JSON (a line of plain text)"
    message = str(exc)
    if "truncated" in message.lower():
        return "truncated JSON (the line ends mid-record)"
    return f"invalid JSON ({message})"
