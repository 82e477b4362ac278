"""Splitting streams into JSON documents: lines, pretty documents, junk, offsets, compression."""

import bz2
import gzip
import io
import json
import lzma

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtide.ingest.sources import SourceError, compression, inner_suffix, iter_documents, open_source


def docs(data: bytes):
    return list(iter_documents(io.BytesIO(data)))


def test_json_lines_give_one_document_each_with_line_and_offset():
    data = b'{"a": 1}\n\n{"b": 2}\n'
    found = docs(data)
    assert [(d.line, d.offset, d.value) for d in found] == [(1, 0, {"a": 1}), (3, 10, {"b": 2})]
    assert found[1].raw == b'{"b": 2}\n'


def test_pretty_document_then_plain_text_then_compact_document():
    pretty = json.dumps({"id": 1, "user": {"name": "x"}}, indent=2).encode() + b"\n"
    data = pretty + b"Classic Tweet, extended mode\n" + b'{"id": 2}\n'
    found = docs(data)
    assert [d.value for d in found] == [{"id": 1, "user": {"name": "x"}}, None, {"id": 2}]
    assert found[1].error == "not JSON (a line of plain text)"
    assert found[1].line == pretty.count(b"\n") + 1
    assert found[2].offset == len(pretty) + len(b"Classic Tweet, extended mode\n")


def test_compact_document_followed_by_tab_indented_copy():
    data = b'{"id": 1}\n{\n\t"id": 1,\n\t"x": {\n\t\t"y": 2\n\t}\n}'
    assert [d.value for d in docs(data)] == [{"id": 1}, {"id": 1, "x": {"y": 2}}]


def test_truncated_last_line_is_a_bad_document_and_loses_nothing_before_it():
    data = b'{"data": {"id": "1"}}\n{"data": {"author_id": "10211'
    found = docs(data)
    assert found[0].value == {"data": {"id": "1"}}
    assert found[1].value is None and found[1].error.startswith("truncated JSON")
    assert found[1].raw == b'{"data": {"author_id": "10211'


def test_unterminated_opener_is_set_aside_and_the_next_line_still_read():
    data = b'{"a": [1,\n{"b": 2}\n'
    found = docs(data)
    assert found[0].error == "unterminated JSON document" and found[0].raw == b'{"a": [1,\n'
    assert found[1].value == {"b": 2} and found[1].line == 2


@pytest.mark.parametrize(
    "suffix, compress",
    [(".jsonl", lambda b: b), (".jsonl.gz", gzip.compress), (".jsonl.bz2", bz2.compress),
     (".jsonl.zst", lambda b: zstandard.ZstdCompressor().compress(b)), (".jsonl.xz", lzma.compress)],
)
def test_compressed_files_read_the_same(tmp_path, suffix, compress):
    data = b"".join(json.dumps({"n": i}).encode() + b"\n" for i in range(500))
    path = tmp_path / f"posts{suffix}"
    path.write_bytes(compress(data))
    with open_source(str(path)) as stream:
        assert [d.value["n"] for d in iter_documents(stream)] == list(range(500))


def test_a_byte_order_mark_starting_a_line_is_no_part_of_it():
    """Windows tools start a file with one; concatenated files carry one mid-stream."""
    data = b'\xef\xbb\xbf{"a": 1}\n{"b": 2}\n\xef\xbb\xbf{"c": 3}\n'
    found = docs(data)
    assert [(d.line, d.offset, d.value, d.error) for d in found] == [
        (1, 3, {"a": 1}, None), (2, 12, {"b": 2}, None), (3, 24, {"c": 3}, None)]
    assert all(data[d.offset: d.offset + len(d.raw)] == d.raw for d in found)


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lambda b: zstandard.ZstdCompressor().compress(b),
                                      lzma.compress], ids=["gzip", "bzip2", "zstd", "xz"])
def test_compression_is_found_by_its_magic_when_the_name_says_nothing(tmp_path, compress):
    data = b"".join(json.dumps({"n": i}).encode() + b"\n" for i in range(50))
    path = tmp_path / "renamed.jsonl"
    path.write_bytes(compress(data))
    with open_source(str(path)) as stream:
        assert [d.value["n"] for d in iter_documents(stream)] == list(range(50))
    assert compression(str(path)) is not None  # so no reader splits or maps its bytes as text


@pytest.mark.parametrize("name, kind", [("capture.zip", "zip"), ("capture.tar.gz", "tar"), ("capture.tar", "tar")])
def test_an_archive_is_refused_saying_how_to_extract_it(tmp_path, name, kind):
    """Read as lines, an archive's headers would be mixed into the first line of each file."""
    import tarfile
    import zipfile

    member = tmp_path / "a.jsonl"
    member.write_bytes(b'{"n": 1}\n')
    path = tmp_path / name
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.write(member, "a.jsonl")
    else:
        with tarfile.open(path, "w:gz" if name.endswith(".gz") else "w") as archive:
            archive.add(member, "a.jsonl")
    command = "unzip" if kind == "zip" else "tar xf"
    with pytest.raises(SourceError, match=f"a {kind} archive.*extract them \\({command} {path}\\)"):
        open_source(str(path))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40) | st.sampled_from([b'{"a": 1}', b"{", b"}", b"[1]", b"\x0c", b" ", b"\n"]),
                max_size=30))
def test_any_bytes_give_documents_that_tile_them(parts):
    """Binary junk (an archive, a disk image) never raises, and every byte that carries anything
    belongs to exactly one document."""
    data = b"".join(parts)
    found = docs(data)
    covered = bytearray(len(data))
    for d in found:
        assert data[d.offset: d.offset + len(d.raw)] == d.raw
        assert d.error is None or d.value is None
        assert not any(covered[d.offset: d.offset + len(d.raw)])  # no byte read twice
        covered[d.offset: d.offset + len(d.raw)] = b"\x01" * len(d.raw)
    # what no document holds carries no data: whitespace, byte order marks, the commas and closing
    # brackets around an array's elements (an opening one with elements on lines of their own)
    left = bytes(b for b, seen in zip(data, covered) if not seen).replace(b"\xef\xbb\xbf", b"")
    assert not left.strip(b" \t\r\n\x0b\x0c[]},"), left


def test_json_nested_deeper_than_the_stack_is_a_bad_document():
    deep = b"[" * 100_000 + b"]" * 100_000
    found = docs(b'{"a": 1}\n' + deep + b"\n" + b'{"b": 2}\n' + b'{"c": ' + deep + b"}\n")
    assert [(d.line, d.value, d.error) for d in found] == [
        (1, {"a": 1}, None), (2, None, "invalid JSON (nested too deeply)"), (3, {"b": 2}, None),
        (4, None, "invalid JSON (nested too deeply)")]


def test_inner_suffix_looks_through_compression():
    assert inner_suffix("x/posts.csv.gz") == ".csv" and inner_suffix("a.jsonl") == ".jsonl"


def test_missing_path_and_directory_are_clear_errors(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        open_source(str(tmp_path / "nope.jsonl"))
    with pytest.raises(SourceError, match="is a directory"):
        open_source(str(tmp_path))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(json_values.filter(lambda v: isinstance(v, (dict, list))),
                       st.sampled_from(["compact", "pretty", "junk"])), max_size=12)
)
def test_every_byte_belongs_to_a_document_in_order(parts):
    """Whatever mix of compact, pretty and junk lines, the documents tile the input: no byte is
    lost or read twice (blank lines aside), and every good document decodes to what was written."""
    chunks, expected = [], []
    for value, shape in parts:
        if shape == "compact":
            chunks.append(json.dumps(value).encode() + b"\n")
            expected.append(value)
        elif shape == "pretty":
            chunks.append(json.dumps(value, indent=2).encode() + b"\n")
            expected.append(value)
        else:
            chunks.append(b"-- not json --\n")
            expected.append(None)
    data = b"".join(chunks)
    found = docs(data)
    assert [d.value for d in found] == expected
    assert b"".join(d.raw for d in found) == data.replace(b"\n\n", b"\n")
    for d in found:
        assert data[d.offset: d.offset + len(d.raw)] == d.raw


def test_documents_written_back_to_back_on_one_line():
    data = b'{"a": 1}{"b": 2} {"c": 3}\n{\n\t"d": 4\n}\n'
    found = docs(data)
    assert [d.value for d in found] == [{"a": 1}, {"b": 2}, {"c": 3}, {"d": 4}]
    assert [d.offset for d in found] == [0, 8, 17, 26]


def test_compact_document_then_pretty_copy_opened_on_the_same_line():
    data = b'{"id": 1}{\n\t"id": 1\n}\n'
    assert [d.value for d in docs(data)] == [{"id": 1}, {"id": 1}]


objects = st.lists(json_values.filter(lambda v: isinstance(v, (dict, list))).map(lambda v: {"v": v}),
                   min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(objects, st.sampled_from(["[first,", "[ alone", "[ alone, ] alone"]))
def test_an_array_written_one_element_per_line_gives_its_elements(values, layout):
    """``"[" + ",\\n".join(...) + "]"`` and its kin: each element a document of its own, with its
    line and offset; the brackets and commas between them are no records."""
    lines = [json.dumps(v).encode() for v in values]
    if layout == "[first,":
        data = b"[" + b",\n".join(lines) + b"]\n"
    elif layout == "[ alone":
        data = b"[\n" + b",\n".join(lines) + b"]\n"
    else:
        data = b"[\n" + b",\n".join(lines) + b"\n]\n"
    found = docs(data)
    assert all(d.error is None for d in found)
    # one element alone on its line with both brackets is a whole array: one document
    assert [v for d in found for v in (d.value if isinstance(d.value, list) else [d.value])] == values
    for d in found:
        assert data[d.offset: d.offset + len(d.raw)] == d.raw and json.loads(d.raw) == d.value
        assert data[:d.offset].count(b"\n") + 1 == d.line


def test_an_envelope_split_across_lines_keeps_its_elements():
    """A Reddit Listing with one child per line: the children are read, the envelope's first line
    is set aside (it is no whole document), nothing is read twice."""
    data = (b'{"kind":"Listing","data":{"after":null,"children":[\n'
            b'{"kind":"t1","data":{"id":"a"}},\n{"kind":"t1","data":{"id":"b"}}]}}\n')
    found = docs(data)
    assert [(d.line, d.error) for d in found] == [(1, "unterminated JSON document"), (2, None), (3, None)]
    assert [d.value["data"]["id"] for d in found[1:]] == ["a", "b"]


def test_a_zstd_bomb_is_decompressed_a_little_at_a_time():
    """Memory is bounded by the batch, not by the compression ratio of the input."""
    from hashtide.ingest import sources

    data = b'{"id":"1","text":"#metoo"}\n' * 4_000_000  # 108 MB that zstd packs into a few KB
    stream = sources._ZstdFrames(io.BytesIO(zstandard.ZstdCompressor().compress(data)), owned=False)
    largest = total = 0
    while not stream.ended:
        step = stream._step()
        largest, total = max(largest, len(step)), total + len(step)
    assert total == len(data) and largest <= 32 << 20


def test_a_one_line_array_cut_short_gives_its_whole_elements():
    """``[{...}, {...}, {...`` (a saved answer cut short): the comma after an element once made
    the rest of the line one record of "plain text"."""
    data = b'[{"a": 1}, {"b": 2},  {"c": 3}, {"d": \n'
    found = docs(data)
    assert [(d.value, d.error) for d in found[:3]] == [({"a": 1}, None), ({"b": 2}, None), ({"c": 3}, None)]
    assert found[3].raw == b'{"d": \n' and found[3].error.startswith("truncated JSON")
    assert [data[d.offset: d.offset + len(d.raw)] == d.raw for d in found] == [True] * 4


@pytest.mark.parametrize("indent", [2, "\t"])
def test_a_pretty_array_cut_short_gives_its_whole_elements(indent):
    """A whole file written by ``json.dump(..., indent=2)`` and cut: it never decodes, and its
    records were all set aside as one (and, being the file's only document, not even stored)."""
    values = [{"id": str(i), "n": {"deep": [i, i]}} for i in range(4)]
    whole = json.dumps(values, indent=indent).encode()
    data = b'{"before": 1}\n' + whole[: whole.rindex(b'"deep"')]
    found = docs(data)
    assert [d.value for d in found[:4]] == [{"before": 1}, *values[:3]]
    assert [d.error for d in found] == [None] * 4 + ["truncated JSON (the line ends mid-record)"]
    for d in found:
        assert data[d.offset: d.offset + len(d.raw)] == d.raw
        assert data[:d.offset].count(b"\n") + 1 == d.line
    assert found[4].raw.startswith(b'{') and found[4].offset + len(found[4].raw) == len(data)


def test_a_pretty_array_interrupted_keeps_its_whole_elements_and_reads_on():
    data = b'[\n  {"a": 1},\n  {"b": \nnot json\n{"c": 3}\n'
    found = docs(data)
    assert [(d.line, d.value, d.error) for d in found] == [
        (2, {"a": 1}, None), (3, None, "unterminated JSON document"),
        (4, None, "not JSON (a line of plain text)"), (5, {"c": 3}, None)]


@pytest.mark.parametrize("elements", [1, 3])
def test_a_pretty_array_cut_right_after_an_element_keeps_it(elements):
    """Cut after a whole element, before its comma or the closing bracket (what a buffered writer
    leaves): that element was quarantined as truncated, and a one-element array rejected whole."""
    values = [{"id": str(i), "n": [i]} for i in range(elements)]
    whole = json.dumps(values, indent=2).encode()
    data = whole[: whole.rindex(b"}") + 1] + b"\n"
    found = docs(data)
    assert [(d.value, d.error) for d in found] == [(v, None) for v in values]
    assert all(data[d.offset: d.offset + len(d.raw)] == d.raw for d in found)


def test_a_pretty_array_with_no_whole_element_stays_one_bad_document():
    data = b'[\n  {"a": 1,\n'
    [found] = docs(data)
    assert (found.raw, found.error) == (data, "truncated JSON (the line ends mid-record)")


def test_half_a_surrogate_pair_is_read_as_a_replacement_character():
    """A platform that cuts a text inside an emoji writes ``\\ud83d`` alone: the decoder refused
    the whole record as truncated. Whole pairs and an escaped backslash stay as they are."""
    data = (b'{"t": "cut \\ud83d"}\n{"t": "low \\uDE00 pair \\ud83d\\ude00 text \\\\ud83d"}\n'
            b'{"t": "cut \\ud83d"\n')
    found = docs(data)
    assert [d.value for d in found[:2]] == [{"t": "cut \ufffd"}, {"t": "low \ufffd pair \U0001f600 text \\ud83d"}]
    assert found[0].raw == b'{"t": "cut \\ud83d"}\n'  # the bytes as read
    assert found[2].error.startswith("truncated JSON")


def test_invalid_utf8_inside_a_string_names_its_byte():
    [found] = docs(b'{"t": "caf\xe9"}\n')
    assert found.error == "invalid UTF-8 (byte 10)"


def test_zeros_left_by_a_crash_are_one_bad_document_and_the_record_after_them_is_read():
    """A file being appended to when the machine lost power can hold a block of NUL bytes, with
    the next run's first record on the same line: that record was lost as "plain text"."""
    data = b'{"a": 1}\n' + b"\x00" * 4096 + b'{"b": 2}\n' + b"\x00" * 512 + b"\n"
    found = docs(data)
    assert [(d.line, d.value) for d in found] == [(1, {"a": 1}), (2, None), (2, {"b": 2}), (3, None)]
    assert found[1].error == "NUL bytes (4096; a file padded with zeros, as after a crash)"
    assert found[2].offset == 9 + 4096 and found[3].raw == b"\x00" * 512


def test_a_line_of_utf16_without_its_byte_order_mark_stays_one_bad_line():
    data = '{"a": 1}\n{"b": 2}\n'.encode("utf-16-le")
    found = docs(data)  # its lines after the first start with the newline's second byte, a zero
    assert [d.line for d in found] == [1, 2, 3] and not any(d.error.startswith("NUL") for d in found)
