"""Doctests (the `>>>` examples in kb/, index/ and importers/) run in a fresh temporary folder,
so an example may make the files and knowledge bases it shows ("my-kb", "a.csv")."""
from __future__ import annotations

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_in_tmp_path(request, tmp_path, monkeypatch):
    if isinstance(request.node, DoctestItem):
        monkeypatch.chdir(tmp_path)
