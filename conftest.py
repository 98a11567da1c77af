"""Doctests (the `>>>` examples in kb/, index/ and importers/) run in a fresh temporary folder,
so an example may make the files and knowledge bases it shows ("my-kb", "a.csv"); each test
process has a temporary folder of its own."""
from __future__ import annotations

import tempfile

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_in_tmp_path(request):
    if isinstance(request.node, DoctestItem):  # other tests get no tmp_path they did not ask for
        request.getfixturevalue("monkeypatch").chdir(request.getfixturevalue("tmp_path"))


@pytest.fixture(scope="session", autouse=True)
def _temp_folder_of_this_process(tmp_path_factory):
    """Whoosh's RamStorage writes an index's temporary files to one fixed folder of the system's
    (MAIN.tmp) and removes it when done: parallel test processes (pytest-xdist) would remove
    each other's files. Each gets its own."""
    tempfile.tempdir = str(tmp_path_factory.mktemp("tempfile"))
