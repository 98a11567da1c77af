"""Rendering API results for people (terminal text) and for scripts (JSON, JSON Lines, CSV, ids)."""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from bisect import bisect_right
from dataclasses import asdict
from typing import Callable, Iterable
from html import escape

from kb.models import Article, Hit, ImportSummary, SearchResults, Snippet, Span
from kb.vocabulary import PERIODS

# C0/C1 control characters (ESC included) would let article text drive the terminal.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHITESPACE_RUN = re.compile(r"\s+")
FACET_LABELS = {"person": "People", "org": "Organisations", "place": "Places"}
CSV_COLUMNS = ("rank", "id", "score", "title", "published", "source", "url", "snippet")
BAR = "█"


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


def one_line(snippet: Snippet) -> Snippet:
    """The snippet as one line: each run of whitespace (paragraph breaks included) one
    space, none at either end; the spans moved to mark the same words.

    >>> one_line(Snippet("rates.\\n\\nThe IRS", [Span(10, 13)])).text
    'rates. The IRS'
    """
    pieces, ends, shifts, position, removed = [], [], [], 0, 0
    for run in _WHITESPACE_RUN.finditer(snippet.text):
        space = "" if run.start() == 0 or run.end() == len(snippet.text) else " "
        if run.group() == space:
            continue
        pieces += [snippet.text[position:run.start()], space]
        removed += len(run.group()) - len(space)
        ends.append(run.end())
        shifts.append(removed)
        position = run.end()
    if not ends:
        return snippet
    pieces.append(snippet.text[position:])

    def moved(offset: int) -> int:
        before = bisect_right(ends, offset)
        return offset - (shifts[before - 1] if before else 0)

    return Snippet("".join(pieces), [Span(moved(span.start), moved(span.end)) for span in snippet.spans])


def bracket(text: str) -> str:
    return f"[{text}]"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


def hit_lines(hit: Hit, mark: Callable[[str], str]) -> list[str]:
    meta = " · ".join(part for part in (
        (hit.published or "")[:10] or "undated", safe(hit.source) or None, f"id {hit.id}",
        f"+{plural(hit.more, 'copy', 'copies')} ({', '.join(safe(s) for s in hit.more_sources)})"
        if hit.more else None) if part)
    lines = [f"{hit.rank:>3}. {safe(' '.join(hit.title.split()))}", f"     {meta}"]
    return lines + [f"     …{highlight_snippet(one_line(s), mark)}…" for s in hit.snippets]


def search_text(results: SearchResults, mark: Callable[[str], str] = bracket) -> str:
    """The human-readable page of results: total, hits with snippets, then facets."""
    undated = f" ({results.undated} undated, listed last)" if results.undated and results.sort != "relevance" else ""
    lines = [f"{plural(results.total, 'match', 'matches')} for {safe(results.query)}{undated}"]
    if results.suggestions:
        lines.append("Did you mean: " + " | ".join(safe(s) for s in results.suggestions) + "?")
    for hit in results.hits:
        lines += [""] + hit_lines(hit, mark)
    facet_lines = [
        f"{FACET_LABELS.get(kind, kind)}: " + " · ".join(f"{safe(v.value)} ({v.count})" for v in values)
        for kind, values in results.facets.items() if values
    ]
    if facet_lines:
        lines += [""] + facet_lines
    return "\n".join(lines)


def past_the_end(total: int, limit: int, offset: int, page: int | None = None) -> str | None:
    """What to say when a page starts after the last match (None when it does not).

    >>> past_the_end(25, 10, 990, page=100)
    'page 100 is past the end (25 matches: 3 pages of 10)'
    """
    if offset < total or not total:
        return None
    matches = plural(total, "match", "matches")
    if page is None:
        return f"offset {offset} is past the end ({matches})"
    return f"page {page} is past the end ({matches}: {plural(-(-total // limit), 'page')} of {limit})"


def hits_text(hits: Iterable[Hit], mark: Callable[[str], str] = bracket) -> str:
    """A plain list of hits (for `kb similar`)."""
    return "\n".join(line for hit in hits for line in hit_lines(hit, mark))


def hit_json(hit: Hit) -> dict:
    data = asdict(hit)
    data["entities"] = [{k: e[k] for k in ("type", "name", "count")} for e in data["entities"]]
    return data


def search_json(results: SearchResults) -> dict:
    """The stable JSON shape of a search: query, total, hits (with spans), facets, hints."""
    data = asdict(results)
    data["hits"] = [hit_json(hit) for hit in results.hits]
    return data


def hits_jsonl(hits: Iterable[Hit]) -> str:
    return "\n".join(json.dumps(hit_json(hit), ensure_ascii=False) for hit in hits)


def hits_csv(hits: Iterable[Hit]) -> str:
    """One row per hit; the snippet column holds the fragments joined by " … "."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for hit in hits:
        writer.writerow([hit.rank, hit.id, f"{hit.score:.4f}", hit.title, hit.published or "", hit.source or "",
                         hit.url or "", " … ".join(s.text for s in hit.snippets)])
    return buffer.getvalue().rstrip("\n")


def hits_ids(hits: Iterable[Hit]) -> str:
    return "\n".join(hit.id for hit in hits)


def article_text(article: Article, body: str | None = None) -> str:
    """One article for reading: title, metadata, entities, body (or a highlighted body)."""
    rows = [("id", article.id), ("url", article.url), ("published", article.published or "unknown"),
            ("source", article.source), ("authors", ", ".join(article.authors)), ("language", article.language),
            ("imported", f"{article.imported_at} from {article.origin} ({article.record})")]
    lines = [safe(article.title), ""] + [f"{k:>10}: {safe(v)}" for k, v in rows if v]
    for kind, label in FACET_LABELS.items():
        names = [f"{safe(e.name)} ({e.count})" for e in article.entities if e.type == kind]
        if names:
            lines.append(f"{label.lower():>10}: " + ", ".join(names))
    return "\n".join(lines + ["", body if body is not None else safe(article.body)])


def article_json(article: Article) -> dict:
    data = asdict(article)
    data["entities"] = [{key: entity[key] for key in ("type", "name", "count", "spans", "aliases")}
                        for entity in data["entities"]]
    return data


def display_width(text: str) -> int:
    """How many terminal columns `text` takes: wide (CJK) characters two, combining marks
    and other zero-width characters none.

    >>> display_width("日本 news")
    9
    """
    return sum(0 if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf")
               else 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """`text` padded with spaces to `width` terminal columns (`align` "<" or ">"), as
    f"{text:<{width}}" would pad it if every character took one column."""
    spaces = " " * max(0, width - display_width(text))
    return text + spaces if align == "<" else spaces + text


def columns_width(texts: Iterable[str]) -> int:
    """The display width of the widest of `texts` (0 for none)."""
    return max(map(display_width, texts), default=0)


def bar(n: int, top: int, width: int) -> str:
    return pad(BAR * round(width * n / (top or 1)), width)


def skip_empty_periods(rows: list, is_empty: Callable, by: str | None) -> list:
    """The rows of a period series (`by` one of PERIODS) that are not empty, with a line
    "… 37 empty months …" (a str) where empty ones were left out; other rows as they are.

    >>> skip_empty_periods([("2025-01", 3), ("2025-02", 0), ("2025-03", 1)], lambda r: not r[1], "month")
    [('2025-01', 3), '… 1 empty month …', ('2025-03', 1)]
    """
    if by not in PERIODS:
        return rows
    shown, skipped = [], 0
    for row in rows:
        if is_empty(row):
            skipped += 1
            continue
        if skipped:
            shown.append(f"… {plural(skipped, f'empty {by}')} …")
            skipped = 0
        shown.append(row)
    if skipped:
        shown.append(f"… {plural(skipped, f'empty {by}')} …")
    return shown


def counts_text(counts: list[tuple[str, int]], by: str | None = None, width: int = 40) -> str:
    """A bar chart: label, bar scaled to the largest count, the number. Counted `by` a
    period, the periods without matches are left out (one line says how many)."""
    if not counts:
        return "no matches"
    label_width = columns_width(safe(label) for label, _ in counts)
    top = max(n for _, n in counts)
    lines = []
    for row in skip_empty_periods(counts, lambda label_count: not label_count[1], by):
        label, n = (row, None) if isinstance(row, str) else row
        lines.append(row if n is None else f"{pad(safe(label), label_width)} {bar(n, top, width)} {n}")
    return "\n".join(lines)


def timeline_text(timeline, width: int = 30) -> str:
    """One line per period with matches (one line says how many were left out between):
    for each series a bar scaled to the largest count, and the number."""
    if not timeline.periods:
        return "no dated matches"
    labels = list(timeline.series)
    top = max((n for counts in timeline.series.values() for n in counts), default=0)
    label_width = columns_width(safe(label) for label in labels)
    lines = []
    shown = skip_empty_periods(list(range(len(timeline.periods))),
                               lambda i: not any(counts[i] for counts in timeline.series.values()), timeline.by)
    for i in shown:
        if isinstance(i, str):
            lines.append(i)
            continue
        for j, label in enumerate(labels):
            n = timeline.series[label][i]
            head = timeline.periods[i] if j == 0 else ""
            name = f" {pad(safe(label), label_width)}" if len(labels) > 1 else ""
            lines.append(f"{head:<10}{name} {bar(n, top, width)} {n}")
    undated = {label: n for label, n in timeline.undated.items() if n}
    if undated:
        lines.append("undated: " + ", ".join(f"{safe(label)} {n}" for label, n in undated.items()))
    return "\n".join(lines)


def network_text(network: dict) -> str:
    if not network["pairs"]:
        return "no pair of entities appears together often enough"
    return "\n".join(f"{p['articles']:>5}  {safe(p['source']['name'])} ({p['source']['type']}) — "
                     f"{safe(p['target']['name'])} ({p['target']['type']})" for p in network["pairs"])


def network_csv(network: dict) -> str:
    return rows_csv([{"source": p["source"]["name"], "source_type": p["source"]["type"],
                      "target": p["target"]["name"], "target_type": p["target"]["type"], "weight": p["articles"]}
                     for p in network["pairs"]])


def network_graphml(network: dict) -> str:
    """GraphML for Gephi, networkx and other network tools: nodes with name and type, weighted edges."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
             '  <key id="name" for="node" attr.name="name" attr.type="string"/>',
             '  <key id="type" for="node" attr.name="type" attr.type="string"/>',
             '  <key id="weight" for="edge" attr.name="weight" attr.type="int"/>',
             '  <graph id="entities" edgedefault="undirected">']
    for node in network["nodes"]:
        lines.append(f'    <node id="n{node["id"]}"><data key="name">{escape_xml(node["name"])}</data>'
                     f'<data key="type">{node["type"]}</data></node>')
    for number, edge in enumerate(network["edges"]):
        lines.append(f'    <edge id="e{number}" source="n{edge["source"]}" target="n{edge["target"]}">'
                     f'<data key="weight">{edge["weight"]}</data></edge>')
    return "\n".join(lines + ["  </graph>", "</graphml>"])


def escape_xml(text: str) -> str:
    """Text safe inside an XML element (control characters dropped: XML 1.0 forbids them)."""
    return escape(_UNSAFE.sub("", text), quote=False)


def rows_csv(rows: list[dict]) -> str:
    """Dicts with the same keys as CSV with a header."""
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().rstrip("\n")


def entities_text(rows: list[dict]) -> str:
    """`org   IRS   12 articles`, one entity a line."""
    if not rows:
        return "no entities"
    width = columns_width(safe(r["name"]) for r in rows)
    return "\n".join(f"{r['type']:<6} {pad(safe(r['name']), width)} {plural(r['articles'], 'article')}" for r in rows)


def entity_text(profile: dict) -> str:
    """An entity's profile: what it is, its other names, where and with whom it appears."""
    hidden = (f", hidden as a work of art; kb entities ignore {profile['name']!r} --undo shows it"
              if profile["work"] else ", ignored" if profile["ignored"] else "")
    lines = [f"{safe(profile['name'])} ({profile['type']}{hidden})",
             f"   aliases: {', '.join(safe(a) for a in profile['aliases']) or '-'}",
             f"  articles: {profile['articles']} ({plural(profile['mentions'], 'mention')})",
             f"first seen: {(profile['first_seen'] or 'undated')[:10]}",
             f" last seen: {(profile['last_seen'] or 'undated')[:10]}"]
    if profile.get("co_occurring"):
        lines.append("      with: " + ", ".join(f"{safe(e['name'])} ({e['articles']})" for e in profile["co_occurring"]))
    for article in profile.get("latest_articles", []):
        lines.append(f"    latest: {(article['published'] or 'undated')[:10]} {safe(article['title'])} "
                     f"[{article['id']}]")
    return "\n".join(lines)


def counts_csv(counts: list[tuple[str, int]], key: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([(key, "count"), *counts])
    return buffer.getvalue().rstrip("\n")


def clip(text: str, width: int) -> str:
    """`text` cut to at most `width` terminal columns, an ellipsis marking the cut.

    >>> clip("日本経済新聞", 7)
    '日本経…'
    """
    if display_width(text) <= width:
        return text
    kept, used = [], 1  # the ellipsis takes a column
    for char in text:
        used += display_width(char)
        if used > width:
            break
        kept.append(char)
    return "".join(kept) + "…"


def stories_text(stories: list[dict], title_width: int = 60) -> str:
    """One story a line, in columns: id, articles, title (cut to `title_width` columns), sources."""
    if not stories:
        return "no story has more than one article"
    titles = [clip(" ".join(safe(s["title"]).split()), title_width) for s in stories]
    sizes = [plural(s["articles"], "article") for s in stories]
    widths = columns_width(titles), columns_width(sizes)
    return "\n".join(f"{s['story_id']}  {pad(size, widths[1], '>')}  {pad(title, widths[0])}  "
                     f"({', '.join(safe(x) for x in s['sources'])})" for s, title, size in zip(stories, titles, sizes))


def story_text(story: dict) -> str:
    """A story's copies, each with what differs from the first."""
    lines = [f"story {story['story_id']}: {plural(len(story['articles']), 'article')}"]
    sources = [safe(article["source"]) or "unknown source" for article in story["articles"]]
    width = columns_width(sources)
    for article, source in zip(story["articles"], sources):
        lines.append(f"  {article['id']}  {(article['published'] or 'undated')[:10]:<10}  "
                     f"{pad(source, width)}  {safe(article['title'])}")
        lines += [f"      {safe(change)}" for change in article["differences"]]
    return "\n".join(lines)


def check_text(report: dict, repaired: bool = False) -> str:
    """The store/index comparison, one finding a line."""
    lines = [f"{report['articles']} articles stored, {report['indexed']} indexed, {report['queued']} queued; "
             f"schema {report['schema_version']}, index {'current' if report['index_current'] else 'outdated or missing'}"]
    for key, label in (("missing_from_index", "missing from the index"), ("orphaned_in_index", "in the index only"),
                       ("indexed_twice", "indexed more than once"),
                       ("entities_differ", "with other entities in the index than in the store")):
        if report[key]:
            shown = ", ".join(report[key][:5]) + (" ..." if len(report[key]) > 5 else "")
            lines.append(f"{len(report[key])} {label}: {shown}")
    if report["ok"]:
        lines.append("OK: the index agrees with the store")
    elif repaired:
        lines.append("Repaired: the index now agrees with the store")
    return "\n".join(lines)


def summary_text(summary: ImportSummary) -> str:
    """`Imported 3 articles, 1 duplicate, 2 skipped (no body text: 2), 0 failed`."""
    reasons = ", ".join(f"{safe(r)}: {n}" for r, n in sorted(summary.skipped.items(), key=lambda rn: -rn[1]))
    skipped = f"{summary.skipped_total} skipped" + (f" ({reasons})" if reasons else "")
    return (f"Imported {plural(summary.imported, 'article')}, {plural(summary.duplicates, 'duplicate')}, "
            f"{skipped}, {len(summary.failed)} failed")
