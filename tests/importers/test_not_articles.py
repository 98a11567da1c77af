"""Files that are no articles, in folders and archives: README/LICENSE/manifest names,
lists and token files, text with no prose; and the user's choice, --include/--exclude."""
from __future__ import annotations

import json
import zipfile

import pytest

from helpers import corpus
from importers import iter_sources, parse_file
from importers.prose import LIST_FILE, NO_PROSE
from importers.selection import EXCLUDED, NAMED_NOT_ARTICLE, NOT_INCLUDED, Selection
from kb.models import Article

STORY = "Council approves new budget for schools\n\nThe city council approved the budget on Monday.\n"
OTHER = "Flood waters close the valley road\n\nHeavy rain closed the road on Tuesday, officials said.\n"
CONLL = "-DOCSTART- -X- -X- O\n\n" + "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n\n" * 10
FACTS = ("This is a set of Prolog assertions for facts about countries, kindly made available.\n\n"
         + "".join(f'bgfact("Country{n}","Capital",["City{n}"]).\n' for n in range(30)))
WORDS = "".join(f"place-{n}\n" for n in range(30))


def write_folder(folder):
    """Two articles among files that are none."""
    files = {"story.txt": STORY, "sub/other.txt": OTHER, "README.txt": "About these files\n\nNews stories, one a file.\n",
             "LICENSE": "Permission is hereby granted.\n", "manifest.tsv": "category\tfile\ttitle\nnews\ta.txt\tA\n",
             "tokens.txt": CONLL, "facts.txt": FACTS, "words.txt": WORDS}
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def first_records(folder, names, selection=Selection()):
    """What each named file under `folder` gives first: its title, or why it was skipped."""
    found = {source.relative: source for source in iter_sources([folder])}
    records = {name: next(parse_file(found[name], selection=selection)) for name in names}
    return {name: record.title if isinstance(record, Article) else record.reason for name, record in records.items()}


def test_a_folder_import_skips_what_is_no_article_saying_why(kb, tmp_path):
    folder = write_folder(tmp_path / "in")
    summary = kb.import_paths([folder])
    assert (summary.imported, summary.failed) == (2, [])  # manifest.tsv failed: "no body column"
    assert summary.skipped == {NAMED_NOT_ARTICLE: 3, LIST_FILE: 2, NO_PROSE: 1}
    assert kb.import_paths([folder / "README.txt"]).imported == 1  # named by the user: read whatever its name


def test_include_and_exclude_choose_files_in_folders_and_archives(invoke, tmp_path):
    folder = write_folder(tmp_path / "in")
    (folder / "drafts").mkdir()
    (folder / "drafts" / "old.txt").write_text(OTHER.replace("valley", "hill"))
    (folder / "notes.json").write_text(json.dumps({"title": "Notes", "body": "The budget notes."}))
    with zipfile.ZipFile(folder / "sub" / "more.zip", "w") as archive:
        archive.writestr("drafts/a.txt", STORY.replace("schools", "roads"))
        archive.writestr("README.md", "About this archive.")
    result = invoke("import", folder, "--include", "*.TXT", "--exclude", "drafts/*", "--exclude", "facts.txt")
    assert result.exit_code == 0, result.stderr
    # Not included: LICENSE, manifest.tsv, notes.json, more.zip:README.md (the archive is opened,
    # its members matched); excluded: facts.txt, drafts/old.txt, more.zip:drafts/a.txt.
    assert result.stdout == (f"Imported 2 articles, 0 duplicates, 10 skipped ({NOT_INCLUDED}: 4, {EXCLUDED}: 3, "
                             f"{LIST_FILE}: 2, {NAMED_NOT_ARTICLE}: 1), 0 failed\n")
    titles = {hit["title"] for hit in json.loads(invoke("search", "budget OR rain", "--json").stdout)["hits"]}
    assert titles == {STORY.split("\n")[0], OTHER.split("\n")[0]}
    assert invoke("import", folder, "--exclude", "").exit_code == 2


def test_an_excluded_folder_holds_back_the_members_of_its_archives(tmp_path):
    folder = tmp_path / "in"
    (folder / "old").mkdir(parents=True)
    with zipfile.ZipFile(folder / "old" / "news.zip", "w") as archive:
        archive.writestr("story.txt", STORY)
    (source,) = iter_sources([folder])
    assert [r.reason for r in parse_file(source, selection=Selection(exclude=("old/*",)))] == [EXCLUDED]
    assert [r.title for r in parse_file(source)] == [STORY.split("\n")[0]]


@pytest.mark.corpora
def test_real_files_that_are_no_articles():
    reuters = first_records(corpus("reuters-21578"), ["README.txt", "feldman-cia-worldfactbook-data.txt",
                                                      "all-people-strings.lc.txt"])
    assert reuters == {"README.txt": NAMED_NOT_ARTICLE, "feldman-cia-worldfactbook-data.txt": NO_PROSE,
                       "all-people-strings.lc.txt": LIST_FILE}
    assert first_records(corpus("conll2003-en"), ["valid.txt"]) == {"valid.txt": LIST_FILE}
    bbc = corpus("bbc-news")
    headline = (bbc / "tech" / "001.txt").read_text(encoding="utf-8").split("\n")[0]
    chosen = Selection(include=("README.TXT", "tech/001.txt"))
    assert first_records(bbc, ["README.TXT", "tech/001.txt", "tech/002.txt"], chosen) == {
        "README.TXT": NAMED_NOT_ARTICLE, "tech/001.txt": headline, "tech/002.txt": NOT_INCLUDED}
