"""The OpenSearch backend: the same index interface as Whoosh's (index.base.SearchBackend)
on an OpenSearch cluster, through the official opensearch-py client (the
`newskb[opensearch]` extra, imported only when a request is made).

mapping.py: the versioned index and the document of an article; translate.py: parsed
queries and filters as query DSL; writing.py: bulk writes; marks.py: what hits mark;
client.py: the client and its errors; backend.py: OpenSearchIndex.
"""
from index.opensearch.backend import OpenSearchIndex
from index.opensearch.client import ClusterUnavailable

__all__ = ["OpenSearchIndex", "ClusterUnavailable"]
