"""Ctrl-C (SIGINT) ends every `kb` command alike, as a process: exit 130, "Interrupted" on
stderr, no traceback and no "Aborted!" (Click's ending: exit 1), wherever it lands; an
interrupted rebuild leaves the knowledge base whole. `kb import` ends its own way
(test_interrupt.py) and a forwarded search too (test_resident.py).

The signal lands where the process is known to be: blocked writing its first output into
a pipe filled beforehand (or reading a standard input nobody writes), or loading the
modules `python -X importtime` says it has loaded."""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from helpers import KB_PROCESS, subcommands
from kb import KnowledgeBase
from kb.cli import cli

ARTICLES = 400
TOPICS = ("budget", "schools", "flood", "election", "harbour", "railway", "hospital", "museum")
ENV = {**os.environ, "KB_RESIDENT": "0"}  # every search in its own process


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A knowledge base of ARTICLES generated articles and one story of three near-copies
    (built once; tests copy it)."""
    folder = tmp_path_factory.mktemp("ctrl-c")
    rows = [{"title": f"Springfield {TOPICS[n % 8]} report number {n}",
             "body": " ".join(f"Officials in Springfield said on day {n + day} that the {TOPICS[n % 8]} plan for "
                              f"ward {n} would meet the {TOPICS[n * 3 % 8]} committee, Mayor Jane Smith told the "
                              "council." for day in range(8)),
             "published": f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}", "source": "Gazette"} for n in range(ARTICLES)]
    rows += [{"title": f"Harbour strike, version {copy}", "published": f"2025-03-0{copy + 1}", "source": f"Paper {copy}",
              "body": "Harbour pilots in Rotterdam went on strike over pay on Monday, stopping ships for a day, "
                      "the port authority and the union of pilots said. " * 5} for copy in range(3)]
    (folder / "articles.jsonl").write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    with KnowledgeBase(folder / "kb") as knowledge_base:
        knowledge_base.import_paths([folder / "articles.jsonl"])
    return folder / "kb"


@pytest.fixture
def kb_path(template, tmp_path) -> Path:
    path = tmp_path / "kb"
    shutil.copytree(template, path)
    return path


def article_id(kb_path: Path) -> str:
    with KnowledgeBase(kb_path, create=False) as knowledge_base:
        return knowledge_base.search("Rotterdam", sort="oldest").hits[0].id


def story_id(kb_path: Path) -> str:
    with KnowledgeBase(kb_path, create=False) as knowledge_base:
        return knowledge_base.stories()[0]["story_id"]


# Each command with arguments that make it write something.
COMMANDS = {
    "check": lambda kb: ["check"],
    "count": lambda kb: ["count", "Springfield"],
    "entities": lambda kb: ["entities"],
    "entity": lambda kb: ["entity", "Jane Smith"],
    "import": lambda kb: ["import", "-"],  # waits for standard input
    "importers": lambda kb: ["importers"],
    "init": lambda kb: ["--kb", kb.with_name("new"), "init"],
    "network": lambda kb: ["network"],
    "optimize": lambda kb: ["optimize"],
    "reextract": lambda kb: ["reextract"],
    "reindex": lambda kb: ["reindex"],
    "search": lambda kb: ["search", "Springfield"],
    "show": lambda kb: ["show", article_id(kb)],
    "similar": lambda kb: ["similar", article_id(kb)],
    "stats": lambda kb: ["stats"],
    "stories": lambda kb: ["stories"],
    "story": lambda kb: ["story", story_id(kb)],
    "timeline": lambda kb: ["timeline", "Springfield"],
    "watch": lambda kb: ["watch", "add", "floods", "flood"],
}


def test_every_command_is_interrupted_here():
    assert sorted(COMMANDS) == sorted(subcommands(cli))


def filled_pipe() -> tuple[int, int, int]:
    """A pipe whose buffer is full: (read end, write end, bytes in it)."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    filled = 0
    try:
        while True:
            filled += os.write(write_end, b"." * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(write_end, True)
    return read_end, write_end, filled


def blocked_on_pipe(pid: int, seconds: float = 120) -> None:
    """Wait until process `pid` sleeps reading or writing a pipe (/proc/PID/wchan)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if "pipe" in Path(f"/proc/{pid}/wchan").read_text():
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} never blocked on a pipe")


def drained(*pipes: int) -> list[bytes]:
    """Everything read from each pipe until its writers have all closed it."""
    data, open_ = {pipe: b"" for pipe in pipes}, set(pipes)
    while open_:
        for pipe in select.select(list(open_), [], [])[0]:
            chunk = os.read(pipe, 1 << 16)
            data[pipe] += chunk
            if not chunk:
                open_.discard(pipe)
                os.close(pipe)
    return [data[pipe] for pipe in pipes]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_ctrl_c_ends_every_command_with_130_and_one_line(kb_path, name):
    """The process is stopped where it writes its first output (its standard output and
    error are pipes filled beforehand), or reads standard input, then sent SIGINT."""
    args = [str(arg) for arg in COMMANDS[name](kb_path)]
    out_read, out_write, out_filled = filled_pipe()
    err_read, err_write, err_filled = filled_pipe()
    process = subprocess.Popen([*KB_PROCESS, "--kb", str(kb_path), *args], stdin=subprocess.PIPE,
                               stdout=out_write, stderr=err_write, env=ENV)
    os.close(out_write)
    os.close(err_write)
    try:
        blocked_on_pipe(process.pid)
        process.send_signal(signal.SIGINT)
        out, err = drained(out_read, err_read)
    finally:
        process.stdin.close()
    code = process.wait(timeout=60)
    err = err[err_filled:].decode()
    assert code == 130, err
    assert "Traceback" not in err and "Aborted" not in err, err
    if name == "import":  # the summary of what it stored (nothing), then how to go on
        assert out[out_filled:].startswith(b"Imported 0 articles") and err.startswith("Interrupted: "), err
    else:
        assert err == "Interrupted\n"


@pytest.mark.parametrize("loaded", ["click", "kb.cli", "whoosh.index", "kb.api"])
def test_ctrl_c_while_modules_load_ends_with_130_and_one_line(kb_path, loaded):
    """SIGINT sent as soon as `python -X importtime` reports the module `loaded`: it lands
    while the command's modules load (before Click runs, or inside the command). The
    process cannot end first: its standard output is a full pipe."""
    out_read, out_write, _ = filled_pipe()
    process = subprocess.Popen([*KB_PROCESS[:1], "-X", "importtime", *KB_PROCESS[1:], "--kb", str(kb_path), "stats"],
                               stdout=out_write, stderr=subprocess.PIPE, text=True, env=ENV)
    os.close(out_write)
    lines, watchdog = [], threading.Timer(120, process.kill)  # (a line never seen: the pipe keeps it waiting)
    watchdog.start()
    for line in process.stderr:
        lines.append(line)
        if line.rsplit("|", 1)[-1].strip() == loaded:
            process.send_signal(signal.SIGINT)
            break
    lines += process.stderr
    drained(out_read)
    watchdog.cancel()
    assert process.wait(timeout=60) == 130, "".join(lines)
    said = [line for line in lines if not line.startswith("import time:")]
    assert said == ["Interrupted\n"], "".join(lines)


def test_an_interrupted_reindex_leaves_the_knowledge_base_whole(kb_path):
    """SIGINT once the new index is being built beside the old one: the old one stays, the
    new one is removed, `kb check` passes and a search finds every article."""
    process = subprocess.Popen([*KB_PROCESS, "--kb", str(kb_path), "reindex"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=ENV)
    deadline = time.monotonic() + 120
    while not list(kb_path.glob("index.new-*")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err) == (130, "", "Interrupted\n")
    assert sorted(path.name for path in kb_path.iterdir()) == ["index", "kb.db"]

    check = subprocess.run([*KB_PROCESS, "--kb", str(kb_path), "check", "--json"], capture_output=True, text=True,
                           env=ENV, timeout=120)
    report = json.loads(check.stdout)
    assert check.returncode == 0 and report["ok"] and report["indexed"] == ARTICLES + 3, report
    found = subprocess.run([*KB_PROCESS, "--kb", str(kb_path), "count", "Springfield", "--format", "json"],
                           capture_output=True, text=True, env=ENV, timeout=120)
    assert found.returncode == 0 and sum(row["count"] for row in json.loads(found.stdout)) == ARTICLES
