"""The OpenSearch backend used as a cluster: shards and a replica, watches and moves
between backends. (Search agreement with Whoosh: test_reference_search.py and
test_acceptance.py, parametrised over both backends; searches and imports through the
loss of a node: reliability/test_node_loss.py.)"""
from __future__ import annotations

import pytest

from backends import index_settings, put_on, remove_index
from helpers import SEED
from index.opensearch.mapping import MAPPING_VERSION, REPLICAS, SHARDS
from kb import KnowledgeBase

pytestmark = pytest.mark.opensearch


@pytest.fixture
def settings(request):
    return index_settings(request, "opensearch")


def test_the_index_has_shards_a_replica_and_a_versioned_mapping(tmp_path, settings):
    with KnowledgeBase(tmp_path / "kb", index=settings) as kb:
        kb.import_paths([SEED])
        client, alias = kb.index.client, settings.index_name
        (concrete, found), = client.indices.get_settings(index=alias).items()
        assert concrete.startswith(f"{alias}-v{MAPPING_VERSION}-")
        assert (found["settings"]["index"]["number_of_shards"], found["settings"]["index"]["number_of_replicas"]) == (
            str(SHARDS), str(REPLICAS))
        assert kb.index_settings == settings.checked() and kb.search("IRS AND ICE").total == 1
        kb.index.delete()


def test_init_makes_as_many_shards_as_asked(invoke, tmp_path, settings):
    """`kb init --shards 3`: one shard per machine of a bigger cluster."""
    assert invoke("init", "--index", "opensearch", "--url", settings.url, "--index-name", settings.index_name,
                  "--shards", "3", kb_path=tmp_path / "kb").exit_code == 0
    with KnowledgeBase(tmp_path / "kb") as kb:
        kb.import_paths([SEED])
        (_, found), = kb.index.client.indices.get_settings(index=settings.index_name).items()
        assert found["settings"]["index"]["number_of_shards"] == "3" and kb.index_settings.shards == 3
        assert kb.search("IRS AND ICE").total == 1
        kb.index.delete()


def test_an_index_of_another_mapping_version_is_rebuilt_by_the_next_search(tmp_path, settings, monkeypatch):
    import index.opensearch.backend as backend

    with KnowledgeBase(tmp_path / "kb", index=settings) as kb:
        kb.import_paths([SEED])
    monkeypatch.setattr(backend, "MAPPING_VERSION", MAPPING_VERSION + 1)
    with KnowledgeBase(tmp_path / "kb") as kb:
        assert not kb.index.is_current()
    monkeypatch.undo()
    with KnowledgeBase(tmp_path / "kb") as kb:
        remove_index(tmp_path / "kb")
        assert kb.search("IRS AND ICE").total == 1  # rebuilt from SQLite
        kb.index.delete()


def test_watches_and_a_move_back_to_whoosh(tmp_path, settings):
    path = tmp_path / "kb"
    with KnowledgeBase(path) as kb:
        kb.watches.add("agency", "org:ICE")
    put_on(path, settings)
    with KnowledgeBase(path) as kb:
        kb.import_paths([SEED])
        found = kb.watches.run("agency")["agency"]
        assert [article.title for article in found] == [kb.search("org:ICE").hits[0].title]
        assert kb.watches.run("agency")["agency"] == []
        kb.reindex(index=type(settings)())  # back to Whoosh: the cluster's index goes
        assert not kb.index.path.name.startswith("test-") and kb.search("org:ICE").total == 1
        assert not kb.index_settings.url
