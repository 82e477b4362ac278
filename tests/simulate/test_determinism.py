"""Same seed, same bytes; another seed, another world."""

from __future__ import annotations

from pathlib import Path

from hashtide.simulate import simulate


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tiny_world, tmp_path):
    out, _ = tiny_world
    simulate("tiny", tmp_path, scale=1.0, seed=0)
    first, again = _files(out), _files(tmp_path)
    assert list(first) == list(again)
    for name in first:
        assert first[name] == again[name], name


def test_another_seed_another_world(tiny_world, tmp_path):
    out, _ = tiny_world
    simulate("tiny", tmp_path, scale=1.0, seed=1)
    first, other = _files(out), _files(tmp_path)
    assert all(first[name] != other[name] for name in first if name in other)


def test_a_subset_of_formats_writes_the_same_posts(tiny_world, tmp_path):
    out, truth = tiny_world
    subset = simulate("tiny", tmp_path, scale=1.0, seed=0, formats=("twarc2",))
    assert sorted(p.parent.name for p in tmp_path.rglob("*.jsonl")) == ["twitter", "twitter"]
    for name in subset["files"]["twitter"]:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()
    assert subset["totals"]["by_platform"] == {"twitter": truth["totals"]["by_platform"]["twitter"]}
