"""Shared fixtures: real knowledge bases in tmp_path, the real CLI, real corpus files."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import SEED, sliced
from opensearch_cluster import BUILD_COMMAND, OpenSearchCluster, missing_requirement, skip_marker
from kb import KnowledgeBase
from kb.cli import cli
from kb.resident import ENV_VAR as RESIDENT

# No resident searcher is left behind by the tests' `kb search` processes: only the tests of
# resident searchers (tests/kb/test_resident.py) start them, in folders of their own.
os.environ[RESIDENT] = "0"

@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's, which reads the groups
def pytest_collection_modifyitems(items):
    """Tests that run OpenSearch nodes are marked `opensearch`; where no node can run they are
    skipped, for one reason, in one summary line per file (under CI=true they fail instead).
    Under pytest-xdist they all go to one worker, first, so one test cluster serves them while
    the other workers share the rest."""
    nodes = [item for item in items if "opensearch_launcher" in getattr(item, "fixturenames", ())
             or item.get_closest_marker("opensearch")]  # (a test may ask for the cluster as it runs)
    skip = skip_marker() if nodes else None
    for item in nodes:
        item.add_marker(pytest.mark.opensearch)
        if skip:
            item.add_marker(skip)
    for item in items:
        if item.get_closest_marker("opensearch"):
            item.add_marker(pytest.mark.xdist_group("opensearch"))
    items.sort(key=lambda item: not item.get_closest_marker("opensearch"))


@pytest.fixture(scope="session")
def opensearch_launcher() -> None:
    """Java 17 and the built launcher are there; reached without them only under CI=true."""
    reason = missing_requirement()
    if reason:
        pytest.fail(f"no OpenSearch node can run: {reason}; build with: {BUILD_COMMAND}", pytrace=False)


@pytest.fixture(scope="session")
def opensearch_cluster(opensearch_launcher, tmp_path_factory) -> OpenSearchCluster:
    """Two OpenSearch nodes for the whole session, started on first use (tests/opensearch_cluster.py).
    Shared: a test that stops a node starts it again (`start_stopped()`); index names are the test's own."""
    with OpenSearchCluster(tmp_path_factory.mktemp("opensearch"), nodes=2) as cluster:
        yield cluster


@pytest.fixture
def kb(tmp_path) -> KnowledgeBase:
    with KnowledgeBase(tmp_path / "kb") as knowledge_base:
        yield knowledge_base


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    """A knowledge base holding the seed article, built once; copy it before changing it."""
    path = tmp_path_factory.mktemp("seeded") / "kb"
    with KnowledgeBase(path) as knowledge_base:
        knowledge_base.import_paths([SEED])
    return path


@pytest.fixture(scope="session")
def reuters_path(tmp_path_factory) -> Path:
    """A knowledge base of the first Reuters-21578 file (925 dated articles), built once; read only."""
    source = sliced("reuters-21578", "reut2-000.sgm")
    path = tmp_path_factory.mktemp("reuters") / "kb"
    with KnowledgeBase(path) as knowledge_base:
        knowledge_base.import_paths([source])
    return path


@pytest.fixture
def seeded_path(seeded_template, tmp_path) -> Path:
    """A private copy of the seeded knowledge base."""
    path = tmp_path / "seeded"
    shutil.copytree(seeded_template, path)
    return path


@pytest.fixture
def invoke(tmp_path):
    """Run the real `kb` CLI in-process: invoke(*args, kb_path=...) -> click Result."""
    runner = CliRunner()

    def run(*args: str, kb_path: Path | None = None, input: str | None = None):
        path = kb_path or tmp_path / "cli-kb"
        return runner.invoke(cli, ["--kb", str(path), *map(str, args)], input=input, catch_exceptions=False)

    return run
