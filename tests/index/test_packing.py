"""A field packed whole (packing.py) against PackedPostingsWriter packing it a posting at a time."""
from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Existence, Frequency, Positions
from whoosh.system import pack_uint

from index.codec.arrays import LENGTH_OF_CODE
from index.codec.formats import ArrayPositions
from index.codec.matcher import CorruptPostings
from index.codec.packing import pack_field
from index.codec.pool import FieldPool
from index.codec.unpacking import unpack_field
from index.codec.writer import PackedPostingsWriter
from index.whoosh_internals import TERM_INFO

FORMATS = {"positions": ArrayPositions(), "positions, boosted": ArrayPositions(field_boost=2.0),
           "frequencies": Frequency(), "existence": Existence()}
WEIGHTS = st.sampled_from([1.0, 1.0, 2.0, 3.0, 200.0, 300.0, 70000.0, 0.5, 1.1])


@st.composite
def documents(draw):
    """Documents in order: each a dict term -> (weight, positions), over a few terms."""
    terms = draw(st.lists(st.binary(min_size=1, max_size=3), min_size=1, max_size=6, unique=True))
    count = draw(st.integers(1, 60))
    docs = []
    for _ in range(count):
        chosen = draw(st.lists(st.sampled_from(terms), max_size=len(terms), unique=True))
        docs.append({term: (draw(WEIGHTS), sorted(draw(st.sets(st.integers(0, 70000), min_size=1, max_size=9))))
                     for term in chosen})
    gaps = draw(st.lists(st.sampled_from([1, 1, 2, 300, 70000]), min_size=count, max_size=count))
    return list(zip(np.cumsum(gaps).tolist(), docs))


def one_by_one(numbered_docs, fmt, codes, block_size, compress):
    """Each term's bytes and W3TermInfo as PackedPostingsWriter writes them a posting at a time."""
    terms = sorted({term for _, doc in numbered_docs for term in doc})
    postfile = StructFile(io.BytesIO())
    writer = PackedPostingsWriter(postfile, block_size, compress)
    written = {}
    for term in terms:
        writer.start_postings(fmt, W3TermInfo())
        for docnum, doc in numbered_docs:
            if term in doc:
                weight, positions = doc[term]
                value = fmt.encode(positions) if isinstance(fmt, ArrayPositions) else \
                    pack_uint(len(positions)) if isinstance(fmt, Frequency) else b""
                writer.add_posting(docnum, weight, value, LENGTH_OF_CODE[codes[docnum]] or None)
        start = writer.offset
        info = writer.finish_postings()
        written[term] = (postfile.file.getvalue()[start:start + info.extent()[1]], info)
    return written


@settings(max_examples=200, deadline=None)
@given(documents(), st.sampled_from(sorted(FORMATS)), st.sampled_from([1, 2, 5, 128]), st.booleans(),
       st.integers(0, 255), st.sampled_from([1, 7, 1 << 18]))
def test_a_field_packed_whole_is_what_the_postings_writer_writes(numbered_docs, format_name, block_size, compress,
                                                                  seed, most):
    """`most`: postings a piece (pool.sorted), so the field is packed in pieces or whole."""
    fmt = FORMATS[format_name]
    last = numbered_docs[-1][0]
    codes = np.random.default_rng(seed).integers(0, 40, last + 1).astype(np.uint8)  # 0: no length
    pool = FieldPool(fmt)
    for docnum, doc in numbered_docs:
        terms = list(doc)
        counts = [len(doc[term][1]) for term in terms]
        pool.add(docnum, terms, counts, [doc[term][0] for term in terms], [p for t in terms for p in doc[t][1]])
    expected = one_by_one(numbered_docs, fmt, codes, block_size, compress)
    packed = [pack_field(piece, fmt, codes, block_size, compress) for piece in pool.sorted(most)]
    assert [term for piece in packed for term in piece.terms] == sorted(expected)
    for piece in packed:
        for term, postings, info in zip(piece.terms, piece.postings, piece.infos):
            assert postings == expected[term][0], term
            info["offset"], info["length"] = expected[term][1].extent()
            assert info.tobytes() == expected[term][1].to_bytes(), term


def test_a_field_without_lengths_packs_as_one_whose_lengths_are_all_none():
    pool = FieldPool(ArrayPositions())
    pool.add(0, [b"oil"], [1], [1.0], [0])
    pool.add(3, [b"oil", b"gas"], [2, 1], [2.0, 1.0], [1, 5, 2])
    [piece] = pool.sorted()
    without = pack_field(piece, ArrayPositions(), None)
    zeros = pack_field(piece, ArrayPositions(), np.zeros(4, dtype=np.uint8))
    assert without.terms == zeros.terms and without.postings == zeros.postings
    assert without.infos.tobytes() == zeros.infos.tobytes()
    assert without.infos["min_length"].tolist() == without.infos["max_length"].tolist() == [0, 0]


def test_weights_are_kept_once_one_is_not_its_frequency_times_the_boost():
    pool = FieldPool(ArrayPositions(field_boost=2.0))
    pool.add(0, [b"oil", b"gas"], [2, 1], None, [0, 3, 1])
    assert pool.weights is None
    pool.add(1, [b"oil"], [1], [2.0], [0])  # as the boost makes it: still none kept
    assert pool.weights is None
    pool.add(2, [b"oil"], [1], [7.5], [0])
    [piece] = pool.sorted()
    assert piece.terms == [b"gas", b"oil"] and piece.weights.tolist() == [2.0, 4.0, 2.0, 7.5]


def test_unpacking_refuses_postings_of_another_layout_naming_the_term():
    """A merge reads postings back (index.codec.unpacking): bytes that do not begin as
    packed postings do are a clear error, not arrays of garbage."""
    infos = np.zeros(1, dtype=TERM_INFO)
    infos["length"], infos["df"] = 4, 1
    with pytest.raises(CorruptPostings, match=r"term b'oil': postings version 120"):
        unpack_field([b"oil"], infos, b"x\x01\x01\x00", Positions())
