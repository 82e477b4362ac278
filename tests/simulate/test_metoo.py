"""The metoo-2017 world shows the published figures (scaled), checked on its truth."""

from __future__ import annotations

import pytest

from hashtide.simulate import simulate

SCALE = 0.005


@pytest.fixture(scope="module")
def metoo(tmp_path_factory):
    return simulate("metoo-2017", tmp_path_factory.mktemp("metoo"), scale=SCALE, seed=3, formats=("twarc2",))


def test_launch(metoo):
    main = metoo["campaigns"][0]
    assert main["tag"] == "MeToo" and main["onset"] == "2017-10-15T20:21:00.000Z"
    assert main["origin"]["created_at"] == main["onset"] and main["origin"]["platform"] == "twitter"
    assert main["launcher"]["followers"] == 3_200_000 and main["launcher"]["country"] == "US"


def test_magnitude(metoo):
    main = metoo["campaigns"][0]
    assert main["posts"] > 500_000 * SCALE
    assert main["replies_to_origin"] > 30_000 * SCALE


def test_related_campaigns(metoo):
    by_tag = {e["tag"]: e for e in metoo["campaigns"]}
    assert by_tag["balancetonporc"]["onset"].startswith("2017-10-13")
    assert by_tag["quellavoltache"]["onset"].startswith("2017-10-12")
    assert by_tag["HowIWillChange"]["onset"].startswith("2017-10-16") and by_tag["HowIWillChange"]["role"] == "answer"
    assert max(by_tag["balancetonporc"]["countries"].items(), key=lambda kv: kv[1]["posts"])[0] == "FR"
    assert max(by_tag["quellavoltache"]["countries"].items(), key=lambda kv: kv[1]["posts"])[0] == "IT"
    siblings = {s["tag"] for s in by_tag["MeToo"]["siblings"]}
    assert siblings == {"balancetonporc", "quellavoltache", "YoTambién", "AMiTambién"}
    assert all(s["cooccurrence"] > 0 for s in by_tag["MeToo"]["siblings"] + by_tag["MeToo"]["answers"])
    assert {d["tag"] for d in metoo["decoys"]} == {"NLCS", "UCL"}


def test_countries_lead_with_the_us(metoo):
    countries = metoo["campaigns"][0]["countries"]
    ranked = sorted(countries, key=lambda c: -countries[c]["posts"])
    known = sum(c["posts"] for c in countries.values())
    assert ranked[0] == "US" and 0.22 < countries["US"]["posts"] / known < 0.45  # planted: 30 %
    assert countries["GB"]["posts"] / known > 0.03  # planted: 7 %
    # the US is first seen before the countries planted with later lags
    assert countries["US"]["first_seen"] < countries["FR"]["first_seen"]
