"""Ctrl-C (SIGINT) during an import, as a process: the helper processes end quietly, what
was stored is committed, the summary so far is printed with "Interrupted", exit 130; the
knowledge base checks clean and importing again completes the set."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from helpers import descendants, kb_command, running, stored

ARTICLES = 600
TOPICS = ("budget", "schools", "flood", "election", "harbour", "railway", "hospital", "museum")


@pytest.fixture(scope="module")
def articles(tmp_path_factory):
    """ARTICLES distinct generated articles as JSON Lines."""
    path = tmp_path_factory.mktemp("interrupt") / "articles.jsonl"
    rows = []
    for number in range(ARTICLES):
        topic, other = TOPICS[number % len(TOPICS)], TOPICS[number * 3 % len(TOPICS)]
        body = " ".join(f"Officials in Springfield said on day {number + day} that the {topic} plan for ward "
                        f"{number} would meet the {other} committee, Mayor Jane Smith told the council."
                        for day in range(8))
        rows.append({"title": f"Springfield {topic} report number {number}", "body": body})
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    return path


@pytest.mark.parametrize("to_group", [True, False], ids=["ctrl-c-to-the-group", "kill-int-to-the-import"])
def test_ctrl_c_commits_what_was_stored_and_exits_130(tmp_path, articles, to_group, invoke):
    """A terminal's Ctrl-C reaches the workers too (they printed two tracebacks, then
    "Aborted!", no summary, exit 1); `kill -INT` reaches the import alone. The interrupted
    import is a process; the check and the import after it run the CLI in this process."""
    kb_path = tmp_path / "kb"
    process = subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(kb_path), "import", str(articles),
                                "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    helpers, deadline = set(), time.monotonic() + 240
    while not stored(kb_path) and process.poll() is None and time.monotonic() < deadline:
        helpers |= descendants(process.pid)
        time.sleep(0.02)
    assert stored(kb_path) and len(helpers) == 2, "the import did not start storing"
    if to_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=240)

    assert process.returncode == 130, err
    assert "Traceback" not in err and "Aborted" not in err, err
    summary = re.fullmatch(r"Imported (\d+) articles, 0 duplicates, 0 skipped, 0 failed\n", out)
    assert summary, out
    imported = int(summary.group(1))
    assert 0 < imported < ARTICLES and imported == stored(kb_path)
    assert err.splitlines()[-1].startswith("Interrupted: ")
    assert not [pid for pid in helpers if running(pid)]

    report = json.loads(invoke("check", "--json", kb_path=kb_path).stdout)
    assert report["ok"] and report["articles"] == report["indexed"] == imported and report["queued"] == 0, report
    again = invoke("import", articles, kb_path=kb_path)
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith(f"Imported {ARTICLES - imported} articles, {imported} duplicates,")
