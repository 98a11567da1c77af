"""HTML fragments (feed summaries, content:encoded) as plain text paragraphs.

A small stdlib converter: block elements and <br> end a paragraph, scripts, styles
and embedded objects are dropped, entities are unescaped by `clean_text`.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from importers.normalise import clean_text

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
DROPPED_TAGS = frozenset({"script", "style", "noscript", "iframe", "object", "embed", "svg", "template", "head"})
_LOOKS_LIKE_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?\s*>")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in DROPPED_TAGS:
            self.dropping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_TAGS:
            self.dropping = max(0, self.dropping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """The text of an HTML fragment, one paragraph per block, blank-line separated.

    >>> html_to_text("<p>One &amp; two</p><p>Three<br>four</p><script>x()</script>")
    'One & two\\n\\nThree\\n\\nfour'
    """
    if not fragment:
        return ""
    if not _LOOKS_LIKE_HTML.search(fragment):
        return clean_text(fragment)
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    # Inside a paragraph, source line breaks are only layout: keep the text on one line.
    paragraphs = (" ".join(p.split()) for p in "".join(collector.parts).split("\n\n"))
    return clean_text("\n\n".join(p for p in paragraphs if p))
