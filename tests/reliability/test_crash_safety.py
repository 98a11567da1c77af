"""SIGKILL at random moments of an import, Whoosh commit included: nothing lost, nothing doubled.

Each run starts a real `kb import` process on real BBC articles (random kills: on Whoosh
and on OpenSearch; the other tests: Whoosh), kills it after a random delay drawn over
the whole length of an import, then checks that the knowledge base
opens, that after the next command the index and the store hold the same ids, and that
re-running the import completes it: no duplicates, as many articles as a clean import of
the same file (and as distinct inputs). The killed imports are processes; the commands
after them, which are not what is killed, run the real CLI in this process (`invoke`).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace

from backends import backend, copy_on, remove_index  # noqa: F401 (backend: a fixture)
from helpers import THOROUGH, descendants, kb_command, running

# Kills per backend: the fast default, and with NEWSKB_THOROUGH=1 (a run on OpenSearch
# also makes and removes an index on the cluster, so it costs more).
RUNS = {"whoosh": (10, 100), "opensearch": (4, 20)}


def clean_import(empty, kb_path, settings, source) -> tuple[float, dict]:
    """A copy of the empty knowledge base on the backend's index, imported whole without a
    kill: how long it took, and `kb check`'s report."""
    copy_on(empty, kb_path, settings)
    start = time.monotonic()
    done = kb_command(kb_path, "import", source)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - start, json.loads(kb_command(kb_path, "check", "--json").stdout)


def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path, articles_file, template, backend, invoke):
    source, distinct = articles_file
    empty, _ = template
    duration, clean = clean_import(empty, tmp_path / "clean", backend, source)
    assert clean["ok"] and clean["articles"] == clean["indexed"] == distinct, clean
    runs = RUNS[backend.backend if backend else "whoosh"][THOROUGH]
    rng = random.Random(20261125)
    outcomes = []
    for run in range(runs):
        kb_path = tmp_path / f"run{run}"
        settings = backend and replace(backend, index_name=f"{backend.index_name}-{run}")
        copy_on(empty, kb_path, settings)
        process = subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(kb_path), "import", str(source)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # One kill in each slice of the import's length: few runs still spread over it.
        time.sleep(0.05 + (run + rng.random()) / runs * (duration * 1.1 - 0.05))
        process.send_signal(signal.SIGKILL)
        process.wait()

        stats = invoke("stats", "--json", kb_path=kb_path)  # opens, and is "the next command"
        assert stats.exit_code == 0, stats.stderr
        report = json.loads(invoke("check", "--json", kb_path=kb_path).stdout)
        assert report["ok"], (run, report)
        outcomes.append(report["articles"])

        again = invoke("import", source, kb_path=kb_path)
        assert again.exit_code == 0, again.stderr
        final = json.loads(invoke("check", "--json", kb_path=kb_path).stdout)
        assert final["ok"] and final["articles"] == final["indexed"] == clean["articles"], (run, final)
        if settings is not None:
            remove_index(kb_path)
    if backend is not None:
        remove_index(tmp_path / "clean")
    # The kills landed at different stages: before the last batch was stored, and after
    # some were (how many stages a loaded machine's timing spreads them over varies).
    assert min(outcomes) < distinct and len(set(outcomes)) >= 2


def test_the_import_helper_processes_end_when_the_import_is_killed(tmp_path, articles_file, template):
    source, _ = articles_file
    empty, duration = template
    kb_path = tmp_path / "kb"
    shutil.copytree(empty, kb_path)
    process = subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(kb_path), "import", str(source),
                                "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    helpers, deadline = set(), time.monotonic() + 5 * duration + 30
    while len(helpers) < 2 and process.poll() is None and time.monotonic() < deadline:
        helpers |= descendants(process.pid)
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert len(helpers) >= 2, "the import ended before its workers were seen"
    deadline = time.monotonic() + 20
    while any(map(running, helpers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in helpers if running(pid)]


# The importing process: starts a worker, waits for its answer to a first request, writes
# the start of a 1 MB request into its queue's pipe (a batch it dies half-way through
# sending), and is killed there.
HALF_SENT = """
import multiprocessing, os, signal, struct, sys
from kb.workers import Worker
context = multiprocessing.get_context("fork")
worker = Worker(context, "none", sys.argv[1], context.Event())
worker.finish_segment({})
assert worker.result() is None
os.write(worker.requests._writer.fileno(), struct.pack("!i", 1 << 20) + b"x" * 1000)
print(worker.process.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_worker_ends_when_the_import_dies_half_way_through_sending_it_a_batch(tmp_path):
    process = subprocess.run([sys.executable, "-c", HALF_SENT, str(tmp_path / "index")],
                             capture_output=True, text=True, timeout=60)
    assert process.returncode == -signal.SIGKILL, process.stderr
    worker = int(process.stdout)
    deadline = time.monotonic() + 20
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(worker)


def test_a_worker_killed_mid_import_fails_the_import_in_one_line_and_loses_nothing(tmp_path, articles_file, template,
                                                                                     invoke):
    source, distinct = articles_file
    empty, duration = template
    kb_path = tmp_path / "kb"
    shutil.copytree(empty, kb_path)
    process = subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(kb_path), "import", str(source),
                                "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers, deadline = set(), time.monotonic() + 5 * duration + 30
    while not workers and process.poll() is None and time.monotonic() < deadline:
        workers = descendants(process.pid)
        time.sleep(0.01)
    assert workers, "the import ended before its worker was seen"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    assert stderr.startswith("Error: an import helper process died") and stderr.count("\n") == 1, stderr

    report = json.loads(invoke("check", "--json", kb_path=kb_path).stdout)
    assert report["ok"], report
    again = invoke("import", source, kb_path=kb_path)
    assert again.exit_code == 0, again.stderr
    final = json.loads(invoke("check", "--json", kb_path=kb_path).stdout)
    assert final["ok"] and final["articles"] == final["indexed"] == distinct, final
