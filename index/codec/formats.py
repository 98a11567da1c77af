"""ArrayPositions: Whoosh's Positions format with a value the codec reads without pickle.

Whoosh's Positions encodes each posting's value as a 4-byte count and the pickle of the
gaps between its positions: made with a Python loop and pickle while a document is
analysed, and to be unpickled again for the codec to pack the postings. ArrayPositions
encodes the positions themselves as unsigned 32-bit integers in the machine's byte
order (one C call each way). The value only lives in the writer's posting pool and between a
matcher and a merge, on one machine: the codec stores positions in its own layout
(values.py).

Whoosh pickles the schema, formats included, into the index: this class's import path
(index.codec.formats.ArrayPositions) must stay where it is.

>>> fmt = ArrayPositions()
>>> value = fmt.encode([3, 9, 200])
>>> len(value), fmt.decode_positions(value), fmt.decode_frequency(value)
(12, [3, 9, 200], 3)
"""
from __future__ import annotations

from array import array

from whoosh.formats import Positions

from index.analysis import NewsTokenizer

POSITION_CODE = "I"  # array typecode of a position: unsigned int, 4 bytes on every platform Python runs on
if array(POSITION_CODE).itemsize != 4:
    raise ImportError(f"array typecode {POSITION_CODE!r} is not 4 bytes here")


class ArrayPositions(Positions):
    """Positions, each posting's value the array of its positions (uint32, native order)."""

    def word_values(self, value, analyzer, **kwargs):
        """Whoosh's (term, frequency, weight, value) of each term of `value`; for text
        indexed by a NewsTokenizer, from its positions grouped by term (no Token per word).

        >>> from index.analysis import NewsTokenizer
        >>> fmt = ArrayPositions(field_boost=2.0)
        >>> [(term, frequency, weight, fmt.decode_positions(value))
        ...  for term, frequency, weight, value in fmt.word_values("oil and oil", NewsTokenizer(), mode="index")]
        [('oil', 2, 4.0, [0, 2]), ('and', 1, 2.0, [1])]
        """
        grouped = term_positions(value, analyzer) if kwargs.get("mode") == "index" else None
        if grouped is None:
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for term, positions in grouped.items():
            yield term, len(positions), len(positions) * boost, array(POSITION_CODE, positions).tobytes()

    def encode(self, poslist) -> bytes:
        return array(POSITION_CODE, poslist).tobytes()

    def decode_positions(self, valuestring) -> list[int]:
        return memoryview(valuestring).cast(POSITION_CODE).tolist()

    def decode_frequency(self, valuestring) -> int:
        return len(valuestring) >> 2


def term_positions(value, analyzer) -> dict[str, list[int]] | None:
    """The positions of each term indexing `value` gives, grouped, when a NewsTokenizer
    indexes text (index_positions: no Token a word); None for any other analyzer or value.

    >>> term_positions("oil and oil", NewsTokenizer()), term_positions(["oil"], NewsTokenizer())
    ({'oil': [0, 2], 'and': [1]}, None)
    """
    if isinstance(analyzer, NewsTokenizer) and isinstance(value, str):
        return analyzer.index_positions(value)
    return None
