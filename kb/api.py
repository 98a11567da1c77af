"""`KnowledgeBase`: the Python API. The CLI is a thin layer over it.

>>> _ = open("news.jsonl", "w").write('{"title": "IRS shares data", "body": "The IRS shared data with ICE."}')
>>> kb = KnowledgeBase("my-kb")
>>> kb.import_paths(["news.jsonl"]).imported
1
>>> [hit.title for hit in kb.search("IRS AND ICE", limit=5).hits]
['IRS shares data']
"""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from index import (ENTITY_FIELDS, IndexBusy, IndexHit, IndexSettings, highlight_all, make_snippets, open_search_index,
                   operator_hints, periods_between)
from index.settings import META_KEY as INDEX_META_KEY
from kb.config import DB_NAME, INDEX_DIR, kb_folder
from kb.entities import DEFAULT_EXTRACTOR, count_entities, get_extractor
from kb.entity_table import name_key
from kb.errors import ImportInterrupted, KBError, NotFoundError, QueryError, StoreError
from kb.models import Article, FacetValue, Hit, ImportSummary, SearchFilters, SearchResults, Snippet
from kb.indexing import cores, write_queued
from kb.store import Store
from kb.vocabulary import BUCKETS, EMPTY_BUCKETS, ENTITY_TYPES, PERIODS, SORTS

# The modules of imports, timelines, networks and watches are imported where used: a
# search needn't load them (tests/kb/test_search_cli.py: NOT_FOR_SEARCH).
if TYPE_CHECKING:
    from kb.timeline import Timeline
    from kb.watches import Watches

REEXTRACT_BATCH = 200  # articles per transaction when extracting again
LARGE_REINDEX = 2000  # articles from which a rebuild analyses in several processes


def is_disk_full(error: Exception) -> bool:
    """SQLite and the file system say "disk full" differently."""
    return getattr(error, "errno", None) == errno.ENOSPC or "disk is full" in str(error)


def mention_spans(article: Article, entities: tuple[tuple[str, str], ...]) -> tuple[tuple[int, int, str], ...]:
    """(start, end, name) of the article's mentions of the `entities` (type, lower-case
    name) a query names, to mark in its body."""
    wanted = set(entities)
    return tuple((start, end, entity.name) for entity in article.entities
                 if (entity.type, name_key(entity.name)) in wanted for start, end in entity.spans)


class KnowledgeBase:
    """A knowledge base folder: `kb.db` (SQLite, the truth) and `index/` (Whoosh, derived).

    `path` defaults to $KB_PATH, else `~/.local/share/newskb`. With `create=False` a
    missing knowledge base raises StoreError instead of being created.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, create: bool = True,
                 extractor: str | None = None, index: IndexSettings | None = None):
        """`index` chooses the index of a knowledge base this call creates (Whoosh unless
        said otherwise; `reindex(index=...)` moves an existing one)."""
        self.path = Path(kb_folder(path))
        self._extractor = None
        # True when this call made the knowledge base. Nothing is left on disk if making it fails.
        self.created = create and not (self.path / DB_NAME).exists()
        if self.created:
            self._create(extractor or DEFAULT_EXTRACTOR, (index or IndexSettings()).checked())
            return
        self.store = Store(self.path / DB_NAME, create=create)
        self.index = self._open_index(self.index_settings)
        if index is not None and index.checked().backend != self.index_settings.backend:
            raise StoreError(f"{self.path} has its index on {self.index_settings.backend}; "
                             f"move it with reindex(index=...) (`kb reindex --index {index.backend}`)")
        if extractor and extractor != self.extractor_name:
            raise StoreError(f"{self.path} extracts entities with {self.extractor_name!r}; "
                             f"change it with set_extractor() (`kb reextract --ner {extractor}`)")

    def _create(self, extractor: str, index: IndexSettings) -> None:
        """Make the folder, store and index, with the extractor checked first; on a failure
        remove what was made."""
        get_extractor(extractor)  # an unknown or uninstalled extractor is refused before anything is made
        made_folder = not self.path.exists()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create a knowledge base at {self.path}: {error.strerror}") from None
        try:
            self.store = Store(self.path / DB_NAME)
            self.store.set_meta(INDEX_META_KEY, index.to_json())
            self.index = self._open_index(index)
            self.set_extractor(extractor)
            self.index.recreate()  # now, so that processes sharing a new knowledge base never race to make it
        except BaseException:
            self._remove_made(made_folder)
            raise

    def _remove_made(self, folder: bool) -> None:
        """Remove a knowledge base whose making failed: its files, and its folder if made for it."""
        if getattr(self, "store", None) is not None:
            self.store.close()
        for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"):
            (self.path / name).unlink(missing_ok=True)
        shutil.rmtree(self.path / INDEX_DIR, ignore_errors=True)
        if folder:
            shutil.rmtree(self.path, ignore_errors=True)

    def _open_index(self, settings: IndexSettings):
        return open_search_index(settings, self.path / INDEX_DIR, entity_names=self.store.entity_keys)

    @property
    def index_settings(self) -> IndexSettings:
        """Which index answers this knowledge base's searches (see index.settings)."""
        return IndexSettings.from_json(self.store.get_meta(INDEX_META_KEY))

    @property
    def extractor_name(self) -> str:
        """The name of this knowledge base's entity extractor ("crf", "none", "spacy:...")."""
        return self.store.get_meta("extractor") or DEFAULT_EXTRACTOR

    @property
    def extractor(self):
        """The entity extractor of this knowledge base (loaded on first use)."""
        if self._extractor is None:
            self._extractor = get_extractor(self.extractor_name)
        return self._extractor

    def set_extractor(self, name: str) -> None:
        """Choose the entity extractor for articles imported from now on (checked at once)."""
        self._require_writable()
        self._extractor = get_extractor(name)
        self.store.set_meta("extractor", name)

    def set_story_days(self, days: float) -> None:
        """How many days from a story's first article a near-copy may join it, for
        articles imported from now on (3 unless set).

        >>> kb = KnowledgeBase("my-kb")
        >>> kb.set_story_days(7)
        >>> kb.store.stories.days
        7.0
        """
        self._require_writable()
        if not days > 0:
            raise KBError(f"a story spans more than 0 days (got {days})")
        self.store.set_meta("story_days", str(days))
        self.store.stories.days = float(days)

    # writing -----------------------------------------------------------------------------
    def add(self, article: Article) -> str | None:
        """Store and index one article; returns its id, or None if it is a duplicate."""
        summary = self._ingest([article], ["<api>"])
        return article.id if summary.imported else None

    def import_paths(self, paths: Iterable[str | os.PathLike], *, format: str | None = None,
                     mapping: dict[str, str] | None = None, strict: bool = False,
                     include: Iterable[str] = (), exclude: Iterable[str] = (),
                     source: str | None = None, language: str | None = None,
                     on_progress: Callable[[ImportSummary], None] | None = None,
                     jobs: int | None = None) -> ImportSummary:
        """Import files and folders (recursively). A malformed record or an unreadable file
        is reported in `summary.failed` and the rest imports; with `strict`, the first
        failure stops the import and nothing of that file is stored.

        `format` overrides detection; `mapping` names columns for CSV/TSV ({"body": "text"});
        `include`/`exclude` are globs choosing the files found in folders and archives
        (importers.selection); `source` and `language` are for articles that give none;
        `on_progress` is called with the running summary as records are read and batches
        stored; `jobs` is the number of helper processes (default: one per core).
        Ctrl-C stops the import, keeping what was stored: ImportInterrupted (a
        KeyboardInterrupt) then carries the summary.
        >>> _ = open("stories.tsv", "w").write("title\\tstory\\tdate\\nIRS shares data\\tThe IRS shared data.\\t2025-01-15\\n")
        >>> summary = KnowledgeBase("my-kb").import_paths(["stories.tsv"], mapping={"body": "story", "published": "date"})
        >>> summary.imported
        1
        """
        from importers import parse_file
        from importers.selection import Selection
        from kb.reading import read_articles

        paths = [str(p) for p in paths]
        parse = partial(parse_file, format=format, mapping=mapping, selection=Selection(tuple(include), tuple(exclude)),
                        source=source, language=language)
        return self._ingest(lambda summary: read_articles(paths, summary, parse=parse, strict=strict,
                                                          on_progress=on_progress), paths, jobs, on_progress)

    def _ingest(self, articles, paths: list[str], jobs: int | None = None,
                on_progress: Callable[[ImportSummary], None] | None = None) -> ImportSummary:
        """Run `articles` (a list, or a function of the summary giving an iterator) through the
        import pipeline as one import run; Ctrl-C ends it (see kb.interrupts)."""
        self._require_writable()
        if not self.index.is_current():
            self.reindex()
        from kb.ingest import Ingest  # the extraction modules load only when importing
        from kb.interrupts import Interrupts

        summary = ImportSummary(run_id=self.store.start_run(paths))
        try:
            with Interrupts() as interrupts, Ingest(self.store, self.index, self.extractor, summary,
                                                    jobs=jobs or cores(), on_progress=on_progress) as ingest:
                interrupts.call_on_interrupt(ingest.stop)
                for article in interrupts.until_interrupted(articles(summary) if callable(articles) else articles):
                    ingest.add(article)
        except (sqlite3.OperationalError, OSError) as error:
            if not is_disk_full(error):
                raise
            raise StoreError(f"the disk holding {self.path} is full: {summary.imported} new articles were "
                             "stored before it filled; free some space and import again") from None
        self.store.finish_run(summary.run_id, summary.imported, summary.duplicates,
                              summary.skipped_total, len(summary.failed))
        if interrupts.interrupted:
            summary.interrupted = True
            raise ImportInterrupted(summary)
        return summary

    def reextract(self, *, extractor: str | None = None, everything: bool = False) -> int:
        """Extract entities again, with `extractor` (which becomes this knowledge base's)
        or the current one, for the articles another extractor did (or `everything`).
        Returns how many articles were re-extracted; the index follows.

        >>> kb = KnowledgeBase("my-kb")
        >>> article_id = kb.add(Article("IRS shares data", "The IRS shared taxpayer data with ICE."))
        >>> kb.reextract(extractor="none")  # or "spacy:en_core_web_sm", ...
        1
        """
        if extractor:
            self.set_extractor(extractor)
        self._require_writable()
        done, after = 0, 0
        while rows := self.store.ids_to_reextract(self.extractor_name, after, REEXTRACT_BATCH, everything):
            with self.store.transaction():
                found = self.extractor.extract_all([body for _, _, body in rows])
                for (_, article_id, body), mentions in zip(rows, found):
                    self.store.replace_entities(article_id, count_entities(mentions, body), self.extractor.name)
            after, done = rows[-1][0], done + len(rows)
        self.sync_index()
        return done

    def _require_writable(self) -> None:
        if self.store.readonly:
            raise StoreError(f"the knowledge base at {self.path} is read-only")

    # the index ------------------------------------------------------------------------------
    def sync_index(self, *, wait: bool = False) -> int:
        """Bring the index up to date with SQLite; returns how many articles were (re)indexed.

        Rebuilds a missing or outdated index; otherwise writes the queued articles. If
        another process is writing the index, it is left to it (or waited for: `wait`).
        """
        if not self.index.is_current():
            if self.store.readonly:
                raise StoreError(f"the index at {self.index.path} is missing and the knowledge base is read-only")
            return self.reindex()
        if self.store.readonly or not self.store.queue_length():
            return 0
        try:
            writer = self.index.writer(wait=wait)
        except IndexBusy:
            return 0
        with writer:
            done = write_queued(self.store, writer)
        self.store.dequeue(done)
        return len(done)

    def check(self) -> dict:
        """Compare the store with the index: ids on one side only, ids indexed twice,
        queued work, schema and index versions. `ok` is True when they agree.

        >>> kb = KnowledgeBase("my-kb")
        >>> article_id = kb.add(Article("IRS shares data", "The IRS shared taxpayer data with ICE."))
        >>> kb.check()["ok"]
        True
        """
        stored = self.store.all_ids()
        current = self.index.is_current()
        indexed = self.index.id_counts() if current else {}
        report = {
            "articles": len(stored),
            "indexed": sum(indexed.values()),
            "missing_from_index": sorted(stored - indexed.keys()),
            "orphaned_in_index": sorted(indexed.keys() - stored),
            "indexed_twice": sorted(i for i, n in indexed.items() if n > 1),
            "entities_differ": self._entities_differ() if current else [],
            "queued": self.store.queue_length(),
            "schema_version": self.store.schema_version(),
            "index_current": current,
        }
        report["ok"] = current and not (report["missing_from_index"] or report["orphaned_in_index"]
                                         or report["indexed_twice"] or report["entities_differ"])
        return report

    def _entities_differ(self) -> list[str]:
        """Articles whose indexed entity names do not name, one each, the entities the
        store gives them (an entity ignored, merged or extracted again since)."""
        entity_of = self.store.entity_ids_by_key()
        expected = self.store.entities_by_article()
        queued = set(self.store.queued_ids(limit=-1))
        differ = []
        for article_id, by_type in self.index.entity_names_by_article().items():
            if article_id in queued:
                continue  # the next command indexes it again
            for entity_type in ENTITY_FIELDS:
                names = by_type.get(entity_type, [])
                ids = [entity_of.get((entity_type, name)) for name in names]
                if len(set(ids)) != len(ids) or set(ids) != expected.get(article_id, {}).get(entity_type, set()):
                    differ.append(article_id)
                    break
        return sorted(differ)

    def repair(self) -> dict:
        """Make the index agree with the store: index what is missing, drop orphans and
        doubles (or rebuild an index that is missing or of another version). Returns the
        check report from before the repair."""
        self._require_writable()
        report = self.check()
        if not report["index_current"]:
            self.reindex()
            return report
        with self.store.transaction():
            self.store.queue(report["missing_from_index"] + report["indexed_twice"] + report["entities_differ"])
        with self.index.writer() as writer:
            for article_id in report["orphaned_in_index"]:
                writer.delete(article_id)
        self.sync_index(wait=True)
        return report

    def reindex(self, *, index: IndexSettings | None = None, on_progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the index from SQLite alone; returns the number of articles indexed.
        With `index`, the knowledge base moves to that index (another backend, cluster or
        index name): it is built first, then becomes this knowledge base's, and the old
        one is removed (to a cluster: `index=IndexSettings("opensearch", url="https://localhost:9200")`).
        `on_progress` is called with the count of articles indexed so far.

        >>> kb = KnowledgeBase("my-kb")
        >>> article_id = kb.add(Article("IRS shares data", "The IRS shared taxpayer data with ICE."))
        >>> kb.reindex()
        1
        """
        self._require_writable()
        large = self.store.count_articles() >= LARGE_REINDEX
        moving = index is not None
        settings = index.checked() if moving else self.index_settings
        target = self._open_index(settings) if moving else self.index
        count = target.rebuild(self.store.iter_articles(), procs=cores() if large else 1, on_progress=on_progress)
        if moving:
            old, old_settings = self.index, self.index_settings
            self.store.set_meta(INDEX_META_KEY, settings.to_json())
            self.index = target
            same_place = (old_settings.backend, old_settings.url, old_settings.index_name) == (
                settings.backend, settings.url, settings.index_name)
            if same_place:
                old.close()
            else:
                old.delete()
        self.store.clear_queue()
        return count

    # reading ----------------------------------------------------------------------------------
    def search(self, query: str, *, since: str | None = None, until: str | None = None,
               sources: Iterable[str] = (), languages: Iterable[str] = (),
               entities: Iterable[tuple[str, str]] = (), sort: str = "relevance", limit: int = 10,
               offset: int = 0, facets: int = 10, facet_types: Iterable[str] = ENTITY_FIELDS,
               fragments: int = 2, width: int = 240, collapse: bool = False) -> SearchResults:
        """Search; hits carry snippets with highlight spans, facets count all matches.

        `since`/`until` take 2025, 2025-01 or 2025-01-31; `entities` are (type, name) pairs;
        `facets` is how many entities each facet of `facet_types` lists (0: none);
        `collapse` folds copies of the same text into one hit (`hit.more`).
        >>> kb = KnowledgeBase("my-kb")
        >>> article_id = kb.add(Article("IRS shares data", "The IRS shared data with ICE.", published="2025-01-15"))
        >>> kb.search("IRS AND ICE", since="2025-01", entities=[("org", "ICE")]).total
        1
        """
        if sort not in SORTS:
            raise QueryError(f"cannot sort by {sort!r} (use {', '.join(SORTS)})")
        self.sync_index()
        filters = SearchFilters(since, until, list(sources), list(languages), list(entities))
        page = self.index.search(query, filters=filters, limit=limit, offset=offset, sort=sort,
                                 facet_top=facets and facets * 3 + 10,  # rows of one entity are merged
                                 facet_fields=self._facet_fields(facet_types),
                                 collapse=collapse)
        hits = self._hits(page.hits, offset, fragments, width)
        results = SearchResults(query, page.total, hits, self._facet_values(page.facets, facets), operator_hints(query),
                                sort=sort, undated=page.undated)
        if page.total == 0:
            results.suggestions = self.index.suggest(query)
        return results

    @staticmethod
    def _facet_fields(types: Iterable[str]) -> tuple[str, ...]:
        fields = tuple(types)
        unknown = set(fields) - set(ENTITY_FIELDS)
        if unknown:
            raise QueryError(f"no facet {', '.join(sorted(unknown))} (facets: {', '.join(ENTITY_FIELDS)})")
        return fields

    def iter_hits(self, query: str, *, batch: int = 100, **options) -> Iterator[Hit]:
        """Every hit of `query`, fetched lazily `batch` at a time (options as for `search`).

        >>> kb = KnowledgeBase("my-kb")
        >>> for title in ("IRS data", "More IRS data"): _ = kb.add(Article(title, "The IRS shared data with ICE."))
        >>> sorted(hit.title for hit in kb.iter_hits("ICE", batch=1))
        ['IRS data', 'More IRS data']
        """
        offset = 0
        while True:
            results = self.search(query, limit=batch, offset=offset, **{"facets": 0, **options})
            yield from results.hits
            offset += batch
            if offset >= results.total:
                return

    def _hits(self, found: list[IndexHit], offset: int, fragments: int, width: int) -> list[Hit]:
        """Index hits completed from SQLite: metadata, entities and snippets."""
        articles = self.store.get_articles([hit.id for hit in found])
        hits = []
        for rank, hit in enumerate(found, start=offset + 1):
            article = articles.get(hit.id)
            if article is None:  # in the index but no longer stored: the index catches up later
                continue
            snippets = make_snippets(article.body, hit.terms, fragments, width, hit.phrases,
                                     mention_spans(article, hit.entities)) or [
                Snippet(article.body[:width], [])
            ]
            more_sources = self.store.story_sources(article.story_id, article.id) if hit.more else []
            hits.append(Hit(rank, article.id, hit.score, article.title, article.url, article.published,
                            article.source, snippets[:fragments], article.entities, hit.more, more_sources))
        return hits

    def count(self, query: str, *, by: str = "month", since: str | None = None, until: str | None = None,
              sources: Iterable[str] = (), entities: Iterable[tuple[str, str]] = ()) -> list[tuple[str, int]]:
        """How many articles match per bucket: day, week, month, year (empty periods as zero),
        source, person, org or place; the matches without a value are counted last, as
        "undated", "(unknown)" (no source) or "(none)" (no entity of the type).

        >>> kb = KnowledgeBase("my-kb")
        >>> for day in ("2025-01-15", "2025-03-02"): _ = kb.add(Article("IRS", f"The IRS on {day}.", published=day))
        >>> kb.count("IRS", by="month")
        [('2025-01', 1), ('2025-02', 0), ('2025-03', 1)]
        """
        if by not in BUCKETS:
            raise QueryError(f"cannot count by {by!r} (use {', '.join(BUCKETS)})")
        self.sync_index()
        counts = self.index.count(query, by, SearchFilters(since, until, list(sources), [], list(entities)))
        return self._by_entity(by, counts) if by in ENTITY_FIELDS else counts  # "(none)" stays itself

    def similar(self, article_id: str, *, limit: int = 10) -> list[Hit]:
        """The articles most like this one ("more like this").

        >>> kb = KnowledgeBase("my-kb")
        >>> first = kb.add(Article("IRS shares data", "The IRS shared taxpayer data with ICE."))
        >>> _ = kb.add(Article("Data for ICE", "ICE got taxpayer data from the IRS."))
        >>> [hit.title for hit in kb.similar(first, limit=3)]
        ['Data for ICE']
        """
        article = self.get(article_id)
        self.sync_index()
        return self._hits(self.index.similar(article.id, article.body, limit), 0, 0, 240)

    def suggest(self, query: str) -> list[str]:
        """Corrected queries built from the index vocabulary ("Bessant" -> "Bessent")."""
        self.sync_index()
        return self.index.suggest(query)

    def highlight(self, article_id: str, query: str) -> Snippet:
        """The article's whole body with every match of `query` located (for `kb show --highlight`)."""
        article = self.get(article_id)
        self.sync_index()
        marks = self.index.marks_in(article.id, query)
        return highlight_all(article.body, marks.terms, marks.phrases, mention_spans(article, marks.entities))

    def _facet_values(self, facets: dict[str, list[tuple[str, int]]], top: int) -> dict[str, list[FacetValue]]:
        """Facet keys (lower case in the index) shown by their stored canonical names, the
        top `top` of each type: keys that are names of one entity are one row (a document
        holds one name of each entity: their counts add up)."""
        return {entity_type: [FacetValue(name, count) for name, count in
                              self._by_entity(entity_type, values)[:top]] for entity_type, values in facets.items()}

    def _by_entity(self, entity_type: str, counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
        """Counts by index key as counts by the canonical name of each key's entity, most
        first (ties by name): an entity indexed under a name that has since become its
        alias (a merge, a rename by usage) is one row. A "(none)" row stays last."""
        totals: dict[str, int] = {}
        for name, (key, count) in zip(self.store.entity_names(entity_type, [key for key, _ in counts]), counts):
            name = key if key in EMPTY_BUCKETS else name
            totals[name] = totals.get(name, 0) + count
        return sorted(totals.items(), key=lambda item: (item[0] in EMPTY_BUCKETS, -item[1], item[0]))

    # attention over time, networks, alerts -----------------------------------------------------------
    def timeline(self, queries: str | Iterable[str], *, by: str = "month", by_source: bool = False,
                 by_entity: str | None = None, top: int = 5, since: str | None = None,
                 until: str | None = None) -> Timeline:
        """Matching articles per period, one series per query, or per top source / entity of
        one query (`by_source`, `by_entity="org"`); every period from first to last, gaps as zero.

        >>> kb = KnowledgeBase("my-kb")
        >>> _ = kb.add(Article("IRS", "The IRS shared data with ICE.", published="2025-01-15"))
        >>> _ = kb.add(Article("ICE", "ICE raided farms.", published="2025-03-02"))
        >>> kb.timeline(["IRS", "ICE"], by="month").rows()
        [{'period': '2025-01', 'IRS': 1, 'ICE': 1}, {'period': '2025-02', 'IRS': 0, 'ICE': 0}, {'period': '2025-03', 'IRS': 0, 'ICE': 1}]
        """
        from kb.timeline import align, series_split

        queries = [queries] if isinstance(queries, str) else list(queries)
        if by not in PERIODS:
            raise QueryError(f"a timeline runs by {', '.join(PERIODS)}, not {by!r}")
        split = series_split(queries, by_source, by_entity)
        counted = {}
        for query in queries:
            if split is None:
                counted[query] = self.count(query, by=by, since=since, until=until)
                continue
            values = [value for value, _ in self.count(query, by=split, since=since, until=until)
                      if value not in EMPTY_BUCKETS]
            for value in values[:top]:
                label = value if len(queries) == 1 else f"{query}: {value}"
                narrowed = {"sources": [value]} if by_source else {"entities": [(split, value)]}
                counted[label] = self.count(query, by=by, since=since, until=until, **narrowed)
        return align(by, counted, lambda first, last: periods_between(first, last, by))

    def network(self, query: str | None = None, *, types: Iterable[str] = ENTITY_FIELDS, min_count: int = 2,
                limit: int = 200) -> dict:
        """Entity pairs that appear together in the matching articles (all without `query`),
        strongest first, as {"pairs": [...], "nodes": [...], "edges": [...]}.

        >>> kb = KnowledgeBase("my-kb")
        >>> article_id = kb.add(Article("IRS shares data", "The IRS shared taxpayer data with ICE."))
        >>> kb.network("IRS", types=["person", "org"], min_count=1)["pairs"]
        [{'source': {'id': 1, 'type': 'org', 'name': 'ICE'}, 'target': {'id': 2, 'type': 'org', 'name': 'IRS'}, 'articles': 1}]
        """
        from kb.network import as_graph, entity_pairs

        types = self._facet_fields(types)
        scope = None
        if query is not None:
            self.sync_index()
            scope = self.index.matching_ids(query)
        pairs = entity_pairs(self.store.db, scope, types, min_count, limit)
        return {"pairs": pairs, **as_graph(pairs)}

    @property
    def watches(self) -> Watches:
        """Saved searches: `add(name, query)`, `list()`, `remove(name)`, `run(name=None)`."""
        from kb.watches import Watches

        return Watches(self)

    # stories ---------------------------------------------------------------------------------------
    def stories(self, *, limit: int = 20, min_size: int = 2) -> list[dict]:
        """The biggest stories (groups of near-copies), with their first article's title.

        >>> kb, body = KnowledgeBase("my-kb"), "The Bank of England has held interest rates at 4.75% for the sixth month."
        >>> ids = [kb.add(Article("Bank holds rates", body + end, source=by)) for by, end in [("AP", ""), ("Reuters", " More.")]]
        >>> kb.stories(limit=5)
        [{'story_id': '...', 'articles': 2, 'title': 'Bank holds rates', 'sources': ['AP', 'Reuters']}]
        """
        found = []
        for story_id, size in self.store.stories.largest(limit, min_size):
            first = self.get(story_id)
            found.append({"story_id": story_id, "articles": size, "title": first.title,
                          "sources": self.store.story_sources(story_id)})
        return found

    def story(self, story_or_article_id: str) -> dict:
        """A story's articles, each with what differs from the first one.

        >>> kb, body = KnowledgeBase("my-kb"), "The Bank of England has held interest rates at 4.75% for the sixth month."
        >>> ids = [kb.add(Article("Bank holds rates", body + end)) for end in ("", "\\n\\nShare this article")]
        >>> kb.story(ids[0])["articles"][1]["differences"]
        ['only in B, paragraph 3: "Share this article"']
        """
        from kb.stories import differences  # numpy loads only for story views

        article = self.get(story_or_article_id)
        story_id = article.story_id or article.id
        members = [self.get(member) for member in self.store.stories.members(story_id)] or [article]
        first = members[0]
        return {"story_id": story_id, "articles": [
            {"id": m.id, "title": m.title, "source": m.source, "published": m.published,
             "differences": differences(f"{first.title}\n\n{first.body}", f"{m.title}\n\n{m.body}")
             if m is not first else []}
            for m in members]}

    # entities ------------------------------------------------------------------------------------
    def entities(self, *, type: str | None = None, query: str | None = None, limit: int = 20) -> list[dict]:
        """The most-mentioned entities (by articles), overall or among the matches of `query`.

        >>> kb = KnowledgeBase("my-kb")
        >>> article_id = kb.add(Article("IRS shares data", "The IRS shared taxpayer data with ICE. The IRS said so."))
        >>> kb.entities(type="org", limit=5)
        [{'type': 'org', 'name': 'IRS', 'articles': 1, 'mentions': 2}, {'type': 'org', 'name': 'ICE', 'articles': 1, 'mentions': 1}]
        """
        if query is None:
            return self.store.entities.top(type, limit)
        facets = self.search(query, limit=1, facets=limit, fragments=0).facets
        return [{"type": kind, "name": value.value, "articles": value.count}
                for kind, values in facets.items() if type in (None, kind) for value in values]

    def entity(self, name: str, *, type: str | None = None) -> dict:
        """One entity: type, aliases, article count, first/last seen, who appears with it, latest articles.

        >>> kb = KnowledgeBase("my-kb")
        >>> article_id = kb.add(Article("DHS gets data", "The Department of Homeland Security (DHS) got IRS data."))
        >>> kb.entity("DHS")["name"]
        'Department of Homeland Security'
        """
        entity_id = self.store.entities.resolve(name, type)
        profile = self.store.entities.describe(entity_id)
        profile["co_occurring"] = self.store.entities.co_occurring(entity_id)
        profile["co_occurring_by_month"] = self.store.entities.co_occurring_by_month(entity_id)
        profile["latest_articles"] = self.store.entities.latest_articles(entity_id)
        return profile

    def merge_entities(self, keep: str, other: str, *, type: str | None = None) -> dict:
        """Fold entity `other` into `keep` (its name becomes an alias); facets follow at once.

        >>> kb = KnowledgeBase("my-kb")
        >>> article_id = kb.add(Article("Treasury", "The Treasury and the US Treasury Department agreed."))
        >>> kb.merge_entities("US Treasury Department", "Treasury", type="org")["aliases"]
        ['Treasury']
        """
        table = self.store.entities
        target, source = table.resolve(keep, type), table.resolve(other, type)
        if target == source:
            raise KBError(f"{keep!r} and {other!r} are already one entity")
        types = table.describe(target)["type"], table.describe(source)["type"]
        if types[0] != types[1]:
            raise KBError(f"{keep!r} and {other!r} are entities of different types ({types[0]}, {types[1]}): "
                          f"retype one first (kb entities retype {other!r} {types[0]})")
        return self._correct(lambda: table.merge(source, target, by_user=True), target)

    def rename_entity(self, name: str, new_name: str, *, type: str | None = None) -> dict:
        """Give an entity a new canonical name (the old one stays an alias); an existing
        entity of that name is merged instead."""
        if not new_name.strip():
            raise KBError("an entity's new name cannot be empty")
        table = self.store.entities
        entity_id = table.resolve(name, type)
        existing = table.find(table.describe(entity_id)["type"], new_name)
        if existing is not None and existing != entity_id:
            return self._correct(lambda: table.merge(entity_id, existing, by_user=True), existing)
        return self._correct(lambda: table.rename(entity_id, new_name), entity_id)

    def retype_entity(self, name: str, new_type: str, *, type: str | None = None) -> dict:
        """Give an entity another type (an extractor's mistake: "Tony Blair" as an org); its
        names keep the new type when extracted again (new imports, `reextract`). An entity
        of the new type with its name already takes it in.

        >>> kb = KnowledgeBase("my-kb")
        >>> article_id = kb.add(Article("Jordan scores", "Jordan scored 30 points."))  # Jordan: a place
        >>> kb.retype_entity("Jordan", "person")["type"]
        'person'
        """
        if new_type not in ENTITY_TYPES:
            raise QueryError(f"no entity type {new_type!r} (types: {', '.join(ENTITY_TYPES)})")
        table = self.store.entities
        entity_id = table.resolve(name, type)
        return self._correct(lambda: table.retype(entity_id, new_type), table.retype_target(entity_id, new_type))

    def ignore_entity(self, name: str, *, type: str | None = None, ignored: bool = True) -> dict:
        """Make an entity a stop-entity (left out of facets, filters and listings), or undo it."""
        table = self.store.entities
        entity_id = table.resolve(name, type)
        return self._correct(lambda: table.set_ignored(entity_id, ignored), entity_id)

    def _correct(self, change: Callable[[], list[str]], entity_id: int) -> dict:
        """Apply an entity correction and re-index the articles it touches."""
        self._require_writable()
        with self.store.transaction():
            self.store.queue(change())
        self.sync_index()
        return self.store.entities.describe(entity_id)

    def get(self, article_id: str) -> Article:
        """The stored article with this id (or unique id prefix)."""
        found = self.store.get_articles([self.store.resolve_id(article_id)])
        if not found:
            raise NotFoundError(f"no article with id {article_id!r}")
        return next(iter(found.values()))

    def stats(self) -> dict:
        """Counts: articles, entities by type, sources, import runs, queued index work, index segments."""
        self.sync_index()
        return {**self.store.stats(), "index_segments": self.index.segment_count()}

    def optimize(self) -> int:
        """Merge the index into one segment (after many small imports); returns the segments before."""
        self._require_writable()
        self.sync_index()
        return self.index.optimize()

    def close(self) -> None:
        self.index.close()
        self.store.close()

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
