"""Rendering API results for people (terminal text) and for scripts (JSON-ready dicts)."""
from __future__ import annotations

import re
from dataclasses import asdict
from typing import Callable

from kb.models import Article, ImportSummary, SearchResults, Snippet

# C0/C1 control characters (ESC included) would let article text drive the terminal.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
FACET_LABELS = {"person": "People", "org": "Organisations", "place": "Places"}


def safe(text: str | None) -> str:
    """Text with control characters and escape sequences made visible, never executed."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", text or "")


def highlight_snippet(snippet: Snippet, mark: Callable[[str], str]) -> str:
    """Snippet text with each highlight span passed through `mark`."""
    pieces, position = [], 0
    for span in snippet.spans:
        pieces += [safe(snippet.text[position:span.start]), mark(safe(snippet.text[span.start:span.end]))]
        position = span.end
    pieces.append(safe(snippet.text[position:]))
    return "".join(pieces)


def bracket(text: str) -> str:
    return f"[{text}]"


def search_text(results: SearchResults, mark: Callable[[str], str] = bracket) -> str:
    """The human-readable page of results: total, hits with snippets, then facets."""
    noun = "match" if results.total == 1 else "matches"
    lines = [f"{results.total} {noun} for {safe(results.query)}"]
    for hit in results.hits:
        meta = " · ".join(part for part in (
            (hit.published or "")[:10] or "undated", safe(hit.source) or None, f"id {hit.id}") if part)
        lines += ["", f"{hit.rank:>3}. {safe(hit.title)}", f"     {meta}"]
        lines += [f"     …{highlight_snippet(s, mark)}…" for s in hit.snippets]
    facet_lines = [
        f"{FACET_LABELS.get(kind, kind)}: " + " · ".join(f"{safe(v.value)} ({v.count})" for v in values)
        for kind, values in results.facets.items() if values
    ]
    if facet_lines:
        lines += [""] + facet_lines
    return "\n".join(lines)


def search_json(results: SearchResults) -> dict:
    """The stable JSON shape of a search: query, total, hits (with spans), facets."""
    data = asdict(results)
    for hit in data["hits"]:
        hit["entities"] = [{k: e[k] for k in ("type", "name", "count")} for e in hit["entities"]]
    return data


def article_text(article: Article) -> str:
    """One article for reading: title, metadata, entities, body."""
    rows = [("id", article.id), ("url", article.url), ("published", article.published or "unknown"),
            ("source", article.source), ("authors", ", ".join(article.authors)), ("language", article.language),
            ("imported", f"{article.imported_at} from {article.origin} ({article.record})")]
    lines = [safe(article.title), ""] + [f"{k:>10}: {safe(v)}" for k, v in rows if v]
    for kind, label in FACET_LABELS.items():
        names = [f"{safe(e.name)} ({e.count})" for e in article.entities if e.type == kind]
        if names:
            lines.append(f"{label.lower():>10}: " + ", ".join(names))
    return "\n".join(lines + ["", safe(article.body)])


def article_json(article: Article) -> dict:
    return asdict(article)


def summary_text(summary: ImportSummary) -> str:
    """`Imported 3 articles, 1 duplicate, 2 skipped (no body text: 2), 0 failed`."""
    def plural(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    reasons = ", ".join(f"{safe(r)}: {n}" for r, n in sorted(summary.skipped.items(), key=lambda rn: -rn[1]))
    skipped = f"{summary.skipped_total} skipped" + (f" ({reasons})" if reasons else "")
    return (f"Imported {plural(summary.imported, 'article')}, {plural(summary.duplicates, 'duplicate')}, "
            f"{skipped}, {len(summary.failed)} failed")
