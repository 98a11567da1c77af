"""Rebuild sample.warc.gz: `.venv/bin/python tests/data/warc/make_warc.py` (needs warcio).

Records: 1 warcinfo, 2 request, 3 the expapp.com article page (tests/data/html/expapp-new-ceo.html),
4 a PNG response, 5 a 404 HTML response, 6 a BBC News article (bbc-news business/001.txt, a
dateless text corpus) wrapped in minimal HTML, so the WARC-Date is its only date.
"""
from __future__ import annotations

import html
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).parent
PAGE = HERE.parent / "html" / "expapp-new-ceo.html"
PAGE_URL = "https://www.expapp.com/blog/introducing-junior-gaspard-new-ceo-experience/"
BBC_URL = "http://news.bbc.co.uk/1/hi/business/4176845.stm"
BBC_TEXT = """Ad sales boost Time Warner profit

Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the three months to December, from $639m year-earlier.

The firm, which is now one of the biggest investors in Google, benefited from sales of high-speed internet connections and higher advert sales. TimeWarner said fourth quarter sales rose 2% to $11.1bn from $10.9bn. Its profits were buoyed by one-off gains which offset a profit dip at Warner Bros, and less users for AOL.

Time Warner said on Friday that it now owns 8% of search-engine Google. But its own internet business, AOL, had has mixed fortunes. It lost 464,000 subscribers in the fourth quarter profits were lower than in the preceding three quarters. However, the company said AOL's underlying profit before exceptional items rose 8% on the back of stronger internet advertising revenues. It hopes to increase subscribers by offering the online service free to TimeWarner internet customers and will try to sign up AOL's existing customers for high-speed broadband."""
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def bbc_page() -> bytes:
    title, *paragraphs = BBC_TEXT.split("\n\n")
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"</head><body><nav><a href=\"/\">Home</a> <a href=\"/business\">Business</a></nav>"
            f"<article><h1>{html.escape(title)}</h1>\n{body}</article></body></html>").encode("utf-8")


def response(writer: WARCWriter, url: str, status: str, mime: str, payload: bytes, date: str):
    headers = StatusAndHeaders(status, [("Content-Type", mime), ("Content-Length", str(len(payload)))],
                               protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(payload), http_headers=headers,
                                                  warc_headers_dict={"WARC-Date": date}))


def main() -> None:
    with open(HERE / "sample.warc.gz", "wb") as output:
        writer = WARCWriter(output, gzip=True)
        writer.write_record(writer.create_warcinfo_record("sample.warc.gz", {"software": "warcio", "format": "WARC 1.1"}))
        request = StatusAndHeaders("GET /blog/introducing-junior-gaspard-new-ceo-experience/ HTTP/1.1",
                                   [("Host", "www.expapp.com")], is_http_request=True)
        writer.write_record(writer.create_warc_record(PAGE_URL, "request", http_headers=request,
                                                      warc_headers_dict={"WARC-Date": "2019-11-20T10:00:00Z"}))
        response(writer, PAGE_URL, "200 OK", "text/html; charset=UTF-8", PAGE.read_bytes(), "2019-11-20T10:00:01Z")
        response(writer, "https://www.expapp.com/logo.png", "200 OK", "image/png", PNG, "2019-11-20T10:00:02Z")
        response(writer, "https://www.expapp.com/missing/", "404 Not Found", "text/html",
                 b"<!DOCTYPE html><html><body><h1>Not found</h1></body></html>", "2019-11-20T10:00:03Z")
        response(writer, BBC_URL, "200 OK", "text/html", bbc_page(), "2005-01-21T09:30:00Z")


if __name__ == "__main__":
    main()
