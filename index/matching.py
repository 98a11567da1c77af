"""Answering a query with arrays: every match of a segment, with its score, at once.

Whoosh steps through matches one document at a time, through a tree of matcher objects
(And over Or over Term), a few microseconds per match and level: most of a query's time
when totals and facets need every match. Here a term's postings are read a block at a
time into numpy arrays and scored with BM25F in one expression; And, Or and Not are set
operations on sorted document numbers, scores summed as Whoosh sums them; phrases are
checked on the positions of the documents holding all their words only. Scores equal
Whoosh's, but for wildcard, prefix and fuzzy words: each match scores the word's boost,
however the index is split into segments (see expansion_matches). A query of any other
kind (ranges, ...) is answered by its own Whoosh matcher, so every query works and the
common ones are fast.
"""
from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from itertools import chain

import numpy as np
from whoosh import query as wq
from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

from index.analysis import EXACT_MARK
from index.codec import PackedMatcher, PostingsArrays
from index.dates import PublishedBetween, docnums_between
from index.query import Proximity
from index.positions import adjacent, as_lists, selected, within_window
from index.codec.arrays import LENGTH_OF_CODE
from index.segment_cache import deleted_documents, segment_arrays, segment_cache, segment_slices
from index.whoosh_internals import bm25f_parameters, postings_at

_LENGTHS = np.array(LENGTH_OF_CODE, dtype=np.float64)
EXACT_BYTES = EXACT_MARK.encode()
TERM_INFOS = "term infos"  # segment_cache key of the term infos looked up (see term_info)
TERM_INFOS_KEPT = 4096  # term infos kept per segment, at most
NOT_SCORE = 1.0  # what Whoosh's InverseMatcher scores a document for each NOT it passes


@dataclass
class Matches:
    """Matching document numbers (sorted, distinct: of a segment, or of the whole index)
    and their scores."""
    ids: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> "Matches":
        return cls(np.empty(0, dtype=np.int64), np.empty(0))

    def boosted(self, boost: float) -> "Matches":
        return self if boost == 1.0 else Matches(self.ids, self.scores * boost)


def all_matches(searcher, query: wq.Query, filter=None) -> Matches:
    """Every live match of `query` in the index (global document numbers), restricted to
    `filter`: a query, a sorted array of document numbers, or None."""
    allowed = filter if isinstance(filter, np.ndarray) else None
    allowed_in = segment_slices(searcher, allowed) if allowed is not None else None
    found = []
    for number, (leaf, offset) in enumerate(searcher.leaf_searchers()):
        reader = leaf.reader()
        within = None
        if isinstance(filter, wq.Query):
            within = segment_matches(filter, leaf).ids
        elif allowed_in is not None:
            within = allowed_in[number][1]
        if within is not None and not len(within):
            continue
        matches = segment_matches(query, leaf, within)
        if within is not None:
            matches = keep_only(matches, within)
        if reader.has_deletions():
            matches = without(matches, deleted_documents(reader))
        found.append(Matches(matches.ids + offset, matches.scores))
    if not found:
        return Matches.empty()
    return Matches(np.concatenate([m.ids for m in found]), np.concatenate([m.scores for m in found]))


def first_positions(keys: np.ndarray, ids: np.ndarray, count: int) -> np.ndarray:
    """Positions of the `count` smallest keys, smallest first, ties by document number (as
    Whoosh ranks: by score, highest first, with keys the negated scores; or by a sort key)."""
    candidates = np.arange(len(keys))
    if count <= 0:
        return candidates[:0]
    if len(candidates) > 4 * count:
        threshold = np.partition(keys, count - 1)[count - 1]
        candidates = np.nonzero(keys <= threshold)[0]
    return candidates[np.lexsort((ids[candidates], keys[candidates]))[:count]]


def segment_matches(query: wq.Query, searcher, within: np.ndarray | None = None) -> Matches:
    """Every document of the segment `searcher` that `query` matches, deleted ones included
    (the caller drops them), with the score Whoosh would give it. With `within` (sorted
    document numbers), only those documents are wanted: others may come back or not, and
    postings blocks holding none of them are skipped unread."""
    if isinstance(query, wq.Term) and scored_by_bm25(searcher, query.fieldname):
        return term_matches(searcher, query.fieldname, query.text, within=within)[0].boosted(query.boost)
    if isinstance(query, wq.Phrase) and scored_by_bm25(searcher, query.fieldname, positions=True):
        return phrase_matches(searcher, query, within).boosted(query.boost)
    if isinstance(query, wq.And):
        return all_of(query.subqueries, searcher, within).boosted(query.boost)
    if isinstance(query, wq.Or) and not query.scale:
        return union([segment_matches(child, searcher, within) for child in query.subqueries]).boosted(query.boost)
    if isinstance(query, wq.AndNot):
        wanted = segment_matches(query.a, searcher, within)
        return without(wanted, segment_matches(query.b, searcher, wanted.ids).ids)
    if isinstance(query, wq.Not):
        every = np.arange(searcher.reader().doc_count_all(), dtype=np.int64) if within is None else within
        ids = every[~np.isin(every, segment_matches(query.query, searcher, every).ids)]
        return Matches(ids, np.full(len(ids), NOT_SCORE))
    if isinstance(query, PublishedBetween):
        ids = docnums_between(searcher, query.low, query.high)
        return Matches(ids, np.full(len(ids), query.boost))
    if isinstance(query, wq.MultiTerm) and query.constantscore and not isinstance(query, wq.NumericRange):
        return expansion_matches(query, searcher, within)
    if isinstance(query, wq.Every) and (every := every_matches(query, searcher)) is not None:
        return every
    return whoosh_matches(query, searcher)


def every_matches(query: wq.Every, searcher) -> Matches | None:
    """`*` (or `title:*`): the documents with a word in the field (every document, for no
    field), each scoring the query's boost, as Whoosh's Every gives them, from the field's
    length column (Whoosh reads every posting list of the field: minutes on 20,000
    articles). None for a field without lengths."""
    reader = searcher.reader()
    count = reader.doc_count_all()
    if query.fieldname in (None, "", "*"):
        ids = np.arange(count, dtype=np.int64)
    else:
        codes = segment_arrays(reader).length_codes(query.fieldname)
        if codes is None:
            return None
        ids = np.flatnonzero(codes).astype(np.int64)
    return Matches(ids, np.full(len(ids), query.boost))


def all_of(queries: list[wq.Query], searcher, within: np.ndarray | None) -> Matches:
    """The intersection of the queries' matches, scores summed: the rarest first, each
    next one read only where the ones before matched; a NOT removes its matches and
    adds NOT_SCORE, as Whoosh's intersection with its inverse matcher does."""
    reader = searcher.reader()
    wanted = sorted((q for q in queries if not isinstance(q, wq.Not)), key=lambda q: estimated_size(q, reader))
    unwanted = [q.query for q in queries if isinstance(q, wq.Not)]
    if not wanted:  # only NOTs: each an inverse of its own
        wanted, unwanted = [wq.Not(q) for q in unwanted], []
    combined = segment_matches(wanted[0], searcher, within)
    for query in wanted[1:]:
        if not len(combined.ids):  # (small segments often lack a word)
            return combined
        combined = intersection(combined, segment_matches(query, searcher, combined.ids))
    for query in unwanted:
        combined = without(combined, segment_matches(query, searcher, combined.ids).ids)
        combined = Matches(combined.ids, combined.scores + NOT_SCORE)
    return combined


def estimated_size(query: wq.Query, reader) -> int:
    """`query.estimate_size(reader)`, as Whoosh works it out (the order in which all_of
    intersects, so the order in which scores are added up), a term's document frequency
    taken from the term info its postings are read with (term_info), not looked up again.
    """
    if type(query) is wq.Term:
        if query.fieldname not in reader.schema:
            return 0
        try:
            btext = reader.schema[query.fieldname].to_bytes(query.text)
        except ValueError:
            return 0
        return doc_frequency(reader, query.fieldname, btext)
    if type(query) is wq.Or:
        return min(sum(estimated_size(q, reader) for q in query.subqueries), reader.doc_count())
    if type(query) is wq.And:
        return min(estimated_size(q, reader) for q in query.subqueries)
    return query.estimate_size(reader)


def doc_frequency(reader, fieldname: str, btext: bytes) -> int:
    """How many of the segment's documents hold the term (deleted ones included), as
    reader.doc_frequency() gives it, from term_info."""
    info = term_info(reader, fieldname, btext)
    return info.doc_frequency() if info else 0


def term_info(reader, fieldname: str, btext: bytes):
    """The term's info in the segment (Whoosh's: its document frequency, where its
    postings lie), None if the segment lacks it. A segment's term infos never change:
    the last TERM_INFOS_KEPT looked up are kept with its reader (as Lucene kept a cache
    of term infos), so a term's size and its postings come from one lookup, and a word
    searched again is not looked up again (a lookup in Whoosh's hash table of terms
    takes a dozen reads of its file)."""
    infos = segment_cache(reader).setdefault(TERM_INFOS, {})
    key = (fieldname, btext)
    if key not in infos:
        if len(infos) >= TERM_INFOS_KEPT:
            infos.clear()
        try:
            infos[key] = reader.term_info(fieldname, btext)
        except TermNotFound:
            infos[key] = None
    return infos[key]


def expansion_matches(query: wq.MultiTerm, searcher, within: np.ndarray | None) -> Matches:
    """A wildcard, prefix or fuzzy word: the documents holding any word it stands for,
    each scoring its boost. (Whoosh scores them so where a segment holds several such
    words, but by BM25 where it holds one: a score would depend on how the index
    happens to be split into segments.)"""
    reader, fieldname = searcher.reader(), query.field()
    if fieldname not in searcher.schema:
        return Matches.empty()
    found = [np.empty(0, dtype=np.int64)]
    for _, btext in query.expanded_terms(reader):  # (the words as Whoosh expands them)
        if isinstance(query, wq.FuzzyTerm) and btext[:1] in (EXACT_MARK, EXACT_BYTES):  # (str or bytes)
            continue  # a fuzzy word is compared with stems (the exact forms are one edit away)
        with suppress(TermNotFound):
            found.append(read_postings(reader, fieldname, btext, False, within).ids)
    ids = np.unique(np.concatenate(found))
    return Matches(ids, np.full(len(ids), float(query.boost)))


def scored_by_bm25(searcher, fieldname: str, positions: bool = False) -> bool:
    """Whether Whoosh scores the field's terms with BM25F (and, if asked, keeps positions)."""
    field = searcher.schema[fieldname] if fieldname in searcher.schema else None
    return (field is not None and field.scorable and type(searcher.weighting) is BM25F
            and (not positions or field.format.supports("positions")))


def intersection(a: Matches, b: Matches) -> Matches:
    ids, in_a, in_b = np.intersect1d(a.ids, b.ids, assume_unique=True, return_indices=True)
    return Matches(ids, a.scores[in_a] + b.scores[in_b])


def union(parts: list[Matches]) -> Matches:
    """The documents any part matches, their scores summed in the parts' order. The parts'
    ids are merged by a stable sort, linear on sorted runs (np.union1d hashes them)."""
    if not sum(len(part.ids) for part in parts):
        return Matches.empty()
    ids = np.concatenate([part.ids for part in parts])
    order = np.argsort(ids, kind="stable")
    ids, scores = ids[order], np.concatenate([part.scores for part in parts])[order]
    firsts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    return Matches(ids[firsts], np.add.reduceat(scores, firsts))


def without(a: Matches, ids: np.ndarray) -> Matches:
    keep = ~np.isin(a.ids, ids, assume_unique=True)
    return Matches(a.ids[keep], a.scores[keep])


def keep_only(a: Matches, ids: np.ndarray) -> Matches:
    keep = np.isin(a.ids, ids, assume_unique=True)
    return Matches(a.ids[keep], a.scores[keep])


def whoosh_matches(query: wq.Query, searcher) -> Matches:
    """The matches of any query, stepped through by its Whoosh matcher."""
    ids, scores = [], []
    matcher = query.matcher(searcher, searcher.context())
    while matcher.is_active():  # in document order
        ids.append(matcher.id())
        scores.append(matcher.score())
        matcher.next()
    return Matches(np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64))


def term_matches(searcher, fieldname: str, text, values: bool = False,
                 within: np.ndarray | None = None) -> tuple[Matches, PostingsArrays | None]:
    """The term's postings in the segment, scored: its matches, and its postings as
    read (with `values`, their positions; None if the segment lacks the term);
    `within` as for segment_matches."""
    reader = searcher.reader()
    btext = searcher.schema[fieldname].to_bytes(text)
    try:
        found = read_postings(reader, fieldname, btext, values, within)
    except TermNotFound:
        return Matches.empty(), None
    ids, weights = found.ids, found.weights
    # The figures of Whoosh's BM25FScorer (which would look the term up again, for a
    # bound on its scores that is not used here), and its bm25(), operation for
    # operation, so that scores are equal to the last bit.
    parent, weighting = searcher.get_parent(), searcher.weighting
    idf, avgfl = parent.idf(fieldname, btext), average_length(parent, fieldname)
    b, k1 = bm25f_parameters(weighting, fieldname)
    lengths = field_lengths(reader, fieldname)[ids]
    scores = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))
    return Matches(ids, scores), found


def read_postings(reader, fieldname: str, btext: bytes, values: bool,
                  within: np.ndarray | None = None) -> PostingsArrays:
    """A term's document numbers and weights, and with `values` its positions, as arrays
    (PostingsArrays); blocks holding none of the documents `within` (if given) are
    skipped unread. Segments written with newskb's codec are read a block at a time;
    others (no segment newskb writes since index version 8) a posting at a time."""
    info = term_info(reader, fieldname, btext)
    if info is None:
        raise TermNotFound(f"{fieldname}:{btext!r}")
    matcher = postings_at(reader, fieldname, btext, info)
    if isinstance(matcher, FilterMatcher):  # deletions: dropped by the caller, at the end
        matcher = matcher.child  # (possibly moved past deleted documents, never past others)
    if isinstance(matcher, PackedMatcher) and (not values or matcher.has_positions()):
        return matcher.postings_arrays(within, positions=values)
    ids, weights, lists = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            lists.append(matcher.value_as("positions"))
        matcher.next()
    ids, weights = np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
    if not values:
        return PostingsArrays(ids, weights)
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    return PostingsArrays(ids, weights, counts,
                          np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum())))


def average_length(top_searcher, fieldname: str) -> float:
    """The field's average length over the index, as BM25F takes it (Whoosh adds up every
    segment's total each time it is asked: for every term, in every segment)."""
    cache, key = segment_cache(top_searcher.reader()), ("average length", fieldname)
    if key not in cache:
        cache[key] = top_searcher.avg_field_length(fieldname) or 1
    return cache[key]


def field_lengths(reader, fieldname: str) -> np.ndarray:
    """Each document's length in `fieldname`, as Whoosh's doc_field_length gives it to
    the scorer (1 for a document without the field)."""
    cache, key = segment_cache(reader), ("lengths", fieldname)
    if key not in cache:
        codes = segment_arrays(reader).length_codes(fieldname)
        cache[key] = (np.ones(reader.doc_count_all()) if codes is None
                      else np.where(codes == 0, 1.0, _LENGTHS[codes]))
    return cache[key]


def phrase_matches(searcher, query: wq.Phrase, within: np.ndarray | None = None) -> Matches:
    """Documents holding the words one after the other (slop 1: a quoted phrase), or
    within `slop` positions of each other in any order (`"a b"~N`), scored as Whoosh
    scores a phrase: the sum of its words' scores. The rarest word is read
    first, each next one only where the ones before all are."""
    reader, field = searcher.reader(), searcher.schema[query.fieldname]
    frequencies = [doc_frequency(reader, query.fieldname, field.to_bytes(word)) for word in query.words]
    if not frequencies or not min(frequencies):
        return Matches.empty()
    rarest_first = sorted(range(len(query.words)), key=frequencies.__getitem__)
    words, candidates = [None] * len(query.words), within
    for i in rarest_first:
        if candidates is not None and not len(candidates):
            return Matches.empty()
        words[i] = term_matches(searcher, query.fieldname, query.words[i], values=True, within=candidates)
        ids = words[i][0].ids
        candidates = ids if candidates is None else ids[np.isin(ids, candidates, assume_unique=True)]
    rows = [np.searchsorted(matches.ids, candidates) for matches, _ in words]
    positions = [selected(found.counts, found.positions, rows_of_word)
                 for (_, found), rows_of_word in zip(words, rows)]
    if not isinstance(query, Proximity):
        keep = adjacent(positions)
    else:
        keep = np.array([k for k, of_candidate in enumerate(zip(*(as_lists(*word) for word in positions)))
                         if within_window(of_candidate, query.slop)], dtype=np.int64)
    scores = np.zeros(len(keep))
    for (matches, _), row in zip(words, rows):
        scores += matches.scores[row[keep]]
    return Matches(candidates[keep], scores)
