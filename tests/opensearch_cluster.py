"""A real OpenSearch cluster for the tests: each node a JVM on loopback ports, run from the jars
of the Maven registry by the launcher in tests/opensearch (build it once with BUILD_COMMAND).

    cluster = OpenSearchCluster(tmp_path, nodes=2)   # starts the nodes, waits for green
    cluster.urls                  # ["http://127.0.0.1:PORT", ...], one per node
    cluster.stop_node(1)          # SIGTERM (kill=True: SIGKILL); its data stays on disk
    cluster.wait_for("yellow")
    cluster.start_node(1)         # the same node again: same name, ports and data
    cluster.start_stopped()       # every stopped node again, then green (a test's cleanup)
    cluster.close()               # also at exit; a node also ends when this process does

Each node logs to ROOT/node-N.log. The tests get a cluster from the `opensearch_cluster`
fixture (tests/conftest.py); where no node can run, they skip in one line (`skip_marker`).
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Mapping

import pytest

LAUNCHER = Path(__file__).resolve().parent / "opensearch"
BUILD_COMMAND = "mvn -q -f tests/opensearch/pom.xml package"
CLASSPATH = f"{LAUNCHER / 'target' / 'classes'}:{LAUNCHER / 'target' / 'lib' / '*'}"
MAIN_CLASS = "newskb.opensearch.TestNode"
JVM_OPTIONS = (
    # C1 alone starts a node in half the time on 2 cores; the tests' loads are light.
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseSerialGC",
    # As the release's jvm.options on Java 17 (OpenSearch's date formats expect COMPAT).
    "-Djava.locale.providers=SPI,COMPAT",
    "-Dlog4j.shutdownHookEnabled=false",
    "-Dlog4j2.disable.jmx=true",
    "-Dio.netty.noUnsafe=true",
    "-Dio.netty.noKeySetOptimization=true",
    "-Dio.netty.recycler.maxCapacityPerThread=0",
)


class ClusterError(RuntimeError):
    """A node did not start, stop or join in time (the message ends with its log's last lines)."""


def missing_requirement() -> str | None:
    """Why no cluster can start here (no Java 17, launcher not built), or None if one can."""
    java = shutil.which("java")
    if java is None:
        return "no java on PATH"
    if not (LAUNCHER / "target" / "classes" / "newskb" / "opensearch" / "TestNode.class").exists():
        maven = "" if shutil.which("mvn") else " and no mvn on PATH to build it"
        return f"the launcher in tests/opensearch is not built{maven}"
    version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    major = re.search(r'version "(\d+)', version)
    if major is None or int(major.group(1)) < 17:
        return f"java is older than 17 ({version.splitlines()[0] if version else 'no version'})"
    return None


def skip_marker(environ: Mapping[str, str] = os.environ) -> pytest.MarkDecorator | None:
    """A skip saying in one line why no node can run here and how to build the launcher; None
    where one can, and under CI=true, where the tests must fail instead (their fixture does)."""
    reason = missing_requirement()
    if reason is None or environ.get("CI", "").lower() == "true":
        return None
    return pytest.mark.skip(reason=f"OpenSearch tests skipped: {reason}; build with: {BUILD_COMMAND}")


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 right now (held together, so all distinct)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def request(method: str, url: str, body: dict | None = None, timeout: float = 30) -> dict:
    """One JSON request to a node; HTTP errors raise urllib.error.HTTPError."""
    data = None if body is None else json.dumps(body).encode()
    call = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(call, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


class OpenSearchCluster:
    """Nodes node-0..node-N-1, every one cluster-manager-eligible and holding data."""

    def __init__(self, root: Path, nodes: int = 2, heap: str = "512m", timeout: float = 180):
        self.root = Path(root)
        self.names = [f"node-{number}" for number in range(nodes)]
        ports = free_ports(2 * nodes)
        self.http_ports, self.transport_ports = ports[:nodes], ports[nodes:]
        self.heap = heap
        self.processes: list[subprocess.Popen | None] = [None] * nodes
        atexit.register(self.close)
        try:
            for number in range(nodes):
                self._launch(number)
            self.wait_for("green", timeout=timeout)
        except BaseException:
            self.close()
            raise

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.http_ports]

    def running(self) -> list[int]:
        """Numbers of the nodes whose process is alive."""
        return [n for n, process in enumerate(self.processes) if process is not None and process.poll() is None]

    def log(self, number: int) -> Path:
        return self.root / f"{self.names[number]}.log"

    def health(self, **params: str) -> dict:
        """GET _cluster/health from the first running node, with these query parameters."""
        query = "&".join(f"{key}={value}" for key, value in params.items())
        return request("GET", f"{self.urls[self.running()[0]]}/_cluster/health?{query}", timeout=40)

    def wait_for(self, status: str = "green", nodes: int | None = None, timeout: float = 180) -> dict:
        """Wait until the running nodes form one cluster of this health (or better); its health."""
        expected = len(self.running()) if nodes is None else nodes
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            try:
                health = self.health(wait_for_status=status, wait_for_nodes=str(expected), timeout="5s")
                if not health["timed_out"]:
                    return health
            except OSError:
                pass  # not listening yet, or no cluster manager elected yet (HTTPError 503)
            if time.monotonic() > deadline:
                raise ClusterError(f"no {status} cluster of {expected} nodes after {timeout:.0f} s"
                                   + self._tail(self.running()[0]))
            time.sleep(0.5)

    def stop_node(self, number: int, *, kill: bool = False, timeout: float = 60) -> None:
        """Stop one node: SIGTERM and wait for it to close (kill=True: SIGKILL, no goodbye)."""
        others = [n for n in self.running() if n != number]
        if others:
            # With two cluster-manager-eligible nodes only one of them votes; excluding the one
            # that goes hands the vote to the other, so the cluster keeps a manager.
            request("POST", f"{self.urls[others[0]]}/_cluster/voting_config_exclusions"
                            f"?node_names={self.names[number]}&timeout=60s", timeout=70)
        process = self.processes[number]
        if kill:
            process.kill()
        else:
            process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise ClusterError(f"{self.names[number]} did not stop in {timeout:.0f} s" + self._tail(number))
        finally:
            process.stdin.close()

    def start_node(self, number: int, timeout: float = 180) -> None:
        """Start a stopped node again (same name, ports, data) and wait until it has joined."""
        if number in self.running():
            raise ClusterError(f"{self.names[number]} is running")
        self._launch(number)
        self._rejoin(timeout)

    def start_stopped(self, timeout: float = 180) -> None:
        """Start every stopped node again, and wait for green: a test that stops nodes ends with this."""
        stopped = [number for number in range(len(self.names)) if number not in self.running()]
        for number in stopped:
            self._launch(number)  # all at once: a node alone may lack the vote to form the cluster
        if stopped:
            self._rejoin(timeout)
        self.wait_for("green", timeout=timeout)

    def close(self) -> None:
        """Stop every node (SIGTERM, then SIGKILL after 30 s)."""
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in self.processes:
            if process is not None:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                process.stdin.close()
        atexit.unregister(self.close)

    def __enter__(self) -> OpenSearchCluster:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _launch(self, number: int) -> None:
        home = self.root / self.names[number]
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        settings = {
            "cluster.name": "newskb-test",
            "node.name": self.names[number],
            "path.home": home,
            "network.host": "127.0.0.1",
            "http.port": self.http_ports[number],
            "transport.port": self.transport_ports[number],
            "discovery.seed_hosts": ",".join(f"127.0.0.1:{port}" for port in self.transport_ports),
            "cluster.initial_cluster_manager_nodes": ",".join(self.names),
            # Shards must be placed whatever the disk of the machine running the tests holds.
            "cluster.routing.allocation.disk.threshold_enabled": "false",
        }
        command = ["java", f"-Xms{self.heap}", f"-Xmx{self.heap}", f"-Djava.io.tmpdir={home / 'tmp'}",
                   *JVM_OPTIONS, "-cp", CLASSPATH, MAIN_CLASS, *(f"{key}={value}" for key, value in settings.items())]
        with self.log(number).open("ab") as log:
            # stdin is a pipe never written: the node ends when it closes, i.e. when this process does.
            self.processes[number] = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=log,
                                                      stderr=subprocess.STDOUT)

    def _rejoin(self, timeout: float) -> None:
        """Wait until every running node is in the cluster, then let every node vote again."""
        self.wait_for("yellow", nodes=len(self.running()), timeout=timeout)
        request("DELETE", f"{self.urls[self.running()[0]]}/_cluster/voting_config_exclusions?wait_for_removal=false")

    def _check_alive(self) -> None:
        for number, process in enumerate(self.processes):
            if process is not None and process.returncode is None and process.poll() is not None:
                raise ClusterError(f"{self.names[number]} exited with {process.returncode}" + self._tail(number))

    def _tail(self, number: int, lines: int = 20) -> str:
        text = self.log(number).read_text(errors="replace").splitlines()[-lines:]
        return f"; last lines of {self.log(number)}:\n" + "\n".join(text)
