"""HTML article pages: the main text and metadata of one saved page, via trafilatura.

trafilatura (with htmldate for the date) finds the article body, dropping navigation,
teasers and comments, and reads title, authors, site name, canonical URL and date from
the page's metadata. It only ever gets the HTML text here, never a URL to fetch.
The title is the headline the page states for itself (schema.org `headline`, `og:title`,
the <title>), as `page_title` picks it, without a " | Site name" suffix; trafilatura's
own guess (often a lone <h1>, which can be a section name) only when the page states none.
`extract_article` is shared with the WARC importer.
"""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from dataclasses import dataclass
from html import unescape
from typing import Any, BinaryIO, Iterator
from urllib.parse import urlsplit

from importers import Importer, Record
from importers.normalise import (MAX_RECORD_BYTES, RECORD_TOO_BIG, clean_line, clean_text, decode, decode_utf8,
                                 parse_date, read_record)
from kb.models import Article, Skipped

LOGGER = logging.getLogger(__name__)
LOGGER.addHandler(logging.NullHandler())

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HTML_START = re.compile(rb"<(!doctype\s+html|html[\s>])", re.IGNORECASE)
MAX_PAGE_BYTES = 4 * MAX_RECORD_BYTES  # markup, scripts and inline images are most of a page
MIN_BODY_CHARS = 30  # the shortest real article body in the shared corpora is over 50 characters
_URL_LIKE = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
_AUTHOR_SEPARATORS = re.compile(r";|\s+and\s+|\s&\s")


def decode_html(data: bytes, charset: str | None = None) -> str:
    """The text of an HTML page. Valid UTF-8 wins (saved pages often keep a stale
    <meta charset>); else the charset given (HTTP header) or declared in a <meta> tag;
    else Windows-1252."""
    text = decode_utf8(data)
    if text is not None:
        return text
    for declared in (charset, _declared_charset(data)):
        if declared:
            try:
                return data.decode(declared, errors="replace")
            except LookupError:
                continue
    return decode(data)


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def url_host(url: str | None) -> str:
    """The host of a URL in lower case; "" when there is none or it cannot be read."""
    try:
        return (urlsplit(url).hostname or "").lower() if url else ""
    except ValueError:  # "http://[bad": no usable host
        return ""


def registered_domain(url: str | None) -> str | None:
    """`https://www.bbc.co.uk/news/x` -> `bbc.co.uk` (the public suffix list via `tld`)."""
    host = url_host(url)
    if not host:
        return None
    try:
        from tld import get_fld  # a trafilatura dependency; offline public-suffix list
        return get_fld(host, fix_protocol=True, fail_silently=True) or host
    except ImportError:  # pragma: no cover
        return host.removeprefix("www.")


def source_name(site_name: str, url: str | None) -> str:
    """The site name, unless it is only a URL or the page's host name (trafilatura falls
    back to the host): then the registered domain, `news.bbc.co.uk` -> `bbc.co.uk`."""
    if site_name and _URL_LIKE.match(site_name):
        return registered_domain(site_name) or ""
    host = url_host(url)
    if not site_name or (host and site_name.lower() in (host, host.removeprefix("www."))):
        return registered_domain(url) or site_name
    return site_name


def body_paragraphs(text: str | None) -> str:
    """trafilatura's plain text (one block per line) as blank-line separated paragraphs."""
    lines = (clean_line(line) for line in (text or "").split("\n"))
    return clean_text("\n\n".join(line for line in lines if line))


def split_authors(author: str | None) -> list[str]:
    """trafilatura joins authors with "; "; names are also split on " and " / " & "."""
    if not author:
        return []
    names = (clean_line(name) for name in _AUTHOR_SEPARATORS.split(author))
    return list(dict.fromkeys(name for name in names if name))


_TITLE_SEPARATOR = re.compile(r"\s+[|\-\u2013\u2014\u00b7]\s+")


def strip_title_suffix(title: str, names: list[str]) -> str:
    """Drop a trailing " | Site name" that pages append to their title (the name given,
    or its first words: "Aktuálně.cz" for "Aktuálně.cz - Víte, co se děje").

    >>> strip_title_suffix("Mugabe resigns | The Guardian", ["The Guardian"])
    'Mugabe resigns'
    """
    keys = [name.casefold() for name in names if name]
    while True:
        parts = _TITLE_SEPARATOR.split(title)
        if len(parts) < 2:
            return title
        last = parts[-1].strip().casefold()
        if not last or not any(key == last or key.startswith(last + " ") or last.startswith(key) for key in keys):
            return title
        title = title[: title.rstrip().rfind(parts[-1].strip())].rstrip(" |-\u2013\u2014\u00b7:")


# The page's own statements of its headline, strongest first: a schema.org article's
# `headline` (what news sites give search engines), then the social-card titles.
_META_TITLES = ("og:title", "twitter:title", "dc.title", "dcterms.title", "parsely-title")
_META_SITE_NAMES = ("og:site_name", "application-name")


def _meta_contents(tree, keys: tuple[str, ...]) -> list[str]:
    """The content of <meta property|name=key> tags, in the order of `keys`."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        content = clean_line(unescape(meta.get("content") or ""))  # some pages escape twice: &amp;#039;
        if key in keys and content and key not in found:
            found[key] = content
    return [found[key] for key in keys if key in found]


def _is_article_type(kind: Any) -> bool:
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and (k.endswith("Article") or k.endswith("BlogPosting") or k == "Report")
               for k in kinds)


# Older markup wraps script text in <!-- --> or (//)<![CDATA[ ]]> for XHTML parsers.
_SCRIPT_WRAPPER = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$")


_JSON_LD_NESTED = ("@graph", "mainEntity", "itemListElement")


def _json_ld_objects(tree) -> Iterator[dict]:
    """Every JSON object in the page's application/ld+json scripts (@graph flattened)."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(_SCRIPT_WRAPPER.sub("", script.text_content() or ""))
        except ValueError:  # a broken block (unescaped quotes, trailing commas) says nothing
            continue
        pending = [data]
        while pending:
            item = pending.pop(0)
            if isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, dict):
                yield item
                pending.extend(item[key] for key in _JSON_LD_NESTED if key in item)


def _json_ld_headline(objects: list[dict]) -> str:
    for item in objects:
        headline = item.get("headline")
        if _is_article_type(item.get("@type")) and isinstance(headline, str) and headline.strip():
            return clean_line(unescape(headline))
    return ""


def _json_ld_publishers(objects: list[dict]) -> list[str]:
    names = []
    for item in objects:
        publisher = item.get("publisher") if _is_article_type(item.get("@type")) else None
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(clean_line(unescape(publisher["name"])))
    return names


def _document_title(tree) -> str:
    """The text of the page's <title> (not one of the <title>s inside inline SVG icons)."""
    for element in tree.iter("title"):
        if not any(ancestor.tag == "svg" for ancestor in element.iterancestors()):
            return clean_line(element.text_content())
    return ""


@dataclass(frozen=True)
class StatedTitles:
    """What a page says about its own headline and site, read before trafilatura prunes it."""
    statements: tuple[str, ...] = ()  # schema.org article headline, og:title, twitter:title...
    document: str = ""  # the <title> element
    headings: tuple[str, ...] = ()  # the <h1> texts
    site_names: tuple[str, ...] = ()  # og:site_name, application-name, schema.org publisher


def stated_titles(tree) -> StatedTitles:
    """The headline candidates and site names of a parsed page (an lxml tree)."""
    objects = list(_json_ld_objects(tree))
    return StatedTitles(
        statements=tuple(text for text in (_json_ld_headline(objects), *_meta_contents(tree, _META_TITLES)) if text),
        document=_document_title(tree),
        headings=tuple(text for text in (clean_line(h1.text_content()) for h1 in tree.iter("h1")) if text),
        site_names=(*_meta_contents(tree, _META_SITE_NAMES), *_json_ld_publishers(objects)),
    )


def page_title(stated: StatedTitles, site_names: list[str]) -> str:
    """The headline a page states for itself, without a " | Site name" suffix; "" when the
    page states none (the caller then keeps trafilatura's guess).

    In order: a schema.org article `headline`; `og:title` and the other social-card
    titles; the <title> element, cut to the part that is one of the page's <h1>
    headings when it reads "<h1> | section | site". A lone <h1> is not preferred to the
    <title>: on many pages it names a section ("Allergies Health Center").
    >>> page_title(StatedTitles(document="Floods close roads | Weather | Daily Post",
    ...                         headings=("Floods close roads",)), [])
    'Floods close roads'
    """
    names = [name for name in (*stated.site_names, *site_names) if name]
    just_a_name = {name.casefold() for name in names}
    # A <title> that starts with a separator is a template whose headline part is empty.
    document = "" if _LEADING_SEPARATOR.match(stated.document) else strip_title_suffix(stated.document, names)
    parts = _TITLE_SEPARATOR.split(stated.document)
    headings = {heading.casefold(): heading for heading in stated.headings}
    for statement in stated.statements:
        title = strip_title_suffix(statement, names)
        if title and title.casefold() not in just_a_name:
            return _untruncated(title, document)
    if len(parts) > 1:
        for part in parts:
            if part.strip().casefold() in headings:
                return headings[part.strip().casefold()]
    return "" if document.casefold() in just_a_name else document


_LEADING_SEPARATOR = re.compile(r"^\s*[|\-\u2013\u2014\u00b7:]")
_ELLIPSIS = re.compile(r"\s*(\.\.\.|\u2026)$")


def _untruncated(title: str, document: str) -> str:
    """The page's <title> when `title` is that headline cut short (schema.org asks for at
    most 110 characters, so sites truncate) and the <title> goes on with more words, not
    with a " | Section" suffix."""
    stem = _ELLIPSIS.sub("", title)
    rest = document[len(stem):]
    if len(stem) >= 60 and document.casefold().startswith(stem.casefold()) and rest[:1] == " " and \
            not _LEADING_SEPARATOR.match(rest):
        return document
    return title


def extract_article(html: str, *, origin: str, record: str = "file", url: str | None = None,
                    fallback_published: str | None = None) -> Article | Skipped:
    """The article on one HTML page, or Skipped when no main text is found.

    `url` is where the page came from (used when the page names no canonical URL);
    `fallback_published` (ISO UTC) is used when the page shows no date.
    >>> html = "<html><title>IRS shares data</title><p>" + "The IRS shared taxpayer data with ICE. " * 3
    >>> extract_article(html, origin="page.html").title
    'IRS shares data'
    """
    if not html.strip() or _URL_LIKE.match(html.strip()):
        return Skipped(origin, record, "no HTML")
    import trafilatura  # lazy: a heavy import, only needed when HTML is parsed

    try:
        tree = trafilatura.load_html(html)
        stated = stated_titles(tree) if tree is not None else StatedTitles()  # before trafilatura prunes the tree
        document = trafilatura.bare_extraction(
            tree if tree is not None else html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_images=False,
            include_links=False,
            date_extraction_params={
                "original_date": True,
                "extensive_search": True,
                "outputformat": "%Y-%m-%dT%H:%M:%S%z",
                "max_date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
            },
        )
    except Exception as error:  # noqa: BLE001 - odd markup fails in many ways; one page must not stop an import
        LOGGER.debug("trafilatura failed on %s: %r", origin, error)
        return Skipped(origin, record, f"HTML extraction failed ({type(error).__name__})")
    if document is None:
        return Skipped(origin, record, "no article text found")
    body = body_paragraphs(document.text)
    if len(body) < MIN_BODY_CHARS:  # a menu word or two salvaged from a page without an article
        return Skipped(origin, record, "no article text found")
    canonical = clean_line(document.url or "") or url
    if canonical and not canonical.lower().startswith(("http://", "https://")):
        canonical = url
    named = clean_line(document.sitename or "")
    site_name = source_name(named or next(iter(stated.site_names), ""), canonical or url)
    authors = split_authors(document.author)
    title = (page_title(stated, [site_name, named])
             or strip_title_suffix(clean_line(document.title or ""), [site_name, *stated.site_names]))
    first, _, rest = body.partition("\n\n")
    if rest and title and first.casefold() == title.casefold():  # the headline, repeated as text
        body = rest
    return Article(
        title=title or body.split("\n\n")[0][:120],
        body=body,
        url=canonical or None,
        published=parse_date(document.date) or fallback_published,  # a bare day: midnight UTC
        source=site_name or None,
        authors=authors,
        language=clean_line(document.language or "") or _html_lang(html),
        origin=origin,
        record=record,
    )


_HTML_LANG = re.compile(r"<html[^>]*\slang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)", re.IGNORECASE)


def _html_lang(html: str) -> str | None:
    match = _HTML_LANG.search(html[:8192])
    return match.group(1).replace("_", "-") if match else None


def parse(stream: BinaryIO, *, origin: str) -> Iterator[Record]:
    """Yield the one article of an HTML page (or Skipped when it holds no article text)."""
    data = read_record(stream, MAX_PAGE_BYTES)
    if data is None:
        yield Skipped(origin, "file", RECORD_TOO_BIG)
        return
    yield extract_article(decode_html(data), origin=origin)


def looks_like_html(head: bytes) -> bool:
    """True for a document starting with <!doctype html> or <html> (after BOM, blanks,
    an XML declaration or comments)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return bool(_HTML_START.match(start))
    if start.startswith((b"<!--", b"<?xml")):
        return bool(_HTML_START.search(start))
    return False


IMPORTER = Importer(
    name="html",
    description="HTML article page: main text, title, date, authors, site name (trafilatura)",
    extensions=(".html", ".htm"),
    parse=parse,
    sniff=looks_like_html,
)
