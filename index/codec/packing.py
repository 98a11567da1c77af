"""A whole field's postings packed at once with numpy, in the layout of blocks.py and values.py.

PackedPostingsWriter packs one term at a time, with Python work per block and per
posting. A new segment's field holds tens of thousands of terms, most with a few
postings, so that work was most of what writing a segment cost. Here all the blocks of a
field are packed together: document-number gaps and weights at the narrowest width each
block allows, scattered into one buffer; positions (or frequencies) as varints; the
block table as one structured array. pack_field() then cuts each term's bytes out of
them, exactly the bytes PackedPostingsWriter writes for the same postings
(tests/index/test_codec.py compares the two), and gives every term's W3TermInfo as one
record array.

>>> import numpy as np
>>> from whoosh.formats import Positions
>>> from index.codec.pool import FieldPostings
>>> postings = FieldPostings([b"gas", b"oil"], np.array([0, 1, 3]), np.array([0, 0, 1]),
...                          np.array([1.0, 2.0, 1.0]), np.array([1, 2, 1]), np.array([1, 0, 2, 0]))
>>> packed = pack_field(postings, Positions(), None)
>>> packed.terms, packed.infos["df"].tolist(), packed.infos["max_id"].tolist()
([b'gas', b'oil'], [1, 2], [0, 1])
"""
from __future__ import annotations

import zlib
from typing import NamedTuple

import numpy as np
from whoosh.util.numeric import length_to_byte

from index.codec.arrays import LENGTH_OF_CODE
from index.codec.blocks import BLOCK, BYTES, COMPRESSED, FLOATS, ID_SIZES, ONES, SHORTS, VERSION, WEIGHT_SIZES
from index.codec.pool import FieldPostings
from index.codec.values import COMPRESS_FROM, FREQUENCIES, POSITIONS, value_kind
from index.codec.varints import encode_varints
from index.codec.writer import DEFAULT_BLOCK_SIZE
from index.whoosh_internals import TERM_INFO

_ID_WIDTHS, _WEIGHT_WIDTHS = np.array(ID_SIZES), np.array(WEIGHT_SIZES)  # (indexed by arrays of codes)
_BYTE_OF_CODE = np.array([length_to_byte(length) for length in LENGTH_OF_CODE])  # 0 stays 0
_NO_CODE = 256  # above every length code: "no length" in a minimum
_VERSION = bytes([VERSION])


class PackedTerms(NamedTuple):
    """Terms in order, each one's postings' bytes, and each one's W3TermInfo (TERM_INFO
    records, where the postings lie left to the writer)."""
    terms: list[bytes]
    postings: list[bytes]
    infos: np.ndarray


def pack_field(postings: FieldPostings, field_format, length_codes: np.ndarray | None,
               block_size: int = DEFAULT_BLOCK_SIZE, compress_positions: bool = True) -> PackedTerms:
    """The terms of `postings` packed. `length_codes`: each document's length code in the
    field (None: no lengths)."""
    if not postings.terms:
        return PackedTerms([], [], np.zeros(0, dtype=TERM_INFO))
    starts, docs = postings.starts, postings.docs
    blocks = Blocks(np.diff(starts), block_size)
    singles = postings.weights.astype(np.float32)  # as Whoosh keeps them
    codes = np.zeros(len(docs), dtype=np.int64) if length_codes is None else length_codes[docs].astype(np.int64)
    id_codes, weight_kinds, data, data_ends = _ids_and_weights(blocks, docs, starts, singles)
    kind = value_kind(field_format)
    compressed = np.zeros(blocks.count, dtype=bool)
    if kind == POSITIONS:
        values, compressed = _positions(blocks, postings.frequencies, postings.positions, compress_positions)
    elif kind == FREQUENCIES:
        values = _varint_blocks(postings.frequencies, blocks.starts)
    else:
        values = [b""] * blocks.count

    first = blocks.starts
    max_weights = np.maximum(np.maximum.reduceat(postings.weights, first), 0)
    min_codes = np.minimum.reduceat(np.where(codes > 0, codes, _NO_CODE), first)
    max_codes = np.maximum.reduceat(codes, first)
    table = np.zeros(blocks.count, dtype=BLOCK)
    table["max_id"] = docs[blocks.lasts]
    table["max_weight"] = _rounded_up_to_float32(max_weights)
    table["values_size"] = [len(value) for value in values]
    table["count"] = blocks.sizes
    table["min_length"] = _BYTE_OF_CODE[np.where(min_codes == _NO_CODE, 0, min_codes)]
    table["max_length"] = _BYTE_OF_CODE[max_codes]
    table["layout"] = id_codes | weight_kinds << 2 | np.where(compressed, COMPRESSED, 0)
    records, record_size = table.tobytes(), BLOCK.itemsize

    data_starts = np.concatenate([[0], data_ends]).tolist()
    packed = []
    for block, term_blocks in zip(blocks.term_firsts.tolist(), blocks.per_term.tolist()):
        end = block + term_blocks
        data_start, data_end = data_starts[block], data_starts[end]
        packed.append(b"".join([_VERSION, encode_varints((term_blocks, data_end - data_start)),
                                records[block * record_size:end * record_size], data[data_start:data_end],
                                *values[block:end]]))
    return PackedTerms(postings.terms, packed, _term_infos(postings, blocks, singles, max_weights, min_codes,
                                                           max_codes))


def _term_infos(postings: FieldPostings, blocks: Blocks, singles: np.ndarray, max_weights: np.ndarray,
                min_codes: np.ndarray, max_codes: np.ndarray) -> np.ndarray:
    """Each term's W3TermInfo from its blocks' figures (as W3TermInfo.add_block gathers
    them; the weights summed in float64, which equals Whoosh's running sum while they are
    whole numbers, as newskb's are), where its postings lie left at zero."""
    starts, docs, firsts = postings.starts, postings.docs, blocks.term_firsts
    infos = np.zeros(len(postings.terms), dtype=TERM_INFO)
    infos["weight"] = np.add.reduceat(singles.astype(np.float64), starts[:-1])
    infos["df"] = np.diff(starts)
    term_min_codes = np.minimum.reduceat(min_codes, firsts)
    infos["min_length"] = _BYTE_OF_CODE[np.where(term_min_codes == _NO_CODE, 0, term_min_codes)]
    infos["max_length"] = _BYTE_OF_CODE[np.maximum.reduceat(max_codes, firsts)]
    infos["max_weight"] = np.maximum.reduceat(max_weights, firsts)
    infos["min_id"], infos["max_id"] = docs[starts[:-1]], docs[starts[1:] - 1]
    return infos


class Blocks:
    """How the terms' postings (`counts` each, one term after another) fall into blocks
    of `size`: each block's first and last posting and size, each term's first block
    and number of blocks, each posting's block."""

    def __init__(self, counts: np.ndarray, size: int):
        self.per_term = (counts + size - 1) // size
        self.term_firsts = np.cumsum(self.per_term) - self.per_term
        self.count = int(self.per_term.sum())
        term_of_posting = np.repeat(np.arange(len(counts)), counts)
        term_starts = np.cumsum(counts) - counts
        within = np.arange(int(counts.sum())) - term_starts[term_of_posting]
        self.of_posting = self.term_firsts[term_of_posting] + within // size
        self.sizes = np.bincount(self.of_posting, minlength=self.count)
        self.starts = np.cumsum(self.sizes) - self.sizes
        self.lasts = self.starts + self.sizes - 1


def _ids_and_weights(blocks: Blocks, docs: np.ndarray, starts: np.ndarray, singles: np.ndarray):
    """Each block's gap code and weight kind, the buffer of every block's gaps then
    weights, and where each block's part of it ends (pack_ids and pack_weights, vectorized)."""
    first = blocks.starts
    gaps = np.diff(docs, prepend=0)
    gaps[starts[:-1]] = docs[starts[:-1]]  # a term's first gap is from 0 (a later block's, from the block before)
    widest = np.maximum.reduceat(gaps, first)
    id_codes = np.where(widest < 0x100, 0, np.where(widest < 0x10000, 1, 2))
    whole = (singles >= 0) & (singles < 0x10000) & (singles == np.floor(singles))
    all_ones = np.minimum.reduceat((singles == 1).astype(np.int8), first).astype(bool)
    all_whole = np.minimum.reduceat(whole.astype(np.int8), first).astype(bool)
    heaviest = np.maximum.reduceat(np.where(whole, singles, 0), first)
    weight_kinds = np.where(all_ones, ONES, np.where(all_whole, np.where(heaviest < 0x100, BYTES, SHORTS), FLOATS))

    block_of = blocks.of_posting
    id_widths = _ID_WIDTHS[id_codes][block_of]
    weight_widths = _WEIGHT_WIDTHS[weight_kinds][block_of]
    id_sizes = np.add.reduceat(id_widths, first)
    data_sizes = id_sizes + np.add.reduceat(weight_widths, first)
    data_ends = np.cumsum(data_sizes)
    block_offsets = data_ends - data_sizes
    words = np.where(weight_kinds[block_of] == FLOATS, singles.view(np.uint32),
                     np.where(whole, singles, 0).astype(np.uint32))
    data = np.zeros(int(data_ends[-1]), dtype=np.uint8)
    _scatter(data, gaps, id_widths, block_offsets[block_of] + _within_block(id_widths, first, block_of))
    _scatter(data, words, weight_widths,
             (block_offsets + id_sizes)[block_of] + _within_block(weight_widths, first, block_of))
    return id_codes, weight_kinds, data.tobytes(), data_ends


def _within_block(widths: np.ndarray, first: np.ndarray, block_of: np.ndarray) -> np.ndarray:
    """Each posting's offset within its block's part, given each posting's width."""
    before = np.cumsum(widths) - widths
    return before - before[first][block_of]


def _scatter(out: np.ndarray, numbers: np.ndarray, widths: np.ndarray, offsets: np.ndarray) -> None:
    """Write each number little-endian in its width of bytes at its offset of `out`."""
    numbers = numbers.astype(np.uint64)
    for byte in range(4):
        chosen = widths > byte
        out[offsets[chosen] + byte] = (numbers[chosen] >> np.uint64(8 * byte)) & np.uint64(0xFF)


def _positions(blocks: Blocks, frequencies: np.ndarray, positions: np.ndarray, compress: bool):
    """Each block's values: varints of its postings' position counts, then of the gaps
    between each posting's positions (the first from 0), zlib-compressed where that saves
    space (pack_values and pack_compressed, vectorized but for zlib)."""
    first = blocks.starts
    position_firsts = np.cumsum(frequencies) - frequencies
    gaps = np.diff(positions, prepend=0)
    has_positions = frequencies > 0
    gaps[position_firsts[has_positions]] = positions[position_firsts[has_positions]]
    block_positions = np.add.reduceat(frequencies, first)
    numbers_per_block = blocks.sizes + block_positions
    number_offsets = np.cumsum(numbers_per_block) - numbers_per_block
    numbers = np.empty(int(numbers_per_block.sum()), dtype=np.int64)
    block_of = blocks.of_posting
    numbers[number_offsets[block_of] + np.arange(len(block_of)) - first[block_of]] = frequencies
    position_block = np.repeat(block_of, frequencies)
    first_position = position_firsts[first]
    numbers[(number_offsets + blocks.sizes)[position_block] + np.arange(len(positions))
            - first_position[position_block]] = gaps
    values = _varint_blocks(numbers, number_offsets)
    compressed = np.zeros(blocks.count, dtype=bool)
    if compress:
        for block in np.flatnonzero(np.array([len(value) for value in values]) >= COMPRESS_FROM).tolist():
            packed = zlib.compress(values[block], 1)
            if len(packed) < len(values[block]):
                values[block], compressed[block] = packed, True
    return values, compressed


def _varint_blocks(numbers: np.ndarray, block_offsets: np.ndarray) -> list[bytes]:
    """The varints of `numbers`, cut into blocks beginning at the numbers `block_offsets`."""
    numbers = numbers.astype(np.uint64)
    sizes = np.ones(len(numbers), dtype=np.int64)
    for bits in (7, 14, 21, 28, 35, 42, 49, 56, 63):
        sizes += numbers >= np.uint64(1 << bits)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    out = np.zeros(int(ends[-1]), dtype=np.uint8)
    for byte in range(int(sizes.max())):
        chosen = sizes > byte
        septets = (numbers[chosen] >> np.uint64(7 * byte)) & np.uint64(0x7F)
        out[starts[chosen] + byte] = septets | np.where(sizes[chosen] > byte + 1, 0x80, 0).astype(np.uint64)
    buffer = out.tobytes()
    bounds = np.append(starts, len(buffer))[np.append(block_offsets, len(numbers))].tolist()
    return [buffer[a:b] for a, b in zip(bounds, bounds[1:])]


def _rounded_up_to_float32(numbers: np.ndarray) -> np.ndarray:
    """round_up_to_float32 of each number: the smallest float32 not below it."""
    singles = numbers.astype(np.float32)
    below = singles.astype(np.float64) < numbers
    singles[below] = np.nextafter(singles[below], np.float32(np.inf))
    return singles
