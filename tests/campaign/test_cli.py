"""The campaign commands through typer's CliRunner, on the hand-built story corpus."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import igraph as ig
import pytest
from typer.testing import CliRunner

from hashtide.cli import app
from hashtide.corpus import Corpus

runner = CliRunner()


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


def test_campaign_json_is_deterministic_and_pseudonymised(story_corpus):
    first = run("campaign", "#MeToo", "--corpus", story_corpus, "--json")
    second = run("campaign", "metoo", "--corpus", story_corpus, "--json")
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout  # same bytes
    facts = json.loads(first.stdout)
    assert facts["posts"] == 14 and facts["replies_to_origin"] == 2
    with Corpus.open(story_corpus, read_only=True) as corpus:
        expected = corpus.con.execute("select pseudonym('twitter', 'u1')").fetchall()[0][0]
    assert facts["origin"]["author_id"] == expected != "u1"
    assert facts["origin"]["author_handle"] == expected  # 100 followers: below the threshold
    assert facts["igniting_post"]["author_handle"] == "h_star"  # 3.2 M followers: a public figure
    assert "u1" not in first.stdout and "h_u1" not in first.stdout
    assert set(facts["audit"]) >= {"posts", "by_kind", "origin", "replies_to_origin", "reposts_of_origin",
                                   "platforms", "countries", "languages", "cascades", "amplifiers", "related"}


def test_audit_sql_reproduces_the_figures(story_corpus):
    facts = json.loads(run("campaign", "metoo", "--corpus", story_corpus, "--json").stdout)
    with Corpus.open(story_corpus, read_only=True) as corpus:
        sql = facts["audit"]
        assert corpus.con.execute(sql["posts"]).fetchall() == [(14,)]
        assert corpus.con.execute(sql["replies_to_origin"]).fetchall() == [(2,)]
        assert corpus.con.execute(sql["reposts_of_origin"]).fetchall() == [(1,)]
        assert dict(corpus.con.execute(sql["by_kind"]).fetchall()) == {"original": 4, "quote": 1, "reply": 3, "repost": 6}


def test_campaign_reveal_and_threshold(story_corpus):
    revealed = json.loads(run("campaign", "metoo", "-c", story_corpus, "--json", "--reveal-authors").stdout)
    assert revealed["origin"]["author_id"] == "u1"
    low = json.loads(run("campaign", "metoo", "-c", story_corpus, "--json", "--public-threshold", "50").stdout)
    assert low["origin"]["author_handle"] == "h_u1"  # 100 followers >= 50


def test_campaign_window_and_bucket(story_corpus):
    facts = json.loads(run("campaign", "metoo", "-c", story_corpus, "--json", "--since", "2017-10-15T21:00:00Z",
                           "--until", "2017-10-16", "--bucket", "day").stdout)
    assert facts["posts"] == 3 and facts["peak"] == {"bucket": "2017-10-15T00:00:00Z", "posts": 3, "unit": "day",
                                                     "per_hour": 0.125}
    bad = run("campaign", "metoo", "-c", story_corpus, "--since", "yesterday")
    assert bad.exit_code == 2 and "not a time" in bad.output
    assert run("campaign", "metoo", "-c", story_corpus, "--bucket", "week").exit_code == 2


@pytest.mark.parametrize("verb", [("campaign",), ("related",), ("posts",), ("export", "network")])
@pytest.mark.parametrize("window, message", [
    # an empty window used to print an empty result with exit 0
    (("--since", "2017-10-16", "--until", "2017-10-15"), "--until must be after --since"),
    (("--since", "2017-10-15", "--until", "2017-10-15"), "--until must be after --since"),
    # the calendar's edges overflowed into a traceback
    (("--until", "9999-12-31T23:00-05:00"), "--until '9999-12-31T23:00-05:00': out of range"),
    (("--since", "0001-01-01T00:00+01:00"), "posts are from 1970-01-01 to 2100-01-01"),
])
def test_time_window_is_checked_by_every_campaign_verb(story_corpus, tmp_path, verb, window, message):
    target = ("--to", tmp_path / "n.csv") if verb == ("export", "network") else ()
    result = run(*verb, "metoo", "-c", story_corpus, *target, *window)
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "n.csv").exists()


@pytest.mark.parametrize("verb", [("campaign",), ("related",), ("posts",), ("export", "network"), ("report",),
                                  ("bursts",)])
@pytest.mark.parametrize("tag", ["#tide test", "tide\ntest", "", "#2017", "#", "#me#too"])
def test_every_tag_argument_is_one_hashtag(story_corpus, tmp_path, verb, tag):
    """Spaces and newlines used to pass and answer "no post uses ..." (report even wrote a
    report); bursts '' said only "not a hashtag". Dashes and emoji are Bluesky tags: they pass."""
    target = {("export", "network"): ("--to", tmp_path / "n.csv"), ("report",): ("--out", tmp_path / "r.html")}
    result = run(*verb, "-c", story_corpus, *target.get(verb, ()), "--", tag)
    assert result.exit_code == 2, result.output
    assert "Invalid value for 'tag'" in result.output and "is not a hashtag" in result.output
    assert "digits alone" in " ".join(result.output.split())
    assert not (tmp_path / "n.csv").exists() and not (tmp_path / "r.html").exists()


def test_tag_argument_takes_any_form_of_one_hashtag(story_corpus):
    from hashtide.model import normalise_tag

    sheets = {run("campaign", "-c", story_corpus, "--json", tag).stdout for tag in ("#MeToo", "metoo", "\uff03\uff2d\uff45\uff34\uff4f\uff4f")}
    assert len(sheets) == 1 and json.loads(sheets.pop())["posts"] == 14
    assert normalise_tag("tide test") == "tide test"  # ingest keeps the platforms' tag entities as they are
    for bluesky in ("#tide-test", "#\U0001f525"):  # Bluesky's facets hold such tags
        assert run("campaign", "-c", story_corpus, bluesky).exit_code == 0, bluesky


@pytest.mark.parametrize("args", [
    ("campaign", "--top", "-1"),  # a pyarrow traceback
    ("campaign", "--top", "0"),
    ("related", "--top", "-1"),  # an empty table
    ("related", "--top", "1001"),
    ("related", "--min-cooccurrence", "99999999999999999999"),  # OverflowError
    ("related", "--min-cooccurrence", "0"),
    ("related", "--min-lift", "-1"),
    ("related", "--min-lift", "nan"),
    ("related", "--min-affinity", "-0.5"),
    ("related", "--min-affinity", "inf"),
    ("posts", "--limit", "-1000"),  # "1 posts ... 1,001 more"
    ("posts", "--limit", "1000001"),
])
def test_numeric_options_are_range_checked(story_corpus, args):
    verb, option, value = args
    result = run(verb, "metoo", "-c", story_corpus, option, value)
    assert result.exit_code == 2 and f"Invalid value for '{option}'" in result.output, result.output


def test_numeric_options_at_their_bounds(story_corpus, related_corpus_path):
    rows = json.loads(run("related", "tidetest", "-c", related_corpus_path, "--json", "--top", "1000",
                          "--min-cooccurrence", "1", "--min-lift", "0", "--min-affinity", "0").stdout)
    assert {"whatiwilldo", "vagueessai", "news"} <= {r["key"] for r in rows}
    table = run("posts", "metoo", "-c", story_corpus, "--limit", "0")
    assert table.exit_code == 0 and "posts: 14 posts" in table.stdout and "... 14 more" in table.stdout


def test_campaign_sheet_hides_small_groups(story_corpus):
    result = run("campaign", "#MeToo", "-c", story_corpus)
    assert result.exit_code == 0, result.output
    assert "#MeToo" in result.stdout and "14 posts" in result.stdout and "igniting post" in result.stdout
    assert "<10" in result.stdout  # 2 Bluesky accounts, 1 on Mastodon
    assert "h_u1" not in result.stdout


def test_campaign_unknown_tag_and_corpus(story_corpus, tmp_path):
    assert "no post uses" in run("campaign", "nothere", "-c", story_corpus).stdout
    missing = run("campaign", "metoo", "-c", tmp_path / "none.duckdb")
    assert missing.exit_code == 2 and "no corpus" in missing.output
    assert run("campaign", "#2017", "-c", story_corpus).exit_code == 2


def test_related_command(related_corpus_path):
    result = run("related", "tidetest", "-c", related_corpus_path, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["key"], r["relation"]) for r in rows] == [("whatiwilldo", "answer"), ("vagueessai", "sibling"),
                                                         ("news", "co-tag")]
    assert json.loads(run("related", "tidetest", "-c", related_corpus_path, "--json", "--min-lift", "1.6",
                           "--min-affinity", "1.1").stdout)[0]["key"] == "whatiwilldo"
    assert len(json.loads(run("related", "tidetest", "-c", related_corpus_path, "--json", "--min-cooccurrence", "20").stdout)) == 0
    table = run("related", "tidetest", "-c", related_corpus_path)
    assert "#WhatIWillDo" in table.stdout and "sibling" in table.stdout


def test_posts_behind_figures(story_corpus):
    replies = json.loads(run("posts", "metoo", "--figure", "replies_to_origin", "-c", story_corpus, "--json").stdout)
    assert [r["post_id"] for r in replies["rows"]] == ["106", "107"]
    assert all(r["author_id"].startswith("p_") for r in replies["rows"])
    revealed = json.loads(run("posts", "metoo", "--figure", "by_kind.quote", "-c", story_corpus, "--json",
                              "--reveal-authors").stdout)
    assert [(r["post_id"], r["author_id"]) for r in revealed["rows"]] == [("111", "r1")]
    figures = {"reposts_of_origin": ["108"], "origin": ["100"], "igniting_post": ["101"],
               "countries.FR": ["m1"],
               "cascades.largest": ["101", "102", "109", "103", "104", "105", "110", "111"]}  # by time, then id
    for figure, ids in figures.items():
        got = json.loads(run("posts", "metoo", "--figure", figure, "-c", story_corpus, "--json").stdout)
        assert [r["post_id"] for r in got["rows"]] == ids, figure
    # a Bluesky post id names its author (at://DID/...): pseudonymised unless revealed
    hidden, shown = (json.loads(run("posts", "metoo", "--figure", "platforms.bluesky", "-c", story_corpus, "--json",
                                    *reveal).stdout)["rows"] for reveal in ((), ("--reveal-authors",)))
    assert [r["post_id"] for r in shown] == ["at://b1", "at://b2"]
    assert len(hidden) == 2 and all(r["post_id"].startswith("at://p_") for r in hidden)
    peak = json.loads(run("posts", "metoo", "--figure", "peak", "-c", story_corpus, "--json").stdout)
    assert peak["posts"] == 10
    table = run("posts", "metoo", "--figure", "posts", "-c", story_corpus, "--limit", "3")
    assert "11 more" in table.stdout
    bad = run("posts", "metoo", "--figure", "nonsense", "-c", story_corpus)
    assert bad.exit_code == 2 and "replies_to_origin" in bad.output


def test_posts_figures_are_named_in_any_case_and_unknown_values_refused(story_corpus):
    def ids(figure):
        got = run("posts", "metoo", "--figure", figure, "-c", story_corpus, "--json")
        assert got.exit_code == 0, got.output
        return [r["post_id"] for r in json.loads(got.stdout)["rows"]]

    assert ids("countries.fr") == ids("countries.FR") == ["m1"]
    assert ids("platforms.BLUESKY") == ids("platforms.bluesky") and len(ids("platforms.bluesky")) == 2
    for unknown in ("countries.XX", "platforms.nope", "related.nope", "by_kind.bogus"):
        bad = run("posts", "metoo", "--figure", unknown, "-c", story_corpus)
        assert bad.exit_code == 2 and "unknown figure" in bad.output, unknown


def test_posts_of_the_largest_cascade_have_every_column(story_corpus):
    """Its table listed language and country, which its rows lacked: a KeyError."""
    table = run("posts", "metoo", "--figure", "cascades.largest", "-c", story_corpus)
    assert table.exit_code == 0 and "cascades.largest: 8 posts" in table.stdout, table.output
    rows = json.loads(run("posts", "metoo", "--figure", "cascades.largest", "-c", story_corpus, "--json").stdout)["rows"]
    origin = json.loads(run("posts", "metoo", "--figure", "origin", "-c", story_corpus, "--json").stdout)["rows"]
    assert set(rows[0]) == set(origin[0])


def test_one_post_is_counted_in_the_singular(story_corpus):
    """The audit found "origin: 1 posts"."""
    table = run("posts", "metoo", "--figure", "origin", "-c", story_corpus)
    assert "origin: 1 post\n" in table.stdout and "1 posts" not in table.stdout, table.output
    assert "countries.fr: 1 post" in run("posts", "metoo", "--figure", "countries.fr", "-c", story_corpus).stdout


def test_posts_behind_related(related_corpus_path):
    for figure in ("related.news", "related.#News", "related.NEWS"):
        got = json.loads(run("posts", "tidetest", "--figure", figure, "-c", related_corpus_path, "--json").stdout)
        assert [r["post_id"] for r in got["rows"]] == [f"c{i:03d}" for i in range(70, 78)], figure


def test_export_network(story_corpus, tmp_path):
    gexf, graphml, edges = tmp_path / "n.gexf", tmp_path / "n.graphml", tmp_path / "n.csv"
    for target in (gexf, graphml, edges):
        result = run("export", "network", "metoo", "--to", target, "-c", story_corpus)
        assert result.exit_code == 0, result.output
    # 10 reposts, replies and quotes use the tag; r1 reposted and quoted the star (one edge of
    # weight 2); 108 and b2 carry no parent author: it comes from the parent post in the corpus
    g = ig.Graph.Read_GraphML(str(graphml))
    rows = list(csv.DictReader(open(edges)))
    assert g.vcount() == 12 and g.ecount() == len(rows) == 9
    assert sum(int(r["weight"]) for r in rows) == 10 and sorted(g.es["weight"])[-1] == 2
    root = ET.parse(gexf).getroot()
    ns = {"g": "http://gexf.net/1.3"}
    assert len(root.findall(".//g:node", ns)) == 12 and len(root.findall(".//g:edge", ns)) == 9
    first = gexf.read_bytes()
    run("export", "network", "metoo", "--to", gexf, "-c", story_corpus)
    assert gexf.read_bytes() == first
    bad = run("export", "network", "metoo", "--to", tmp_path / "n.png", "-c", story_corpus)
    assert bad.exit_code == 2 and ".gexf" in bad.output


def test_related_defaults_are_the_librarys():
    """The CLI spells its defaults out (it does not import the analyses to start quickly); they
    must be the library's."""
    import inspect

    from hashtide.campaign import story
    from hashtide.cli.campaign import related

    defaults = {name: p.default for name, p in inspect.signature(related).parameters.items()}
    assert (defaults["min_cooccurrence"], defaults["min_lift"], defaults["min_affinity"]) == (
        story.MIN_COOCCURRENCE, story.MIN_LIFT, story.MIN_AFFINITY)


def _corpus_with_a_control_character_in_a_public_handle(tmp_path) -> str:
    from campaign.campaign_worlds import story_posts

    posts = story_posts()
    for post in posts:
        if post.author_id == "star":  # 3.2 M followers: shown by handle without --reveal-authors
            post.author_handle = "star\x01<&>\"x"
    path = str(tmp_path / "ctrl.duckdb")
    with Corpus.open(path) as corpus:
        corpus.write_posts(posts)
    return path


def test_export_network_drops_characters_xml_forbids(tmp_path):
    corpus = _corpus_with_a_control_character_in_a_public_handle(tmp_path)
    gexf, graphml = tmp_path / "n.gexf", tmp_path / "n.graphml"
    for target in (gexf, graphml):
        result = run("export", "network", "metoo", "--to", target, "-c", corpus)
        assert result.exit_code == 0, result.output
    ns = {"g": "http://gexf.net/1.3"}
    labels = {n.get("label") for n in ET.parse(gexf).getroot().findall(".//g:node", ns)}
    assert "star<&>\"x" in labels
    assert "star<&>\"x" in ig.Graph.Read_GraphML(str(graphml)).vs["label"]


def test_export_network_to_an_unwritable_place_exits_2_and_writes_nothing(story_corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir.gexf").mkdir()
    for target in ("nosuchdir/n.gexf", "adir.gexf", "/proc/n.graphml", "nosuchdir/n.csv"):
        result = run("export", "network", "metoo", "--to", target, "-c", story_corpus)
        assert result.exit_code == 2 and f"error: cannot write {target}: " in result.output, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir.gexf", "story.duckdb"]
    assert not any((tmp_path / "adir.gexf").iterdir())


def test_export_network_without_extension_says_so(story_corpus, tmp_path):
    result = run("export", "network", "metoo", "--to", tmp_path / "n", "-c", story_corpus)
    assert result.exit_code == 2 and "no file extension (use one of: .gexf, .graphml, .csv)" in result.output


def test_public_threshold_below_one_is_refused(story_corpus, tmp_path):
    """0 or less would show every handle while the output says authors are pseudonymised."""
    for threshold in ("0", "-1"):
        sheet = run("campaign", "metoo", "-c", story_corpus, "--public-threshold", threshold)
        network = run("export", "network", "metoo", "--to", tmp_path / "n.csv", "-c", story_corpus,
                      "--public-threshold", threshold)
        for result in (sheet, network):
            assert result.exit_code == 2 and "--public-threshold" in result.output
    assert not (tmp_path / "n.csv").exists()


def test_no_output_names_a_hidden_bluesky_author_through_a_post_id(tmp_path):
    """A Bluesky post id is at://DID/app.bsky.feed.post/KEY: the facts JSON (origin, cascades,
    igniting post) gave every author's DID away, pseudonym or not."""
    from hashtide.simulate import simulate

    world = tmp_path / "world"
    simulate("tiny", world, scale=1.0, seed=3, formats=("jetstream",))
    corpus = str(tmp_path / "c.duckdb")
    assert run("ingest", *map(str, sorted(world.glob("*/*.jsonl"))), "-c", corpus).exit_code == 0
    sheet = run("campaign", "TideTest", "-c", corpus, "--json")
    posts = run("posts", "TideTest", "--figure", "cascades.largest", "-c", corpus, "--json")
    assert sheet.exit_code == posts.exit_code == 0
    assert json.loads(sheet.stdout)["origin"]["post_id"].startswith("at://p_")
    assert "did:" not in sheet.stdout and "did:" not in posts.stdout
    revealed = run("campaign", "TideTest", "-c", corpus, "--json", "--reveal-authors")
    assert json.loads(revealed.stdout)["origin"]["post_id"].startswith("at://did:")
