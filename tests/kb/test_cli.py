"""The `kb` command: one-line errors, exit codes, show/stats/importers, safe terminal output."""
from __future__ import annotations

import errno
import itertools
import json
import os
import subprocess
import sys
import unicodedata

import pytest

from helpers import DATA, SEED, SEED_TITLE, kb_command, sliced
from kb import Article, KnowledgeBase
from kb.cli import ExitCode
from kb.store import content_hash


def test_search_without_a_knowledge_base_says_so(invoke, tmp_path):
    result = invoke("search", "IRS", kb_path=tmp_path / "nowhere")
    assert result.exit_code == 1
    assert result.stderr == f"Error: no knowledge base at {tmp_path / 'nowhere'} (import something first)\n"
    assert not (tmp_path / "nowhere").exists()


def test_import_of_a_missing_path_fails_in_one_line(invoke, tmp_path):
    result = invoke("import", tmp_path / "missing.json")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'missing.json'}: no such file or folder\n"


def test_import_reports_each_failure_and_passes_over_the_rest(invoke, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.jsonl").write_text('{"title": "A", "body": "Alpha."}\n{"title": "B"}\n{broken\n'
                                       '{"title": "C", "body": "Gamma."}\n')
    (folder / "bad.json").write_text("{nope")
    (folder / "notes.md").write_text("# not an article format")
    result = invoke("import", folder)
    assert result.exit_code == 3  # something imported, something failed
    assert result.stdout == "Imported 2 articles, 0 duplicates, 1 skipped (unknown format (.md): 1), 3 failed\n"
    assert result.stderr.splitlines() == [
        f"Created a knowledge base at {tmp_path / 'cli-kb'}",
        f"Error: {folder / 'bad.json'}, line 1: not valid JSON: Expecting property name enclosed in double "
        "quotes (column 2)",
        f"Error: {folder / 'good.jsonl'}:2: no body text",
        f"Error: {folder / 'good.jsonl'}:3: not valid JSON (Expecting property name enclosed in double quotes)",
    ]


def test_jobs_sets_the_helper_processes_and_refuses_zero(invoke):
    assert invoke("import", "--jobs", "0", SEED).exit_code == 2
    result = invoke("import", "--jobs", "1", SEED)
    assert result.exit_code == 0 and result.stdout.startswith("Imported 1 article,")


def test_strict_import_stops_at_the_first_failure_and_keeps_nothing_of_that_file(invoke, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text('{"title": "A", "body": "Alpha."}\n')
    second.write_text('{"title": "B", "body": "Beta."}\n{broken\n{"title": "C", "body": "Gamma."}\n')
    result = invoke("import", "--strict", first, second)
    assert result.exit_code == 3 and result.stdout.startswith("Imported 1 article,")
    assert result.stderr == (f"Created a knowledge base at {tmp_path / 'cli-kb'}\n"
                             f"Error: {second}:2: not valid JSON (Expecting property name enclosed in double quotes)\n")
    titles = [h["title"] for h in json.loads(invoke("search", "alpha OR beta OR gamma", "--json").stdout)["hits"]]
    assert titles == ["A"]


def test_show_prints_the_article_and_json(invoke, seeded_path):
    hit = json.loads(invoke("search", "IRS", "--json", kb_path=seeded_path).stdout)["hits"][0]
    text = invoke("show", hit["id"][:8], kb_path=seeded_path).stdout
    assert text.startswith(SEED_TITLE) and f"id: {hit['id']}" in text and "published: unknown" in text
    assert "Latest articles" not in text
    data = json.loads(invoke("show", hit["id"], "--json", kb_path=seeded_path).stdout)
    assert data["title"] == SEED_TITLE and data["origin"] == str(SEED)


def test_show_unknown_id_is_an_error(invoke, seeded_path):
    result = invoke("show", "0000000000000000", kb_path=seeded_path)
    assert result.exit_code == 1 and result.stderr == "Error: no article with id '0000000000000000'\n"


def test_stats_counts(invoke, seeded_path):
    data = json.loads(invoke("stats", "--json", kb_path=seeded_path).stdout)
    assert data["articles"] == 1 and data["import_runs"] == 1 and data["index_queue"] == 0
    assert data["entities"]["org"] >= 3 and data["entities"]["person"] >= 2
    assert "articles: 1" in invoke("stats", kb_path=seeded_path).stdout


def test_importers_lists_the_formats(invoke):
    names = [line.split()[0] for line in invoke("importers").stdout.splitlines()]
    assert {"text", "json", "jsonl"} <= set(names)


def test_escape_sequences_in_articles_never_reach_the_terminal(invoke, tmp_path):
    evil = tmp_path / "evil.json"
    evil.write_text(json.dumps({"title": "Hello \u001b[2J\u001b]0;pwned\u0007 world",
                                "body": "Clean body about ICE \u009b31m here.", "source": "Bad\u001bSource"}))
    invoke("import", evil)  # importers drop control characters...
    with KnowledgeBase(tmp_path / "cli-kb") as kb:  # ...but text added through the API keeps them
        kb.add(Article(title="Raw \x1b[31mred\x1b[0m title", body="ICE agents \x9b2J and \x07 bells."))
    for args in (("search", "ICE"), ("show", json.loads(invoke("search", "agents", "--json").stdout)["hits"][0]["id"])):
        out = invoke(*args).stdout
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "Raw \\x1b[31mred\\x1b[0m title" in invoke("search", "ICE").stdout  # shown, not executed


def test_import_with_a_column_mapping(invoke):
    tsv = DATA / "delimited" / "bbc-2-rows.tsv"
    unmapped = invoke("import", tsv)
    assert unmapped.exit_code == 1 and "no body column" in unmapped.stderr
    mapped = invoke("import", tsv, "--map", "title=heading,body=story")
    assert mapped.exit_code == 0 and mapped.stdout.startswith("Imported 2 articles")
    assert json.loads(invoke("search", "title:maternity", "--json").stdout)["total"] == 1


def test_a_bad_mapping_is_a_usage_error(invoke):
    result = invoke("import", DATA / "delimited" / "bbc-2-rows.tsv", "--map", "body")
    assert result.exit_code == 2 and "use FIELD=COLUMN pairs" in result.stderr


def test_a_mapping_for_a_format_without_columns_fails_in_one_line(invoke, tmp_path):
    result = invoke("import", SEED, "--map", "body=text")
    assert result.exit_code == 1
    assert result.stderr == (f"Created a knowledge base at {tmp_path / 'cli-kb'}\n"
                             f"Error: {SEED}: the text format takes no column mapping\n")


def test_optimize_merges_segments_and_search_still_works(invoke, seeded_path, tmp_path, monkeypatch):
    from index import merging

    monkeypatch.setattr(merging, "_tier_to_merge", lambda segments: [])
    for number in range(3):  # each small import adds a segment (its commit merges none)
        extra = tmp_path / f"extra{number}.json"
        extra.write_text(json.dumps({"title": f"Note {number}", "body": f"The IRS filed note number {number}."}))
        invoke("import", extra, kb_path=seeded_path)
    before = json.loads(invoke("stats", "--json", kb_path=seeded_path).stdout)["index_segments"]
    result = invoke("optimize", kb_path=seeded_path)
    assert result.stdout == f"Merged {before} segments into 1\n" and before > 1
    assert json.loads(invoke("stats", "--json", kb_path=seeded_path).stdout)["index_segments"] == 1
    assert json.loads(invoke("search", "IRS", "--json", kb_path=seeded_path).stdout)["total"] == 4


def test_progress_shows_on_a_terminal_and_never_on_a_pipe(tmp_path):
    source = sliced("reuters-21578", "reut2-000.sgm")
    command = [sys.executable, "-m", "kb", "--kb", str(tmp_path / "kb"), "import", str(source)]
    piped = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0 and piped.stderr == f"Created a knowledge base at {tmp_path / 'kb'}\n"
    main, terminal = os.openpty()
    shown = subprocess.run([*command[:4], str(tmp_path / "kb2"), *command[5:]], stdout=subprocess.PIPE,
                           stderr=terminal, text=True, timeout=300)
    os.close(terminal)
    seen = os.read(main, 65536).decode()
    os.close(main)
    assert shown.returncode == 0 and "\rRead " in seen and " imported, " in seen and "/s)" in seen
    assert shown.stdout.startswith("Imported ")


def test_search_loads_no_heavy_module(seeded_path):
    """Extraction models, HTML and feed parsers, plotting: only the commands that use them load them.
    (numpy is not on the list: sqlite-utils imports it whenever it is installed.)"""
    code = ("import sys; from click.testing import CliRunner; from kb.cli import cli; "
            f"result = CliRunner().invoke(cli, ['--kb', {str(seeded_path)!r}, 'search', 'IRS AND ICE']); "
            "assert result.exit_code == 0, result.output; "
            "print(sorted(m for m in ('pycrfsuite', 'kb.entities.crf', 'trafilatura', 'lxml', "
            "'feedparser', 'warcio', 'ijson', 'ftfy', 'fasttext', 'spacy', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_kb_group_says_where_every_command_of_the_cli_modules_is():
    """The group loads a command's module only when the command is asked for, from
    kb.cli.base.COMMANDS: a command defined in a module but not named there would never run."""
    import importlib
    import pkgutil

    import click

    import kb.cli
    from kb.cli.base import COMMANDS

    defined = {}
    for found in pkgutil.iter_modules(kb.cli.__path__):
        module = importlib.import_module(f"kb.cli.{found.name}")
        defined.update({command: f"{module.__name__}.{attribute}" for attribute, command in vars(module).items()
                        if isinstance(command, click.Command)})
    nested = {kb.cli.cli, *(command for group in defined if isinstance(group, click.Group)
                            for command in group.commands.values())}
    assert {command.name: path for command, path in defined.items() if command not in nested} == COMMANDS


def test_a_pasted_article_piped_to_import_imports_and_one_of_chrome_only_exits_1(tmp_path):
    """`printf 'Headline\nBody...\n' | kb import -`: line breaks alone separate headline and
    paragraphs. An import that skips everything says so and fails (it said "Imported 0", exit 0);
    one that finds only duplicates does not."""
    pasted = ("Council approves new budget for schools\nThe city council approved the budget on Monday.\n"
              "Mayor Jane Smith said the plan puts schools first.\n")
    done = kb_command(tmp_path / "kb", "import", "-", input=pasted)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Imported 1 article, 0 duplicates, 0 skipped, 0 failed\n"
    shown = kb_command(tmp_path / "kb", "search", "budget", "--format", "json")
    assert [hit["title"] for hit in json.loads(shown.stdout)["hits"]] == [pasted.split("\n")[0]]
    again = kb_command(tmp_path / "kb", "import", "-", input=pasted)
    assert again.returncode == 0 and again.stdout.startswith("Imported 0 articles, 1 duplicate,")  # no failure

    done = kb_command(tmp_path / "kb", "import", "-", input="Home\n\nMenu\n")
    assert done.returncode == ExitCode.NOTHING_IMPORTED == 1
    assert done.stdout == ("Imported 0 articles, 0 duplicates, 1 skipped (no headline and body text found: 1), "
                           "0 failed\n")
    assert done.stderr == "Error: nothing was imported: every record was skipped (the summary says why)\n"


def test_a_failed_init_leaves_nothing_and_a_retry_works(invoke, tmp_path):
    """`kb init --ner bogus` left kb.db behind, and the retry said "a knowledge base already exists"."""
    path = tmp_path / "news"
    result = invoke("init", "--ner", "bogus", kb_path=path)
    assert result.exit_code == 1 and result.stderr.startswith("Error: unknown entity extractor 'bogus'")
    assert not path.exists()
    path.mkdir()  # a folder made beforehand stays, empty
    assert invoke("init", "--ner", "spacy:no_such_pipeline", kb_path=path).exit_code == 1
    assert list(path.iterdir()) == []
    result = invoke("init", "--ner", "none", kb_path=path)
    assert result.exit_code == 0 and result.stdout == f"Created a knowledge base at {path} (entities: none)\n"


def test_the_first_import_says_where_it_created_the_knowledge_base(invoke, tmp_path):
    first = invoke("import", SEED)
    assert first.stderr == f"Created a knowledge base at {tmp_path / 'cli-kb'}\n"
    assert invoke("import", SEED).stderr == ""
    result = invoke("import", tmp_path / "missing.txt", kb_path=tmp_path / "other")
    assert result.stderr == f"Error: {tmp_path / 'missing.txt'}: no such file or folder\n"
    assert not (tmp_path / "other").exists()  # nothing made for an import that cannot start


@pytest.mark.parametrize("args", [["stats"], ["search", "IRS"], ["entities"], ["timeline", "IRS", "--by", "day"]])
def test_a_reader_gone_before_the_output_ends_the_command_quietly(seeded_path, args):
    """`kb stats | head -1`: the reader closes the pipe; the command stops without a word."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line is written
    try:
        done = subprocess.run([sys.executable, "-m", "kb", "--kb", str(seeded_path), *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert done.stderr == "" and done.returncode == 1  # Click's code for a closed pipe


def test_output_that_cannot_be_written_is_one_line(seeded_path):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "kb", "--kb", str(seeded_path), "search", "IRS"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr == f"Error: {os.strerror(errno.ENOSPC)}\n"


def test_a_chart_that_cannot_be_written_names_its_path(seeded_path, tmp_path):
    chart = tmp_path / "no-such-folder" / "irs.png"
    done = kb_command(seeded_path, "timeline", "IRS", "--plot", chart)
    assert done.returncode == 1
    assert done.stderr == f"Error: cannot write the chart to {chart}: {os.strerror(errno.ENOENT)}\n"


def test_a_mapping_of_an_unknown_field_is_a_usage_error(invoke):
    result = invoke("import", DATA / "delimited" / "bbc-2-rows.tsv", "--map", "heading=title,story=body")
    assert result.exit_code == 2 and "unexpected" not in result.stderr
    assert result.stderr.splitlines()[-1] == ("Error: Invalid value for '--map': unknown article field(s) heading, "
                                              "story; known: title, body, url, published, source, authors, language")


def test_an_id_prefix_too_short_or_shared_says_what_is_wrong(invoke, tmp_path):
    first_of = {}  # two articles whose ids share their first 6 characters (ids are content hashes)
    for n in itertools.count():
        prefix = content_hash(Article(title=f"Story {n}", body=f"Body number {n} of the stories."))[:6]
        if prefix in first_of:
            break
        first_of[prefix] = n
    feed = tmp_path / "two.jsonl"
    feed.write_text("".join(json.dumps({"title": f"Story {k}", "body": f"Body number {k} of the stories."}) + "\n"
                            for k in (first_of[prefix], n)))
    invoke("import", feed)
    ids = invoke("search", "stories", "--format", "ids").stdout.split()
    assert len(ids) == 2 and ids[0][:6] == ids[1][:6] == prefix
    assert invoke("show", prefix).stderr == f"Error: {prefix!r} starts more than one article id: give more characters\n"
    assert invoke("show", ids[0]).exit_code == 0
    result = invoke("show", prefix[:3])
    assert result.exit_code == 1 and result.stderr == (
        f"Error: no article with id {prefix[:3]!r}: an id prefix needs at least 6 characters\n")


def display_columns(text: str) -> int:
    """Terminal columns of `text`: wide and full-width East Asian characters take two
    (counted here apart from kb.render)."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def test_columns_line_up_with_wide_characters(invoke, tmp_path):
    trade = ("The trade ministry said on Tuesday that exports of cars and machinery rose for a third month in "
             "March, helped by a weaker currency and strong demand from the United States and from China.")
    rates = ("The central bank left its key interest rate unchanged on Thursday and said it expected inflation "
             "to stay close to its target through next year as wages grew at a steady pace.")
    feed = tmp_path / "wide.jsonl"
    feed.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in [
        {"title": "日本の輸出が三か月連続で増加", "body": trade, "source": "日本経済新聞"},
        {"title": "輸出が増加", "body": trade, "source": "Reuters"},
        {"title": "Bank holds rates", "body": rates, "source": "AP"},
        {"title": "Rates held by the central bank", "body": rates, "source": "Reuters"},
    ]))
    invoke("import", feed)
    counted = invoke("count", "*", "--by", "source").stdout.splitlines()
    assert any("日本" in line for line in counted)
    assert len({display_columns(line.rsplit(" ", 1)[0]) for line in counted}) == 1  # the numbers line up
    listed = invoke("stories").stdout.splitlines()
    assert len(listed) == 2 and any("日本" in line for line in listed)
    assert len({display_columns(line[:line.rindex("(")]) for line in listed}) == 1  # the sources line up
    copies = [line for line in invoke("story", listed[0].split()[0]).stdout.splitlines()
              if line.startswith("  ") and not line.startswith("   ")]  # a line per copy, then what differs
    assert len(copies) == 2 and len({display_columns(line[:-len(line.rsplit("  ", 1)[1])]) for line in copies}) == 1
