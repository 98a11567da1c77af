"""A whole field's packed postings read back at once with numpy: the inverse of packing.py.

Merging segments needs every posting of every term. Whoosh's merge reads them through a
matcher a posting at a time (and its pool pickles each one again), which made merging
the dearest thing an index did: about 4 ms a document. Here the postings of all the
terms of a field are decoded together, as pack_field() packs them: the terms' headers
and block tables gathered into one table, every block's document-number gaps and
weights gathered by width, every block's values (decompressed where they are) decoded
as one run of varints. The result is the FieldPostings a new segment's pool gives
pack_field(), so a merge is decoding, renumbering and packing, with no Python work
per posting.

>>> import numpy as np
>>> from whoosh.formats import Positions
>>> from index.codec.pool import FieldPostings
>>> from index.codec.packing import pack_field
>>> postings = FieldPostings([b"gas", b"oil"], np.array([0, 1, 3]), np.array([0, 0, 1]),
...                          np.array([1.0, 2.0, 1.0]), np.array([1, 2, 1]), np.array([1, 0, 2, 0]))
>>> packed = pack_field(postings, Positions(), None)
>>> infos = packed.infos.copy()
>>> infos["length"] = [len(term) for term in packed.postings]
>>> infos["offset"] = np.cumsum(infos["length"]) - infos["length"]
>>> read = unpack_field(packed.terms, infos, b"".join(packed.postings), Positions())
>>> read.starts.tolist(), read.docs.tolist(), read.frequencies.tolist(), read.positions.tolist()
([0, 1, 3], [0, 0, 1], [1, 2, 1], [1, 0, 2, 0])
"""
from __future__ import annotations

import zlib

import numpy as np

from index.codec.blocks import BLOCK, COMPRESSED, ID_DTYPES, ID_SIZES, VERSION, WEIGHT_DTYPES, WEIGHT_SIZES
from index.codec.matcher import CorruptPostings, ranges
from index.codec.pool import FieldPostings
from index.codec.values import FREQUENCIES, NONE, POSITIONS, value_kind
from index.codec.varints import decode_varints
from index.whoosh_internals import postings_file

_ID_SIZES, _WEIGHT_SIZES = np.array(ID_SIZES), np.array(WEIGHT_SIZES)  # (indexed by arrays of codes)


def read_field(reader, fieldname: str, terms: list[bytes], infos: np.ndarray) -> FieldPostings:
    """The postings of a field of a segment's reader (a SegmentReader of PackedCodec),
    deleted documents' too: its `terms` and their TERM_INFO records, as
    index.whoosh_internals.term_dictionary gives them."""
    base = int(infos["offset"].min())
    size = int((infos["offset"] + infos["length"]).max()) - base
    return unpack_field(terms, infos, postings_file(reader).get(base, size), reader.schema[fieldname].format, base)


def unpack_field(terms: list[bytes], infos: np.ndarray, postings, field_format, base: int = 0) -> FieldPostings:
    """The postings of a field's `terms` (in order), whose W3TermInfo records (`infos`,
    TERM_INFO) say where each one's packed postings lie in `postings` (bytes of the
    postings file from its offset `base`), as FieldPostings (positions for a field of
    Positions format, else None)."""
    data = np.frombuffer(postings, dtype=np.uint8)
    starts = infos["offset"].astype(np.int64) - base
    if len(terms) and (data[starts] != VERSION).any():
        bad = int(np.flatnonzero(data[starts] != VERSION)[0])
        raise CorruptPostings(f"term {terms[bad]!r}: postings version {data[starts[bad]]}, not {VERSION}")
    per_term, at = _varints_at(data, starts + 1)
    data_sizes, table_starts = _varints_at(data, at)
    table = data[ranges(table_starts, per_term * BLOCK.itemsize)].view(BLOCK)
    counts = table["count"].astype(np.int64)
    layouts = table["layout"].astype(np.int64)
    id_widths, weight_widths = _ID_SIZES[layouts & 3], _WEIGHT_SIZES[(layouts >> 2) & 3]

    term_of_block = np.repeat(np.arange(len(terms)), per_term)
    first_blocks = np.cumsum(per_term) - per_term
    data_starts = table_starts + per_term * BLOCK.itemsize
    block_data_sizes = counts * (id_widths + weight_widths)
    id_starts = data_starts[term_of_block] + _before_within(block_data_sizes, first_blocks, term_of_block)
    values_starts = (data_starts + data_sizes)[term_of_block] + \
        _before_within(table["values_size"].astype(np.int64), first_blocks, term_of_block)

    posting_starts = np.cumsum(counts) - counts
    block_of_posting = np.repeat(np.arange(len(counts)), counts)
    gaps = _gathered(data, id_starts, counts, layouts & 3, ID_DTYPES, posting_starts, np.int64)
    previous = np.where(first_blocks[term_of_block] == np.arange(len(counts)), 0,
                        np.concatenate(([0], table["max_id"][:-1].astype(np.int64))))
    docs = _sums_within(gaps, posting_starts, block_of_posting) + previous[block_of_posting]
    weights = _gathered(data, id_starts + counts * id_widths, counts, (layouts >> 2) & 3, WEIGHT_DTYPES,
                        posting_starts, np.float64, missing=1.0)

    kind = value_kind(field_format)
    frequencies, positions = np.ones(len(docs), dtype=np.int64), None
    if kind in (POSITIONS, FREQUENCIES):
        numbers, number_starts = _block_varints(postings, data, values_starts, table["values_size"].astype(np.int64),
                                                layouts & COMPRESSED)
        chosen = ranges(number_starts, counts)  # each block's numbers begin with its postings' counts
        frequencies = numbers[chosen]
        if kind == POSITIONS:
            rest = np.ones(len(numbers), dtype=bool)
            rest[chosen] = False
            position_firsts = np.cumsum(frequencies) - frequencies
            owner = np.repeat(np.arange(len(frequencies)), frequencies)
            positions = _sums_within(numbers[rest], position_firsts, owner)
    elif kind != NONE:
        raise TypeError(f"no merging of the values of {type(field_format).__name__}")
    term_starts = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(infos["df"].astype(np.int64), out=term_starts[1:])
    return FieldPostings(list(terms), term_starts, docs, weights, frequencies, positions)


def _varints_at(data: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The numbers of the varints beginning at each of `at`, and where each one ends."""
    numbers = np.zeros(len(at), dtype=np.int64)
    at, open_ = at.copy(), np.ones(len(at), dtype=bool)
    shift = 0
    while open_.any():
        reading = np.flatnonzero(open_)
        byte = data[at[reading]].astype(np.int64)
        numbers[reading] |= (byte & 0x7F) << shift
        at[reading] += 1
        open_[reading] = byte >= 0x80
        shift += 7
    return numbers, at


def _before_within(sizes: np.ndarray, group_firsts: np.ndarray, group_of: np.ndarray) -> np.ndarray:
    """For each item, the sum of `sizes` of the items before it in its group (groups
    are runs beginning at `group_firsts`; `group_of` each item's group)."""
    before = np.cumsum(sizes) - sizes
    return before - before[group_firsts][group_of]


def _sums_within(numbers: np.ndarray, group_firsts: np.ndarray, group_of: np.ndarray) -> np.ndarray:
    """The running sums of `numbers`, starting again at each group's first (groups as in
    _before_within)."""
    sums = np.cumsum(numbers, dtype=np.int64)
    return sums - (sums - numbers)[group_firsts][group_of]


def _gathered(data: np.ndarray, block_starts: np.ndarray, counts: np.ndarray, codes: np.ndarray, dtypes,
              posting_starts: np.ndarray, out_dtype, missing=None) -> np.ndarray:
    """Each block's `counts` numbers of the dtype its code names (dtypes[code]; None:
    none stored, each `missing`), from `block_starts` in `data`, one block after another."""
    out = np.empty(int(counts.sum()), dtype=out_dtype)
    for code, dtype in enumerate(dtypes):
        blocks = np.flatnonzero(codes == code)
        if not len(blocks):
            continue
        places = ranges(posting_starts[blocks], counts[blocks])
        if dtype is None:
            out[places] = missing
        else:
            raw = data[ranges(block_starts[blocks], counts[blocks] * dtype.itemsize)]
            out[places] = raw.view(dtype)
    return out


def _block_varints(postings, data: np.ndarray, starts: np.ndarray, sizes: np.ndarray, compressed: np.ndarray):
    """The varints of every block's values (zlib-decompressed where they are), one block
    after another, and where each block's numbers begin."""
    if compressed.any():
        parts = [postings[start:start + size] for start, size in zip(starts.tolist(), sizes.tolist())]
        for block in np.flatnonzero(compressed).tolist():
            parts[block] = zlib.decompress(parts[block])
        raw = np.frombuffer(b"".join(parts), dtype=np.uint8)
        sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    else:
        raw = data[ranges(starts, sizes)]
    numbers = decode_varints(raw)
    numbers_before = np.concatenate(([0], np.cumsum(raw < 0x80)))  # a varint's last byte is below 0x80
    return numbers, numbers_before[np.cumsum(sizes) - sizes]
