"""The compact row layouts of generated posts (numpy structured dtypes).

A planted post goes through three layouts, none of them held for the whole run in memory:

- ``CASCADE``: as drawn, a generation at a time (cascade.py); ``parent`` and ``root`` are row
  numbers within the burst, in the order drawn. Spilled to a file per hour of the window.
- ``PLANTED``: numbered, one hour at a time in time order (spill.py): ``parent`` and ``root`` are
  now serials, the global time rank of the planted posts (the serial of a row is its hour's first
  serial plus its place in the file, so it is not stored).
- ``ROW``: a post as one time chunk writes it, planted or background: the fields above plus what
  rendering needs of its parent and root (their authors and platform ids). The planted rows
  written are appended to a file by serial, for later replies and reposts to read their parent.

Tags are codes ``tag_id * 4 + display_variant`` (-1: none), four slots per post.
"""

from __future__ import annotations

import numpy as np

TAG_SLOTS = 4
_WHO = [("platform", "i1"), ("kind", "i1"), ("burst", "i2"), ("author", "i4")]

CASCADE = np.dtype([
    ("t", "i8"),  # epoch milliseconds
    *_WHO,
    ("row", "i4"),  # this post's row number within its burst, in the order drawn
    ("parent", "i4"),  # row of the parent (-1: none)
    ("root", "i4"),  # row of the conversation root
    ("seed", "u4"),  # text seed
    ("geo", "?"),
    ("tags", "i4", (TAG_SLOTS,)),
])

PLANTED = np.dtype([
    ("t", "i8"),
    *_WHO,
    ("parent", "i8"),  # serial of the parent (-1: none)
    ("root", "i8"),  # serial of the conversation root
    ("seed", "u4"),
    ("geo", "?"),
    ("tags", "i4", (TAG_SLOTS,)),
])

ROW = np.dtype([
    ("serial", "i8"),  # time rank for planted posts, else a running number past them
    ("t", "i8"),
    *_WHO,
    ("parent", "i8"),  # serial of the parent (-1: none)
    ("parent_author", "i4"),
    ("root_author", "i4"),
    ("parent_pid", "i8"),
    ("root_pid", "i8"),
    ("pid", "i8"),
    ("seed", "u4"),
    ("geo", "?"),
    ("tags", "i4", (TAG_SLOTS,)),
])


def tag_ids(tags: np.ndarray) -> np.ndarray:
    """Tag ids of tag codes (-1 stays -1)."""
    return np.where(tags >= 0, tags >> 2, -1)
