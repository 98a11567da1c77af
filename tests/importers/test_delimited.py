"""CSV and TSV with a header row: common column names, a column mapping, physical line numbers."""
from __future__ import annotations

import csv
import io

import pytest

from helpers import DATA
from importers import delimited
from kb.errors import ArgumentError, InputError
from kb.models import Article, Skipped

CSV_PATH = DATA / "delimited" / "reuters-4-rows.csv"
TSV_PATH = DATA / "delimited" / "bbc-2-rows.tsv"


def parse(importer, data: bytes | None = None, path=CSV_PATH) -> list:
    stream = io.BytesIO(data) if data is not None else path.open("rb")
    with stream:
        return list(importer.parse(stream, origin="in.csv" if data is not None else str(path)))


def test_csv_rows_by_common_column_names():
    first, second, brief, fourth = parse(delimited.IMPORTER)
    assert first.title == "STANDARD OIL <SRD> TO FORM FINANCIAL UNIT"
    assert first.published == "1987-02-26T15:02:20Z"
    assert first.body.startswith("Standard Oil Co and BP North America Inc said they plan to form a venture")
    assert "\n" not in first.body  # hard-wrapped lines of one paragraph are joined
    assert fourth.authors == ["Janie Gabbett"]
    assert '"The circumstances at the time will determine what we do," said Arthur Miller' in fourth.body
    assert brief == Skipped(str(CSV_PATH), "line 16", "no body", malformed=True)


def test_records_name_the_physical_line_a_row_starts_on():
    records = parse(delimited.IMPORTER)
    assert [r.record for r in records] == ["line 2", "line 10", "line 16", "line 17"]


def test_tsv_with_column_mapping():
    importer = delimited.with_mapping({"title": "heading", "body": "story", "source": "section"}, delimiter="\t")
    assert importer.name == "tsv"
    business, politics = parse(importer, path=TSV_PATH)
    assert business.title == "Ad sales boost Time Warner profit"
    assert business.source == "business"
    assert business.body.startswith("Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m)")
    assert len(business.body.split("\n\n")) == 5  # the article's paragraphs survive the quoted cell
    assert politics.title == "Labour plans maternity pay rise"
    assert (business.record, politics.record) == ("line 2", "line 11")


def test_tsv_without_mapping_lacks_a_body_column():
    with pytest.raises(InputError, match="no body column") as error:
        parse(delimited.TSV_IMPORTER, path=TSV_PATH)
    assert error.value.line == 1


def test_mapping_replaces_the_common_names():
    data = b"headline,text,summary\nTitle A,Full text A,Short A\nTitle B,,Short B\n"
    assert [r.body for r in parse(delimited.with_mapping({"body": "summary"}), data)] == ["Short A", "Short B"]
    a, b = parse(delimited.IMPORTER, data)
    assert a.body == "Full text A" and b.body == "Short B"  # common names: text first, then summary


def test_mapping_errors():
    with pytest.raises(ArgumentError, match="unknown article field"):
        delimited.with_mapping({"bdy": "text"})
    with pytest.raises(InputError, match="no column 'story'"):
        parse(delimited.with_mapping({"body": "story"}), b"title,text\nA,B\n")


def test_authors_split_and_case_insensitive_headers():
    data = "\ufeffTitle,Body,Author,Published_At,URL\nT,Some body,Jane Doe and John Roe; Ann Poe,2024-03-01 10:00+01:00,http://x/1\n"
    [article] = parse(delimited.IMPORTER, data.encode("utf-8"))
    assert isinstance(article, Article)
    assert article.authors == ["Jane Doe", "John Roe", "Ann Poe"]
    assert article.published == "2024-03-01T09:00:00Z"
    assert article.url == "http://x/1"


def test_long_fields_and_blank_and_short_rows():
    body = "word " * 200_000  # past csv's default 128 KiB field limit
    data = f"title,body\n\nBig,{body}\nShort\n".encode()
    big, short = parse(delimited.IMPORTER, data)
    assert big.record == "line 3" and len(big.body) > 900_000
    assert short == Skipped("in.csv", "line 4", "1 fields where the header has 2", malformed=True)


def test_latin1_bytes_decoded():
    [article] = parse(delimited.IMPORTER, "title,body\nCafé,Crème brûlée à Paris\n".encode("cp1252"))
    assert article.title == "Café" and article.body == "Crème brûlée à Paris"


def test_empty_file_and_unterminated_quote_give_no_traceback():
    assert parse(delimited.IMPORTER, b"") == []
    [article] = parse(delimited.IMPORTER, b'title,body\nA,"never closed\nB,more\n')
    assert article.body == "never closed B,more"


def test_old_mac_line_endings():
    records = parse(delimited.IMPORTER, b"title,body\rA,Body A\rB,Body B\r")
    assert [(r.title, r.record) for r in records] == [("A", "line 2"), ("B", "line 3")]


def test_csv_error_is_an_input_error_with_line(monkeypatch):
    original = csv.field_size_limit()
    monkeypatch.setattr(delimited, "FIELD_SIZE_LIMIT", 10)
    try:
        with pytest.raises(InputError, match="not readable as CSV") as error:
            parse(delimited.IMPORTER, b"title,body\nA,short\nB," + b"x" * 50 + b"\n")
        assert error.value.line == 3
    finally:
        csv.field_size_limit(original)


@pytest.mark.parametrize("importer, head, expected", [
    (delimited.IMPORTER, b"headline,text,date\n", True), (delimited.IMPORTER, b"a,b,c\n1,2,3\n", False),
    (delimited.IMPORTER, b"\xef\xbb\xbf\"title\",\"body\"\r\n", True), (delimited.IMPORTER, b"title\tbody\n", False),
    (delimited.TSV_IMPORTER, b"title\tbody\n", True), (delimited.TSV_IMPORTER, b"{\"title\": 1}\n", False),
])
def test_sniff(importer, head, expected):
    assert importer.sniff(head) is expected
