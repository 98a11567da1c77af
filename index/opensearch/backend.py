"""`OpenSearchIndex`: the Whoosh `SearchIndex`'s twin on an OpenSearch cluster.

The knowledge base searches an alias (its index name); behind it is one concrete index
of this mapping version (`NAME-v1-...`), several shards with a replica. A rebuild fills
a new concrete index with bulk requests and then moves the alias in one step, so
searches never see a half-built index; an alias over an index of another mapping
version is not current, and the next command rebuilds it from SQLite. With a cluster
running (tests/opensearch_cluster.py starts one):

    index = OpenSearchIndex(IndexSettings("opensearch", url="https://localhost:9200", index_name="news"))
    index.search("IRS AND ICE", limit=10).total
"""
from __future__ import annotations

import time
from collections import Counter
from contextlib import suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from index.counting import period_key, periods_between
from index.filters import with_entity_names
from index.opensearch.client import cluster_errors, make_client, opensearchpy, patiently
from index.opensearch.mapping import ENTITY_FIELDS, MAPPING_VERSION, SHARDS, TEXT_FIELDS, index_body
from index.opensearch.marks import marks_of, needs_words
from index.opensearch.translate import MATCH_ALL, filter_clauses, translate
from index.opensearch.writing import OpenSearchWriter, bulk_index
from index.query import parse_query
from index.schema import build_schema
from index.searching import IndexHit, IndexPage
from index.settings import IndexSettings
from index.spelling import suggest_query
from kb.errors import NotFoundError
from kb.models import Article, SearchFilters
from kb.vocabulary import NO_ENTITY, PERIODS, UNDATED, UNKNOWN_SOURCE

SIMILAR_TERMS = 25  # as the Whoosh backend
ALL_VALUES = 65_536  # buckets of a count by source or entity (every value, in practice)
SCAN_PAGE = 1000
_SCHEMA = build_schema()  # the parser reads the fields (and their analyzers) from it


class OpenSearchIndex:
    """The index of one knowledge base on the cluster `settings.url`, under the alias
    `settings.index_name`. `entity_names` as for SearchIndex. `path` is the knowledge
    base's index folder, which this backend leaves empty."""

    builds_segments = False  # import workers do not write segments: the writer sends everything

    def __init__(self, settings: IndexSettings, entity_names: Callable[[str, str], list[str]] | None = None,
                 path: Path | None = None, client=None):
        self.settings = settings
        self.alias = settings.index_name
        self.path = Path(path) if path else Path(self.alias)
        self.entity_names = entity_names
        self._client = client
        self._current = False

    @property
    def client(self):
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    def _method(self, method: str) -> Callable:
        """The client's `method` (`search`, `indices.create`...)."""
        target = self.client
        for name in method.split("."):
            target = getattr(target, name)
        return target

    def _call(self, method: str, **arguments):
        """One request, its failure a one-line error."""
        with cluster_errors(self.settings):
            return self._method(method)(**arguments)

    def _patient_read(self, method: str, **arguments):
        """A request that changes nothing (`search`, `count`, `exists`), retried through a
        node's loss; a search never answers with what only some shards found."""
        if method == "search":
            arguments["allow_partial_search_results"] = False
        return patiently(lambda: self._method(method)(**arguments), self.settings)

    # the index itself -----------------------------------------------------------------
    def is_current(self) -> bool:
        """True if the alias names an index of this mapping version (once True, not asked again)."""
        if not self._current:
            if not self._call("indices.exists_alias", name=self.alias):
                return False
            mappings = self._call("indices.get_mapping", index=self.alias)
            self._current = bool(mappings) and all(
                (found["mappings"].get("_meta") or {}).get("newskb_version") == MAPPING_VERSION
                for found in mappings.values())
        return self._current

    def _concrete_indices(self) -> list[str]:
        if not self._call("indices.exists_alias", name=self.alias):
            return []
        return sorted(self._call("indices.get_alias", name=self.alias))

    def _new_concrete(self, replicas: int | None = None) -> str:
        name = f"{self.alias}-v{MAPPING_VERSION}-{time.time_ns()}"
        shards = self.settings.shards or SHARDS
        body = index_body(shards) if replicas is None else index_body(shards, replicas=replicas)
        self._call("indices.create", index=name, body=body)
        return name

    def _point_alias_at(self, concrete: str) -> None:
        """Move the alias to `concrete` in one step, then delete the indices it named."""
        old = [name for name in self._concrete_indices() if name != concrete]
        actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": concrete, "alias": self.alias, "is_write_index": True}})
        self._call("indices.update_aliases", body={"actions": actions})
        for name in old:
            self._call("indices.delete", index=name, ignore_unavailable=True)
        self._current = True

    def recreate(self) -> None:
        """Replace whatever the alias names with an empty index."""
        self._point_alias_at(self._new_concrete())

    def delete(self) -> None:
        """Remove the index from the cluster (when the knowledge base moves to another backend)."""
        for name in self._concrete_indices():
            self._call("indices.delete", index=name, ignore_unavailable=True)
        self._current = False

    def rebuild(self, batches: Iterable[list[Article]], procs: int = 1,
                on_progress: Callable[[int], None] | None = None) -> int:
        """Index every article of `batches` into a new index, then move the alias to it.
        Refreshes are off while it fills; the replicas copy it once full."""
        concrete = self._new_concrete()
        try:
            self._call("indices.put_settings", index=concrete, body={"index": {"refresh_interval": "-1"}})
            count = bulk_index(self.client, self.settings, concrete, batches, procs, on_progress)
            self._call("indices.put_settings", index=concrete, body={"index": {"refresh_interval": None}})
            self._call("indices.refresh", index=concrete)
            self._point_alias_at(concrete)
        except BaseException:
            with suppress(Exception):  # the cluster may be what failed: the first error is the one to tell
                self.client.indices.delete(index=concrete, ignore_unavailable=True)
            raise
        return count

    def writer(self, *, procs: int = 1, wait: bool = True) -> OpenSearchWriter:
        """A writer (no lock: every write is idempotent, keyed by article id)."""
        return OpenSearchWriter(self.client, self.alias, self.settings)

    def optimize(self) -> int:
        """Merge each shard into one segment; returns the segments there were."""
        before = self.segment_count()
        self._call("indices.forcemerge", index=self.alias, max_num_segments=1)
        return before

    def segment_count(self) -> int:
        stats = self._call("indices.stats", index=self.alias, metric="segments")
        return int(stats["_all"]["primaries"]["segments"]["count"])

    # reading ----------------------------------------------------------------------------
    def parse(self, text: str, searcher=None):
        """Parse `text` into the query tree both backends read (QueryError if unreadable)."""
        query = parse_query(text, _SCHEMA)
        return with_entity_names(query, self.entity_names) if self.entity_names else query

    def validate(self, text: str) -> None:
        """Raise QueryError if `text` cannot be read."""
        translate(self.parse(text))

    def _query(self, tree, filters: SearchFilters | None) -> dict:
        return {"bool": {"must": [translate(tree)], "filter": filter_clauses(filters, _SCHEMA, self.entity_names)}}

    def search(self, text: str, *, filters: SearchFilters | None = None, limit: int = 10, offset: int = 0,
               sort: str = "relevance", facet_top: int = 10, facet_fields: tuple[str, ...] = ENTITY_FIELDS,
               collapse: bool = False) -> IndexPage:
        """Parse and run `text`: a page of hits, the total of all matches, facets over all of them."""
        tree = self.parse(text)
        query = self._query(tree, filters)
        aggregations = {"undated": {"missing": {"field": "published"}}}
        for field in (facet_fields if facet_top else ()):
            aggregations[field] = {"terms": {"field": field, "size": facet_top, "shard_size": max(100, 4 * facet_top)}}
        body = {"query": query, "from": offset, "size": limit, "track_total_hits": True, "track_scores": True,
                "sort": sort_order(sort), "aggs": aggregations,
                "_source": ["story", *(TEXT_FIELDS if needs_words(tree) else ())]}
        if collapse:
            body["collapse"] = {"field": "story"}
        found = self._patient_read("search", index=self.alias, body=body)
        hits = found["hits"]["hits"]
        marks = marks_of(tree, [hit["_source"] for hit in hits])
        copies = self._story_sizes(query, [hit["_source"]["story"] for hit in hits]) if collapse else {}
        page = [IndexHit(hit["_id"], float(hit.get("_score") or 0.0),
                         more=copies.get(hit["_source"]["story"], 1) - 1, **marks) for hit in hits]
        facets = {field: [(bucket["key"], bucket["doc_count"]) for bucket in found["aggregations"][field]["buckets"]]
                  for field in aggregations if field != "undated"}
        return IndexPage(found["hits"]["total"]["value"], page, facets,
                         int(found["aggregations"]["undated"]["doc_count"]))

    def _story_sizes(self, query: dict, stories: list[str]) -> dict[str, int]:
        """How many matches each of `stories` has (a collapsed hit stands for them all)."""
        if not stories:
            return {}
        body = {"query": query, "size": 0,
                "aggs": {"stories": {"terms": {"field": "story", "include": stories, "size": len(stories)}}}}
        found = self._patient_read("search", index=self.alias, body=body)
        return {bucket["key"]: bucket["doc_count"] for bucket in found["aggregations"]["stories"]["buckets"]}

    def count(self, text: str, by: str, filters: SearchFilters | None = None) -> list[tuple[str, int]]:
        """Matching articles per bucket (see `kb.vocabulary.BUCKETS`), as index.counting counts them."""
        query = self._query(self.parse(text), filters)
        if by in PERIODS:
            aggregations = {"values": {"date_histogram": {"field": "published", "calendar_interval": by,
                                                          "min_doc_count": 1}},
                            "without": {"missing": {"field": "published"}}}
        else:
            field = "source_name" if by == "source" else by
            aggregations = {"values": {"terms": {"field": field, "size": ALL_VALUES}},
                            "without": {"missing": {"field": field}}}
        found = self._patient_read("search", index=self.alias, body={"query": query, "size": 0, "aggs": aggregations})
        buckets, empty = found["aggregations"]["values"]["buckets"], found["aggregations"]["without"]["doc_count"]
        if by in PERIODS:
            counts = Counter({period_key(from_millis(bucket["key"]), by): bucket["doc_count"] for bucket in buckets})
            labels = sorted(counts)
            series = [(label, counts.get(label, 0)) for label in periods_between(labels[0], labels[-1], by)] \
                if labels else []
            return series + ([(UNDATED, empty)] if empty else [])
        counts = [(bucket["key"], bucket["doc_count"]) for bucket in buckets]
        without = UNKNOWN_SOURCE if by == "source" else NO_ENTITY
        return counts + ([(without, empty)] if empty else [])

    def _scan(self, query: dict, source) -> list[dict]:
        """Every matching document (a scroll, begun again if a node's loss cuts it off)."""
        helpers = opensearchpy().helpers
        return patiently(lambda: list(helpers.scan(self.client, index=self.alias, size=SCAN_PAGE,
                                                   query={"query": query, "_source": source})), self.settings)

    def matching_ids(self, text: str, filters: SearchFilters | None = None) -> list[str]:
        """The ids of every article matching `text` (unranked)."""
        return [hit["_id"] for hit in self._scan(self._query(self.parse(text), filters), False)]

    def marks_in(self, article_id: str, text: str) -> IndexHit:
        """What of query `text` to mark in article `article_id` (nothing if it does not match)."""
        tree = self.parse(text)
        query = {"bool": {"must": [translate(tree)], "filter": [{"ids": {"values": [article_id]}}]}}
        found = self._patient_read("search", index=self.alias,
                                   body={"query": query, "size": 1, "_source": list(TEXT_FIELDS)})
        hits = found["hits"]["hits"]
        if not hits:
            return IndexHit(article_id, 0.0)
        return IndexHit(article_id, 0.0, **marks_of(tree, [hits[0]["_source"]]))

    def similar(self, article_id: str, body: str, limit: int = 10) -> list[IndexHit]:
        """Articles most like this one: OpenSearch's more_like_this over its body stems."""
        if not self._patient_read("exists", index=self.alias, id=article_id):
            raise NotFoundError(f"no article with id {article_id!r} in the index")
        like = {"more_like_this": {"fields": ["body"], "like": [{"_id": article_id}], "min_term_freq": 1,
                                   "min_doc_freq": 1, "max_query_terms": SIMILAR_TERMS}}
        found = self._patient_read("search", index=self.alias, body={"query": like, "size": limit, "_source": False})
        return [IndexHit(hit["_id"], float(hit["_score"] or 0.0)) for hit in found["hits"]["hits"]]

    def suggest(self, text: str) -> list[str]:
        """The query with each unknown word replaced by the closest indexed word (or nothing)."""
        suggestion = suggest_query(Vocabulary(self), "body", text)
        return [suggestion] if suggestion else []

    def id_counts(self) -> dict[str, int]:
        """Each indexed article id, once: the document `_id` is the article id, so no
        article is ever indexed twice."""
        return {hit["_id"]: 1 for hit in self._scan(MATCH_ALL, False)}

    def ids(self) -> set[str]:
        return set(self.id_counts())

    def entity_names_by_article(self) -> dict[str, dict[str, list[str]]]:
        """The entity names each document holds, by type (lower case, as indexed)."""
        return {hit["_id"]: {field: names for field in ENTITY_FIELDS if (names := hit["_source"].get(field))}
                for hit in self._scan(MATCH_ALL, list(ENTITY_FIELDS))}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def sort_order(sort: str) -> list:
    """Relevance, or date with the undated last either way; ties by article id."""
    if sort == "relevance":
        return [{"_score": "desc"}, {"id": "asc"}]
    return [{"published": {"order": "desc" if sort == "newest" else "asc", "missing": "_last"}}, {"id": "asc"}]


def from_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).replace(tzinfo=None)


class Vocabulary:
    """The two reader calls index.spelling makes, answered by the cluster: how many
    documents hold a term, and the exact words within some edits of a word."""

    def __init__(self, index: OpenSearchIndex):
        self.index = index

    def doc_frequency(self, fieldname: str, term: str) -> int:
        field, text = (f"{fieldname}.exact", term[1:]) if term.startswith("=") else (fieldname, term)
        found = self.index._patient_read("count", index=self.index.alias, body={"query": {"term": {field: text}}})
        return int(found["count"])

    def terms_within(self, fieldname: str, text: str, maxdist: int, prefix: int = 0) -> list[str]:
        word = text.removeprefix("=")
        suggest = {"words": {"text": word, "term": {
            "field": f"{fieldname}.exact", "suggest_mode": "always", "max_edits": min(maxdist, 2),
            "prefix_length": max(0, prefix - 1), "min_word_length": 3, "size": 50, "max_term_freq": 1.0}}}
        found = self.index._patient_read("search", index=self.index.alias, body={"size": 0, "suggest": suggest})
        return ["=" + option["text"] for entry in found["suggest"]["words"] for option in entry["options"]]
