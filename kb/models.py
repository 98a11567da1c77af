"""Plain records that flow between importers, the store, the index and the API."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Article:
    """One news article as an importer produced it or the store returned it.

    >>> Article(title="IRS shares data", body="The IRS shared data with ICE.")
    Article(title='IRS shares data', body='The IRS shared data with ICE.', url=None, published=None, ...)
    """

    title: str
    body: str
    url: str | None = None
    published: str | None = None  # ISO 8601 UTC, or None when unknown
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    origin: str | None = None  # the file it came from
    record: str | None = None  # where in that file: "line 3", "item 2"
    id: str | None = None  # set by the store
    imported_at: str | None = None
    run_id: int | None = None
    entities: list["EntityCount"] = field(default_factory=list)
    story_id: str | None = None  # the near-duplicate group it belongs to (set by the store)


@dataclass
class Skipped:
    """A record an importer could not turn into an article, and why. A `malformed` record
    (broken syntax, missing text) is a failure of the import; others are passed over
    (a file of no known format, a non-article page, a record over the size limit)."""

    origin: str
    record: str
    reason: str
    malformed: bool = False

    @property
    def location(self) -> str:
        """`file:3` for a line, `file:item 2` for other records."""
        return f"{self.origin}:{self.record.removeprefix('line ')}"


@dataclass(frozen=True)
class Mention:
    """One entity mention: character offsets into the text it was found in."""

    start: int
    end: int
    type: str  # "person" | "org" | "place"
    text: str


@dataclass
class EntityCount:
    """An entity of one article, with how often it is mentioned there."""

    type: str
    name: str
    count: int
    spans: list[tuple[int, int]] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # other names of it: "DHS", "Homeland Security"
    cued: bool = False  # its type is what the words around it say ("handset giant Nokia"), not a guess


@dataclass
class Span:
    """A highlighted match inside a snippet: `snippet.text[start:end]`."""

    start: int
    end: int


@dataclass
class Snippet:
    text: str
    spans: list[Span]


@dataclass
class SearchFilters:
    """Restrictions on a search that do not change its ranking (the CLI's friendly flags).

    >>> SearchFilters(since="2025-01", entities=[("org", "ICE")])
    SearchFilters(since='2025-01', until=None, sources=[], languages=[], entities=[('org', 'ICE')])
    """

    since: str | None = None  # a year, month or day: 2025, 2025-01, 2025-01-31
    until: str | None = None
    sources: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    entities: list[tuple[str, str]] = field(default_factory=list)  # (type, name)


@dataclass
class Hit:
    rank: int
    id: str
    score: float
    title: str
    url: str | None
    published: str | None
    source: str | None
    snippets: list[Snippet]
    entities: list[EntityCount]
    more: int = 0  # other articles of its story folded into this hit (with collapse)
    more_sources: list[str] = field(default_factory=list)  # their sources


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class SearchResults:
    """One page of hits, the total number of matches and entity facets."""

    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    hints: list[str] = field(default_factory=list)  # e.g. "did you mean OR?"
    suggestions: list[str] = field(default_factory=list)  # corrected queries when nothing matched
    sort: str = "relevance"  # relevance, newest or oldest (kb.vocabulary.SORTS)
    undated: int = 0  # matches without a publication date: last when sorted by date


@dataclass
class ImportSummary:
    """What one import run did."""

    run_id: int
    imported: int = 0
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. index work left for the next command
    read: int = 0  # records read so far: articles, skips and failures
    interrupted: bool = False  # stopped by Ctrl-C: what was stored before it is kept

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())
