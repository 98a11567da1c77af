"""`kb init` and `kb reindex` given index options that do not go together, or a cluster
that is not there: one line each, and no knowledge base left half made. (The options on
a real cluster: index/test_opensearch_backend.py.)"""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("args, code, says", [
    (["--url", "http://127.0.0.1:9"], 2, "--url, --index-name, --ca-file, --insecure and --shards go with --index"),
    (["--shards", "3"], 2, "go with --index opensearch"),
    (["--index", "whoosh", "--shards", "3"], 1,
     "--url, --index-name, --ca-file and --shards are for --index opensearch"),
    (["--index", "opensearch"], 1, "an OpenSearch index needs the cluster's address: --url"),
    (["--index", "opensearch", "--url", "http://127.0.0.1:9", "--shards", "0"], 2, "0 is not in the range 1<=x<=1024"),
    (["--index", "opensearch", "--url", "http://127.0.0.1:9", "--index-name", "News"], 1,
     "cannot name an OpenSearch index 'News'"),
    (["--index", "opensearch", "--url", "http://127.0.0.1:9"], 1,
     "cannot reach the OpenSearch cluster at http://127.0.0.1:9"),
])
def test_init_refuses_in_one_line_and_leaves_nothing(invoke, tmp_path, args, code, says):
    done = invoke("init", *args, kb_path=tmp_path / "kb")
    assert done.exit_code == code
    errors = [line for line in done.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and says in errors[0]  # (a usage error adds the usage line before it)
    assert "Traceback" not in done.output and not (tmp_path / "kb").exists()


def test_reindex_refuses_options_without_the_backend_and_keeps_the_index(invoke, seeded_path):
    done = invoke("reindex", "--index-name", "news", kb_path=seeded_path)
    assert done.exit_code == 2 and "go with --index opensearch" in done.output
    assert invoke("search", "IRS AND ICE", "--format", "ids", kb_path=seeded_path).stdout.strip() != ""
