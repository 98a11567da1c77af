"""The OpenSearch client of a knowledge base: made from its index settings and the
environment's credentials, its failures turned into one-line errors.

Credentials come from the environment only: NEWSKB_OPENSEARCH_USER and
NEWSKB_OPENSEARCH_PASSWORD (basic auth), or NEWSKB_OPENSEARCH_API_KEY. TLS
certificates are verified unless the settings say otherwise (`verify`); `ca_file`
names the CA bundle to verify them with.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from index.settings import IndexSettings
from kb.errors import StoreError

USER_VARIABLE = "NEWSKB_OPENSEARCH_USER"
PASSWORD_VARIABLE = "NEWSKB_OPENSEARCH_PASSWORD"
API_KEY_VARIABLE = "NEWSKB_OPENSEARCH_API_KEY"
TIMEOUT_SECONDS = 60
POOL_SIZE = 16  # connections a node keeps (a rebuild sends one bulk request per core at a time)
PATIENCE_SECONDS = 30  # how long a read retries while the cluster recovers from a node's loss
Answer = TypeVar("Answer")


class ClusterUnavailable(StoreError):
    """The OpenSearch cluster cannot be reached, refused the credentials, or failed a request."""


def opensearchpy():
    """The opensearch-py package, or a one-line error saying how to get it."""
    try:
        import opensearchpy as package
    except ImportError:
        raise StoreError("this knowledge base's index is on OpenSearch: install newskb[opensearch] "
                         "(pip install 'newskb[opensearch]')") from None
    return package


def make_client(settings: IndexSettings, environ=os.environ):
    """An OpenSearch client for `settings.url` (several hosts comma-separated), with retries
    on a node's loss so that a search goes on against the other nodes."""
    package = opensearchpy()
    options = {"hosts": [host.strip() for host in settings.url.split(",") if host.strip()],
               "verify_certs": settings.verify, "ssl_show_warn": settings.verify,
               "timeout": TIMEOUT_SECONDS, "retry_on_timeout": True, "max_retries": 3,
               "retry_on_status": (502, 503, 504),
               "pool_maxsize": POOL_SIZE}
    if settings.ca_file:
        options["ca_certs"] = settings.ca_file
    if environ.get(API_KEY_VARIABLE):
        options["headers"] = {"Authorization": f"ApiKey {environ[API_KEY_VARIABLE]}"}
    elif environ.get(USER_VARIABLE):
        options["http_auth"] = (environ[USER_VARIABLE], environ.get(PASSWORD_VARIABLE, ""))
    return package.OpenSearch(**options)


@contextmanager
def cluster_errors(settings: IndexSettings) -> Iterator[None]:
    """Turn the client's exceptions into ClusterUnavailable, one line each."""
    package = opensearchpy()
    where = settings.url
    try:
        yield
    except package.SSLError as error:
        raise ClusterUnavailable(f"cannot verify the certificate of the OpenSearch cluster at {where}: "
                                 f"{short(getattr(error, 'info', None) or error)} (give its CA with --ca-file, "
                                 "or skip the check with --insecure)") from None
    except package.ConnectionError as error:
        reason = getattr(error, "info", None) or error
        raise ClusterUnavailable(f"cannot reach the OpenSearch cluster at {where}: {short(reason)}") from None
    except package.AuthenticationException:
        raise ClusterUnavailable(f"the OpenSearch cluster at {where} refused the credentials "
                                 f"(set {USER_VARIABLE} and {PASSWORD_VARIABLE}, or {API_KEY_VARIABLE})") from None
    except package.AuthorizationException as error:
        raise ClusterUnavailable(f"the OpenSearch cluster at {where} forbids this: {short(error.error)}") from None
    except package.TransportError as error:
        raise ClusterUnavailable(f"the OpenSearch cluster at {where} failed a request: "
                                 f"{error.status_code} {short(reason_of(error))}") from None
    except (package.helpers.ScanError, ShardsFailed) as error:
        raise ClusterUnavailable(f"the OpenSearch cluster at {where} failed a read: {short(error)}") from None


class ShardsFailed(Exception):
    """An answer that some shard copies could not give (it would be a partial answer)."""


def patiently(read: Callable[[], Answer], settings: IndexSettings, seconds: float = PATIENCE_SECONDS) -> Answer:
    """The answer of `read` (a search, a count, a scan), retried while the cluster fails it
    the way a node's loss does: a 5xx (the node of a shard copy has gone between the query
    and fetch phases), a partial answer, a scroll cut off. After `seconds`, or at once
    for any other failure (a bad query, no cluster at all), the one-line error of
    `cluster_errors`. A read changes nothing, so trying it again is always safe."""
    package = opensearchpy()
    deadline, pause = time.monotonic() + seconds, 0.1
    with cluster_errors(settings):
        while True:
            try:
                answer = read()
                if isinstance(answer, dict) and (answer.get("_shards") or {}).get("failed"):
                    raise ShardsFailed(f"{answer['_shards']['failed']} shard copies failed")
                return answer
            except (package.TransportError, package.helpers.ScanError, ShardsFailed) as error:
                if not recoverable(error, package) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(2.0, pause * 2)


def recoverable(error, package) -> bool:
    """True for the failures a node's loss causes and its recovery ends (not for a lost
    connection to every node: that is no cluster, and waiting would only delay the error):
    a 5xx, and a 404 for a search context that the going node took with it (the fetch
    phase met it after the query phase)."""
    if isinstance(error, package.ConnectionError):
        return False
    if isinstance(error, package.TransportError):
        status = error.status_code
        return isinstance(status, int) and (
            status >= 500 or status == 404 and reason_of(error).startswith("search_context_missing_exception"))
    return True


def reason_of(error) -> str:
    """The root cause OpenSearch gives for a failed request, else its error name."""
    info = error.info if isinstance(error.info, dict) else {}
    causes = (info.get("error") or {}).get("root_cause") or [] if isinstance(info.get("error"), dict) else []
    if causes:
        return f"{causes[0].get('type')}: {causes[0].get('reason')}"
    return str(error.error)


def short(reason) -> str:
    """A reason on one line, not too long."""
    text = " ".join(str(reason).split())
    return text if len(text) <= 200 else text[:197] + "..."
