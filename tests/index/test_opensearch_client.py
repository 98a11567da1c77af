"""How the OpenSearch backend reads through a node's loss (`index.opensearch.client.patiently`),
fed the errors opensearch-py raises; the same reads against a real cluster losing its
cluster manager: reliability/test_node_loss.py and opensearch/test_cluster.py."""
from __future__ import annotations

import pytest

opensearchpy = pytest.importorskip("opensearchpy", reason="the OpenSearch client (newskb[opensearch]) is not installed")
ConnectionError, TransportError = opensearchpy.ConnectionError, opensearchpy.TransportError

from index.opensearch.client import ClusterUnavailable, patiently
from index.settings import IndexSettings

SETTINGS = IndexSettings("opensearch", url="http://127.0.0.1:9", index_name="news")
NODE_GONE = TransportError(500, "search_phase_execution_exception", {"error": {
    "root_cause": [], "type": "search_phase_execution_exception", "phase": "fetch",
    "caused_by": {"type": "node_not_connected_exception", "reason": "[node-0] Node not connected"}}})
CONTEXT_GONE = TransportError(404, "search_context_missing_exception", {"error": {
    "root_cause": [{"type": "search_context_missing_exception", "reason": "No search context found for id [148]"}],
    "type": "search_phase_execution_exception"}})
NO_INDEX = TransportError(404, "index_not_found_exception", {"error": {
    "root_cause": [{"type": "index_not_found_exception", "reason": "no such index [news]"}]}})
BAD_QUERY = TransportError(400, "search_phase_execution_exception", {"error": {
    "root_cause": [{"type": "query_shard_exception", "reason": "failed to create query"}]}})
ANSWER = {"_shards": {"total": 3, "successful": 3, "failed": 0}, "hits": {"total": {"value": 7}}}


def reads(*outcomes):
    """A read that raises or returns each of `outcomes` in turn; `calls` counts them."""
    calls = []

    def read():
        outcome = outcomes[min(len(calls), len(outcomes) - 1)]
        calls.append(outcome)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    return read, calls


def test_a_read_failing_while_a_node_goes_is_tried_again_until_it_answers():
    read, calls = reads(NODE_GONE, CONTEXT_GONE, ANSWER)
    assert patiently(read, SETTINGS) == ANSWER
    assert len(calls) == 3


def test_a_partial_answer_is_not_taken():
    partial = {"_shards": {"total": 3, "successful": 2, "failed": 1}, "hits": {"total": {"value": 5}}}
    read, calls = reads(partial, ANSWER)
    assert patiently(read, SETTINGS)["hits"]["total"]["value"] == 7
    assert len(calls) == 2


@pytest.mark.parametrize("error, says", [
    (BAD_QUERY, "400 query_shard_exception: failed to create query"),
    (NO_INDEX, "404 index_not_found_exception: no such index"),
    (ConnectionError("N/A", "Connection refused", None), "cannot reach the OpenSearch cluster"),
])
def test_a_bad_query_or_no_cluster_fails_at_once_in_one_line(error, says):
    read, calls = reads(error, ANSWER)
    with pytest.raises(ClusterUnavailable, match=says) as raised:
        patiently(read, SETTINGS)
    assert len(calls) == 1 and "\n" not in str(raised.value)


def test_a_node_that_does_not_come_back_ends_in_one_line_after_the_patience():
    read, calls = reads(NODE_GONE)
    with pytest.raises(ClusterUnavailable, match="failed a request: 500") as raised:
        patiently(read, SETTINGS, seconds=0.5)
    assert 2 <= len(calls) <= 6 and "\n" not in str(raised.value)
