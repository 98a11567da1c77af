"""The spaCy extractor, with a blank pipeline and an EntityRuler (no model download)."""
from __future__ import annotations

import pytest

from helpers import SEED
from kb import KnowledgeBase

spacy = pytest.importorskip("spacy")


@pytest.fixture
def pipeline(tmp_path):
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "ORG", "pattern": "IRS"}, {"label": "ORG", "pattern": "ICE"},
        {"label": "PERSON", "pattern": [{"LOWER": "scott"}, {"LOWER": "bessent"}]},
        {"label": "GPE", "pattern": "Massachusetts"}, {"label": "DATE", "pattern": "Wednesday"},
    ])
    path = tmp_path / "ruler-pipeline"
    nlp.to_disk(path)
    return path


def test_a_knowledge_base_can_use_a_spacy_pipeline(tmp_path, pipeline):
    with KnowledgeBase(tmp_path / "kb", extractor=f"spacy:{pipeline}") as kb:
        kb.import_paths([SEED])
        article = next(iter(kb.store.iter_articles()))[0]
        found = {(e.type, e.name): e.count for e in article.entities}
        assert found == {("org", "IRS"): 7, ("org", "ICE"): 3, ("person", "Scott Bessent"): 1,
                         ("place", "Massachusetts"): 1}
        assert kb.store.db.execute("select extractor from articles").fetchone()[0] == f"spacy:{pipeline}"
        for entity in article.entities:
            assert all(article.body[start:end] == entity.name for start, end in entity.spans)


def test_a_missing_pipeline_is_a_clear_error(tmp_path):
    from kb.errors import KBError

    with pytest.raises(KBError, match="spaCy pipeline 'no_such_pipeline' is not installed"):
        KnowledgeBase(tmp_path / "kb", extractor="spacy:no_such_pipeline")


def test_reextract_switches_extractor_and_facets_follow(tmp_path, pipeline, invoke):
    kb_path = tmp_path / "kb"
    invoke("import", SEED, kb_path=kb_path)  # the built-in CRF extractor
    before = invoke("search", "IRS", "--json", kb_path=kb_path).stdout
    assert '"Kristi Noem"' in before
    result = invoke("reextract", "--ner", f"spacy:{pipeline}", kb_path=kb_path)
    assert result.stdout == "Re-extracted 1 article\n"
    after = invoke("search", "IRS", "--json", kb_path=kb_path).stdout
    assert '"Kristi Noem"' not in after and '"Scott Bessent"' in after
    assert invoke("reextract", kb_path=kb_path).stdout == "Re-extracted 0 articles\n"
    assert invoke("reextract", "--all", kb_path=kb_path).stdout == "Re-extracted 1 article\n"
