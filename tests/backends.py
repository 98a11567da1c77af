"""Running a test on both index backends: Whoosh (in the knowledge base's folder) and
OpenSearch (the 2-node test cluster of the `opensearch_cluster` fixture, or the cluster
$NEWSKB_TEST_OPENSEARCH_URL names).

A test module makes its knowledge bases backend-aware with `backend_params` and
`put_on`: a knowledge base copied from a (Whoosh) template is moved to a fresh
OpenSearch index of its own, so copies never share one.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from index.settings import IndexSettings
from kb import KnowledgeBase

URL_VARIABLE = "NEWSKB_TEST_OPENSEARCH_URL"
BACKENDS = [pytest.param("whoosh", id="whoosh"),
            pytest.param("opensearch", id="opensearch", marks=pytest.mark.opensearch)]


def index_settings(request, backend: str) -> IndexSettings | None:
    """Settings for a new index of `backend` (None: Whoosh); the cluster fixture skips,
    saying why, where no cluster can be started."""
    if backend == "whoosh":
        return None
    url = os.environ.get(URL_VARIABLE) or ",".join(request.getfixturevalue("opensearch_cluster").urls)
    return IndexSettings("opensearch", url=url, index_name=f"test-{uuid.uuid4().hex[:12]}")


def put_on(path: Path, settings: IndexSettings | None) -> Path:
    """Move the knowledge base at `path` to the index `settings` describe (None: leave it on Whoosh)."""
    if settings is not None:
        with KnowledgeBase(path, create=False) as kb:
            kb.reindex(index=settings)
    return path


def remove_index(path: Path) -> None:
    """Remove the knowledge base's index, wherever it is (a test's clean-up, or a lost index)."""
    with KnowledgeBase(path, create=False) as kb:
        kb.index.delete()


def init_args(settings: IndexSettings | None) -> list[str]:
    """`kb init` options making a knowledge base on this index."""
    if settings is None:
        return []
    return ["--index", "opensearch", "--url", settings.url, "--index-name", settings.index_name]


def copy_on(template: Path, path: Path, settings: IndexSettings | None) -> Path:
    shutil.copytree(template, path)
    return put_on(path, settings)


@pytest.fixture(params=BACKENDS)
def backend(request) -> IndexSettings | None:
    """Each test of a module importing this fixture on Whoosh and on OpenSearch: the
    settings of a new index (None: Whoosh)."""
    return index_settings(request, request.param)


@pytest.fixture
def seeded_path(seeded_template, tmp_path, backend):
    """A private copy of the seeded knowledge base, on the backend's index."""
    path = copy_on(seeded_template, tmp_path / "seeded", backend)
    yield path
    if backend is not None:
        remove_index(path)
