"""Unwrap recorded HTTP cassettes (VCR.py YAML, Betamax JSON) into the JSON documents their
responses carry, the way a client would have received them.

VCR.py keeps a body in ``interactions[].response.body.string`` (a YAML scalar); Betamax keeps it in
``interactions[].response.body.string`` or, for binary bodies, ``base64_string``.

:func:`mutate` damages a real record (keys dropped, values of the wrong type) for the readers'
property tests.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any, NamedTuple

import yaml


class Exchange(NamedTuple):
    method: str
    uri: str
    body: Any  # the decoded JSON body, or None when the body is not JSON


def exchanges(path: Path) -> list[Exchange]:
    """Every request of the cassette at ``path`` with its decoded JSON response body."""
    text = path.read_text(encoding="utf-8")
    cassette = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    found = []
    for interaction in cassette["interactions"]:
        request, body = interaction["request"], interaction["response"]["body"]
        raw = body.get("string")
        if raw is None and body.get("base64_string") is not None:
            raw = base64.b64decode(body["base64_string"]).decode("utf-8")
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        try:
            value = json.loads(raw) if raw else None
        except ValueError:
            value = None
        found.append(Exchange(request["method"], request["uri"], value))
    return found


def documents(path: Path) -> list[Any]:
    """The JSON response bodies of the cassette, top-level arrays split into their elements (as
    the ingest pipeline splits them)."""
    docs: list[Any] = []
    for exchange in exchanges(path):
        if isinstance(exchange.body, list):
            docs.extend(exchange.body)
        elif exchange.body is not None:
            docs.append(exchange.body)
    return docs


# ---------------------------------------------------------------------------------------------
# Damaging real records for property tests (shared by the reader tests beside this module)

WRONG_VALUES = (None, 0, -1, 1 << 70, 1.5, float("nan"), "", "x", "2017-13-45", True, [], ["x"], {}, {"a": 1})


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key/index path inside a JSON value."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append(prefix + (key,))
            found.extend(paths(inner, prefix + (key,)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.append(prefix + (index,))
            found.extend(paths(inner, prefix + (index,)))
    return found


def mutate(doc: Any, data, rounds: int = 3) -> Any:
    """A deep copy of ``doc`` with up to ``rounds`` keys dropped or values replaced by values of
    the wrong type (``data`` is hypothesis's ``st.data()``)."""
    from hypothesis import strategies as st

    doc = json.loads(json.dumps(doc))
    for _ in range(data.draw(st.integers(1, rounds))):
        options = paths(doc)
        if not options:
            break
        path = data.draw(st.sampled_from(options))
        holder = doc
        for step in path[:-1]:
            holder = holder[step]
        if isinstance(holder, dict) and data.draw(st.booleans()):
            del holder[path[-1]]
        else:
            # a copy: the same list object in two places would let a later round edit WRONG_VALUES
            holder[path[-1]] = copy.deepcopy(data.draw(st.sampled_from(WRONG_VALUES)))
    return doc
