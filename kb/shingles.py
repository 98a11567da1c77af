"""MinHash signatures of article bodies: word shingles hashed into a small fixed-size value.

A signature is computed once per article, stored as bytes (`Signature.to_bytes()`, about
1 KB) and compared without the text: the share of equal positions in two signatures
estimates the Jaccard similarity of the two bodies' sets of word shingles.

>>> a = signature("The Bank of England held interest rates at 4.75% on Thursday.")
>>> b = signature("The Bank of England held interest rates at 4.75% on Thursday, as expected.")
>>> round(a.similarity(b), 1)  # 8 shared shingles of 10
0.8

Everything here is deterministic across processes, platforms and numpy versions: token
hashes come from BLAKE2b and every constant is derived from a fixed string, never from
Python's randomised `hash()` or a random generator, so stored signatures stay comparable.
"""
from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass
from typing import Iterator

import numpy as np

__all__ = ["SHINGLE_WORDS", "NUM_PERM", "Signature", "signature", "signatures", "words"]

#: Words per shingle. Five is long enough that unrelated articles on the same topic share
#: almost no shingles (Jaccard ~0.0-0.05 on the BBC set) and short enough that one edited
#: sentence only disturbs the few shingles that overlap it.
SHINGLE_WORDS = 5
#: Hash functions per signature: the similarity estimate has a standard error of
#: sqrt(J(1-J)/NUM_PERM), 0.031 at J = 0.5.
NUM_PERM = 256

_FORMAT = struct.Struct("<2sBBHI")  # magic, format version, shingle words, num_perm, shingle count
_MAGIC, _VERSION = b"MH", 1
_MASK64 = (1 << 64) - 1
_WORD = re.compile(r"\w+")
_TOKEN_CACHE_LIMIT = 20_000  # distinct words kept hashed (then forgotten): about 3 MB a process
_token_hashes: dict[str, int] = {}


def _constant(label: str) -> int:
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "little")


def _constants(label: str, count: int, odd: bool = False) -> np.ndarray:
    return np.array([_constant(f"newskb {label} {i}") | int(odd) for i in range(count)], dtype=np.uint64)


# Multipliers that combine word hashes into shingle hashes, and the (a*x + b) mod 2**64 maps
# (bijections, since each a is odd) that play the part of MinHash's random permutations.
_SHINGLE_WEIGHTS = _constants("shingle weight", 32, odd=True)
_PERM_A = _constants("permutation a", 1024, odd=True)
_PERM_B = _constants("permutation b", 1024)
_CHUNK = 4096  # shingles per step, so a long text never builds a huge num_perm x shingles array


def words(text: str) -> list[str]:
    """The word tokens a signature is built from: NFC-normalised, case-folded runs of
    letters and digits (punctuation, quotes and spacing are ignored).

    >>> words("BA's profits — up 5.5%")
    ['ba', 's', 'profits', 'up', '5', '5']
    """
    return _WORD.findall(unicodedata.normalize("NFC", text).casefold())


@dataclass(frozen=True, eq=False)
class Signature:
    """The MinHash signature of one text: `values` (num_perm uint32) and `shingles`, the
    number of distinct shingles it was computed from (0 for a text without words).

    >>> Signature.from_bytes(signature("Rates held at 4.75%").to_bytes()).shingles
    1
    """

    values: np.ndarray
    shingles: int
    shingle_words: int = SHINGLE_WORDS

    @property
    def num_perm(self) -> int:
        return len(self.values)

    @property
    def empty(self) -> bool:
        """True for a text without words: such a signature is similar to nothing."""
        return self.shingles == 0

    def similarity(self, other: "Signature") -> float:
        """Estimated Jaccard similarity of the two texts' shingle sets, 0.0 to 1.0.

        >>> signature("one two three four five six").similarity(signature("one two three four five six"))
        1.0
        """
        self._check_comparable(other)
        if self.empty or other.empty:
            return 0.0
        return float(np.count_nonzero(self.values == other.values)) / self.num_perm

    def to_bytes(self) -> bytes:
        """A compact, versioned encoding (10 + 4 * num_perm bytes) for a SQLite BLOB."""
        header = _FORMAT.pack(_MAGIC, _VERSION, self.shingle_words, self.num_perm, min(self.shingles, 2**32 - 1))
        return header + self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Signature":
        """Read `to_bytes()` output; ValueError if the bytes are not a signature of this format."""
        if len(data) < _FORMAT.size:
            raise ValueError("not a story signature: too short")
        magic, version, shingle_words, num_perm, shingles = _FORMAT.unpack_from(data)
        if magic != _MAGIC or version != _VERSION:
            raise ValueError(f"not a story signature of format {_VERSION}: recompute it from the text")
        if len(data) != _FORMAT.size + 4 * num_perm:
            raise ValueError(f"story signature has {len(data)} bytes, expected {_FORMAT.size + 4 * num_perm}")
        values = np.frombuffer(data, dtype="<u4", offset=_FORMAT.size).astype(np.uint32)
        values.flags.writeable = False
        return cls(values, shingles, shingle_words)

    def _check_comparable(self, other: "Signature") -> None:
        if (self.num_perm, self.shingle_words) != (other.num_perm, other.shingle_words):
            raise ValueError(f"signatures made with different settings: {self.num_perm}/{self.shingle_words} "
                             f"vs {other.num_perm}/{other.shingle_words} hash functions/shingle words")


def signature(text: str, *, shingle_words: int = SHINGLE_WORDS, num_perm: int = NUM_PERM) -> Signature:
    """The MinHash signature of `text` (pass the body, not the headline, so that a changed
    headline does not count as a difference). A text shorter than `shingle_words` words
    is one shingle; a text without words gives an empty signature.

    >>> signature("Ad sales boost Time Warner profit").num_perm
    256
    """
    return signatures([text], shingle_words=shingle_words, num_perm=num_perm)[0]


def signatures(texts: list[str], *, shingle_words: int = SHINGLE_WORDS, num_perm: int = NUM_PERM) -> list[Signature]:
    """The signature() of each text, the shingles of several short texts hashed by each
    of the num_perm functions in one step.

    >>> [s.shingles for s in signatures(["one two three four five six", "", "Rates held"])]
    [2, 0, 1]
    """
    if not 1 <= shingle_words <= len(_SHINGLE_WEIGHTS):
        raise ValueError(f"shingle_words must be 1 to {len(_SHINGLE_WEIGHTS)}")
    if not 1 <= num_perm <= len(_PERM_A):
        raise ValueError(f"num_perm must be 1 to {len(_PERM_A)}")
    hashes = [_shingle_hashes(words(text), shingle_words) for text in texts]
    values = np.full((len(texts), num_perm), 0xFFFFFFFF, dtype=np.uint32)
    for group in _groups([len(h) for h in hashes]):
        values[group] = (_smallest([hashes[i] for i in group], num_perm) >> np.uint64(32)).astype(np.uint32)
    values.flags.writeable = False
    return [Signature(row, len(h), shingle_words) for row, h in zip(values, hashes)]


def _groups(counts: list[int]) -> Iterator[list[int]]:
    """The texts with shingles, numbered, in groups of at most _CHUNK shingles together
    (a longer text alone)."""
    group, size = [], 0
    for number, count in enumerate(counts):
        if not count:
            continue
        if group and size + count > _CHUNK:
            yield group
            group, size = [], 0
        group.append(number)
        size += count
    if group:
        yield group


def _smallest(hashes: list[np.ndarray], num_perm: int) -> np.ndarray:
    """Each text's smallest value of each of the num_perm (a*x + b) maps over its shingle
    hashes (one row a text), _CHUNK shingles a step."""
    a, b = _PERM_A[:num_perm, None], _PERM_B[:num_perm, None]
    if len(hashes) > 1:
        counts = np.array([len(h) for h in hashes])
        return np.minimum.reduceat(_mapped(a, b, np.concatenate(hashes)), np.cumsum(counts) - counts, axis=1).T
    smallest = np.full(num_perm, _MASK64, dtype=np.uint64)
    for start in range(0, len(hashes[0]), _CHUNK):
        np.minimum(smallest, _mapped(a, b, hashes[0][start:start + _CHUNK]).min(axis=1), out=smallest)
    return smallest[None, :]


def _mapped(a: np.ndarray, b: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """a * hashes + b (mod 2**64) for each map (a row each), in one array (added in place:
    a temporary less of num_perm x shingles)."""
    mapped = np.multiply(a, hashes[None, :])
    mapped += b
    return mapped


def _shingle_hashes(tokens: list[str], k: int) -> np.ndarray:
    """Distinct 64-bit hashes of the k-word shingles of `tokens`."""
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    hashes = np.fromiter(map(_token_hash, tokens), dtype=np.uint64, count=len(tokens))
    k = min(k, len(hashes))
    count = len(hashes) - k + 1
    combined = hashes[:count] * _SHINGLE_WEIGHTS[0]
    for i in range(1, k):
        combined += hashes[i:i + count] * _SHINGLE_WEIGHTS[i]
    return np.unique(_mix(combined))


def _token_hash(token: str) -> int:
    value = _token_hashes.get(token)
    if value is None:
        if len(_token_hashes) >= _TOKEN_CACHE_LIMIT:
            _token_hashes.clear()
        value = _token_hashes[token] = _constant(token) if token else 0
    return value


def _mix(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, so shingle hashes are well spread before the
    linear permutations are applied."""
    x = x ^ (x >> np.uint64(33))
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x
