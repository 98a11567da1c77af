"""The OpenSearch test cluster itself: two nodes, shards spread, searches surviving a node's stop."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

import opensearch_cluster
from index.opensearch.client import patiently
from index.settings import IndexSettings
from opensearch_cluster import BUILD_COMMAND, OpenSearchCluster, missing_requirement, request, skip_marker

ARTICLES = 60


@pytest.fixture
def cluster(opensearch_cluster) -> OpenSearchCluster:
    """The session's cluster, with every node running again after the test."""
    yield opensearch_cluster
    opensearch_cluster.start_stopped()


@pytest.fixture
def articles_index(cluster, request):
    """An index of 2 shards and 1 replica holding ARTICLES documents; deleted after the test."""
    client = OpenSearch(hosts=cluster.urls)
    name = request.node.name.lower().replace("_", "-")
    client.indices.create(index=name, body={"settings": {"number_of_shards": 2, "number_of_replicas": 1}})
    for number in range(ARTICLES):
        client.index(index=name, id=str(number), body={"title": f"article {number}", "body": "tariffs and trade"})
    client.indices.refresh(index=name)
    cluster.wait_for("green")
    yield name
    client.indices.delete(index=name)


def test_two_nodes_hold_each_shard_once_as_primary_and_once_as_replica(cluster, articles_index):
    nodes = request("GET", f"{cluster.urls[0]}/_cat/nodes?format=json")
    assert sorted(node["name"] for node in nodes) == ["node-0", "node-1"]
    shards = request("GET", f"{cluster.urls[1]}/_cat/shards/{articles_index}?format=json")
    assert {shard["state"] for shard in shards} == {"STARTED"}
    placed = {(shard["shard"], shard["prirep"]): shard["node"] for shard in shards}
    assert sorted(placed) == [("0", "p"), ("0", "r"), ("1", "p"), ("1", "r")]
    assert placed["0", "p"] != placed["0", "r"] and placed["1", "p"] != placed["1", "r"]


def test_searches_lose_nothing_while_the_cluster_manager_stops_and_returns(cluster, articles_index):
    """The elected cluster manager is the harder node to lose: the other must take over.
    Searches are read as newskb reads them (`patiently`): OpenSearch itself may fail one
    whose fetch phase meets the going node (500, node_not_connected_exception)."""
    client = OpenSearch(hosts=cluster.urls, max_retries=3, retry_on_timeout=True)
    settings = IndexSettings("opensearch", url=",".join(cluster.urls), index_name=articles_index)
    manager = request("GET", f"{cluster.urls[0]}/_cat/cluster_manager?format=json")[0]["node"]
    victim = cluster.names.index(manager)
    totals, errors, phase = [], [], ["both up"]
    done = threading.Event()

    def search_until_done():
        while not done.is_set() and len(totals) < 20_000:
            try:
                hits = patiently(lambda: client.search(index=articles_index, allow_partial_search_results=False,
                                                       body={"query": {"match": {"body": "tariffs"}}}), settings)["hits"]
                totals.append((phase[0], hits["total"]["value"]))
            except Exception as error:  # every failure is counted and shown
                errors.append((phase[0], repr(error)))

    searcher = threading.Thread(target=search_until_done)
    searcher.start()
    try:
        time.sleep(1)
        phase[0] = "stopping"
        cluster.stop_node(victim)
        assert cluster.wait_for("yellow", nodes=1)["status"] == "yellow"
        phase[0] = "yellow"
        time.sleep(2)
        phase[0] = "restarting"
        cluster.start_node(victim)
        assert cluster.wait_for("green", nodes=2)["status"] == "green"
        phase[0] = "green again"
        time.sleep(1)
    finally:
        done.set()
        searcher.join()
    assert errors == []
    assert {total for _, total in totals} == {ARTICLES}
    assert {phase for phase, _ in totals} >= {"both up", "stopping", "yellow", "restarting", "green again"}


def test_a_node_ends_when_the_process_that_started_it_dies(opensearch_launcher, tmp_path):
    """No JVM outlives a killed test run: the node's stdin is a pipe from its parent."""
    starter = ("import subprocess, sys; node = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE,"
               " stdout=subprocess.DEVNULL); print(node.pid, flush=True); node.wait()")
    command = ["java", "-cp", opensearch_cluster.CLASSPATH, opensearch_cluster.MAIN_CLASS, f"path.home={tmp_path}"]
    parent = subprocess.Popen([sys.executable, "-c", starter, *command], stdout=subprocess.PIPE, text=True)
    node_pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 60
    while running(node_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not running(node_pid)


def running(pid: int) -> bool:
    """Whether the process exists and is no zombie (an orphan is reaped by whoever adopted it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_where_no_node_can_run_the_tests_skip_in_one_line_naming_the_build_command(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    reason = skip_marker(environ={}).kwargs["reason"]
    assert reason == f"OpenSearch tests skipped: no java on PATH; build with: {BUILD_COMMAND}"
    assert skip_marker(environ={"CI": "true"}) is None  # CI: no skip, the fixture fails


def test_the_reason_names_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert missing_requirement() == "no java on PATH"
    (tmp_path / "java").write_text("#!/bin/sh\n")
    (tmp_path / "java").chmod(0o755)
    monkeypatch.setattr(opensearch_cluster, "LAUNCHER", tmp_path / "empty")
    assert missing_requirement() == "the launcher in tests/opensearch is not built and no mvn on PATH to build it"


def test_a_test_that_asks_for_the_cluster_as_it_runs_skips_too(tmp_path):
    """A test of both backends asks for the cluster only when it runs (tests/backends.py):
    where no node can run, its OpenSearch side is skipped like the rest, not an error (a
    clone's `python -m pytest` without the launcher built had 74 errors)."""
    environment = {key: value for key, value in os.environ.items() if key != "CI"}
    environment["PATH"] = str(tmp_path)  # no java
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
                           "tests/index/test_reference_search.py", "-k", "not_trivial"],
                          cwd=Path(__file__).resolve().parents[2], env=environment, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 1 skipped" in done.stdout and "no java on PATH" in done.stdout
