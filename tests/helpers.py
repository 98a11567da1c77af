"""Constants and helpers the tests share (fixtures are in conftest.py)."""
from __future__ import annotations

import fcntl
import os
import pty
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from contextlib import suppress
from pathlib import Path

import click
import pytest

DATA = Path(__file__).parent / "data"
SEED = DATA / "scraped" / "irs-dhs-breach.txt"
SEED_TITLE = "IRS Illegally Shared Taxpayer Data With DHS in MAJOR Privacy Breach"
# Small slices of the shared corpora, in their layout, kept in the repository (sources and
# licences: tests/data/README.md): every test but the `corpora` set reads these.
SLICES = DATA / "corpora"
# The whole corpora, for the tests marked `corpora` (`pytest -m corpora`): next to the
# project checkout, or where NEWSKB_CORPORA says.
CORPORA = Path(os.environ.get("NEWSKB_CORPORA") or Path(__file__).resolve().parents[2] / "shared" / "corpora")
# NEWSKB_THOROUGH=1: the randomised reliability tests (kills at random moments) run many
# more times than their fast default.
THOROUGH = os.environ.get("NEWSKB_THOROUGH") == "1"
# The real `kb` command as a process.
KB_PROCESS = (sys.executable, "-m", "kb")


def subcommands(group: click.Group) -> dict[str, click.Command]:
    """A Click group's commands by name, those it loads only when asked for included
    (the `kb` group's: `group.commands` holds none of them)."""
    context = click.Context(group)
    return {name: group.get_command(context, name) for name in group.list_commands(context)}


def sliced(*parts: str) -> Path:
    """A path inside the corpus slices of tests/data/corpora."""
    path = SLICES.joinpath(*parts)
    assert path.exists(), f"{path} is not in the slices of tests/data/corpora"
    return path


def corpus(*parts: str) -> Path:
    """A path inside the whole shared corpora (for tests marked `corpora`); skipped,
    saying why, where they are absent."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus not found at {path} (set NEWSKB_CORPORA)")
    return path


def kb_command(kb_path, *args, **options) -> subprocess.CompletedProcess:
    """Run the real `kb` command as a process on the knowledge base at `kb_path`."""
    return subprocess.run([*KB_PROCESS, "--kb", str(kb_path), *map(str, args)],
                          capture_output=True, text=True, timeout=300, **options)


def on_terminal(args: list[str], env: dict, columns: int = 100, timeout: float = 120,
                command: tuple[str, ...] = KB_PROCESS) -> tuple[int, str]:
    """Run `kb ARGS` (by `command`) with stdin, stdout and stderr on a pseudo-terminal
    `columns` wide; (exit code, everything it showed)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen([*command, *args], stdin=follower, stdout=follower,
                               stderr=follower, env={**env, "TERM": "xterm", "COLUMNS": str(columns)},
                               close_fds=True)
    os.close(follower)
    shown, deadline = bytearray(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end is closed: the process has ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return process.wait(timeout=30), shown.decode("utf-8", "replace").replace("\r\n", "\n")


def descendants(root: int) -> set[int]:
    """The processes below `root`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        with suppress(OSError, IndexError, ValueError):
            if entry.name.isdigit():
                children.setdefault(int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]), []).append(
                    int(entry.name))
    found, stack = set(), [root]
    while stack:
        found.update(below := children.get(stack.pop(), []))
        stack += below
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie may wait for a reaper the container lacks)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stored(kb_path) -> int:
    """Articles committed to the store so far, read beside a running import (0 before it exists)."""
    try:
        with sqlite3.connect(f"file:{kb_path / 'kb.db'}?mode=ro", uri=True) as db:
            return db.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.Error:
        return 0
