"""Hashtag columns for Arrow batches of posts, normalised once per distinct form.

A batch read by DuckDB carries, per post, the tags as written (``forms``, from the tag entities)
and, for a post without entities, the text the tags must be found in (``bare_text``). Here they
become the post schema's ``hashtags`` and ``hashtag_forms``: exactly
:func:`hashtide.model.tag_columns` per post, but computed on the distinct forms of the batch with
NumPy, not once per post in Python.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hashtide.model import display_form, hashtags_from_text, normalise_tag


class TagCache:
    """Keys and display forms of the hashtag forms seen so far (bounded)."""

    # A form costs about 130 bytes here (262,144 random forms: 51 MB with their list): at 1 << 20
    # forms, a real collection's long tail of tags could hold 130 MB or more of a 1 GB budget.
    LIMIT = 1 << 17

    def __init__(self):
        self.keys: dict[str, str | None] = {}
        self.shown: dict[str, str] = {}

    def lookup(self, forms: list[str]) -> tuple[list[str | None], list[str]]:
        if len(self.keys) > self.LIMIT:
            self.keys.clear()
            self.shown.clear()
        keys, shown = self.keys, self.shown
        for form in forms:
            if form not in keys:
                keys[form] = normalise_tag(form)
                shown[form] = display_form(form)
        return [keys[f] for f in forms], [shown[f] for f in forms]


def hashtag_columns(forms: pa.Array, bare_text: pa.Array, cache: TagCache) -> tuple[pa.Array, pa.Array]:
    """``(hashtags, hashtag_forms)`` list arrays for rows with tag lists ``forms`` (the entities')
    and ``bare_text`` (a row's text when it has no entities, else null)."""
    owner, values = _forms(forms, bare_text)
    return _tag_lists(owner, values, len(forms), cache)


def _forms(lists: pa.Array, bare: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(row, form) of every tag as written, in row order: entities' tags, or the text's."""
    owner = pc.list_parent_indices(lists).to_numpy()
    forms = pc.list_flatten(lists)
    marked = pc.fill_null(pc.or_(pc.match_substring(bare, "#"), pc.match_substring(bare, "＃")), False)
    rows = np.flatnonzero(marked.to_numpy(zero_copy_only=False))
    if not len(rows):
        return owner, forms
    found = [(row, form) for row, text in zip(rows, bare.take(pa.array(rows)).to_pylist())
             for form in hashtags_from_text(text)]
    if not found:
        return owner, forms
    merged = np.concatenate([owner, np.array([row for row, _ in found], np.int64)])
    order = np.argsort(merged, kind="stable")
    values = pa.concat_arrays([forms.cast(pa.string()), pa.array([form for _, form in found], pa.string())])
    return merged[order], values.take(pa.array(order))


def _tag_lists(owner: np.ndarray, forms: pa.Array, n: int, cache: TagCache) -> tuple[pa.Array, pa.Array]:
    """Normalised keys and display forms per row, each key once per row, in order of writing
    (:func:`hashtide.model.tag_columns`, on the distinct forms)."""
    encoded = pc.dictionary_encode(forms)
    keys, shown = cache.lookup(encoded.dictionary.to_pylist())
    key_ids: dict[str, int] = {}
    key_code = np.array([-1 if key is None else key_ids.setdefault(key, len(key_ids)) for key in keys] + [-1],
                        np.int64)
    code = key_code[encoded.indices.to_numpy()] if len(forms) else np.zeros(0, np.int64)
    valid = np.flatnonzero(code >= 0)
    pair = owner[valid].astype(np.int64) * (len(key_ids) + 1) + code[valid]
    _, first = np.unique(pair, return_index=True)
    kept = valid[np.sort(first)]
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(np.bincount(owner[kept], minlength=n), out=offsets[1:])
    key_values = pa.array(list(key_ids), pa.string()).take(pa.array(code[kept]))
    form_values = pa.array(shown, pa.string()).take(encoded.indices.take(pa.array(kept, pa.int64())))
    return (pa.ListArray.from_arrays(pa.array(offsets), key_values),
            pa.ListArray.from_arrays(pa.array(offsets), form_values))
