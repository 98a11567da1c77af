"""Writing a term's postings in the packed layout (blocks.py), for Whoosh's field writer.

Whoosh's W3FieldWriter drives it like its own postings writer: start_postings(),
add_posting() for each posting, finish_postings() returning the term's W3TermInfo
(statistics, and where the postings lie in the postings file).

>>> from whoosh.filedb.structfile import StructFile
>>> from whoosh.formats import Positions
>>> from whoosh.codec.whoosh3 import W3TermInfo
>>> import io
>>> postfile = StructFile(io.BytesIO())
>>> writer = PackedPostingsWriter(postfile, block_size=2)
>>> writer.start_postings(Positions(), W3TermInfo())
>>> for docnum in (1, 4, 6):
...     writer.add_posting(docnum, 1.0, Positions().encode([docnum]), length=10)
>>> info = writer.finish_postings()
>>> info.doc_frequency(), info.min_id(), info.max_id(), info.extent()
(3, 1, 6, (0, ...))
"""
from __future__ import annotations

from array import array
from itertools import starmap

import numpy as np

from whoosh.codec.base import PostingsWriter
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.util.numeric import length_to_byte

from index.codec.blocks import COMPRESSED, RECORD, VERSION, pack_ids, pack_weights, round_up_to_float32
from index.codec.values import POSITIONS, pack_compressed, pack_values, value_kind
from index.codec.varints import encode_varints

DEFAULT_BLOCK_SIZE = 128  # postings a block: Whoosh's own, so the two skip alike


class PackedPostingsWriter(PostingsWriter):
    """Buffers a term's postings a block at a time and writes the term whole when it
    finishes (the blocks' numbers, then their values). The postings file is written by
    this writer alone while its field lasts: where each term begins is counted, not
    asked of the file (a tell() is a system call)."""

    def __init__(self, postfile, block_size: int = DEFAULT_BLOCK_SIZE, compress_positions: bool = True):
        if not 1 <= block_size <= 0xFFFF:
            raise ValueError(f"block_size must be 1-65535, not {block_size}")
        self.postfile = postfile
        self.offset = postfile.tell()
        self.block_size = block_size
        self.compress_positions = compress_positions
        self.field_format = None
        self.blocks_written = 0

    def written(self) -> bool:
        return self.blocks_written > 0

    def start_postings(self, format_, terminfo) -> None:
        self.field_format = format_
        self.kind = value_kind(format_)
        self.records, self.data, self.values = [], [], []
        self.total_weight, self.max_weight = 0.0, 0
        self.min_length, self.max_length = None, 0
        self.first_id = None
        self.blocks_written = 0
        self.start_block()

    def start_block(self) -> None:
        self.ids, self.weights, self.vbytes, self.lengths = [], [], [], []

    def add_posting(self, id_, weight, vbytes, length=None) -> None:
        if len(self.ids) >= self.block_size:
            self.finish_block()
        self.ids.append(id_)
        self.weights.append(weight)
        self.vbytes.append(vbytes)
        self.lengths.append(length)

    def finish_block(self) -> None:
        self.write_block(self.ids, self.weights, pack_values(self.kind, self.field_format, self.vbytes), self.lengths)
        self.start_block()

    def write_block(self, ids, weights, values: bytes, lengths) -> None:
        """One block: its postings' document numbers, weights, values (packed by
        values.py) and field lengths."""
        previous = self.records[-1][0] if self.records else 0
        id_bytes, id_code = pack_ids(ids, previous)
        singles = array("f", weights)  # as Whoosh keeps them
        weight_bytes, weight_kind = pack_weights(singles)
        compressed = False
        if self.kind == POSITIONS and self.compress_positions:
            values, compressed = pack_compressed(values)
        max_weight = max(max(weights), 0)
        lengths = list(filter(None, lengths))  # (a posting without a length has None or 0)
        min_length, max_length = min(lengths, default=None), max(lengths, default=0)
        self.records.append((ids[-1], round_up_to_float32(max_weight), len(values), len(ids),
                             length_to_byte(min_length), length_to_byte(max_length),
                             id_code | weight_kind << 2 | (COMPRESSED if compressed else 0)))
        self.data += (id_bytes, weight_bytes)
        self.values.append(values)
        # the term's statistics, gathered as Whoosh's W3TermInfo.add_block() does
        self.total_weight += sum(singles)
        self.max_weight = max(self.max_weight, max_weight)
        if self.first_id is None:
            self.first_id = ids[0]
        if min_length is not None:
            self.min_length = min_length if self.min_length is None else min(self.min_length, min_length)
        self.max_length = max(self.max_length, max_length)
        self.blocks_written += 1

    def finish_postings(self) -> W3TermInfo:
        if self.ids:
            self.finish_block()
        data = b"".join(self.data)
        postings = b"".join([bytes([VERSION]), encode_varints([len(self.records), len(data)]),
                             *starmap(RECORD.pack, self.records), data, *self.values])
        return self.write_term(postings, W3TermInfo(
            weight=self.total_weight, df=sum(record[3] for record in self.records), minlength=self.min_length,
            maxlength=self.max_length, maxweight=self.max_weight, minid=self.first_id,
            maxid=self.records[-1][0] if self.records else 0))

    def write_terms(self, postings: list[bytes], infos: np.ndarray) -> list[bytes]:
        """Write the postings of some terms (packed already: packing.py) in one write; the
        bytes of each one's W3TermInfo (`infos`, TERM_INFO records), with where they lie."""
        self.postfile.write(b"".join(postings))
        lengths = np.fromiter(map(len, postings), dtype=np.int64, count=len(postings))
        ends = self.offset + np.cumsum(lengths)
        infos["offset"], infos["length"] = ends - lengths, lengths
        self.offset = int(ends[-1]) if len(ends) else self.offset
        whole, size = infos.tobytes(), infos.itemsize
        return [whole[at:at + size] for at in range(0, len(whole), size)]

    def write_term(self, postings: bytes, info: W3TermInfo) -> W3TermInfo:
        """Write a term's postings; its info, with where they lie."""
        self.postfile.write(postings)
        start, self.offset = self.offset, self.offset + len(postings)
        info.set_extent(start, len(postings))
        self.field_format = None
        return info
