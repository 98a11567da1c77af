"""Doctests (the `>>>` examples in kb/, index/ and importers/) run in a fresh temporary folder,
so an example may make the files and knowledge bases it shows ("my-kb", "a.csv")."""
from __future__ import annotations

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_in_tmp_path(request):
    if isinstance(request.node, DoctestItem):  # other tests get no tmp_path they did not ask for
        request.getfixturevalue("monkeypatch").chdir(request.getfixturevalue("tmp_path"))
