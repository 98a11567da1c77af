"""Real file systems that refuse writes: a read-only mount and a full one (tmpfs mounts;
skipped, saying why, where this process may not mount)."""
from __future__ import annotations

import json
import subprocess
from contextlib import contextmanager

import pytest

from helpers import SEED, kb_command


@contextmanager
def tmpfs(path, size_mb: int):
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or 'mount failed'}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount(path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


def test_read_only_knowledge_base_searches_and_refuses_imports_in_one_line(tmp_path):
    with tmpfs(tmp_path / "mnt", 64) as mount:
        kb_path = mount / "kb"
        assert kb_command(kb_path, "import", SEED).returncode == 0
        remount(mount, "ro")
        search = kb_command(kb_path, "search", "IRS AND ICE")
        assert search.returncode == 0 and search.stdout.startswith("1 match")
        assert kb_command(kb_path, "show", json.loads(kb_command(kb_path, "search", "IRS", "--json").stdout)
                          ["hits"][0]["id"]).returncode == 0
        refused = kb_command(kb_path, "import", SEED)
        assert refused.returncode == 1
        assert refused.stderr == f"Error: the knowledge base at {kb_path} is read-only\n"
        remount(mount, "rw")
        assert json.loads(kb_command(kb_path, "check", "--json").stdout)["ok"]


def test_a_full_disk_stops_the_import_cleanly_and_the_next_run_resumes(tmp_path, articles_file, invoke):
    """The import that fills the disk is a process; the commands before and after it run
    the CLI in this process."""
    source, distinct = articles_file
    with tmpfs(tmp_path / "mnt", 3) as mount:
        kb_path = mount / "kb"
        invoke("init", "--ner", "none", kb_path=kb_path)
        assert invoke("import", SEED, kb_path=kb_path).exit_code == 0
        full = kb_command(kb_path, "import", source)
        assert full.returncode == 1, full.stdout
        assert full.stderr.startswith(f"Error: the disk holding {kb_path} is full: ")
        assert len(full.stderr.splitlines()) == 1 and "Traceback" not in full.stderr
        remount(mount, "size=64m")
        stats = json.loads(invoke("stats", "--json", kb_path=kb_path).stdout)
        assert stats["articles"] >= 1  # the seed and every batch committed before the disk filled
        assert json.loads(invoke("check", "--json", kb_path=kb_path).stdout)["ok"]
        resumed = invoke("import", source, kb_path=kb_path)
        assert resumed.exit_code == 0, resumed.stderr
        final = json.loads(invoke("check", "--json", kb_path=kb_path).stdout)
        assert final["ok"] and final["articles"] == distinct + 1
