"""A resident searcher (see kb.resident): one knowledge base kept open, running the
`kb search`es forwarded to it one at a time, each as the forwarding process would have
run it (its arguments, working folder, environment, and standard streams that are a
terminal where its own are).

Started by kb.resident's Search.start_searcher(), which calls main().
"""
from __future__ import annotations

import contextlib
import fcntl
import io
import marshal
import os
import socket
import sys
import time
from pathlib import Path

from kb.api import KnowledgeBase
from kb.cli import cli
from kb.config import DB_NAME, INDEX_DIR
from kb.resident import DECLINED, EXIT, STDERR, STDOUT, frame

TICK_SECONDS = 5.0  # how often an idle searcher looks whether it should end
# Variables read when a knowledge base is opened (the OpenSearch credentials: index/opensearch/
# client.py): a client whose values differ from the searcher's runs its search itself.
OPENING_VARIABLES = "NEWSKB_OPENSEARCH_"
REQUEST_SECONDS = 10.0  # a client that sends no request for so long is left (the next one waits meanwhile)
CODE_ROOT = Path(__file__).resolve().parents[1]
CODE = [CODE_ROOT / package for package in ("kb", "index", "importers")]


class Output(io.RawIOBase):
    """One of the client's standard streams: each write becomes a frame of the answer, so
    that both streams keep the order they were written in."""

    def __init__(self, answer: list[bytes], kind: bytes):
        super().__init__()
        self.answer, self.kind = answer, kind

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.answer.append(frame(self.kind, bytes(data)))
        return len(data)


class ClientStream(io.TextIOWrapper):
    """A text stream into Output that is a terminal when the client's stream is one (Click
    keeps colours, and newskb sizes snippets, by `isatty()`)."""

    def __init__(self, output: Output, tty: bool, encoding: str, errors: str):
        super().__init__(output, encoding=encoding, errors=errors, write_through=True)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def code_stamp() -> dict[str, int]:
    """The modification time of every module of newskb's packages."""
    return {str(path): path.stat().st_mtime_ns for folder in CODE for path in folder.rglob("*.py")}


def folder_stamp(folder: str) -> tuple:
    """The identities of the knowledge base's database and index folder (another process
    that replaces either makes the searcher open the knowledge base again)."""
    identities = []
    for name in (DB_NAME, INDEX_DIR):
        try:
            status = os.stat(os.path.join(folder, name))
            identities.append((status.st_dev, status.st_ino))
        except FileNotFoundError:
            identities.append(None)
    return tuple(identities)


def opening_variables(environment: dict) -> dict:
    return {name: value for name, value in environment.items() if name.startswith(OPENING_VARIABLES)}


@contextlib.contextmanager
def as_client(request: dict, answer: list[bytes]):
    """The client's environment, working folder and standard streams, for one search."""
    environment, folder, streams = dict(os.environ), os.getcwd(), (sys.stdout, sys.stderr)
    os.environ.clear()
    os.environ.update(request["environment"])
    try:
        os.chdir(request["cwd"])
        sys.stdout, sys.stderr = (ClientStream(Output(answer, kind), *request[name])
                                  for kind, name in ((STDOUT, "stdout"), (STDERR, "stderr")))
        yield
    finally:
        sys.stdout, sys.stderr = streams
        os.chdir(folder)
        os.environ.clear()
        os.environ.update(environment)


class Searcher:
    """The searcher of one knowledge base folder."""

    def __init__(self, folder: str, idle_seconds: float):
        self.folder, self.idle_seconds = folder, idle_seconds
        self.code = code_stamp()
        self.stamp = folder_stamp(folder)
        self.opened_with = opening_variables(os.environ)
        self.kb = KnowledgeBase(folder, create=False)
        self.ended = False

    def serve(self, listener: socket.socket) -> None:
        """Answer searches until idle for idle_seconds, or until ended."""
        listener.settimeout(min(TICK_SECONDS, self.idle_seconds))
        last = time.monotonic()
        while not self.ended:
            try:
                connection, _ = listener.accept()
            except socket.timeout:
                self.ended = time.monotonic() - last > self.idle_seconds or not self.still_valid()
                continue
            with connection:
                self.answer(connection)
            last = time.monotonic()

    def still_valid(self) -> bool:
        """The folder still holds a knowledge base, and newskb's code is the one loaded."""
        return os.path.exists(os.path.join(self.folder, DB_NAME)) and code_stamp() == self.code

    def answer(self, connection: socket.socket) -> None:
        connection.settimeout(REQUEST_SECONDS)
        peer_uid = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)[4:8]
        if int.from_bytes(peer_uid, sys.byteorder) != os.getuid():
            return
        try:
            request = marshal.loads(b"".join(iter(lambda: connection.recv(1 << 16), b"")))
            connection.sendall(b"".join(self.run(request)))
        except (OSError, EOFError, ValueError, TypeError):
            pass  # the client has gone, or sent no request: it runs its search itself

    def run(self, request: dict) -> list[bytes]:
        """The frames of the answer to one request: what the search wrote and its exit
        code, or DECLINED (the client then runs the search itself)."""
        if request.get("folder") != self.folder or opening_variables(request["environment"]) != self.opened_with:
            return [frame(DECLINED, b"")]
        if not self.still_valid():
            self.ended = True
            return [frame(DECLINED, b"")]
        self.reopen_if_replaced()
        answer: list[bytes] = []
        try:
            with as_client(request, answer):
                cli.main(request["args"], prog_name="kb", obj=self.kb)
        except SystemExit as end:
            return [*answer, frame(EXIT, str(exit_status(end.code)).encode())]
        except Exception:  # noqa: BLE001 (the client runs it again itself, and shows what happens)
            self.ended = True
        return [frame(DECLINED, b"")]

    def reopen_if_replaced(self) -> None:
        stamp = folder_stamp(self.folder)
        if stamp != self.stamp:
            self.kb.close()
            self.kb, self.stamp = KnowledgeBase(self.folder, create=False), stamp

    def close(self) -> None:
        self.kb.close()


def serve(folder: str, address: str, idle_seconds: float) -> None:
    """Serve `folder` on `address` unless another searcher does already."""
    with open(f"{address}.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        searcher = Searcher(folder, idle_seconds)
        # Bound and listening under a name of the same length (a socket's path is short),
        # then given its own: a client that finds the name finds a listening searcher.
        binding = address[:-1] + "~"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(binding)  # left by a searcher that was killed
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(binding)
            listener.listen(16)
            os.replace(binding, address)
            try:
                searcher.serve(listener)
            finally:
                os.unlink(address)
                searcher.close()


def exit_status(code) -> int:
    """The exit status a SystemExit's `code` gives a process: 0 for None, a number as it
    is (click's ExitCode too: an IntEnum, whose str() is its name before Python 3.11),
    1 for anything else.

    >>> from enum import IntEnum
    >>> exit_status(None), exit_status(2), exit_status(IntEnum("ExitCode", {"ERROR": 1}).ERROR), exit_status("x")
    (0, 2, 1, 1)
    """
    if code is None:
        return 0
    return int(code) if isinstance(code, int) else 1


def main(code_root: str, folder: str, address: str, idle_seconds: str) -> None:
    """Serve, if this is the code the starting process runs (else that process's searches
    run in their own processes)."""
    if Path(code_root).resolve() == CODE_ROOT:
        serve(folder, address, float(idle_seconds))
