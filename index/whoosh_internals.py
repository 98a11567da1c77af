"""Every use of Whoosh's private internals, in one place, checked when it is imported.

newskb reads a few things Whoosh keeps to itself: for speed (the posting pool's runs
pickled in chunks, files read ahead) or because Whoosh has no public way (the index's
segment list, a writer without the lock). Postings, positions, field lengths and columns
need none: newskb's codec (index.codec) writes and reads them through Whoosh's codec
classes. Each function and class here says what Whoosh behaviour it relies on; the rest
of newskb reaches Whoosh's privates only through them (tests/index/test_whoosh_internals.py scans the sources for others).

On import the installed Whoosh is checked once: its version must be one newskb was
tested with (SUPPORTED_VERSIONS: Whoosh 2.7.4, and whoosh3, the maintained fork, whose
storage is the same W3Codec), and every private attribute and stored layout relied on
must be there. Otherwise importing `index` raises UnsupportedWhoosh naming the version
and what is missing: never an AttributeError in the middle of a search, a silent slow
path, or scores drifting from Whoosh's.
"""
from __future__ import annotations

import inspect
import pickle
import warnings
from itertools import islice
from operator import itemgetter


from kb.errors import KBError

# Whoosh 2.7.4 has invalid escape sequences and `is 0` comparisons that Python reports
# as SyntaxWarnings (and DeprecationWarnings) whenever it compiles Whoosh's sources
# (no cached bytecode: a read-only install, a new Python). They are Whoosh's, not the
# user's business: hidden before the first `import whoosh`. Compile-time warnings name
# the file (module=None), so the filter matches on the path.
warnings.filterwarnings("ignore", category=SyntaxWarning, module=r".*[\\/]whoosh[\\/]")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(.*[\\/])?whoosh([\\/.]|$)")

import whoosh  # noqa: E402 (after the warning filters)
from whoosh.filedb.structfile import StructFile  # noqa: E402
from whoosh.codec.whoosh3 import W3TermsReader  # noqa: E402
from whoosh.index import FileIndex  # noqa: E402
from whoosh.reading import SegmentReader  # noqa: E402
from whoosh.scoring import BM25F  # noqa: E402
from whoosh.writing import PostingPool, SegmentWriter  # noqa: E402

SUPPORTED_VERSIONS = ("2.7.4", "3.54.0")  # Whoosh 2.7.4; whoosh3 3.54.0 (see README, Dependencies)


class UnsupportedWhoosh(KBError, ImportError):
    """The installed Whoosh is not one whose internals newskb was tested with (a KBError:
    the `kb` command says so in one line)."""


# ------------------------------------------------------------------------------------
# The index's segments


def segment_list(ix) -> list:
    """The segments of the index's latest generation, from its table of contents.

    Relies on: FileIndex._segments() (reads the TOC; Whoosh has no public accessor)."""
    return ix._segments()


# ------------------------------------------------------------------------------------
# Scoring


def bm25f_parameters(weighting: BM25F, fieldname: str) -> tuple[float, float]:
    """(B, K1) with which Whoosh's BM25F scores `fieldname`: its per-field B if one was
    given (`title_B=...`), else B. (Whoosh's scorer would give them too, but looks the
    term up again for a bound on its scores that is not used.)

    Relies on: BM25F keeping per-field B values in the dict `_field_B`."""
    return weighting._field_B.get(fieldname, weighting.B), weighting.K1


# ------------------------------------------------------------------------------------
# Reading a term's postings


def postings_at(reader, fieldname: str, btext: bytes, terminfo):
    """The postings matcher of a term of a segment whose term info (reader.term_info())
    is at hand: neither looked up again, nor wrapped to skip the segment's deleted
    documents (SegmentReader.postings() makes a set of them for every term read, 17 us
    on a Reuters segment; index.matching drops them at the end, from one array). A
    reader of no segment (an empty index's) gives its own postings().

    Relies on: SegmentReader keeping its terms reader in `_terms`, which keeps the
    postings file in `_postfile` (W3TermsReader.matcher() reads postings so)."""
    terms = getattr(reader, "_terms", None)
    if terms is None:
        return reader.postings(fieldname, btext)
    return reader.codec().postings_reader(terms._postfile, terminfo, reader.schema[fieldname].format,
                                          term=(fieldname, btext))


# ------------------------------------------------------------------------------------
# Writing segments outside the writer that holds the lock


class UnlockedSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter without the index's lock (as Whoosh's MpWriter makes its
    helpers' writers), its temporary files in a folder of its own (Whoosh's writers
    share one, which each removes when it finishes or cancels, under the feet of the
    others), its postings pool a ChunkedPostingPool, its segment written with `codec`.

    Relies on: SegmentWriter(ix, _lk=False, limitmb=...), its `_tempstorage` and `pool`
    replaceable after __init__ (nothing written yet)."""

    def __init__(self, ix, limitmb: int, codec):
        super().__init__(ix, _lk=False, limitmb=limitmb, codec=codec)
        self._tempstorage = self.storage.temp_storage(f"build-{self.newsegment.segment_id()}.tmp")
        self.pool = ChunkedPostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)


def finish_segment(writer: UnlockedSegmentWriter):
    """Write out the writer's segment and return it (for IndexWriter.commit by the
    process holding the lock), removing its temporary files.

    Relies on: SegmentWriter._finalize_segment() (as Whoosh's MpWriter uses it)."""
    segment = writer._finalize_segment()
    writer.temp_storage().destroy()
    return segment


RUN_CHUNK = 512  # postings per pickle in the pool's runs (a run being merged holds one chunk)
_FIELD, _TERM = itemgetter(0), itemgetter(1)  # of a posting: (field, term, document, weight, value)


class ChunkedPostingPool(PostingPool):
    """Whoosh's posting pool, its sorted runs written and read back RUN_CHUNK postings
    per pickle (Whoosh pickles each posting alone, a fifth of the time of indexing), and
    its postings put in order by two sorts on one element each (term, then field, both
    stable) before Whoosh sorts the tuples whole: postings come document after document,
    so that leaves Whoosh's sort one pass over a sorted list, where sorting the tuples
    whole took three times as long.

    Relies on: SortingPool keeping the postings not yet in a run in the list `current`,
    sorting it in save() and in items() (when no run was written), writing each run
    through `_write_run(f, items)` (which closes `f`) and reading it back through
    `_read_run(path)`, with `_open_run(path)` and `_remove_run(path)`."""

    def save(self):
        self._presort()
        super().save()

    def items(self, maxfiles=128):
        self._presort()
        return super().items(maxfiles)

    def _presort(self):
        self.current.sort(key=_TERM)
        self.current.sort(key=_FIELD)

    def _write_run(self, f, items):
        items = iter(items)
        while chunk := list(islice(items, RUN_CHUNK)):
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                yield from pickle.load(f)
        except EOFError:
            return
        finally:
            f.close()
            self._remove_run(path)


# ------------------------------------------------------------------------------------
# Reading the parts of compound files ahead


class ReadAheadFile(StructFile):
    """A compound segment file whose parts (postings, terms, columns) offer look-ahead
    (`peek`): Whoosh reads them through sub-files that offer none, so unpickling a
    postings block's header took 19 small reads.

    Relies on: StructFile keeping the file it wraps in `file`, and CompoundStorage
    opening each part through the file's `subset(offset, length, name)`."""

    def __init__(self, fileobj, name=None, **kwargs):
        super().__init__(fileobj, name=name, **kwargs)
        self.part_name = name

    def subset(self, offset, length, name=None):
        return StructFile(FilePart(self.file, offset, length), name=name or self.part_name)


class FilePart:
    """`length` bytes of an open binary file from `offset`, read as a file of their own
    (what StructFile asks of a file), with look-ahead. Parts share the open file: each
    read seeks first."""

    def __init__(self, file, offset: int, length: int):
        self.file, self.offset, self.length = file, offset, length
        self.position = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        remaining = self.length - self.position
        size = remaining if size is None or size < 0 else min(size, remaining)
        if size <= 0:
            return b""
        self.file.seek(self.offset + self.position)
        self.position += size
        return self.file.read(size)

    def readline(self) -> bytes:
        self.file.seek(self.offset + self.position)
        line = self.file.readline()[:self.length - self.position]
        self.position += len(line)
        return line

    def peek(self, size: int = 1) -> bytes:
        """The bytes ahead, not consumed (pickle reads what it needs from them at once)."""
        self.file.seek(self.offset + self.position)
        return self.file.peek(size)[:self.length - self.position]

    def seek(self, where: int, whence: int = 0) -> int:
        if whence == 0:
            self.position = where
        elif whence == 1:
            self.position += where
        elif whence == 2:
            self.position = self.length - where  # (as Whoosh's SubFile counts from the end)
        else:
            raise ValueError(f"invalid whence {whence!r}")
        return self.position

    def tell(self) -> int:
        return self.position

    def close(self) -> None:
        self.closed = True


# ------------------------------------------------------------------------------------
# The check


# Each private relied on above: (class or module, attribute). An attribute a class sets
# on its instances is looked for among the names its methods use.
REQUIRED = (
    (FileIndex, "_segments"),
    (BM25F, "_field_B"),
    (SegmentReader, "_terms"), (W3TermsReader, "_postfile"),
    (SegmentWriter, "_tempstorage"), (SegmentWriter, "pool"), (SegmentWriter, "_finalize_segment"),
    (PostingPool, "current"), (PostingPool, "_write_run"), (PostingPool, "_read_run"), (PostingPool, "_open_run"),
    (PostingPool, "_remove_run"),
    (StructFile, "file"),
)


def whoosh_version() -> str:
    """The installed Whoosh's version, as it gives it ("2.7.4", "3.54.0")."""
    return whoosh.versionstring()


def missing_internals() -> list[str]:
    """The privates and layouts relied on that the installed Whoosh lacks, by name."""
    missing = [f"{getattr(owner, '__qualname__', owner.__name__)}.{name}" for owner, name in REQUIRED
               if not _has(owner, name)]
    if "_lk" not in inspect.signature(SegmentWriter.__init__).parameters:
        missing.append("SegmentWriter(_lk=False)")
    return missing


def check_whoosh(version: str | None = None) -> None:
    """Raise UnsupportedWhoosh unless the installed Whoosh (or `version`) is one of
    SUPPORTED_VERSIONS and has every internal this module relies on."""
    version = whoosh_version() if version is None else version
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedWhoosh(
            f"newskb needs Whoosh {' or whoosh3 '.join(SUPPORTED_VERSIONS)}, not {version}: it reads "
            "internals of Whoosh that other versions may change (see index/whoosh_internals.py); "
            "install a supported one, e.g. pip install whoosh==2.7.4")
    if missing := missing_internals():
        raise UnsupportedWhoosh(f"Whoosh {version} lacks internals newskb relies on: {', '.join(missing)}")


def _has(owner, name: str) -> bool:
    """Whether `owner` has the attribute, or sets it on its instances (a method of the
    class or its bases uses the name)."""
    if hasattr(owner, name):
        return True
    return inspect.isclass(owner) and any(
        name in _names_used(member) for klass in owner.__mro__ for member in vars(klass).values())


def _names_used(function) -> tuple[str, ...]:
    code = getattr(function, "__code__", None)
    return code.co_names if code is not None else ()


check_whoosh()
