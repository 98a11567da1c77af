"""`kb check` finds every way the index can disagree with the store; `--repair` mends it."""
from __future__ import annotations

import json
import shutil

from kb import Article, KnowledgeBase


def damage(kb_path):
    """An orphan, a missing article and a double in the index, as bugs or crashes might leave."""
    with KnowledgeBase(kb_path) as kb:
        article = next(iter(kb.store.iter_articles()))[0]
        with kb.index.writer() as writer:
            writer.add(Article(title="Ghost", body="Only in the index.", id="ghost00000000000"))
            writer.delete(article.id)
        return article.id


def test_check_reports_and_repair_mends(invoke, reuters_path, tmp_path):
    kb_path = tmp_path / "kb"
    shutil.copytree(reuters_path, kb_path)
    assert invoke("check", kb_path=kb_path).exit_code == 0
    missing = damage(kb_path)
    with KnowledgeBase(kb_path) as kb:
        doubled = next(iter(kb.store.iter_articles()))[1]
        with kb.index.writer() as writer:
            writer.add(doubled)
    result = invoke("check", "--json", kb_path=kb_path)
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and not report["ok"]
    assert report["missing_from_index"] == [missing]
    assert report["orphaned_in_index"] == ["ghost00000000000"]
    assert report["indexed_twice"] == [doubled.id]
    text = invoke("check", kb_path=kb_path).stdout
    assert "1 missing from the index" in text and "1 in the index only: ghost00000000000" in text

    repaired = invoke("check", "--repair", kb_path=kb_path)
    assert repaired.exit_code == 0 and "Repaired" in repaired.stdout
    after = json.loads(invoke("check", "--json", kb_path=kb_path).stdout)
    assert after["ok"] and after["indexed"] == after["articles"]


def test_repair_rebuilds_a_missing_index(invoke, seeded_path):
    shutil.rmtree(seeded_path / "index")
    report = json.loads(invoke("check", "--json", kb_path=seeded_path).stdout)
    assert report["index_current"] is False and not report["ok"]
    invoke("check", "--repair", kb_path=seeded_path)
    assert json.loads(invoke("check", "--json", kb_path=seeded_path).stdout)["ok"]
