"""`kb search` answered by a resident searcher (kb.resident), as processes: the same
bytes, exit codes and terminal as a search run in its own process, fresh answers after
the knowledge base changes, and a searcher that ends when it should."""
from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import KB_PROCESS, SEED_TITLE, on_terminal, running
from kb.resident import CODE_ROOT, ENV_VAR

# All in one test process: the test of a change of code touches a module every searcher watches.
pytestmark = pytest.mark.xdist_group("resident")

# `kb` that only forwards: loading the command to run it in process fails, so an answer
# proves that a resident searcher gave it.
FORWARDED_ONLY = (sys.executable, "-c", "import sys; sys.modules['kb.cli'] = None; from kb.launch import main; main()")


@pytest.fixture
def resident(tmp_path):
    """An environment whose searches leave searchers (for 60 idle seconds), with sockets in
    a folder of the test's own; the searchers are stopped after the test. Every process
    loads the code this test loaded, whatever its working folder (a searcher answers only
    processes that run its own code: an installed newskb and a checkout have one each)."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    yield {**os.environ, ENV_VAR: "60", "XDG_RUNTIME_DIR": str(runtime), "PYTHONPATH": CODE_ROOT}
    for lock in runtime.glob("*/*.lock"):
        pid = int(lock.read_text() or 0)
        if pid and running(pid):
            os.kill(pid, signal.SIGTERM)


def run(args, env, command=KB_PROCESS, **options) -> subprocess.CompletedProcess:
    return subprocess.run([*command, *map(str, args)], env=env, text=True, timeout=120,
                          **{"capture_output": True, **options})


def searchers(env) -> list[Path]:
    return sorted(Path(env["XDG_RUNTIME_DIR"]).glob("newskb-*/*[0-9a-f]"))


def link_of(descriptor: Path) -> str:
    """What an open file descriptor of /proc names; "" for one closed since it was listed."""
    try:
        return os.readlink(descriptor)
    except FileNotFoundError:
        return ""


def listening(env) -> bool:
    """A searcher's socket is there and accepts."""
    for address in searchers(env):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(str(address)) == 0:
                return True
    return False


def started(env, folder) -> None:
    """Run a first search, in process, and wait until the searcher it leaves listens."""
    first = run(["--kb", folder, "search", "IRS"], env)
    assert first.returncode == 0, first.stderr
    deadline = time.monotonic() + 60
    while not searchers(env) and time.monotonic() < deadline:
        time.sleep(0.002)
    assert searchers(env), "no searcher started"
    assert listening(env), "the searcher's socket appeared before it listened"
    assert run(["--kb", folder, "search", "IRS"], env, FORWARDED_ONLY).returncode == 0


ANSWERS = [
    ["search", "IRS AND ICE"],
    ["search", "IRS", "--format", "json"],
    ["search", "IRS", "--format", "csv", "--fragments", "0"],
    ["search", "irs or ice"],  # a hint on stderr before the hits
    ["search", "IRS", "--page", "9"],  # a note: past the end
    ["search", "(IRS AND"],  # an error: exit 1, one line
    ["search", "IRS", "--limit", "0"],  # a usage error: exit 2
    ["search", "IRS", "--facet", "nonsense"],
    ["search", "--help"],
]


@pytest.mark.parametrize("args", ANSWERS, ids=[" ".join(args) for args in ANSWERS])
def test_a_forwarded_search_prints_what_the_search_in_its_own_process_prints(seeded_path, resident, args):
    started(resident, seeded_path)
    forwarded = run(["--kb", seeded_path, *args], resident, FORWARDED_ONLY)
    here = run(["--kb", seeded_path, *args], {**resident, ENV_VAR: "0"})
    assert (forwarded.returncode, forwarded.stdout, forwarded.stderr) == (here.returncode, here.stdout, here.stderr)
    assert here.stdout or here.stderr


def test_the_knowledge_base_can_be_named_relatively_or_by_kb_path(seeded_path, resident):
    started(resident, seeded_path)
    relative = run(["--kb", "seeded", "search", "IRS", "--format", "ids"], resident, FORWARDED_ONLY,
                  cwd=seeded_path.parent)
    by_variable = run(["search", "IRS", "--format", "ids"], {**resident, "KB_PATH": str(seeded_path)}, FORWARDED_ONLY)
    assert relative.returncode == by_variable.returncode == 0
    assert relative.stdout == by_variable.stdout and re.fullmatch(r"[0-9a-f]{16}\n", relative.stdout)
    assert len(searchers(resident)) == 1


def test_a_forwarded_search_sees_articles_imported_after_the_searcher_started(seeded_path, resident, tmp_path):
    started(resident, seeded_path)
    extra = tmp_path / "extra.txt"
    extra.write_text("Harbour pilots strike\n\nHarbour pilots in Rotterdam went on strike over pay.\n")
    assert run(["--kb", seeded_path, "import", extra], resident).returncode == 0
    found = run(["--kb", seeded_path, "search", "harbour", "--format", "ids"], resident, FORWARDED_ONLY)
    assert found.returncode == 0 and len(found.stdout.split()) == 1


def test_a_knowledge_base_made_again_in_the_same_folder_is_searched_afresh(seeded_path, resident, tmp_path):
    started(resident, seeded_path)
    shutil.rmtree(seeded_path)
    extra = tmp_path / "extra.txt"
    extra.write_text("Harbour pilots strike\n\nHarbour pilots in Rotterdam went on strike over pay.\n")
    assert run(["--kb", seeded_path, "import", extra], {**resident, ENV_VAR: "0"}).returncode == 0
    found = run(["--kb", seeded_path, "search", "IRS OR harbour", "--format", "csv"], resident)
    assert found.returncode == 0 and "Harbour pilots strike" in found.stdout and SEED_TITLE not in found.stdout


def test_a_forwarded_search_on_a_terminal_looks_as_one_run_in_process(seeded_path, resident):
    started(resident, seeded_path)
    env = {key: value for key, value in resident.items() if key not in ("NO_COLOR", "COLUMNS", "LINES")}
    args = ["--kb", str(seeded_path), "search", "IRS and ICE"]  # a hint on stderr, then the hits
    forwarded = on_terminal(args, env, columns=72, command=FORWARDED_ONLY)
    here = on_terminal(args, {**env, ENV_VAR: "0"}, columns=72)
    assert forwarded == here
    assert re.search(r"\x1b\[[0-9;]*m(IRS|ICE)\x1b\[0m", forwarded[1]), "matches are not coloured"


def test_a_reader_gone_and_a_full_disk_end_a_forwarded_search_as_one_run_in_process(seeded_path, resident):
    started(resident, seeded_path)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        gone = run(["--kb", seeded_path, "search", "IRS"], resident, FORWARDED_ONLY, stdout=write_end, capture_output=False,
                  stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert gone.returncode == 1 and gone.stderr == ""
    with open("/dev/full", "w") as full:
        done = run(["--kb", seeded_path, "search", "IRS"], resident, FORWARDED_ONLY, stdout=full, capture_output=False,
                  stderr=subprocess.PIPE)
    assert done.returncode == 1 and done.stderr == f"Error: {os.strerror(errno.ENOSPC)}\n"


def waiting_for_the_answer(pid: int, seconds: float = 60) -> None:
    """Wait until process `pid` has a socket open (it has connected and sent its request, and waits)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(link_of(entry).startswith("socket:") for entry in Path(f"/proc/{pid}/fd").iterdir()):
            time.sleep(0.2)
            return
        time.sleep(0.01)
    raise AssertionError("the search never connected")


def test_ctrl_c_while_waiting_for_the_searcher_ends_as_any_command(seeded_path, resident):
    started(resident, seeded_path)
    with socket.socket(socket.AF_UNIX) as busy:  # the searcher waits for this client's request
        busy.connect(str(searchers(resident)[0]))
        process = subprocess.Popen([*FORWARDED_ONLY, "--kb", str(seeded_path), "search", "IRS"], env=resident,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        waiting_for_the_answer(process.pid)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and stdout == "" and stderr == "Interrupted\n"


def test_without_a_searcher_a_search_runs_in_process_and_leaves_one(seeded_path, resident):
    assert searchers(resident) == []
    assert run(["--kb", seeded_path, "search", "IRS"], resident, FORWARDED_ONLY).returncode != 0  # none to forward to
    started(resident, seeded_path)


def test_kb_resident_0_leaves_no_searcher_and_other_commands_none(seeded_path, resident):
    assert run(["--kb", seeded_path, "search", "IRS"], {**resident, ENV_VAR: "0"}).returncode == 0
    assert run(["--kb", seeded_path, "stats"], resident).returncode == 0
    assert run(["--kb", seeded_path, "--debug", "search", "IRS"], resident).returncode == 0
    time.sleep(1.0)
    assert searchers(resident) == []


def test_a_socket_folder_others_can_enter_is_not_used(seeded_path, resident):
    shared = Path(resident["XDG_RUNTIME_DIR"]) / f"newskb-{os.getuid()}"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    assert run(["--kb", seeded_path, "search", "IRS"], resident).returncode == 0
    time.sleep(1.0)
    assert list(shared.iterdir()) == []


def lock_pid(env) -> int:
    return int(next(Path(env["XDG_RUNTIME_DIR"]).glob("*/*.lock")).read_text())


def ends(pid: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not running(pid)


def test_a_searcher_ends_when_idle(seeded_path, resident):
    idle = {**resident, ENV_VAR: "2"}
    started(idle, seeded_path)
    assert ends(lock_pid(idle)) and searchers(idle) == []


def test_a_searcher_ends_when_its_knowledge_base_is_removed(seeded_path, resident):
    started(resident, seeded_path)
    pid = lock_pid(resident)
    shutil.rmtree(seeded_path)
    assert ends(pid)


def test_a_searcher_whose_code_changed_declines_and_ends(seeded_path, resident):
    started(resident, seeded_path)
    pid = lock_pid(resident)
    module = Path(sys.modules["kb.resident"].__file__)
    kept = module.stat()
    os.utime(module, ns=(kept.st_atime_ns, kept.st_mtime_ns + 1_000_000))
    try:
        declined = run(["--kb", seeded_path, "search", "IRS"], resident, FORWARDED_ONLY)
        assert declined.returncode != 0 and "kb.cli" in declined.stderr  # it would have run in process
        assert ends(pid)
    finally:
        os.utime(module, ns=(kept.st_atime_ns, kept.st_mtime_ns))


def test_a_search_with_other_opensearch_credentials_is_not_forwarded(seeded_path, resident):
    """The searcher opened the knowledge base with its starter's credentials: a search with
    others runs in its own process."""
    started(resident, seeded_path)
    other = {**resident, "NEWSKB_OPENSEARCH_API_KEY": "another"}
    assert run(["--kb", seeded_path, "search", "IRS"], other, FORWARDED_ONLY).returncode != 0
    assert run(["--kb", seeded_path, "search", "IRS"], other).returncode == 0
    assert run(["--kb", seeded_path, "search", "IRS"], resident, FORWARDED_ONLY).returncode == 0  # still serving
