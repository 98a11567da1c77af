"""Two imports at once, and searches during an import: all succeed, nothing is lost."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

from helpers import kb_command


def start_import(kb_path, source):
    return subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(kb_path), "import", str(source)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_imports_started_together_both_finish_and_lose_nothing(tmp_path, articles_file, template):
    source, distinct = articles_file
    lines = source.read_text().splitlines()
    halves = [tmp_path / "first.jsonl", tmp_path / "second.jsonl"]
    halves[0].write_text("\n".join(lines[: len(lines) * 2 // 3]) + "\n")  # the halves overlap:
    halves[1].write_text("\n".join(lines[len(lines) // 3:]) + "\n")  # duplicates across processes
    kb_path = tmp_path / "kb"
    shutil.copytree(template[0], kb_path)
    processes = [start_import(kb_path, half) for half in halves]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    imported = [int(out.split()[1]) for out, _ in outputs]
    assert sum(imported) == distinct
    report = json.loads(kb_command(kb_path, "check", "--json").stdout)
    assert report["ok"] and report["articles"] == report["indexed"] == distinct


def test_searches_during_an_import_always_succeed(tmp_path, articles_file, template):
    source, distinct = articles_file
    kb_path = tmp_path / "kb"
    shutil.copytree(template[0], kb_path)
    process = start_import(kb_path, source)
    totals = []
    while process.poll() is None:
        result = kb_command(kb_path, "search", "the", "--format", "json", "--facet-limit", "3")
        assert result.returncode == 0, result.stderr
        totals.append(json.loads(result.stdout)["total"])
        time.sleep(0.05)
    assert process.returncode == 0
    assert totals and totals == sorted(totals)  # each search sees a consistent, growing state
    final = json.loads(kb_command(kb_path, "search", "the", "--format", "json").stdout)["total"]
    assert final >= max(totals) and json.loads(kb_command(kb_path, "check", "--json").stdout)["ok"]
