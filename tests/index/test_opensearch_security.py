"""A knowledge base on a secured cluster: HTTPS verified against a CA file, credentials
from the environment (basic auth or an API key), and each way of getting them wrong
refused in one line with nothing left behind. The cluster is the test cluster behind a
secured front (tests/secured_front.py)."""
from __future__ import annotations

import pytest

from backends import index_settings
from helpers import SEED
from index.opensearch.client import API_KEY_VARIABLE, PASSWORD_VARIABLE, USER_VARIABLE
from kb import KnowledgeBase

pytest.importorskip("trustme", reason="the HTTPS front's certificates need trustme (the test extra)")
from secured_front import SecuredFront  # noqa: E402 (after the check that trustme is there)

pytestmark = pytest.mark.opensearch

USER, PASSWORD, API_KEY = "newsroom", "s3cret horse", "a2V5LWlkOmtleS1zZWNyZXQ="


@pytest.fixture(scope="module")
def front(opensearch_cluster):
    with SecuredFront(opensearch_cluster.urls[0], USER, PASSWORD, API_KEY) as front:
        yield front


@pytest.fixture
def index_name(request) -> str:
    return index_settings(request, "opensearch").index_name


@pytest.fixture
def credentials(monkeypatch):
    """Sets the environment's credentials: credentials(user=..., password=...) or (api_key=...)."""
    def put(user: str | None = None, password: str | None = None, api_key: str | None = None) -> None:
        for variable, value in ((USER_VARIABLE, user), (PASSWORD_VARIABLE, password), (API_KEY_VARIABLE, api_key)):
            if value is None:
                monkeypatch.delenv(variable, raising=False)
            else:
                monkeypatch.setenv(variable, value)
    return put


def searched_on(front, kb_path, invoke, index_name, *options) -> None:
    """`kb init` on the front with `options`, then an import and a search through it."""
    done = invoke("init", "--index", "opensearch", "--url", front.url, "--index-name", index_name, *options,
                  kb_path=kb_path)
    assert done.exit_code == 0, done.output
    assert invoke("import", SEED, kb_path=kb_path).exit_code == 0
    found = invoke("search", "IRS AND ICE", "--format", "ids", kb_path=kb_path)
    assert found.exit_code == 0 and len(found.stdout.split()) == 1, found.output
    with KnowledgeBase(kb_path) as kb:
        kb.index.delete()


@pytest.mark.parametrize("way", ["basic auth", "API key"])
def test_a_secured_cluster_is_searched_with_its_ca_file_and_the_environments_credentials(
        front, tmp_path, invoke, index_name, credentials, way):
    credentials(**({"user": USER, "password": PASSWORD} if way == "basic auth" else {"api_key": API_KEY}))
    searched_on(front, tmp_path / "kb", invoke, index_name, "--ca-file", front.write_ca(tmp_path / "ca.pem"))


def test_insecure_skips_the_certificate_check(front, tmp_path, invoke, index_name, credentials):
    credentials(user=USER, password=PASSWORD)
    searched_on(front, tmp_path / "kb", invoke, index_name, "--insecure")


@pytest.mark.parametrize("given, ca, says", [
    ({"user": USER, "password": PASSWORD}, False, "cannot verify the certificate of the OpenSearch cluster"),
    ({"user": USER, "password": "wrong"}, True, "refused the credentials (set NEWSKB_OPENSEARCH_USER"),
    ({"api_key": "bm90LWEta2V5"}, True, "refused the credentials"),
    ({}, True, "refused the credentials"),
])
def test_a_wrong_certificate_or_credentials_are_refused_in_one_line(
        front, tmp_path, invoke, index_name, credentials, given, ca, says):
    credentials(**given)
    options = ["--ca-file", front.write_ca(tmp_path / "ca.pem")] if ca else []
    done = invoke("init", "--index", "opensearch", "--url", front.url, "--index-name", index_name, *options,
                  kb_path=tmp_path / "kb")
    errors = [line for line in done.output.splitlines() if line.startswith("Error: ")]
    assert done.exit_code == 1 and len(errors) == 1 and says in errors[0], done.output
    assert f"at {front.url}" in errors[0] and "Traceback" not in done.output
    assert ca or "give its CA with --ca-file, or skip the check with --insecure" in errors[0]
    assert not (tmp_path / "kb").exists()
