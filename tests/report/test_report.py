"""The campaign report: one offline HTML file with every chart drawn, in a real browser."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from report import world
from hashtide.cli import app
from hashtide.corpus import Corpus
from hashtide.report import write_report
from hashtide.report.data import gather
from hashtide.report.trees import radial_layout

CHARTS = {"timeline", "trending", "by_platform", "by_country", "lags", "cascade_1", "cascade_2", "cascade_3",
          "amplifiers", "related"}


@pytest.fixture(scope="module")
def written(world_corpus, tmp_path_factory):
    """The report and its figures, written by the real command."""
    folder = tmp_path_factory.mktemp("report")
    out, figures = folder / "metoo.html", folder / "figures"
    result = CliRunner().invoke(app, ["report", "#MeToo", "--corpus", world_corpus, "--out", str(out),
                                      "--figures", str(figures)])
    assert result.exit_code == 0, result.output
    return out, figures


def _first_day_truth() -> tuple[int, int]:
    """Posts and people using #MeToo in its first 24 hours, counted from the world itself."""
    posts = world.campaign_posts()
    carrying = {p.post_id for p in posts if "metoo" in p.hashtags}
    end = world.LAUNCH + 24 * world.HOUR
    uses = [p for p in posts if p.post_id in carrying or (p.kind == "repost" and p.parent_id in carrying)]
    day = [p for p in uses if p.created_at < end]
    return len(day), len({p.author_id for p in day})


def test_report_works_offline_with_every_chart_drawn(written, page):
    out, _ = written
    outside = []
    page.page.route("**/*", lambda route: (route.continue_() if route.request.url.startswith("file://")
                                           else (outside.append(route.request.url), route.abort())))
    page.page.goto(out.as_uri())
    page.page.wait_for_selector("body[data-charts-ready=yes]", timeout=30_000)
    assert outside == []
    assert page.requests == [out.as_uri()]
    assert page.errors == []
    marks = page.chart_marks()
    assert set(marks) == CHARTS
    assert all(n > 5 for n in marks.values()), marks


def test_report_prints(written, page):
    out, _ = written
    page.page.goto(out.as_uri())
    page.page.wait_for_selector("body[data-charts-ready=yes]", timeout=30_000)
    pdf = page.page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    page.page.emulate_media(media="print")
    assert page.page.eval_on_selector("nav", "e => getComputedStyle(e).display") == "none"


def test_fact_sheet_in_words(written):
    html = written[0].read_text(encoding="utf-8")
    posts, people = _first_day_truth()
    assert f"In the 24 hours that followed, it was used by {people:,} people in {posts:,} posts." in html
    assert "#MeToo was first used on 16 October 2017 at 00:00 UTC by h_launcher on twitter." in html
    assert "The first post drew 120 replies and 120 reposts." in html
    assert "it reached mastodon 6.0 hours after it began" in html


def test_small_accounts_are_pseudonymised_and_small_groups_suppressed(written, world_corpus):
    html = written[0].read_text(encoding="utf-8")
    assert "h_launcher" in html  # 3 M followers: a public figure
    assert "h_o0" in html  # 20,000 followers
    assert not re.search(r"h_(u|r|o[1-9]|fr|is)\d", html)  # everybody else
    assert re.search(r"<td>IS</td><td class=\"n\">3</td><td class=\"n\">[0-9.]+%</td><td class=\"n\">&lt;10</td>", html)
    with Corpus.open(world_corpus, read_only=True) as corpus:
        data = gather(corpus, "#MeToo")
    assert "IS" not in {r["name"] for r in data["by_group"]["country"]}
    assert "other" in {r["name"] for r in data["by_group"]["country"]}


def test_revealed_authors_show_handles(world_corpus, tmp_path):
    with Corpus.open(world_corpus, read_only=True) as corpus:
        out = write_report(corpus, "#MeToo", tmp_path / "r.html", reveal_authors=True)
    html = out.read_text(encoding="utf-8")
    assert "h_u0" in html and "<10" not in html.replace("&lt;", "<").split('id="method"')[0]


def test_same_corpus_same_bytes(written, world_corpus, tmp_path):
    with Corpus.open(world_corpus, read_only=True) as corpus:
        again = write_report(corpus, "#MeToo", tmp_path / "again.html")
    assert again.read_bytes() == written[0].read_bytes()


def test_figures_are_written_as_svg_and_png(written):
    _, figures = written
    assert {p.name for p in figures.iterdir()} == {f"{c}.{ext}" for c in CHARTS for ext in ("svg", "png")}
    for chart in CHARTS:
        assert (figures / f"{chart}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (figures / f"{chart}.svg").read_text(encoding="utf-8")[:500]


def test_trending_ranks_are_the_country_charts_of_hashtide_trends(world_corpus):
    """The report's trending chart is what `hashtide trends --scope country:XX` lists for the tag,
    hour by hour around the launch; #MeToo tops the US chart in its first hour."""
    with Corpus.open(world_corpus, read_only=True) as corpus:
        data = gather(corpus, "#MeToo")
    got = {(r["country"], r["hour"]): r["rank"] for r in data["trending"]}
    assert got.get(("US", "2017-10-16T00:00:00Z")) == 1
    since = dt.datetime.fromtimestamp((world.LAUNCH - 12 * world.HOUR) / 1e6, dt.timezone.utc)
    until = since + dt.timedelta(hours=60)
    expected = {}
    for country in world.COUNTRIES + ("IS",):
        result = CliRunner().invoke(app, ["trends", "--corpus", world_corpus, "--scope", f"country:{country}",
                                          "--since", since.isoformat(), "--until", until.isoformat(), "--json"])
        assert result.exit_code == 0, result.output
        for row in json.loads(result.output):
            if row["tag"] == "#MeToo":
                end = dt.datetime.fromisoformat(row["bucket_end"].replace("Z", "+00:00")) - dt.timedelta(hours=1)
                expected[(country, end.strftime("%Y-%m-%dT%H:%M:%SZ"))] = row["rank"]
    assert got == expected


def test_unused_tag_gives_a_short_report(world_corpus, tmp_path):
    result = CliRunner().invoke(app, ["report", "#nobodyusesthis", "--corpus", world_corpus,
                                      "--out", str(tmp_path / "none.html")])
    assert result.exit_code == 0, result.output
    assert "#nobodyusesthis is not used in this corpus." in (tmp_path / "none.html").read_text(encoding="utf-8")


def test_bad_tag_is_a_clean_error(world_corpus, tmp_path):
    result = CliRunner().invoke(app, ["report", "1234", "--corpus", world_corpus, "--out", str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "not a hashtag" in result.output
    assert not (tmp_path / "x.html").exists()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), max_size=60))
def test_radial_layout_puts_each_node_on_the_ring_of_its_depth(picks):
    parents = [-1] + [pick % (i + 1) for i, pick in enumerate(picks)]
    depth = [0] * len(parents)
    for i, p in enumerate(parents[1:], 1):
        depth[i] = depth[p] + 1
    xs, ys = radial_layout(parents)
    for x, y, d in zip(xs, ys, depth):
        assert abs((x * x + y * y) ** 0.5 - d) < 1e-9


def test_specs_embed_no_url(written):
    html = written[0].read_text(encoding="utf-8")
    specs = json.loads(re.search(r'id="hashtide-charts">(.*?)</script>', html, re.S).group(1).replace("<\\/", "</"))
    assert set(specs) == CHARTS
    assert '"url"' not in json.dumps(specs)


def test_serve_port_is_a_port():
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code == 2 and "Invalid value for '--port'" in result.output


@pytest.fixture
def small_corpus(tmp_path) -> str:
    """The campaign tests' #MeToo in miniature, its public star's handle holding a control character."""
    from campaign.campaign_worlds import story_posts

    posts = story_posts()
    for post in posts:
        if post.author_id == "star":
            post.author_handle = "star\x01x"
    path = str(tmp_path / "small.duckdb")
    with Corpus.open(path) as corpus:
        corpus.write_posts(posts)
    return path


def test_figures_drop_characters_xml_forbids(small_corpus, tmp_path):
    figures = tmp_path / "figures"
    result = CliRunner().invoke(app, ["report", "metoo", "-c", small_corpus, "--out", str(tmp_path / "r.html"),
                                      "--figures", str(figures)])
    assert result.exit_code == 0, result.output
    amplifiers = (figures / "amplifiers.svg").read_text(encoding="utf-8")
    assert "starx (twitter)" in amplifiers and "\x01" not in amplifiers


def test_figures_that_cannot_be_written_are_named(small_corpus, tmp_path):
    """The page is written first: the error names the figures folder, not the page."""
    (tmp_path / "afile").write_text("")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", "metoo", "-c", small_corpus, "--out", str(out),
                                      "--figures", str(tmp_path / "afile")])
    assert result.exit_code == 2 and f"error: cannot write {tmp_path / 'afile'}: File exists" in result.stderr
    assert "<html" in out.read_text(encoding="utf-8")


def test_empty_figures_path_is_refused(small_corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["report", "metoo", "-c", small_corpus, "--out", "r.html", "--figures", ""])
    assert result.exit_code == 2 and "--figures needs a folder" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["small.duckdb"]


def test_out_dash_writes_the_page_to_stdout(small_corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["report", "metoo", "-c", small_corpus, "--out", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.rstrip().endswith("</html>")
    assert [p.name for p in tmp_path.iterdir()] == ["small.duckdb"]


@pytest.mark.parametrize("out", ["", "/proc/r.html"])
def test_page_that_cannot_be_written_exits_2(small_corpus, tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["report", "metoo", "-c", small_corpus, "--out", out])
    assert result.exit_code == 2 and f"error: cannot write {out or repr('')}: " in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["small.duckdb"]


def test_a_tag_written_as_markup_cannot_end_the_charts_element(tmp_path):
    """A tag's display form is the poster's: '<!--<script>' in the embedded JSON put the HTML
    parser where the element's own </script> no longer closed it, and no chart was drawn. A
    campaign without cascades said "median structural virality None"."""
    from campaign.campaign_worlds import story_posts

    posts = [p for p in story_posts() if p.kind == "original"]  # no cascade: a virality of None
    for post in posts:
        post.hashtag_forms = ["MeToo<!--<script>" if t == "metoo" else f for t, f in zip(post.hashtags, post.hashtag_forms)]
    path = tmp_path / "markup.duckdb"
    with Corpus.open(path) as corpus:
        corpus.write_posts(posts)
    result = CliRunner().invoke(app, ["report", "metoo", "-c", str(path), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r.html").read_text()
    start = page.index('<script type="application/json" id="hashtide-charts">') + len('<script type="application/json" id="hashtide-charts">')
    embedded = page[start: page.index("</script>", start)]
    assert "<" not in embedded and "MeToo<!--<script>" in json.dumps(json.loads(embedded), ensure_ascii=False)
    assert "None" not in re.sub(r"<script.*?</script>", "", page, flags=re.S)
