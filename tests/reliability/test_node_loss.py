"""An OpenSearch-backed knowledge base losing one of the test cluster's two nodes (2 shards,
1 replica each): searches go on, and imports too.

With one replica, every shard still has a copy on the node left, and OpenSearch promotes
it to primary: the cluster is yellow (no replicas) but takes every read and write. So an
import does not wait for the node: it completes while the node is down, and when the node
returns its replicas are copied back from the promoted primaries (green, every copy
holding the same documents), with `kb check` clean throughout.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time

import pytest

from backends import index_settings, init_args, put_on, remove_index
from helpers import kb_command, stored
from index.opensearch.mapping import SHARDS
from kb import KnowledgeBase
from opensearch_cluster import request

QUERIES = ("oil AND prices", '"mln dlrs"', "title:(wheat OR grain)", "bank NOT japan")


@pytest.fixture
def cluster(opensearch_cluster):
    """The session's cluster, with every node running and green again after the test."""
    yield opensearch_cluster
    opensearch_cluster.start_stopped()


def cluster_manager(cluster) -> int:
    """The number of the node elected cluster manager (the harder one to lose)."""
    manager = request("GET", f"{cluster.urls[cluster.running()[0]]}/_cat/cluster_manager?format=json")[0]["node"]
    return cluster.names.index(manager)


def shard_documents(cluster, alias: str) -> dict[tuple[str, str], int]:
    """Documents in each started copy of each shard, by (shard, p or r)."""
    shards = request("GET", f"{cluster.urls[0]}/_cat/shards/{alias}?format=json")
    return {(shard["shard"], shard["prirep"]): int(shard["docs"]) for shard in shards if shard["state"] == "STARTED"}


def test_a_loop_of_searches_loses_none_while_the_cluster_manager_stops(tmp_path, reuters_path, cluster, request):
    """Every search of the loop answers, with the same ids, before, during and after the
    stop; the loop runs on until the cluster reports yellow and for a while after."""
    settings = index_settings(request, "opensearch")
    path = put_on(shutil.copytree(reuters_path, tmp_path / "kb"), settings)
    cluster.wait_for("green")  # the replicas copied: losing a node then loses no shard
    phase, done = ["both up"], threading.Event()

    def stop_the_manager():
        time.sleep(1)
        phase[0] = "stopping"
        cluster.stop_node(cluster_manager(cluster))
        cluster.wait_for("yellow", nodes=1)
        phase[0] = "yellow"
        time.sleep(3)
        done.set()

    answers, errors = [], []
    with KnowledgeBase(path, create=False) as kb:
        expected = {query: [hit.id for hit in kb.search(query, limit=20).hits] for query in QUERIES}
        counted = kb.count("oil", by="org")
        stopper = threading.Thread(target=stop_the_manager)
        stopper.start()
        try:
            while not done.is_set():
                for query in QUERIES:
                    try:
                        answers.append((phase[0], [hit.id for hit in kb.search(query, limit=20).hits] == expected[query]))
                    except Exception as error:  # every failure is counted and shown
                        errors.append((phase[0], repr(error)))
            assert kb.count("oil", by="org") == counted
        finally:
            done.set()
            stopper.join()
        remove_index(path)
    assert errors == []
    assert [phase for phase, same in answers if not same] == []
    assert {name for name, _ in answers} == {"both up", "stopping", "yellow"}
    assert sum(name == "yellow" for name, _ in answers) >= len(QUERIES)


@pytest.mark.parametrize("moment", ["before", "during"])
def test_an_import_while_a_node_is_down_completes_and_checks_clean_when_it_returns(
        tmp_path, articles_file, cluster, request, moment):
    """The node stops before the import starts, or while it runs (after its first stored
    batch); the import completes on the promoted primaries, and once the node is back
    every shard's replica holds what its primary holds."""
    source, distinct = articles_file
    settings = index_settings(request, "opensearch")
    kb_path = tmp_path / "kb"
    assert kb_command(kb_path, "init", "--ner", "none", *init_args(settings)).returncode == 0
    cluster.wait_for("green")  # the new index's replicas placed: each shard has a copy on either node
    victim = cluster_manager(cluster)
    if moment == "before":
        cluster.stop_node(victim)
    importing = subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(kb_path), "import", str(source)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if moment == "during":
        wait_for_stored_articles(kb_path, importing)
        cluster.stop_node(victim)
        assert importing.poll() is None, "the import ended before the node had stopped"
    _, stderr = importing.communicate(timeout=300)
    assert importing.returncode == 0, stderr
    assert len(cluster.running()) == 1 and cluster.health()["status"] == "yellow"
    report = json.loads(kb_command(kb_path, "check", "--json").stdout)
    assert report["ok"] and report["articles"] == report["indexed"] == distinct, report

    cluster.start_stopped()  # waits for green: every replica copied back
    report = json.loads(kb_command(kb_path, "check", "--json").stdout)
    assert report["ok"] and report["articles"] == report["indexed"] == distinct, report
    copies = shard_documents(cluster, settings.index_name)
    assert len(copies) == 2 * SHARDS and all(copies[shard, "r"] == copies[shard, "p"] for shard, _ in copies)
    assert sum(copies[shard, kind] for shard, kind in copies if kind == "p") == distinct
    remove_index(kb_path)


def wait_for_stored_articles(kb_path, process, timeout: float = 120) -> None:
    """Return once the import has stored some articles (and so sent some to the index)."""
    deadline = time.monotonic() + timeout
    while not stored(kb_path) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored(kb_path) and process.poll() is None, "the import ended before it stored anything"
