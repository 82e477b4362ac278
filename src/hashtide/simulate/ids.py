"""Identifiers of each platform's real shape.

- Twitter: snowflake ids, ``(ms - 1288834974657) << 22 | worker << 12 | sequence``
  (twitter-archive/snowflake), so an id gives back its creation time;
- Mastodon: ``ms << 16 | sequence`` (mastodon/lib/mastodon/snowflake.rb);
- Bluesky: ``did:plc:`` + 24 base32 characters (did-method-plc), record keys as TIDs (13
  characters of base32-sortable over ``µs << 10 | clock id``, atproto "Record Key" spec) and
  CIDv1 dag-cbor sha-256 content ids in base32 (``bafyrei...``).

>>> snowflake_ms(twitter_snowflake(1508098860000, 0, 5))
1508098860000
>>> tid_string(tid(1508098860000000, 7))
'3evnikhgcs22b'
>>> cid("at://did:plc:x/app.bsky.feed.post/3lvrgakfdgyaa")[:7]
'bafyrei'
"""

from __future__ import annotations

import base64
import hashlib

import numpy as np

TWITTER_EPOCH_MS = 1288834974657
_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_CID_PREFIX = bytes([0x01, 0x71, 0x12, 0x20])  # CIDv1, dag-cbor, sha2-256, 32 bytes


def twitter_snowflake(ms, worker, sequence):
    """Twitter ids of posts (or accounts) created at epoch milliseconds ``ms`` (arrays work)."""
    if isinstance(ms, int) and isinstance(worker, int) and isinstance(sequence, int):  # plain ints: no numpy round trip
        return ((ms - TWITTER_EPOCH_MS) << 22) | (worker << 12) | sequence
    return ((np.asarray(ms, dtype=np.int64) - TWITTER_EPOCH_MS) << 22) | (np.asarray(worker, dtype=np.int64) << 12) | np.asarray(sequence, dtype=np.int64)


def snowflake_ms(snowflake: int) -> int:
    """The creation time, epoch milliseconds, of a Twitter snowflake id."""
    return (int(snowflake) >> 22) + TWITTER_EPOCH_MS


def mastodon_id(ms, sequence):
    """Mastodon ids: milliseconds in the high bits, a 16-bit sequence below."""
    if isinstance(ms, int) and isinstance(sequence, int):
        return (ms << 16) | (sequence & 0xFFFF)
    return (np.asarray(ms, dtype=np.int64) << 16) | (np.asarray(sequence, dtype=np.int64) & 0xFFFF)


def tid(us, clock):
    """Atproto TID integers: microseconds since the epoch and a 10-bit clock id."""
    return (np.asarray(us, dtype=np.int64) << 10) | (np.asarray(clock, dtype=np.int64) & 0x3FF)


def tid_string(value: int) -> str:
    """The 13-character base32-sortable form of a TID."""
    value = int(value)
    chars = []
    for _ in range(13):
        chars.append(_SORTABLE[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def did_plc(key: bytes) -> str:
    """A did:plc identifier (24 base32 characters) derived from ``key``."""
    digest = hashlib.sha256(key).digest()
    return "did:plc:" + base64.b32encode(digest).decode("ascii").lower()[:24]


def cid(uri: str) -> str:
    """A CIDv1 (dag-cbor, sha2-256) in base32 for the record at ``uri``, deterministic."""
    digest = hashlib.sha256(uri.encode()).digest()
    return "b" + base64.b32encode(_CID_PREFIX + digest).decode("ascii").lower().rstrip("=")


def sequence_within(ms: np.ndarray) -> np.ndarray:
    """For sorted ``ms``, each element's rank among the elements of equal value (0, 1, 2...)."""
    n = len(ms)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.ones(n, dtype=bool)
    starts[1:] = ms[1:] != ms[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    return np.arange(n) - first
