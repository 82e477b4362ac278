"""The compact row layouts of generated posts (numpy structured dtypes).

``CASCADE`` rows hold every post of the planted bursts for the whole run (they are referenced by
later replies and reposts at any distance), so they are small. ``ROW`` is a post as one time
chunk writes it: the cascade fields plus what rendering needs of its parent and root.
Tags are codes ``tag_id * 4 + display_variant`` (-1: none), four slots per post.
"""

from __future__ import annotations

import numpy as np

TAG_SLOTS = 4

CASCADE = np.dtype([
    ("t", "i8"),  # epoch milliseconds
    ("platform", "i1"),
    ("kind", "i1"),
    ("burst", "i2"),
    ("author", "i4"),
    ("parent", "i4"),  # row of the parent (-1: none)
    ("root", "i4"),  # row of the conversation root
    ("seed", "u4"),  # text seed
    ("geo", "?"),
    ("tags", "i4", (TAG_SLOTS,)),
    ("pid", "i8"),  # the platform's integer id, assigned when written
])

ROW = np.dtype([
    ("serial", "i8"),  # cascade row for planted posts, else a running number past them
    ("t", "i8"),
    ("platform", "i1"),
    ("kind", "i1"),
    ("burst", "i2"),
    ("author", "i4"),
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
