"""WARC archives: each archived HTML page through the HTML extraction, with the record's URL and date."""
from __future__ import annotations

import gzip
import io

import pytest

from helpers import DATA
from importers import warc_records
from kb.errors import InputError
from kb.models import Article, Skipped

WARC = DATA / "warc" / "sample.warc.gz"


def parse(data: bytes | None = None, origin: str = str(WARC)) -> list:
    stream = io.BytesIO(data) if data is not None else WARC.open("rb")
    with stream:
        return list(warc_records.parse(stream, origin=origin))


def test_html_responses_become_articles():
    """Records: 1 warcinfo, 2 request, 3 article page, 4 PNG, 5 HTTP 404 page, 6 dateless page."""
    page, not_found, dateless = parse()
    assert isinstance(page, Article) and page.record == "record 3" and page.origin == str(WARC)
    assert page.title == "Introducing Junior Gaspard, New CEO at Experience"
    assert page.url == "https://www.expapp.com/blog/introducing-junior-gaspard-new-ceo-experience/"
    assert page.published == "2018-04-09T16:02:25Z"  # the page's own date wins over WARC-Date
    assert page.body.startswith("Experience is thrilled to have Junior Gaspard, long time ExpApper")
    assert not_found == Skipped(str(WARC), "record 5", "HTTP status 404")
    assert dateless.record == "record 6"
    assert dateless.url == "http://news.bbc.co.uk/1/hi/business/4176845.stm"  # WARC-Target-URI
    assert dateless.published == "2005-01-21T09:30:00Z"  # WARC-Date as the fallback
    assert dateless.source == "bbc.co.uk"
    assert dateless.title == "Ad sales boost Time Warner profit"
    assert dateless.body.startswith("Quarterly profits at US media giant TimeWarner jumped 76%")
    assert "Home" not in dateless.body and "Business\n" not in dateless.body


def test_uncompressed_warc():
    records = parse(gzip.decompress(WARC.read_bytes()), origin="sample.warc")
    assert [r.record for r in records] == ["record 3", "record 5", "record 6"]


def test_not_a_warc_raises_input_error():
    for data in (b"", b"<!DOCTYPE html><html></html>", b"\x1f\x8b\x08\x00garbage"):
        with pytest.raises(InputError, match="not a readable WARC file"):
            parse(data, origin="x.warc")


def test_cut_off_warc_keeps_the_records_before_the_damage():
    data = WARC.read_bytes()
    records = parse(data[: len(data) // 2], origin="cut.warc.gz")  # a download cut off mid-file
    assert [r.record for r in records] == ["record 3"]
    plain = gzip.decompress(data)
    cut = plain[: plain.index(b"WARC/1.", plain.index(b"WARC-Type: response")) + 40]  # in record 4's header
    assert [r.record for r in parse(cut, origin="cut.warc")] == ["record 3"]


@pytest.mark.parametrize("head, expected", [
    (b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", True), (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03not", False),
    (b"<!DOCTYPE html>", False),
])
def test_sniff(head, expected):
    assert warc_records.looks_like_warc(head) is expected


def test_sniff_gzipped_fixture():
    assert warc_records.looks_like_warc(WARC.read_bytes()[:4096])
    assert not warc_records.looks_like_warc(gzip.compress(b"title,body\nA,B\n"))
