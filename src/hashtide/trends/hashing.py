"""Stable 64-bit hashes of Arrow strings, computed column-wise in numpy.

The detector's state is a hashed table, so a key must hash the same in every process, batch and
run (Python's ``hash`` is salted per process). Each string is read as a polynomial in its bytes
modulo 2**64 (wrapping uint64 arithmetic) and the sum goes through the splitmix64 finaliser
(Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014), which spreads
every input bit over the output. Not a cryptographic hash: good enough for a sketch whose
collisions only ever make counts larger.

>>> import pyarrow as pa
>>> a = hash_strings(pa.array(["metoo", "MeToo", "metoo", None]))
>>> bool(a[0] == a[2]), bool(a[0] != a[1]), int(a[3]) == int(hash_strings(pa.array([""]))[0])
(True, True, True)
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_MULTIPLIER = np.uint64(0x100000001B3)  # FNV-1a's 64-bit prime: odd, so the polynomial is a bijection per byte
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_powers = np.ones(1, np.uint64)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser over a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64, copy=True) + _GOLDEN
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z


def _powers_up_to(length: int) -> np.ndarray:
    global _powers
    if len(_powers) < length:
        size = max(length, 2 * len(_powers))
        powers = np.empty(size, np.uint64)
        powers[0] = 1
        with np.errstate(over="ignore"):
            for i in range(1, size):  # once per process, up to the longest string seen
                powers[i] = powers[i - 1] * _MULTIPLIER
        _powers = powers
    return _powers


def hash_strings(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """uint64 hash of each string; a null hashes like the empty string."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if pa.types.is_large_string(values.type):
        offsets_type = np.int64
    elif pa.types.is_string(values.type):
        offsets_type = np.int32
    else:
        raise TypeError(f"hash_strings needs strings, not {values.type}")
    n = len(values)
    if n == 0:
        return np.zeros(0, np.uint64)
    _, offsets_buf, data_buf = values.buffers()
    offsets = np.frombuffer(offsets_buf, offsets_type)[values.offset: values.offset + n + 1].astype(np.int64)
    starts, ends = offsets[:-1], offsets[1:]
    lengths = ends - starts
    if values.null_count:
        lengths = np.where(np.asarray(values.is_null()), 0, lengths)
    total = int(lengths.sum())
    sums = np.zeros(n, np.uint64)
    if total:
        data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
        nonempty = np.flatnonzero(lengths)
        seg_lengths = lengths[nonempty]
        seg_starts = np.zeros(len(nonempty), np.int64)
        np.cumsum(seg_lengths[:-1], out=seg_starts[1:])
        # position of each byte within its string, and the byte itself, without a Python loop
        position = np.arange(total, dtype=np.int64) - np.repeat(seg_starts, seg_lengths)
        source = np.repeat(starts[nonempty] - seg_starts, seg_lengths) + np.arange(total, dtype=np.int64)
        powers = _powers_up_to(int(seg_lengths.max()))
        with np.errstate(over="ignore"):
            terms = (data[source].astype(np.uint64) + np.uint64(1)) * powers[position]
        sums[nonempty] = np.add.reduceat(terms, seg_starts)
    with np.errstate(over="ignore"):
        return splitmix64(sums ^ (lengths.astype(np.uint64) * _GOLDEN))


def hash_text(value: str) -> int:
    """The hash of one Python string, equal to :func:`hash_strings` of it."""
    return int(hash_strings(pa.array([value]))[0])
