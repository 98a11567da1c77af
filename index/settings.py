"""Which index answers a knowledge base's searches, as stored in its config (the store's
meta table, key `index`): Whoosh in the knowledge base's folder (the default), or an
OpenSearch cluster. Light on purpose (no Whoosh, no OpenSearch client): the CLI reads
it before any index is opened.

Credentials never go into the config: they come from the environment when the index is
opened (NEWSKB_OPENSEARCH_USER and NEWSKB_OPENSEARCH_PASSWORD, or NEWSKB_OPENSEARCH_API_KEY).

>>> IndexSettings.from_json(IndexSettings("opensearch", url="https://localhost:9200").to_json()).backend
'opensearch'
"""
from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, replace

from kb.errors import KBError

BACKENDS = ("whoosh", "opensearch")
META_KEY = "index"
DEFAULT_SHARDS = 2  # an OpenSearch index's primary shards unless told (each with a replica)
MAX_SHARDS = 1024  # OpenSearch's own limit per index


@dataclass(frozen=True)
class IndexSettings:
    backend: str = "whoosh"
    url: str | None = None  # the cluster (opensearch): https://host:9200, several comma-separated
    index_name: str | None = None  # the alias newskb searches (opensearch); made unique if not given
    ca_file: str | None = None  # a CA bundle to verify the cluster's certificate with
    verify: bool = True  # TLS certificate verification (off only when asked: --insecure)
    shards: int | None = None  # primary shards of a new OpenSearch index (--shards; DEFAULT_SHARDS)

    def to_json(self) -> str:
        return json.dumps({key: value for key, value in asdict(self).items() if value is not None})

    @classmethod
    def from_json(cls, text: str | None) -> "IndexSettings":
        return cls(**json.loads(text)) if text else cls()

    def checked(self) -> "IndexSettings":
        """These settings, complete (an OpenSearch index name chosen) or KBError saying what is wrong.

        >>> checked = IndexSettings("opensearch", url="http://localhost:9200").checked()
        >>> checked.index_name.startswith("newskb-"), checked.shards
        (True, 2)
        """
        if self.backend not in BACKENDS:
            raise KBError(f"no index backend {self.backend!r} (use {' or '.join(BACKENDS)})")
        if self.backend == "whoosh":
            if self.url or self.index_name or self.ca_file or self.shards:
                raise KBError("--url, --index-name, --ca-file and --shards are for --index opensearch")
            return IndexSettings()
        shards = DEFAULT_SHARDS if self.shards is None else self.shards
        if not 1 <= shards <= MAX_SHARDS:
            raise KBError(f"an OpenSearch index has 1 to {MAX_SHARDS} shards, not {shards}")
        if not self.url:
            raise KBError("an OpenSearch index needs the cluster's address: --url https://HOST:9200")
        name = self.index_name or f"newskb-{uuid.uuid4().hex[:12]}"
        if name != name.lower() or not name.replace("-", "").replace("_", "").isalnum():
            raise KBError(f"cannot name an OpenSearch index {name!r}: use lower-case letters, digits, - and _")
        return replace(self, index_name=name, shards=shards)
