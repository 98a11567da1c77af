"""Whoosh's privates are reached through index/whoosh_internals.py alone, which refuses a
Whoosh it was not tested with; Whoosh's compile-time warnings never reach a user."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import whoosh
from whoosh.columns import NumericColumn

from index import whoosh_internals
from index.whoosh_internals import SUPPORTED_VERSIONS, UnsupportedWhoosh, check_whoosh

ROOT = Path(__file__).resolve().parents[2]
INTERNALS = ROOT / "index" / "whoosh_internals.py"
SCANNED = ("index", "kb")  # the packages that must not reach into Whoosh themselves
PROJECT = ("index", "kb", "importers")  # where the project's own private names are defined


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def whoosh_private_names() -> set[str]:
    """Every private name Whoosh's installed sources define or use as an attribute."""
    names = set()
    for path in Path(whoosh.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8", errors="replace")
        names.update(re.findall(r"\.(_[A-Za-z]\w*)", text))
        names.update(re.findall(r"\bdef (_[A-Za-z]\w*)", text))
    return {name for name in names if private(name)}


def own_private_names(trees: list[ast.AST]) -> set[str]:
    """The private names the project defines: `self._x = ...`, `def _x`, `class _X`, `_X = ...`."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return {name for name in names if private(name)}


def whoosh_privates_used(tree: ast.AST, own: set[str], whooshs: set[str]) -> list[tuple[int, str]]:
    """(line, what) of each use of a Whoosh private in a module's syntax tree:
    - a private name imported from a whoosh module;
    - `x._name` where `_name` is no private name of the project's own, or is one that
      Whoosh uses too, unless `x` is `self`/`cls` of a project class that sets it, or a
      module the file imports that is not Whoosh's (`os._exit`);
    - `self._name` in a class derived from a Whoosh class, unless that class sets
      `_name` itself and Whoosh has no such private; a method of such a class that
      overrides a Whoosh private (`def _write_run`);
    - a private keyword argument in a call (`SegmentWriter(ix, _lk=False)`)."""
    found, whoosh_names, other_modules = [], set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "whoosh":
            whoosh_names.update(alias.asname or alias.name for alias in node.names)
            found += [(node.lineno, f"import {alias.name}") for alias in node.names if private(alias.name)]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                (whoosh_names if alias.name.split(".")[0] == "whoosh" else other_modules).add(bound)

    def derives_from_whoosh(klass: ast.ClassDef) -> bool:
        return any(isinstance(base, ast.Name) and base.id in whoosh_names
                   or isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name)
                   and base.value.id in whoosh_names for base in klass.bases)

    def visit(node: ast.AST, klass: ast.ClassDef | None) -> None:
        if isinstance(node, ast.ClassDef):
            klass = node
        elif (isinstance(node, ast.FunctionDef) and private(node.name) and node.name in whooshs
              and klass is not None and derives_from_whoosh(klass)):
            found.append((node.lineno, f"def {node.name}"))
        elif isinstance(node, ast.keyword) and node.arg and private(node.arg):
            found.append((node.value.lineno, f"{node.arg}="))
        if isinstance(node, ast.Attribute) and private(node.attr):
            receiver = node.value.id if isinstance(node.value, ast.Name) else None
            if receiver in ("self", "cls") and klass is not None:
                sets_it = node.attr in own_private_names([klass])
                bad = not sets_it or (derives_from_whoosh(klass) and node.attr in whooshs)
            elif receiver in other_modules:
                bad = False
            else:
                bad = node.attr not in own or node.attr in whooshs
            if bad:
                found.append((node.lineno, ast.unparse(node)))
        for child in ast.iter_child_nodes(node):
            visit(child, klass)

    visit(tree, None)
    return found


def sources(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def test_no_module_but_the_internals_one_uses_a_whoosh_private():
    whooshs = whoosh_private_names()
    own = own_private_names([ast.parse(path.read_text()) for path in sources(*PROJECT) if path != INTERNALS])
    assert not own & {"_perdoc", "_segments", "_btexts", "_field_B", "_maxid", "_finalize_segment"}, \
        "a project name shadows a Whoosh private: rename it"
    found = {str(path.relative_to(ROOT)): uses for path in sources(*SCANNED) if path != INTERNALS
             if (uses := whoosh_privates_used(ast.parse(path.read_text()), own, whooshs))}
    assert found == {}, "Whoosh privates outside index/whoosh_internals.py: move them there"


def test_the_scan_finds_whoosh_privates():
    whooshs = whoosh_private_names()
    assert {"_perdoc", "_segments", "_maxid", "_tempstorage"} <= whooshs
    tree = ast.parse(
        "import os\n"
        "from whoosh.codec.whoosh3 import _lenfield\n"
        "from whoosh.writing import SegmentWriter\n"
        "class Mine:\n"
        "    def __init__(self, reader):\n"
        "        self._reader = reader\n"
        "        self._perdoc = reader._perdoc\n"
        "class Writer(SegmentWriter):\n"
        "    def __init__(self, ix):\n"
        "        super().__init__(ix, _lk=False)\n"
        "        self._tempstorage = None\n"
        "        self._mine = self._reader\n"
        "    def _flush_segment(self):\n"
        "        pass\n"
        "ix._segments(); os._exit(1)\n")
    own = own_private_names([tree]) - {"_perdoc"}  # as if only the scanned file defined names
    assert [what for _, what in whoosh_privates_used(tree, own, whooshs)] == [
        "import _lenfield", "reader._perdoc", "_lk=", "self._tempstorage", "self._reader", "def _flush_segment",
        "ix._segments"]


def test_the_installed_whoosh_is_a_supported_one():
    assert whoosh.versionstring() in SUPPORTED_VERSIONS
    assert whoosh_internals.missing_internals() == []
    check_whoosh()


def test_an_unsupported_version_is_refused_naming_it_and_the_supported_ones():
    with pytest.raises(UnsupportedWhoosh, match=r"needs Whoosh 2\.7\.4 or whoosh3 3\.54\.0, not 2\.8\.0"):
        check_whoosh("2.8.0")


def test_a_missing_private_is_named(monkeypatch):
    assert whoosh_internals._has(NumericColumn.Reader, "_basepos")  # set on instances, found in its methods
    monkeypatch.setattr(whoosh_internals, "REQUIRED", whoosh_internals.REQUIRED + ((NumericColumn.Reader, "_gone"),))
    with pytest.raises(UnsupportedWhoosh, match=r"lacks internals newskb relies on: NumericColumn\.Reader\._gone"):
        check_whoosh()


def test_a_term_info_layout_other_than_the_records_is_named(monkeypatch):
    from struct import Struct
    from whoosh.codec.whoosh3 import W3TermInfo

    monkeypatch.setattr(W3TermInfo, "_struct", Struct("!BfIBBfIQ"))  # a wider last document number
    with pytest.raises(UnsupportedWhoosh, match=r"lacks internals newskb relies on: W3TermInfo\.to_bytes\(\) as TERM_"):
        check_whoosh()


def test_terms_added_together_make_the_dictionary_finish_term_makes_one_at_a_time():
    """Keys, rows, positions, hash tables written a table at a time: the closed term
    files are the same bytes."""
    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.fields import TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.system import pack_ushort

    fields = {"title": [b"gas", b"oil"], "body": [b"caf\xc3\xa9", b"oil", b"rates", b"x" * 300]}
    schema = Schema(title=TEXT(), body=TEXT())
    files = []
    for together in (False, True):
        storage = RamStorage()
        segment = W3Codec().new_segment(storage, "MAIN")
        writer = W3Codec().field_writer(storage, segment)
        for number, (fieldname, terms) in enumerate(fields.items()):
            writer.start_field(fieldname, schema[fieldname])
            infos = [bytes([number, n]) * (n + 1) for n in range(len(terms))]
            if together:
                whoosh_internals.add_terms(writer, terms, infos)
            else:
                for term, info in zip(terms, infos):  # what finish_term adds, without postings
                    writer._tindex.add(pack_ushort(writer._fieldid) + term, info)
            writer.finish_field()
        if together:
            whoosh_internals.close_term_dictionary(writer)
        else:
            writer.close()
        files.append({name.rsplit(".")[-1]: storage.open_file(name).read() for name in storage.list()})
    assert files[0] == files[1] and len(files[1]["trm"]) > 100
    writer = W3Codec().field_writer(storage, W3Codec().new_segment(storage, "MAIN"))
    writer.start_field("title", schema["title"])
    with pytest.raises(ValueError, match="terms must increase"):
        whoosh_internals.add_terms(writer, [b"oil", b"gas"], [b"1", b"2"])


def test_importing_the_index_with_an_unsupported_whoosh_fails_with_one_clear_message():
    code = "import whoosh; whoosh.versionstring = lambda *a, **k: '3.99.0'; import index"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1
    assert "UnsupportedWhoosh: newskb needs Whoosh 2.7.4 or whoosh3 3.54.0, not 3.99.0" in done.stderr


def test_the_kb_command_with_an_unsupported_whoosh_says_so_in_one_line(seeded_path):
    code = ("import runpy, sys, whoosh; whoosh.versionstring = lambda *a, **k: '3.99.0'; "
            f"sys.argv = ['kb', '--kb', {str(seeded_path)!r}, 'search', 'IRS']; runpy.run_module('kb', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("Error: newskb needs Whoosh 2.7.4 or whoosh3 3.54.0, not 3.99.0")
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


def test_the_kb_command_shows_no_warning_from_compiling_whoosh(seeded_path, tmp_path):
    """Every module compiled anew (no cached bytecode: a read-only install, a new Python):
    Whoosh 2.7.4's `is 0` and escape sequences would print SyntaxWarnings."""
    def run(*args: str) -> subprocess.CompletedProcess:
        fresh = tmp_path / f"pycache-{len(list(tmp_path.iterdir()))}"
        return subprocess.run([sys.executable, "-X", f"pycache_prefix={fresh}", *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=300)

    searched = run("-m", "kb", "--kb", str(seeded_path), "search", "IRS")
    assert searched.returncode == 0 and "IRS" in searched.stdout
    assert "Warning" not in searched.stderr
    if whoosh.versionstring() == "2.7.4":  # the check can fail: Whoosh alone does warn
        assert "SyntaxWarning" in run("-c", "import whoosh.codec.whoosh3").stderr


def test_the_functions_whoosh_took_from_stand_ins_load_the_real_modules():
    """Whoosh is imported with stand-ins for urllib.request and whoosh.lang.morph_en (see
    index.whoosh_internals.DEFERRED): what it took from them still works, and a later
    import gets the real module."""
    from whoosh.lang.morph_en import variations
    from whoosh.query import terms

    assert terms.variations("pull") == variations("pull") and "pulling" in variations("pull")
    import urllib.request

    assert callable(urllib.request.urlopen) and whoosh_internals.missing_internals() == []


def test_a_whoosh_module_that_kept_a_stand_in_module_is_named(monkeypatch):
    stand_in = whoosh_internals.stand_in("urllib.request", "urlretrieve")
    monkeypatch.setattr(whoosh, "request", stand_in, raising=False)
    assert whoosh_internals.holders_of([stand_in]) == ["whoosh"]
