"""truth.json is consistent with itself and with what was planted."""

from __future__ import annotations

import json

import pytest

from hashtide.model import normalise_tag
from hashtide.simulate.truth import DEFINITIONS


def _entries(truth):
    return truth["campaigns"] + truth["decoys"]


def test_truth_file_is_the_returned_truth(tiny_world):
    out, truth = tiny_world
    on_disk = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(truth))
    assert on_disk["definitions"] == DEFINITIONS
    assert set(on_disk) >= {"scenario", "seed", "scale", "window", "files", "totals", "campaigns", "decoys", "background"}


def test_listed_files_exist(tiny_world):
    out, truth = tiny_world
    listed = sorted(name for names in truth["files"].values() for name in names)
    assert listed == sorted(str(p.relative_to(out)) for p in out.rglob("*.jsonl"))


@pytest.mark.parametrize("field", ["by_kind", "platforms"])
def test_parts_sum_to_posts(tiny_world, field):
    _, truth = tiny_world
    for entry in _entries(truth):
        parts = entry[field].values()
        total = sum(p if isinstance(p, int) else p["posts"] for p in parts)
        assert total == entry["posts"], entry["tag"]


def test_counts_are_bounded(tiny_world):
    _, truth = tiny_world
    for e in _entries(truth):
        assert sum(c["posts"] for c in e["countries"].values()) <= e["posts"]
        assert sum(c["posts"] for c in e["languages"].values()) <= e["posts"]
        assert e["distinct_authors"] == sum(p["authors"] for p in e["platforms"].values())
        assert e["distinct_authors"] <= e["posts"]
        assert e["reposts_of_origin"] <= e["by_kind"]["repost"]
        for part in list(e["platforms"].values()) + list(e["countries"].values()) + list(e["languages"].values()):
            assert 1 <= part["authors"] <= part["posts"]


def test_origin_comes_first(tiny_world):
    _, truth = tiny_world
    for e in _entries(truth):
        origin = e["origin"]["created_at"]
        assert origin == e["onset"]
        firsts = [p["first_seen"] for part in ("platforms", "countries", "languages") for p in e[part].values()]
        assert min(firsts) >= origin  # ISO Z strings of one format order as times
        assert e["platforms"][e["origin"]["platform"]]["first_seen"] == origin


def test_planted_figures_show(tiny_world):
    _, truth = tiny_world
    main = truth["campaigns"][0]
    assert main["role"] == "campaign" and main["launcher"]["followers"] == 250_000
    assert main["replies_to_origin"] >= 60  # the planted storm, plus natural replies
    assert main["reposts_of_origin"] >= 40
    assert set(main["platforms"]) == {"twitter", "bluesky", "mastodon"}
    assert main["siblings"][0]["tag"] == "VagueEssai" and main["answers"][0]["tag"] == "WhatIWillDo"
    sibling = next(e for e in truth["campaigns"] if e["tag"] == "VagueEssai")
    assert sibling["onset"] < main["onset"]  # the sibling starts first; co-occurrence only after the main onset
    assert truth["decoys"][0]["tag"] == "CupFinal" and "MeToo" not in truth["decoys"][0]["cooccurrence"]
    assert main["key"] == normalise_tag(main["tag"])


def test_steady_tags_are_the_top_of_the_vocabulary(tiny_world):
    _, truth = tiny_world
    steady = [s["tag"] for s in truth["background"]["steady_tags"]]
    assert steady[:3] == ["news", "music", "love"] or set(steady[:3]) <= {"news", "music", "love", "photography", "art"}


def test_a_display_form_that_is_another_tag_is_refused():
    import pytest

    from hashtide.simulate.scenarios import Burst, get

    burst = get("metoo-2017").bursts[0]
    fields = {f: getattr(burst, f) for f in burst.__dataclass_fields__}
    with pytest.raises(ValueError, match="other tags"):
        Burst(**dict(fields, tag="YoTambién", forms=(("YoTambién", 0.8), ("YoTambien", 0.2))))
