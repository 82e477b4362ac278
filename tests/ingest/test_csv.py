"""CSV rows (exact bytes, lines, offsets), the twarc2 csv layout and mapped columns."""

import csv
import io
import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtide.ingest import csvfmt, sources, twitter_v2
from hashtide.ingest.items import Record, Reject
from hashtide.model import parse_iso, posts_to_arrow

V2 = "twitter-v2-twarc2"


def rows(data: bytes):
    return list(csvfmt.iter_rows(io.BytesIO(data)))


# ---------------------------------------------------------------------------------------------
# Rows


def test_quoted_multiline_field_keeps_line_numbers_offsets_and_bytes():
    data = (b'\xef\xbb\xbfid,created_at,text\r\n'
            b'1,2017-10-15 20:21:00,"first line\r\nsecond, with ""quotes"""\r\n'
            b'\r\n'
            b'2,2017-10-15 20:22:00,plain\r\n')
    (l1, o1, raw1, row1, e1), (l2, o2, raw2, row2, e2) = rows(data)
    assert (l1, o1, e1) == (2, data.index(b"1,2017"), None) == (2, 23, None)
    assert raw1 == b'1,2017-10-15 20:21:00,"first line\r\nsecond, with ""quotes"""\r\n'
    assert row1 == {"id": "1", "created_at": "2017-10-15 20:21:00", "text": 'first line\r\nsecond, with "quotes"'}
    assert (l2, o2, raw2, e2) == (5, data.index(b"2,2017"), b"2,2017-10-15 20:22:00,plain\r\n", None)
    assert row2["text"] == "plain"


def test_bad_rows_are_reported_not_raised():
    data = b'id,text\n1,ok\n2,too,many\n3,"never closed\nstill open\n'
    found = rows(data)
    assert [(line, error) for line, _, _, _, error in found] == [
        (2, None), (3, "row has 3 fields, the header 2"), (4, "unterminated quoted field at end of file")]
    assert list(found[2][3]) == ["id", "text"]  # the header's keys, for the pipeline
    assert rows(b"") == [] and rows(b"id,text\n") == []
    assert rows(b'"unclosed\n')[0][3] is None and "unreadable CSV header" in rows(b'"unclosed\n')[0][4]


@pytest.mark.parametrize("bom, codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_is_read_as_its_utf8_text(bom, codec):
    """Excel's "Unicode Text": UTF-16 with a byte order mark, tab-separated. Rows, raw bytes and
    offsets are those of the UTF-8 text (the file as hashtide reads it)."""
    text = "id\tcreated_at\ttext\n1\t2017-10-15\tcafé #MeToo 😀\n2\t2017-10-16\t\"two\nlines\"\n"
    found = rows(bom + text.encode(codec))
    assert found == rows(text.encode("utf-8"))
    assert [row["text"] for *_, row, _ in found] == ["café #MeToo 😀", "two\nlines"]


def test_text_that_is_not_utf16_ends_the_stream_saying_where():
    data = "id\ttext\n1\tok\n".encode("utf-16")
    with pytest.raises(OSError, match=f"truncated data at byte {len(data)}"):
        rows(data + b"x")  # an odd byte: a file cut in a character
    lone = data[:-2] + b"\x00\xdc" + data[-2:]  # a low surrogate with no high one before it
    with pytest.raises(OSError, match=f"illegal encoding at byte {len(data) - 2}"):
        rows(lone)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300), max_size=400))
def test_utf16_transcoding_keeps_every_character(pieces):
    """Across the transcoder's 64 KiB steps (a surrogate pair may straddle one)."""
    text = "".join(pieces) * 20
    stream = io.BufferedReader(sources.Utf16AsUtf8(io.BytesIO(text.encode("utf-16"))))
    assert stream.read() == text.encode("utf-8")


def test_semicolons_as_excel_saves_csv_where_the_decimal_mark_is_a_comma():
    data = "id;created_at;text\r\n1;2017-10-16 09:00:00;\"#balancetonporc; et moi\"\r\n2;2017-10-16 09:01:00;oui\r\n"
    found = rows(data.encode("cp1252"))
    assert [(row, error) for *_, row, error in found] == [
        ({"id": "1", "created_at": "2017-10-16 09:00:00", "text": "#balancetonporc; et moi"}, None),
        ({"id": "2", "created_at": "2017-10-16 09:01:00", "text": "oui"}, None)]


def test_lines_ending_in_cr_alone_as_excel_for_mac_saves_them():
    """Excel 2011 for Mac's "CSV (Macintosh)" ends lines in CR alone: the file was one header line
    of many rows ("malformed CSV"). Offsets and line numbers stay the file's."""
    data = b'id,created_at,text\r1,2017-10-15 20:21:00,"#MeToo\ryes"\r2,2017-10-15 20:22:00,#iHave\r'
    second = data.index(b"2,")
    found = rows(data)
    assert [(line, offset, row["text"], error) for line, offset, _, row, error in found] == [
        (2, 19, "#MeToo\nyes", None), (4, second, "#iHave", None)]
    assert [raw for _, _, raw, _, _ in found] == [data[19:second].replace(b"\r", b"\n"),
                                                  data[second:].replace(b"\r", b"\n")]
    # its other trait: text not in UTF-8 is in Mac Roman, not Windows-1252 ("é" is byte 0x8e)
    [(*_, row, error)] = rows("id,created_at,text\r1,2017-10-15 20:21:00,#Médecins\r".encode("mac_roman"))
    assert (row["text"], error) == ("#Médecins", None)


def test_tabs_and_windows_1252():
    [(_, _, _, row, error)] = rows("id\ttext\n1\tcaf\xe9\n".encode("cp1252"))
    assert error is None and row == {"id": "1", "text": "café"}


TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=8), st.booleans(), st.sampled_from(",;\t"))
def test_rows_round_trip_with_exact_raw_bytes(table, bom, delimiter):
    table = [row for row in table if any(row)]  # csv writes an all-empty row as a blank line
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["a", "b", "c"])
    writer.writerows(table)
    data = (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")
    found = rows(data)
    assert [tuple(r.values()) for _, _, _, r, _ in found] == [tuple(row) for row in table]
    assert all(error is None for *_, error in found)
    for line, offset, raw, _, _ in found:
        assert data[offset:offset + len(raw)] == raw
        assert data[:offset].count(b"\n") + 1 == line
    assert b"".join(raw for _, _, raw, _, _ in found) == data[data.index(b"\n") + 1:]


# ---------------------------------------------------------------------------------------------
# twarc2 csv


@pytest.fixture(scope="module")
def twarc_csv(shared_data, tmp_path_factory):
    """``twarc2 csv`` of noflat.jsonl, written by the installed twarc-csv plugin itself."""
    pandas = pytest.importorskip("pandas")
    twarc_csv = pytest.importorskip("twarc_csv")
    path = tmp_path_factory.mktemp("twarc") / "noflat.csv"
    patched = not hasattr(pandas.DataFrame, "applymap")
    if patched:  # twarc-csv 0.7.2 calls DataFrame.applymap, which pandas 3 renamed to map
        pandas.DataFrame.applymap = pandas.DataFrame.map
    try:
        with open(shared_data / V2 / "twarccsv-noflat.jsonl", encoding="utf-8") as infile, \
                open(path, "w", encoding="utf-8") as outfile:
            twarc_csv.CSVConverter(infile=infile, outfile=outfile, converter=twarc_csv.DataFrameConverter(),
                                   output_format="csv", batch_size=100, hide_progress=True).process()
    finally:
        if patched:
            del pandas.DataFrame.applymap
    return path


def test_twarc_csv_gives_the_posts_of_the_json_reader(twarc_csv, shared_data):
    with open(twarc_csv, "rb") as stream:
        found = list(csvfmt.iter_rows(stream))
    assert len(found) == 100 and all(error is None for *_, error in found)
    assert csvfmt.TWARC_CSV.sniff(found[0][3]) and csvfmt.header_problem(list(found[0][3]), None) is None
    from_csv = {}
    for *_, row, _ in found:
        [item] = csvfmt.TwarcCsv().read(row)
        from_csv[item.post.post_id] = item.post
    from_json = {}
    for line in (shared_data / V2 / "twarccsv-flat.jsonl").read_bytes().splitlines():
        for item in twitter_v2.read(msgspec.json.decode(line)):
            if isinstance(item, Record):
                from_json[item.post.post_id] = item.post
    assert from_csv.keys() == from_json.keys()
    assert sorted(p.kind for p in from_csv.values()).count("repost") == 47
    for post_id, post in from_csv.items():
        assert msgspec.structs.asdict(post) == msgspec.structs.asdict(from_json[post_id]), post_id
    posts_to_arrow(list(from_csv.values()))


def test_a_twarc_csv_on_stdin_is_read_without_format(twarc_csv, tmp_path):
    """stdin has no suffix: a CSV is told from JSON by its first line, compressed or not."""
    import gzip
    import json
    import subprocess
    import sys

    data = twarc_csv.read_bytes()
    for name, content in (("plain", data), ("gzip", gzip.compress(data))):
        done = subprocess.run([sys.executable, "-m", "hashtide", "ingest", "-", "-c", str(tmp_path / f"{name}.duckdb"),
                               "--json"], input=content, capture_output=True)
        assert done.returncode == 0, done.stderr
        account = json.loads(done.stdout)["files"][0]
        assert (account["format"], account["ingested"], account["rejected"]) == ("csv", 100, 0), name


def test_a_utf16_twarc_csv_gives_the_posts_of_its_utf8_copy(twarc_csv, tmp_path):
    from hashtide.corpus import Corpus
    from hashtide.ingest import ingest

    utf16 = tmp_path / "noflat-utf16.csv"
    utf16.write_bytes(twarc_csv.read_text(encoding="utf-8").encode("utf-16"))
    stored = []
    for path in (twarc_csv, utf16):
        with Corpus.open(tmp_path / f"{path.stem}.duckdb") as corpus:
            report = ingest(corpus, [str(path)])
            stored.append(corpus.con.execute("select * exclude (source) from posts order by post_id").fetchall())
        assert (report.ingested, report.rejected) == (100, 0)
    assert stored[0] == stored[1] and len(stored[0]) >= 100


# ---------------------------------------------------------------------------------------------
# Mapped columns, spreadsheets


def test_counters_out_of_range_are_unknown_not_a_crash(tmp_path):
    from hashtide.corpus import Corpus
    from hashtide.ingest import ingest

    path = tmp_path / "counts.csv"
    path.write_text("id,created_at,text,author_followers,likes\n"
                    "1,2017-10-15 20:21:00,#MeToo,99999999999999999999999,-5\n"
                    "2,2017-10-15 20:22:00,#MeToo,9223372036854775807,12.0\n")
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        report = ingest(corpus, [str(path)])
        rows = corpus.con.execute("select post_id, author_followers, likes from posts order by post_id").fetchall()
    assert (report.ingested, report.rejected) == (2, 0)
    assert rows == [("1", None, None), ("2", 9223372036854775807, 12)]


def test_mapped_csv():
    data = b"ID,date,body,who,tags\n7,2017-10-15 20:21:00,Me too,alice,\"#MeToo, #HowIWillChange\"\n8,1508098860,#Other text,bob,\n"
    mapping = {"post_id": "ID", "created_at": "date", "text": "body", "author_handle": "who", "hashtags": "tags"}
    assert csvfmt.header_problem(["ID", "date", "body", "who", "tags"], mapping) is None
    reader = csvfmt.MappedCsv(mapping, platform="mastodon")
    first, second = (next(reader.read(row)) for *_, row, _ in rows(data))
    assert (first.post.post_id, first.post.platform, first.post.author_handle, first.post.text) == (
        "7", "mastodon", "alice", "Me too")
    assert first.post.created_at == parse_iso("2017-10-15T20:21:00Z") == second.post.created_at
    assert first.post.hashtags == ["metoo", "howiwillchange"]
    assert second.post.hashtags == []  # the mapped hashtags column is empty: the text is not read
    unmapped = csvfmt.MappedCsv({"created_at": "date", "text": "body"})
    [item] = unmapped.read({"id": "9", "date": "2017-10-15T20:21:00+02:00", "body": "#MeToo"})
    assert (item.post.hashtags, item.post.created_at) == (["metoo"], parse_iso("2017-10-15T18:21:00Z"))


def test_missing_columns_are_named():
    message = csvfmt.header_problem(["date", "body"], None)
    assert "not a twarc2 csv" in message and "missing columns: post_id, created_at, text (or hashtags)" in message
    assert "--map created_at=date" in message and "--map text=body" in message
    message = csvfmt.header_problem(["id", "date"], {"created_at": "date", "text": "content"})
    assert "the header has no column 'content'" in message and "missing columns: text (or hashtags)" in message
    assert "'nonsense' is not a post column" in csvfmt.header_problem(["id"], {"nonsense": "id"})


@pytest.mark.parametrize("value, reason", [
    ("1.1846E+18", "id mangled by Excel (scientific notation): 1.1846E+18"),
    ("1.18E+18", "id mangled by Excel (scientific notation): 1.18E+18"),
    ("1184612345678900000", "id mangled by Excel (digits lost beyond the 15th): 1184612345678900000"),
])
def test_excel_mangled_ids_are_rejected(value, reason):
    reader = csvfmt.MappedCsv({"created_at": "date", "text": "body"})
    [item] = reader.read({"id": value, "date": "2017-10-15 20:21:00", "body": "x"})
    assert item == Reject(reason)
    [item] = csvfmt.TwarcCsv().read({name: "" for name in csvfmt.TwarcCsv.REQUIRED} | {
        "id": value, "created_at": "2017-10-15T20:21:00.000Z"})
    assert item == Reject(reason)


@pytest.mark.parametrize("column", ["referenced_tweets.retweeted.id", "author_id", "conversation_id"])
def test_a_mangled_reference_rejects_the_row(column):
    """Excel damages every id column, not only the post's: 43 retweets of a file once shared one
    invented parent, 1.4407E+18."""
    row = {name: "" for name in csvfmt.TwarcCsv.REQUIRED} | {
        "id": "1184612345678901234", "created_at": "2017-10-15T20:21:00.000Z", column: "1.4407E+18"}
    [item] = csvfmt.TwarcCsv().read(row)
    assert item == Reject(f"id mangled by Excel (scientific notation): 1.4407E+18, in column {column}")
    [item] = csvfmt.MappedCsv({"created_at": "date", "text": "body"}).read(
        {"id": "7", "date": "2017-10-15 20:21:00", "body": "x", "parent_id": "1.4407E+18"})
    assert item == Reject("id mangled by Excel (scientific notation): 1.4407E+18, in column parent_id")


def test_ids_ending_in_zeros_are_kept_in_a_column_seen_intact():
    """Real ids end in zeros: a tweet id's last 12 bits are mostly 0, so about 1 in 125 ids of 18
    digits end in 000 (5 of 455 in the v1.1 test data), and an account of the twarc-csv test data
    had every retweet of it rejected. Excel formats a whole column alike: once a column of the
    file has shown a long id with its digits kept, its ids ending in zeros are real."""
    reader = csvfmt.TwarcCsv()
    row = {name: "" for name in csvfmt.TwarcCsv.REQUIRED} | {
        "id": "1574186375729012744", "created_at": "2022-09-25T23:57:32.000Z", "author_id": "1234567",
        "referenced_tweets.retweeted.id": "1574180000000000123", "retweeted_user_id": "889221137871360000"}
    [item] = reader.read(row)
    assert item == Reject("id mangled by Excel (digits lost beyond the 15th): 889221137871360000, "
                          "in column retweeted_user_id")
    [item] = reader.read(row | {"retweeted_user_id": "889221137871361234"})
    assert item.post.parent_author_id == "889221137871361234"
    [item] = reader.read(row)  # the column has shown its digits kept
    assert (item.post.kind, item.post.parent_author_id) == ("repost", "889221137871360000")
    [item] = reader.read(row | {"id": "972472958584320000"})
    assert item.post.post_id == "972472958584320000"
    [item] = csvfmt.TwarcCsv().read(row | {"id": "972472958584320000", "retweeted_user_id": "889221137871361234"})
    assert item == Reject("id mangled by Excel (digits lost beyond the 15th): 972472958584320000")


def test_an_id_column_imported_as_text_vouches_for_no_other():
    """The review's case: a user imports the id column as text and leaves the others to Excel,
    which rounds every author and parent id. One intact id in the row once cleared them all, and
    posts were tied to invented parents."""
    reader = csvfmt.TwarcCsv()
    row = {name: "" for name in csvfmt.TwarcCsv.REQUIRED} | {
        "created_at": "2022-09-25T23:57:32.000Z", "author_id": "1234567"}
    for n in range(3):
        [item] = reader.read(row | {"id": f"157418637572901274{n}", "referenced_tweets.replied_to.id": f"15741800000000{n}0000"})
        assert isinstance(item, Reject) and "in column referenced_tweets.replied_to.id" in item.reason
    mapped = csvfmt.MappedCsv({"created_at": "date", "text": "body"})
    [item] = mapped.read({"id": "1574186375729012744", "date": "2022-09-25 23:57:32", "body": "x",
                          "parent_id": "1574180000000000000"})
    assert isinstance(item, Reject) and "in column parent_id" in item.reason


def test_a_twarc_csv_tweet_id_is_digits():
    """A stray byte after an id (a file damaged in transit) is not a tweet id."""
    damaged = "1440716848299872269\xff\x00"
    row = {name: "" for name in csvfmt.TwarcCsv.REQUIRED} | {"id": damaged, "created_at": "2017-10-15T20:21:00.000Z"}
    [item] = csvfmt.TwarcCsv().read(row)
    assert item == Reject(f"not a tweet id: {damaged!r}")


@pytest.mark.parametrize("cell", [
    '["#MeToo", "#HowIWillChange"]',  # twarc-csv 0.7
    '[{"start": 10, "end": 16, "tag": "MeToo"}, {"start": 17, "end": 32, "tag": "HowIWillChange"}]',  # 0.5, 0.6
])
def test_twarc_csv_hashtags_as_tags_or_as_entity_objects(cell):
    """twarc-csv 0.5 and 0.6 wrote the API's hashtag objects; a tweet that also mentions
    someone has entities, so its text is not searched and the objects are its only tags."""
    row = {name: "" for name in csvfmt.TwarcCsv.REQUIRED} | {
        "id": "1440716848299872269", "created_at": "2021-09-22T16:36:00.000Z", "author_id": "12345",
        "text": "@someone #MeToo #HowIWillChange", "entities.hashtags": cell,
        "entities.mentions": '[{"start": 0, "end": 8, "username": "someone"}]'}
    [item] = csvfmt.TwarcCsv().read(row)
    assert (item.post.hashtags, item.post.hashtag_forms) == (["metoo", "howiwillchange"], ["MeToo", "HowIWillChange"])


@pytest.mark.parametrize(("cell", "verified"), [("True", True), ("FALSE", False), ("TRUE", True), ("", None)])
def test_twarc_csv_verified_as_pandas_or_excel_writes_it(cell, verified):
    """pandas writes True/False; Excel reads them as booleans and saves TRUE/FALSE."""
    row = {name: "" for name in csvfmt.TwarcCsv.REQUIRED} | {
        "id": "1440716848299872269", "created_at": "2021-09-22T16:36:00.000Z", "author_id": "12345",
        "text": "#MeToo", "author.verified": cell}
    [item] = csvfmt.TwarcCsv().read(row)
    assert [user.verified for user in item.users] == [verified]


_EARLY_TWARC_CSV = (  # twarc-csv 0.2/0.3: invented tweets, in the columns and cell forms it wrote
    "id,created_at,text,author.id,author.username,author.public_metrics.followers_count,author_id,"
    "conversation_id,entities.hashtags,entities.mentions,geo.country_code,in_reply_to_user_id,lang,"
    "public_metrics.like_count,public_metrics.quote_count,public_metrics.reply_count,"
    "public_metrics.retweet_count,referenced_tweets,type,__twarc.retrieved_at,\n"
    '1440716848299872269,2021-09-22T16:36:00.000Z,"RT @origin: #MeToo starts here\\nsee",101,fan,12,101,'
    '1440716848299872269,"[{""start"": 12, ""end"": 18, ""tag"": ""MeToo""}]",'
    '"[{""start"": 3, ""end"": 10, ""username"": ""origin""}]",,,en,0,0,0,5,'
    '"[{""type"": ""retweeted"", ""id"": ""1440700000000000001""}]",,2021-09-22T16:38:09+00:00,\n'
    '1440700000000000001,2021-09-22T15:00:00.000Z,#MeToo starts here,202,origin,3000,202,1440700000000000001,'
    '"[{""start"": 0, ""end"": 6, ""tag"": ""MeToo""}]",,FR,,fr,9,1,2,5,,retweeted,2021-09-22T16:38:09+00:00,\n'
    '1440716848299872270,2021-09-22T16:37:00.000Z,@origin yes #MeToo,303,replier,7,303,1440700000000000001,'
    '"[{""start"": 12, ""end"": 18, ""tag"": ""MeToo""}]",,,202,en,0,0,0,0,'
    '"[{""type"": ""quoted"", ""id"": ""1440700000000000002"", ""author_id"": ""404""}, '
    '{""type"": ""replied_to"", ""id"": ""1440700000000000001""}]",,2021-09-22T16:38:09+00:00,\n'
)


def test_early_twarc_csv_layout_is_read_as_tweets(tmp_path):
    """Before 0.5, twarc-csv wrote the references as one JSON list and each referenced tweet as a
    row of its own (its "type" column set): the rows are tweets, not a CSV of platform "other"."""
    from hashtide.corpus import Corpus
    from hashtide.ingest import ingest

    path = tmp_path / "early.csv"
    path.write_text(_EARLY_TWARC_CSV, encoding="utf-8")
    with Corpus.open(tmp_path / "c.duckdb") as corpus:
        report = ingest(corpus, [str(path)])
        rows = corpus.con.execute(
            "select post_id, platform, author_handle, author_followers, kind, parent_id, parent_author_id, root_id,"
            " hashtags, hashtag_forms, country, lang, likes, reposts, text from posts order by post_id").fetchall()
    assert (report.records, report.ingested, report.rejected) == (3, 3, 0)
    assert rows == [
        ("1440700000000000001", "twitter", "origin", 3000, "original", None, None, "1440700000000000001",
         ["metoo"], ["MeToo"], "FR", "fr", 9, 5, "#MeToo starts here"),
        ("1440716848299872269", "twitter", "fan", 12, "repost", "1440700000000000001", None, "1440716848299872269",
         ["metoo"], ["MeToo"], None, "en", 0, 5, "RT @origin: #MeToo starts here\nsee"),
        ("1440716848299872270", "twitter", "replier", 7, "reply", "1440700000000000001", "202", "1440700000000000001",
         ["metoo"], ["MeToo"], None, "en", 0, 0, "@origin yes #MeToo"),
    ]
    assert csvfmt.starts_with_twarc_header(_EARLY_TWARC_CSV.encode())


def _twarc_row(**cells):
    return {name: "" for name in csvfmt.TwarcCsv.REQUIRED} | {
        "id": "1440716848299872269", "created_at": "2021-09-22T16:36:00.000Z", "author_id": "12345",
        "author.username": "someone", "text": "first line\\nsecond #MeToo", "entities.hashtags": '["#MeToo"]',
        "referenced_tweets.quoted.id": "1440700000000000002", "quoted_user_id": "404", "lang": "en"} | cells


def test_twarc_csv_with_json_encoded_text_cells():
    """--json-encode-text and --json-encode-all write every text cell as a JSON string, ids too,
    and escape a newline the JSON way: every row of such a file was rejected as no tweet id."""
    encoded = {name: json.dumps(value) if value else value for name, value in _twarc_row().items()}
    encoded["text"] = json.dumps("first line\nsecond #MeToo \U0001F600")  # "\n", "\ud83d\ude00"
    [item] = csvfmt.TwarcCsv().read(encoded)
    [plain] = csvfmt.TwarcCsv().read(_twarc_row(text="first line\\nsecond #MeToo \U0001F600"))
    assert msgspec.structs.asdict(item.post) == msgspec.structs.asdict(plain.post)
    assert (item.post.post_id, item.post.text, item.post.kind) == (
        "1440716848299872269", "first line\nsecond #MeToo \U0001F600", "quote")


def test_twarc_csv_with_lists_as_python_reprs():
    """--no-json-encode-lists writes a list as Python's repr, ['#MeToo'], which is not JSON: its
    pieces were taken for tags ("['#metoo'"), and an early file's references were lost."""
    [item] = csvfmt.TwarcCsv().read(_twarc_row(**{"entities.hashtags": "['#MeToo', '#HowIWillChange']"}))
    assert item.post.hashtag_forms == ["MeToo", "HowIWillChange"]
    early = {name: value for name, value in _twarc_row().items() if not name.startswith("referenced_tweets.")}
    [item] = csvfmt.TwarcCsv().read(early | {"type": "", "referenced_tweets": "[{'type': 'retweeted', 'id': '17'}]"})
    assert (item.post.kind, item.post.parent_id) == ("repost", "17")


def test_intact_long_ids_and_bad_dates():
    reader = csvfmt.MappedCsv({"created_at": "date", "text": "body"})
    [item] = reader.read({"id": "1184612345678901234", "date": "Sun Oct 15 20:21:00 +0000 2017", "body": "x"})
    assert isinstance(item, Record) and item.post.created_at == parse_iso("2017-10-15T20:21:00Z")
    [item] = reader.read({"id": "1", "date": "15/10/2017", "body": "x"})
    assert item == Reject("no valid created_at ('15/10/2017')")
    assert csvfmt.parse_time("1508098860000") == csvfmt.parse_time("2017-10-15 20:21") == parse_iso("2017-10-15T20:21:00Z")
    assert csvfmt.parse_time("9" * 40) is None


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "date", "body", "tags", "likes", "kind", "parent_id"]), TEXT))
def test_mapped_rows_never_raise(row):
    reader = csvfmt.MappedCsv({"created_at": "date", "text": "body", "hashtags": "tags"})
    items = list(reader.read(row))
    assert len(items) == 1
    posts_to_arrow([i.post for i in items if isinstance(i, Record)])


# twarc 1's utils/json2csv.py, later script: its header as written (DocNow/twarc); rows invented
_JSON2CSV_HEADER = (
    "id,tweet_url,created_at,parsed_created_at,user_screen_name,text,tweet_type,coordinates,hashtags,media,urls,"
    "favorite_count,in_reply_to_screen_name,in_reply_to_status_id,in_reply_to_user_id,lang,place,possibly_sensitive,"
    "retweet_count,retweet_or_quote_id,retweet_or_quote_screen_name,retweet_or_quote_user_id,source,user_id,"
    "user_created_at,user_default_profile_image,user_description,user_favourites_count,user_followers_count,"
    "user_friends_count,user_listed_count,user_location,user_name,user_statuses_count,user_time_zone,user_urls,"
    "user_verified")


def _json2csv_row(tweet_id, handle, user_id, text, kind, tags="", likes="0", reply=("", ""), subject=("", ""),
                  created="Sun Oct 15 20:21:00 +0000 2017", url=None, retweets="0", lang="en"):
    url = f"https://twitter.com/{handle}/status/{tweet_id}" if url is None else url
    cells = [tweet_id, url, created, "2017-10-15 20:21:00+00:00", handle, text, kind, "", tags, "", "", likes,
             "", reply[0], reply[1], lang, "Paris, France" if kind == "original" else "", "False", retweets,
             subject[0], "", subject[1], "<a>Twitter Web Client</a>", user_id, "Wed Apr 01 10:00:00 +0000 2009",
             "False", "", "3", "4200" if user_id == "12" else "7", "1", "0", "Paris", handle.title(), "9", "",
             "", "True" if user_id == "12" else "False"]
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


def _ingested(tmp_path, name, content):
    from hashtide.corpus import Corpus
    from hashtide.ingest import ingest

    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with Corpus.open(tmp_path / f"{name}.duckdb") as corpus:
        report = ingest(corpus, [str(path)])
        rows = corpus.con.execute(
            "select post_id, platform, author_id, author_handle, author_followers, kind, parent_id, parent_author_id,"
            " root_id, hashtags, hashtag_forms, lang, likes, reposts, text from posts order by post_id").fetchall()
        users = corpus.con.execute("select user_id, handle, followers, verified from users order by 1").fetchall()
        quarantined = [r for (r,) in corpus.con.execute("select reason from quarantine").fetchall()]
    return report, rows, users, quarantined


def test_twarc1_json2csv_layout_is_read_as_tweets(tmp_path):
    """twarc 1's json2csv, the CSV of the #MeToo years, was a mapped CSV: platform "other", every
    post "original", no handle. Its kinds, parents and authors are now read as the v1.1 JSON
    reader reads the statuses; an id ending in zeros that its own URL vouches for is kept."""
    content = "\n".join([
        _JSON2CSV_HEADER,
        # before any intact id of the file: only its URL vouches for an id ending in zeros
        _json2csv_row("919665000000000000", "zeros", "93", "quiet", "original"),
        _json2csv_row("919666000000000000", "unvouched", "94", "quiet", "original", url=""),
        _json2csv_row("919659278123409408", "origin", "12", "If you've been... #MeToo", "original", "MeToo",
                      likes="9", retweets="5"),
        _json2csv_row("919660000000000000", "fan", "34", "If you've been... #MeToo", "retweet", "MeToo",
                      likes="9", retweets="5", subject=("919659278123409408", "12")),
        _json2csv_row("919661111111111111", "replier", "56", "@origin yes #metoo #IHave", "reply", "metoo IHave",
                      reply=("919659278123409408", "12")),
        _json2csv_row("919662222222222222", "quoter", "78", "this ↓", "quote", subject=("919659278123409408", "12"),
                      lang="und"),
        _json2csv_row("919663333333333333", "odd", "90", "?", "thread"),
        _json2csv_row("9.19664E+17", "excel", "91", "damaged", "original", url="https://twitter.com/excel/status/1"),
    ]) + "\n"
    report, rows, users, quarantined = _ingested(tmp_path, "json2csv.csv", content)
    assert (report.records, report.ingested, report.rejected) == (8, 5, 3)
    assert sorted(quarantined) == ["id mangled by Excel (digits lost beyond the 15th): 919666000000000000",
                                   "id mangled by Excel (scientific notation): 9.19664E+17",
                                   "unknown tweet_type 'thread'"]
    assert rows == [
        ("919659278123409408", "twitter", "12", "origin", 4200, "original", None, None, "919659278123409408",
         ["metoo"], ["MeToo"], "en", 9, 5, "If you've been... #MeToo"),
        ("919660000000000000", "twitter", "34", "fan", 7, "repost", "919659278123409408", "12", "919660000000000000",
         ["metoo"], ["MeToo"], "en", 0, 5, "If you've been... #MeToo"),
        ("919661111111111111", "twitter", "56", "replier", 7, "reply", "919659278123409408", "12", None,
         ["metoo", "ihave"], ["metoo", "IHave"], "en", 0, 0, "@origin yes #metoo #IHave"),
        ("919662222222222222", "twitter", "78", "quoter", 7, "quote", "919659278123409408", "12", "919662222222222222",
         [], [], None, 0, 0, "this ↓"),
        ("919665000000000000", "twitter", "93", "zeros", 7, "original", None, None, "919665000000000000",
         [], [], "en", 0, 0, "quiet"),
    ]
    assert users == [("12", "origin", 4200, True), ("34", "fan", 7, False), ("56", "replier", 7, False),
                     ("78", "quoter", 7, False), ("93", "zeros", 7, False)]
    assert csvfmt.starts_with_twarc_header(content.encode())


def test_the_earlier_json2csv_layout_has_kinds_from_its_reply_and_retweet_columns(tmp_path):
    """The earlier script (``reweet_id`` [sic], no ``tweet_type`` or ``user_id``): authors by
    handle only, a reply by its ``in_reply_to_status_id``, a retweet by ``reweet_id``."""
    header = ("coordinates,created_at,hashtags,media,urls,favorite_count,id,in_reply_to_screen_name,"
              "in_reply_to_status_id,in_reply_to_user_id,lang,place,possibly_sensitive,retweet_count,reweet_id,"
              "retweet_screen_name,source,text,tweet_url,user_created_at,user_screen_name,user_default_profile_image,"
              "user_description,user_favourites_count,user_followers_count,user_friends_count,user_listed_count,"
              "user_location,user_name,user_statuses_count,user_time_zone,user_urls,user_verified")

    def row(tweet_id, handle, text, reply="", reply_user="", retweeted=""):
        return (f",Sat Mar 10 14:03:15 +0000 2018,MeToo,,,0,{tweet_id},,{reply},{reply_user},en,,,2,{retweeted},,web,"
                f"{text},https://twitter.com/{handle}/status/{tweet_id},Sat Aug 05 22:08:25 +0000 2017,{handle},False,"
                ",0,25,76,0,Ocala,Name,23,,,False")

    content = "\n".join([header, row("972472958596866048", "a", "#MeToo"),
                         row("972472958596866049", "b", "@a #MeToo", reply="972472958596866048", reply_user="777"),
                         row("972472958596866050", "c", "RT @a: #MeToo", retweeted="972472958596866048")]) + "\n"
    report, rows, users, _ = _ingested(tmp_path, "early-json2csv.csv", content)
    assert (report.records, report.ingested, report.rejected) == (3, 3, 0)
    assert [(r[0], r[1], r[2], r[3], r[5], r[6], r[7]) for r in rows] == [
        ("972472958596866048", "twitter", None, "a", "original", None, None),
        ("972472958596866049", "twitter", None, "b", "reply", "972472958596866048", "777"),
        ("972472958596866050", "twitter", None, "c", "repost", "972472958596866048", None),
    ]
    assert users == []  # no account id to key a profile by


def test_a_hashtags_cell_nested_too_deeply_is_no_list_and_no_crash():
    """json.loads raises RecursionError, not ValueError, on 100,000 '[': the row was set aside as
    a "reader error (RecursionError ...)"."""
    assert csvfmt._list_cell("[" * 100_000) is None
    assert csvfmt._tag_list("[" * 100_000 + " #MeToo") == ["[" * 100_000, "#MeToo"]
