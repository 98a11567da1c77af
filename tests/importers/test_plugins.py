"""Third-party formats: an installed distribution's `newskb.importers` entry point joins the registry."""
from __future__ import annotations

import textwrap

import pytest

from importers import ENTRY_POINT_GROUP, parse_file, registry
from kb.models import Article

PLUGIN = '''
"""A tiny plugin: a ".memo" file is "Title: ..." then the body."""
from importers import Importer
from kb.models import Article


def parse(stream, *, origin):
    title, _, body = stream.read().decode("utf-8").partition("\\n")
    yield Article(title=title.removeprefix("Title: "), body=body.strip(), origin=origin, record="file",
                  language="en")


IMPORTER = Importer(name="memo", description="Memo files", extensions=(".memo",), parse=parse,
                    sniff=lambda head: head.startswith(b"Title: "))
'''


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    """A distribution installed on sys.path: its module, and a dist-info with entry_points.txt."""
    site = tmp_path / "site"
    (site / "newskb_memo-1.0.dist-info").mkdir(parents=True)
    (site / "newskb_memo.py").write_text(PLUGIN)
    (site / "newskb_memo-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: newskb-memo\nVersion: 1.0\n")
    (site / "newskb_memo-1.0.dist-info" / "entry_points.txt").write_text(textwrap.dedent(f"""\
        [{ENTRY_POINT_GROUP}]
        memo = newskb_memo:IMPORTER
        """))
    monkeypatch.syspath_prepend(str(site))
    yield
    import sys
    sys.modules.pop("newskb_memo", None)


def test_an_entry_point_importer_is_registered_and_used(installed_plugin, tmp_path):
    assert registry()["memo"].description == "Memo files"
    path = tmp_path / "note.memo"
    path.write_text("Title: Plugins work\nThe registry loaded this importer from an entry point.\n")
    [article] = parse_file(path)
    assert isinstance(article, Article)
    assert (article.title, article.body, article.origin) == (
        "Plugins work", "The registry loaded this importer from an entry point.", str(path))


def test_without_the_distribution_there_is_no_plugin():
    assert "memo" not in registry()
