"""Reuters-21578 SGML (`reut2-NNN.sgm`): one article per <REUTERS> document, dated.

Titles and bodies are in <TEXT>; the date is <DATE> (`26-FEB-1987 15:01:01.79`, UTC);
paragraphs start with an indented line; the closing "Reuter" signature is dropped.
Documents without a body (brief headlines only) are skipped with a reason.
"""
from __future__ import annotations

import html
import re
from typing import BinaryIO, Iterator

from importers import Importer, Record
from importers.normalise import clean_line, clean_text, decode, parse_date
from kb.models import Article, Skipped

_DOCUMENT = re.compile(r"<REUTERS(?P<attrs>[^>]*)>(?P<content>.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'NEWID="(\d+)"')
_SIGNATURE = re.compile(r"\s*Reuter\s*$", re.IGNORECASE)  # "Reuter" or "REUTER"


def element(content: str, tag: str) -> str:
    match = re.search(rf"<{tag}>(.*?)</{tag}>", content, re.S)
    return html.unescape(match.group(1)) if match else ""


def body_paragraphs(raw: str) -> str:
    """Reuters marks a new paragraph with an indented line; other line breaks are wrapping."""
    text = _SIGNATURE.sub("", raw.replace("\x03", "").replace("\x02", ""))
    return "\n\n".join(clean_text(p) for p in re.split(r"\n(?=\s{2,}\S)", text) if p.strip())


def parse(stream: BinaryIO, *, origin: str) -> Iterator[Record]:
    """Yield one article per <REUTERS> document."""
    text = decode(stream.read())
    for number, match in enumerate(_DOCUMENT.finditer(text), start=1):
        newid = _NEWID.search(match.group("attrs"))
        where = f"NEWID {newid.group(1)}" if newid else f"document {number}"
        content = match.group("content")
        body = body_paragraphs(element(content, "BODY"))
        if not body:
            yield Skipped(origin, where, "no body text")
            continue
        yield Article(
            title=clean_line(element(content, "TITLE")) or body.split("\n\n")[0][:120],
            body=body,
            published=parse_date(element(content, "DATE").split(".")[0]),
            source="Reuters",
            language="en",
            origin=origin,
            record=where,
        )


IMPORTER = Importer(
    name="reuters",
    description="Reuters-21578 SGML newswire files (reut2-NNN.sgm)",
    extensions=(".sgm",),
    parse=parse,
    sniff=lambda head: b"<REUTERS" in head or b"<!DOCTYPE lewis" in head,
)
