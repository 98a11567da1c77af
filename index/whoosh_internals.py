"""Every use of Whoosh's private internals, in one place, checked when it is imported.

newskb reads a few things Whoosh keeps to itself: for speed (a new segment's postings
written a term at a time, files read ahead) or because Whoosh has no public way (the index's
segment list, a writer without the lock). Postings, positions, field lengths and columns
need none: newskb's codec (index.codec) writes and reads them through Whoosh's codec
classes. Each function and class here says what Whoosh behaviour it relies on; the rest
of newskb reaches Whoosh's privates only through them (tests/index/test_whoosh_internals.py
scans the sources for others).

On import the installed Whoosh is checked once: its version must be one newskb was
tested with (SUPPORTED_VERSIONS: Whoosh 2.7.4, and whoosh3, the maintained fork, whose
storage is the same W3Codec), and every private attribute and stored layout relied on
must be there. Otherwise importing `index` raises UnsupportedWhoosh naming the version
and what is missing: never an AttributeError in the middle of a search, a silent slow
path, or scores drifting from Whoosh's.

Whoosh is imported here, first, with stand-ins for two modules it imports but a search
never calls (see DEFERRED).
"""
from __future__ import annotations

import importlib
import inspect
import sys
import types
import warnings
from contextlib import contextmanager
from hashlib import md5
from itertools import groupby

import numpy as np

from kb.errors import KBError

SUPPORTED_VERSIONS = ("2.7.4", "3.54.0")  # Whoosh 2.7.4; whoosh3 3.54.0 (see README, Dependencies)


class UnsupportedWhoosh(KBError, ImportError):
    """The installed Whoosh is not one whose internals newskb was tested with (a KBError:
    the `kb` command says so in one line)."""


# ------------------------------------------------------------------------------------
# Importing Whoosh without what a search never calls

# Two Whoosh modules import a module only to take from it one function newskb never
# calls, and the import costs more than a search: whoosh.compat (Whoosh 2.7.4's; whoosh3
# has none) takes `urlretrieve` from urllib.request, which loads http.client, email and
# ssl (20 ms), and no Whoosh module uses it; whoosh.query.terms takes `variations` from
# whoosh.lang.morph_en, which compiles its suffix rules (5 ms), for the Variations query,
# which newskb never builds. While Whoosh is imported below, each is in sys.modules as a
# stand-in holding only that function, which loads the real module when called; the
# stand-ins leave sys.modules as soon as Whoosh is in, so every later import gets the
# real module. (Only a thread importing one of the two at that very moment would get a
# stand-in: `index` is imported by one thread, before any work starts.) The imports of
# both Whoosh versions were read; a module holding a stand-in itself, not the function,
# fails the check below.
DEFERRED = {"urllib.request": "urlretrieve", "whoosh.lang.morph_en": "variations"}


@contextmanager
def standing_in(deferred: dict[str, str]):
    """Stand-ins for the modules of `deferred` (name -> function) not yet imported, in
    sys.modules for the duration; yields them by name.

    >>> with standing_in({"no_such_module": "fly"}) as stand_ins:
    ...     from no_such_module import fly
    >>> fly is stand_ins["no_such_module"].fly, "no_such_module" in sys.modules
    (True, False)
    """
    stand_ins = {name: stand_in(name, function) for name, function in deferred.items() if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        yield stand_ins
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


def stand_in(name: str, function_name: str) -> types.ModuleType:
    """A module that holds only a function `function_name` that imports module `name` and
    calls that module's function of the name.

    >>> stand_in("json", "dumps").dumps([1])
    '[1]'
    """
    def function(*args, **kwargs):
        return getattr(importlib.import_module(name), function_name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = function_name
    module = types.ModuleType(name, f"A stand-in for {name} while Whoosh is imported (index.whoosh_internals).")
    setattr(module, function_name, function)
    return module


# Whoosh 2.7.4 has invalid escape sequences and `is 0` comparisons that Python reports
# as SyntaxWarnings (and DeprecationWarnings) whenever it compiles Whoosh's sources
# (no cached bytecode: a read-only install, a new Python). They are Whoosh's, not the
# user's business: hidden before the first `import whoosh`. Compile-time warnings name
# the file (module=None), so the filter matches on the path.
warnings.filterwarnings("ignore", category=SyntaxWarning, module=r".*[\\/]whoosh[\\/]")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(.*[\\/])?whoosh([\\/.]|$)")

import whoosh  # noqa: E402 (after the warning filters)

# (The stand-ins only under a Whoosh whose imports were read: another is refused below.)
with standing_in(DEFERRED if whoosh.versionstring() in SUPPORTED_VERSIONS else {}) as STAND_INS:
    from whoosh.filedb import filetables
    from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter
    from whoosh.filedb.structfile import StructFile
    from whoosh.codec.whoosh3 import W3FieldWriter, W3PerDocWriter, W3TermInfo, W3TermsReader
    from whoosh.system import pack_ushort, unpack_ushort
    from whoosh.util.numeric import length_to_byte
    from whoosh.index import FileIndex
    from whoosh.reading import SegmentReader
    from whoosh.scoring import BM25F
    from whoosh.writing import SegmentWriter
    import whoosh.query  # noqa: F401 (here, for whoosh.query.terms to take the stand-in's `variations`)


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
    if getattr(reader, "_terms", None) is None:
        return reader.postings(fieldname, btext)
    return reader.codec().postings_reader(postings_file(reader), terminfo, reader.schema[fieldname].format,
                                          term=(fieldname, btext))


def term_dictionary(reader) -> dict[str, tuple[list[bytes], np.ndarray]]:
    """Every term of a segment, by field: its terms in order, and their W3TermInfo
    records (TERM_INFO), read in one pass over the dictionary's rows (Whoosh reads a
    row in three reads and decodes each info as an object).

    Relies on: SegmentReader keeping its terms reader in `_terms`, which keeps the field
    numbers in `_fieldmap` and the dictionary (an OrderedHashReader) in `_tindex`, whose
    rows lie from `startofdata` to `endofdata` in its `dbfile`, each the key's and
    value's lengths (filetables._lengths), the key (the field's number, "!H", then the
    term), the value; the values being TERM_INFO records (term_info_layout_holds:
    PackedCodec never inlines postings)."""
    terms_reader = reader._terms
    dictionary = terms_reader._tindex
    rows = dictionary.dbfile.get(dictionary.startofdata, dictionary.endofdata - dictionary.startofdata)
    names = {number: name for name, number in terms_reader._fieldmap.items()}
    keys, values = [], []
    at, end, lengths = 0, len(rows), filetables._lengths
    while at < end:
        key_length, value_length = lengths.unpack_from(rows, at)
        at += lengths.size
        keys.append(rows[at:at + key_length])
        at += key_length
        values.append(rows[at:at + value_length])
        at += value_length
    if any(len(value) != TERM_INFO.itemsize for value in values):
        raise ValueError("a term info of another layout (inlined postings?): not written by newskb's codec")
    infos = np.frombuffer(b"".join(values), dtype=TERM_INFO)
    fields, first = {}, 0
    for prefix, run in groupby(key[:2] for key in keys):  # (keys in order: a field's are together)
        last = first + sum(1 for _ in run)
        fields[names[unpack_ushort(prefix)[0]]] = ([key[2:] for key in keys[first:last]], infos[first:last])
        first = last
    return fields


def postings_file(reader):
    """The postings file of a segment (a StructFile), as its terms reader reads it.

    Relies on: SegmentReader keeping its terms reader in `_terms`, which keeps the
    postings file in `_postfile`."""
    return reader._terms._postfile


# ------------------------------------------------------------------------------------
# Writing segments outside the writer that holds the lock


class UnlockedSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter without the index's lock (as Whoosh's MpWriter makes its
    helpers' writers), its temporary files in a folder of its own (Whoosh's writers
    share one, which each removes when it finishes or cancels, under the feet of the
    others), its postings kept by a GroupedPostingPool (index.codec.pool), its segment
    written with `codec`. add_document hands the pool a document's field whole.

    Relies on: SegmentWriter(ix, _lk=False, ...), its `_tempstorage` and `pool`
    replaceable after __init__ (nothing written yet), the pool used by add_document,
    iter_postings() and cleanup() alone; add_document as Whoosh's (below)."""

    def __init__(self, ix, codec, pool):
        super().__init__(ix, _lk=False, codec=codec)
        self._tempstorage = self.storage.temp_storage(f"build-{self.newsegment.segment_id()}.tmp")
        self.pool = pool
        if unsupported := [name for name, field in self.schema.items() if field.vector or field.separate_spelling()]:
            raise TypeError(f"fields with term vectors or spelling words are not written here: {unsupported}")

    def add_document(self, **fields):
        """Whoosh's SegmentWriter.add_document (2.7.4 and whoosh3 alike) for documents
        without boosts or separate stored values (`_`-keywords): for each field, in order
        of name, its terms to the pool whole, its stored value and length, and its column value.

        Relies on: the writer's `docnum`, `perdocwriter` and `_added` as SegmentWriter
        keeps them, and its `_check_state()` and `_check_fields(schema, names)`."""
        self._check_state()
        if special := [name for name in fields if name.startswith("_")]:
            raise TypeError(f"add_document here takes no boosts or stored values: {special}")
        self.perdocwriter.start_doc(self.docnum)
        self._add_fields(self.docnum, fields)
        self.perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def add_late_fields(self, docnum: int, fields: dict) -> None:
        """Index fields of a document added before, whose values came late: each one's
        terms to the pool, its length and column value at `docnum` (in Whoosh's columns
        and the codec's arrays: index.codec.per_document), as add_document does. A field
        given here is one no add_document call gave, given here document after document
        in order (the pool and the columns take a field's documents in order); it is not
        stored.

        Relies on: the per-document writer writing lengths and column values at its
        `_docnum` (W3PerDocWriter.add_field, PerDocWriterWithColumns.add_column_value),
        whichever documents were finished after it."""
        if stored := [name for name in fields if self.schema[name].stored]:
            raise TypeError(f"stored fields cannot come late: {stored}")
        self.perdocwriter._docnum = docnum
        self.perdocwriter.arrays.start_doc(docnum)
        self._add_fields(docnum, fields)

    def _add_fields(self, docnum: int, fields: dict) -> None:
        schema, perdocwriter = self.schema, self.perdocwriter
        self._check_fields(schema, list(fields))
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = self.pool.add_field(docnum, fieldname, field, value) if field.indexed else 0
            perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
            if field.column_type:
                perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(value))

    def add_documents_of(self, reader) -> tuple[int, dict | None]:
        """What Whoosh's add_reader() adds of a segment's reader but its postings (which
        the caller adds to the pool): the stored fields, field lengths and column values
        of its documents not deleted. Returns the first new document number, and a map
        of the segment's document numbers to the new ones (None if none was deleted).

        Relies on: add_reader being write_per_doc() with the schema's fields and the
        reader's indexed ones, then the postings, then `_added` set (2.7.4 and whoosh3 alike)."""
        self._check_state()
        first = self.docnum
        fieldnames = set(self.schema.names()) | {name for name in reader.indexed_field_names() if name in self.schema}
        docmap = self.write_per_doc(fieldnames, reader)
        self._added = True
        return first, docmap


def finish_segment(writer: UnlockedSegmentWriter):
    """Write out the writer's segment and return it (for IndexWriter.commit by the
    process holding the lock), removing its temporary files.

    Relies on: SegmentWriter._finalize_segment() (as Whoosh's MpWriter uses it)."""
    segment = writer._finalize_segment()
    writer.temp_storage().destroy()
    return segment


def postings_writer_of(field_writer: W3FieldWriter):
    """The postings writer of the field a W3FieldWriter is writing (after start_field):
    the codec's, made by its postings_writer() when the field started.

    Relies on: W3FieldWriter keeping it in `_postwriter`."""
    return field_writer._postwriter


def add_terms(field_writer: W3FieldWriter, terms: list[bytes], infos: list[bytes]) -> None:
    """Add terms of the field a W3FieldWriter is writing (in order, after those added
    before) and each one's W3TermInfo bytes to the term dictionary, in one write, as its
    finish_term() and the dictionary's OrderedHashWriter.add() do a term at a time.

    Relies on: W3FieldWriter keeping the dictionary in `_tindex` and the field's number in
    `_fieldid`, each key being that number ("!H") then the term; OrderedHashWriter keeping
    `dbfile`, the row positions in `index`, `lastkey`, and `(hash, position)` in
    `buckets` by the hash's low byte, with `hashfn`; a row being the key's and value's
    lengths (filetables._lengths), the key, the value."""
    if not terms:
        return
    dictionary = field_writer._tindex
    prefix = pack_ushort(field_writer._fieldid)
    keys = [prefix + term for term in terms]
    if keys[0] <= dictionary.lastkey or any(a >= b for a, b in zip(keys, keys[1:])):
        raise ValueError(f"terms must increase: {dictionary.lastkey!r}, {keys[:3]!r}...")
    heads = list(map(filetables._lengths.pack, map(len, keys), map(len, infos)))
    position = dictionary.dbfile.tell()
    positions = []
    for head, key, info in zip(heads, keys, infos):
        positions.append(position)
        position += len(head) + len(key) + len(info)
    dictionary.dbfile.write(b"".join([part for row in zip(heads, keys, infos) for part in row]))
    dictionary.index.extend(positions)
    buckets = dictionary.buckets
    hashfn = md5_low_bits if dictionary.hashfn is filetables.md5_hash else dictionary.hashfn
    for key, position in zip(keys, positions):
        hashed = hashfn(key)
        buckets[hashed & 255].append((hashed, position))
    dictionary.lastkey = keys[-1]


# The bytes of a W3TermInfo whose postings are not inlined (to_bytes), as a numpy record:
# what W3TermInfo._struct packs ("!BfIBBfII": not inlined, total weight, document
# frequency, least and greatest length as bytes, greatest weight, first and last document),
# then where the postings lie (pack_long, pack_int). Checked below against to_bytes().
TERM_INFO = np.dtype([("inlined", "u1"), ("weight", ">f4"), ("df", ">u4"), ("min_length", "u1"),
                      ("max_length", "u1"), ("max_weight", ">f4"), ("min_id", ">u4"), ("max_id", ">u4"),
                      ("offset", ">i8"), ("length", ">i4")])


def term_info_layout_holds() -> bool:
    """Whether W3TermInfo.to_bytes() writes what a TERM_INFO record holds."""
    info = W3TermInfo(weight=6.5, df=3, minlength=4, maxlength=9000, maxweight=2.5, minid=7, maxid=70_000)
    info.set_extent(1 << 33, 1234)
    record = np.array([(0, 6.5, 3, length_to_byte(4), length_to_byte(9000), 2.5, 7, 70_000, 1 << 33, 1234)],
                      dtype=TERM_INFO)
    return info.to_bytes() == record.tobytes()


def close_term_dictionary(field_writer: W3FieldWriter) -> None:
    """Close a W3FieldWriter, its term dictionary's hash tables written a table at a time
    (Whoosh's HashWriter writes them a slot at a time: a fifth of what finishing a new
    segment cost).

    Relies on: W3FieldWriter.close() closing the dictionary (`_tindex`; a subclass's close()
    calls this one), whose close() writes its tables by calling `_write_hashes()`, which an
    instance attribute overrides;
    HashWriter keeping `dbfile`, `buckets` and the tables' `directory`, and a table being
    twice its bucket's entries in slots of (hash, position) (filetables._pointer), each
    entry in the slot its hash gives (`hash >> 8`, modulo the slots) or the next free one."""
    dictionary = field_writer._tindex
    dictionary._write_hashes = lambda: write_hash_tables(dictionary)
    W3FieldWriter.close(field_writer)


def write_hash_tables(dictionary) -> None:
    """What HashWriter._write_hashes() writes (see close_term_dictionary), in one write."""
    position = dictionary.dbfile.tell()
    tables = []
    for entries in dictionary.buckets:
        slots = 2 * len(entries)
        dictionary.directory.append((position, slots))
        table = [(0, 0)] * slots  # (0, 0): empty (no key is at 0: the file starts with a header)
        for entry in entries:
            slot = (entry[0] >> 8) % slots
            while table[slot] != (0, 0):
                slot = (slot + 1) % slots
            table[slot] = entry
        tables.append(b"".join(map(filetables._pointer.pack, *zip(*table))) if table else b"")
        position += slots * filetables._pointer.size
    dictionary.dbfile.write(b"".join(tables))


def md5_low_bits(key: bytes) -> int:
    """filetables.md5_hash (the hash of Whoosh's term dictionary), without the digest as
    hexadecimal text: the low 32 bits of the MD5 digest read as one number.

    >>> all(md5_low_bits(key) == filetables.md5_hash(key) for key in (b"", b"\\x00\\x01oil", b"=caf\\xc3\\xa9"))
    True
    """
    return int.from_bytes(md5(key).digest()[12:], "big")


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
    (SegmentReader, "_terms"), (W3TermsReader, "_postfile"), (W3TermsReader, "_tindex"),
    (W3TermsReader, "_fieldmap"), (OrderedHashReader, "startofdata"), (OrderedHashReader, "endofdata"),
    (OrderedHashReader, "dbfile"), (SegmentWriter, "write_per_doc"),
    (SegmentWriter, "_tempstorage"), (SegmentWriter, "pool"), (SegmentWriter, "_finalize_segment"),
    (SegmentWriter, "docnum"), (SegmentWriter, "perdocwriter"), (SegmentWriter, "_added"),
    (SegmentWriter, "_check_state"), (SegmentWriter, "_check_fields"),
    (W3PerDocWriter, "_docnum"), (W3FieldWriter, "_postwriter"), (W3FieldWriter, "_tindex"), (W3FieldWriter, "_fieldid"),
    (OrderedHashWriter, "dbfile"), (OrderedHashWriter, "index"), (OrderedHashWriter, "lastkey"),
    (OrderedHashWriter, "buckets"), (OrderedHashWriter, "hashfn"), (OrderedHashWriter, "_write_hashes"),
    (OrderedHashWriter, "directory"), (filetables, "_lengths"), (filetables, "_pointer"), (filetables, "md5_hash"),
    (StructFile, "file"),
)


def whoosh_version() -> str:
    """The installed Whoosh's version, as it gives it ("2.7.4", "3.54.0")."""
    return whoosh.versionstring()


def missing_internals() -> list[str]:
    """The privates and layouts relied on that the installed Whoosh lacks, by name, and
    the Whoosh modules that kept a stand-in module itself (see DEFERRED)."""
    missing = [f"{getattr(owner, '__qualname__', owner.__name__)}.{name}" for owner, name in REQUIRED
               if not _has(owner, name)]
    if "_lk" not in inspect.signature(SegmentWriter.__init__).parameters:
        missing.append("SegmentWriter(_lk=False)")
    if not term_info_layout_holds():
        missing.append("W3TermInfo.to_bytes() as TERM_INFO")
    return missing + [f"{module}: uses a stand-in module" for module in holders_of(STAND_INS.values())]


def holders_of(modules) -> list[str]:
    """The Whoosh modules that hold one of `modules` itself, by name (one that took a
    function from a stand-in holds the function)."""
    held = {id(module) for module in modules}
    return sorted(name for name, module in list(sys.modules.items()) if name.split(".")[0] == "whoosh"
                  and any(id(value) in held for value in vars(module).values()))


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
