"""`kb search` answered by a resident searcher: a process that keeps one knowledge base
open between searches, so that a search costs Python's start-up and the query, not the
loading of Whoosh, numpy and the index's arrays each time.

The first `kb search` of a knowledge base runs in its own process as any command does,
then starts that knowledge base's searcher (kb.resident_server) in the background. The
next ones hand their arguments, folder, environment and terminal to it over a Unix socket
only this user can reach, and print what it sends back: the same bytes, exit code and
colours as a search run in process. The searcher serves one search at a time, and ends
after $KB_RESIDENT seconds without one (600 unless set; 0 turns resident searchers off),
when its knowledge base is removed, or when newskb's code changes under it. Whatever
stands in the way (no socket, a busy or missing searcher, --debug) leaves the search to
run in its own process.

This module is what `kb` loads before anything else: the standard library's light parts only.
"""
from __future__ import annotations

import os
import sys
import zlib

from kb.config import DB_NAME, kb_folder

ENV_VAR = "KB_RESIDENT"
# The folder this newskb is loaded from; a searcher runs the code of the process that starts
# it (put first on its path unless already on it: never ahead of the standard library by accident).
CODE_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
START = ("import sys; sys.path[:0] = [] if sys.argv[1] in sys.path else [sys.argv[1]]; "
         "from kb.resident_server import main; main(*sys.argv[1:])")
IDLE_SECONDS = 600
FORWARDED = "search"  # the command a resident searcher answers
# Frames of a searcher's answer: a kind byte, then the length of the data in 4 bytes.
STDOUT, STDERR, EXIT, DECLINED = b"o", b"e", b"x", b"d"


def idle_seconds() -> int:
    """How long a searcher waits for the next search ($KB_RESIDENT); 0 turns searchers off."""
    value = os.environ.get(ENV_VAR, "")
    return int(value) if value.isdigit() else IDLE_SECONDS


def enabled() -> bool:
    """Resident searchers are on ($KB_RESIDENT is not 0) and can work here: Unix sockets
    and user ids, and standard streams to hand over."""
    return bool(idle_seconds()) and hasattr(os, "getuid") and sys.stdout is not None and sys.stderr is not None


def frame(kind: bytes, data: bytes) -> bytes:
    """One frame: the kind, the data's length, the data.

    >>> frame(EXIT, b"0") == b"x" + bytes([0, 0, 0, 1]) + b"0"
    True
    """
    return kind + len(data).to_bytes(4, "big") + data


def frames(data: bytes) -> list[tuple[bytes, bytes]]:
    """The frames of a whole answer, [] when it is cut short.

    >>> frames(frame(STDOUT, b"hit") + frame(EXIT, b"0"))
    [(b'o', b'hit'), (b'x', b'0')]
    >>> frames(frame(STDOUT, b"hit")[:-1])
    []
    """
    found, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at + 1:at + 5], "big")
        if at + 5 + size > len(data):
            return []
        found.append((data[at:at + 1], data[at + 5:at + 5 + size]))
        at += 5 + size
    return found


class Search:
    """A `kb search` invocation a resident searcher could answer: its arguments and the
    knowledge base folder they name."""

    def __init__(self, args: list[str], folder: str):
        self.args, self.folder = args, folder

    @classmethod
    def parse(cls, args: list[str]) -> Search | None:
        """The search `args` (the words after `kb`) ask for; None for any other command
        and for --debug (its traceback is the process's own).

        >>> Search.parse(["--kb", "/news", "search", "IRS"]).folder
        '/news'
        >>> Search.parse(["stats"]) is None, Search.parse(["--debug", "search", "IRS"]) is None
        (True, True)
        """
        path, rest = None, list(args)
        while rest and rest[0].startswith("--kb"):
            option = rest.pop(0)
            if option == "--kb" and rest:
                path = rest.pop(0)
            elif option.startswith("--kb="):
                path = option[len("--kb="):]
            else:
                return None
        if not rest or rest[0] != FORWARDED:
            return None
        return cls(list(args), os.path.realpath(kb_folder(path)))

    @property
    def address(self) -> str | None:
        """The socket of this folder's searcher, in a folder only this user can enter; None
        when there is no such folder. The name also keys the Python and newskb code that
        serve it, so that another installation never answers."""
        home = os.path.join(os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp",
                            f"newskb-{os.getuid()}")
        try:
            os.mkdir(home, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
        status = os.lstat(home)
        if status.st_uid != os.getuid() or status.st_mode & 0o077 or not os.path.isdir(home):
            return None
        identity = "\0".join((self.folder, sys.executable, CODE_ROOT))
        return os.path.join(home, f"{zlib.crc32(identity.encode()):08x}{zlib.crc32(identity[::-1].encode()):08x}")

    def request(self) -> bytes:
        """What the searcher needs to run this search as this process would: arguments,
        folder, working folder, environment, and what standard output and error are."""
        import marshal

        environment = dict(os.environ)
        if sys.stdout.isatty() and not ("COLUMNS" in environment and "LINES" in environment):
            try:  # shutil.get_terminal_size's own order: the variables, then the terminal
                size = os.get_terminal_size(sys.__stdout__.fileno())
                environment = {"COLUMNS": str(size.columns), "LINES": str(size.lines), **environment}
            except OSError:
                pass
        streams = {name: (stream.isatty(), stream.encoding, stream.errors)
                   for name, stream in (("stdout", sys.stdout), ("stderr", sys.stderr))}
        return marshal.dumps({"args": self.args, "folder": self.folder, "cwd": os.getcwd(),
                              "environment": environment, **streams})

    def forward(self) -> int | None:
        """Have this folder's searcher run the search and print its answer here; the exit
        code, or None when no searcher answered (nothing is printed then)."""
        import socket

        address = self.address
        if address is None or not os.path.exists(os.path.join(self.folder, DB_NAME)):
            return None
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.connect(address)
                connection.sendall(self.request())
                connection.shutdown(socket.SHUT_WR)
                answer = frames(b"".join(iter(lambda: connection.recv(1 << 16), b"")))
            if not answer or answer[-1][0] != EXIT:
                return None
            return replay(answer)
        except OSError:
            return None

    def start_searcher(self) -> None:
        """Start this folder's searcher in the background, on its own: no terminal, no
        standard streams, no signals of this session."""
        import subprocess

        address = self.address
        if address is None:
            return
        subprocess.Popen([sys.executable, "-c", START, CODE_ROOT, self.folder, address, str(idle_seconds())],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         cwd="/", start_new_session=True)


def replay(answer: list[tuple[bytes, bytes]]) -> int:
    """Write a searcher's output here, in the order it was written there; its exit code.
    A reader gone or a full disk end it as they end a command run in process (kb.cli.base)."""
    streams = {STDOUT: sys.stdout.buffer, STDERR: sys.stderr.buffer}
    try:
        for kind, data in answer[:-1]:
            streams[kind].write(data)
            streams[kind].flush()
    except BrokenPipeError:
        silence(sys.stdout)
        return 1
    except OSError as error:
        silence(sys.stdout)
        sys.stderr.write(f"Error: {error.strerror}\n")
        return 1
    return int(answer[-1][1])


def silence(stream) -> None:
    """Send what is left of `stream` nowhere (its reader has gone, or its disk is full)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stream.fileno())
    os.close(devnull)
