"""Votes across the knowledge base that a single article cannot make: works of art that
most articles only guessed were organisations, and clipped names. (A spaCy pipeline of
rules tags exactly what each test says, so the votes are what is tested.)"""
from __future__ import annotations

import json
import re
import sqlite3

import pytest

from kb import KnowledgeBase
from kb.migrations import SCHEMA_VERSION


def import_tagged(tmp_path, patterns: list[dict], bodies: list[str]) -> KnowledgeBase:
    """A knowledge base of `bodies`, tagged by an EntityRuler of `patterns` (open: close it)."""
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(patterns)
    nlp.to_disk(tmp_path / "rules")
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(json.dumps({"title": f"Article {n}", "body": body}) for n, body in enumerate(bodies)))
    kb = KnowledgeBase(tmp_path / "kb", extractor=f"spacy:{tmp_path / 'rules'}")
    kb.import_paths([path])
    return kb


def rows(kb: KnowledgeBase, kind: str) -> list[tuple[str, int]]:
    return [(value.value, value.count) for value in kb.search("*").facets[kind]]


def test_a_film_that_three_articles_call_one_is_no_organisation_anywhere_until_a_user_says_so(tmp_path):
    """The Aviator was an organisation in 29 BBC articles and a film by the words of 6."""
    bodies = (["Scorsese's movie The Aviator won.", "Roles in The Aviator went to stars.",
               "The film Sideways and The Aviator opened."]  # a list holds things of one kind
              + [f"The Aviator took {n} prizes." for n in range(6)] + ["Acme rose.", "Acme fell."])
    patterns = [{"label": "ORG", "pattern": name} for name in ("Aviator", "Sideways", "Acme")]
    with import_tagged(tmp_path, patterns, bodies) as kb:
        assert rows(kb, "org") == [("Acme", 2)]
        assert kb.search("org:Aviator").total == 0 and kb.check()["ok"]
        assert kb.entity("Aviator", type="org")["work"]  # `kb entities show` says why it is hidden
        kb.ignore_entity("Aviator", type="org", ignored=False)  # a user says it is one
        more = [f"The film The Aviator won {n} more." for n in range(3)] + ["The Aviator sold well."]
        kb.import_paths([write(tmp_path / "more.jsonl", more)])
        assert rows(kb, "org")[0] == ("Aviator", 7) and kb.check()["ok"]  # shown, by the guesses


def test_a_person_named_by_a_film_title_in_few_articles_stays_a_person(tmp_path):
    """Works in half as many articles as the guesses hide a name; fewer do not (Mike
    Leigh, listed with his film Vera Drake, stays a person)."""
    bodies = ["The film Vera Drake, by Mike Leigh, won."] + [f"Mike Leigh spoke {n} times." for n in range(4)]
    patterns = [{"label": "PERSON", "pattern": name} for name in ("Vera Drake", "Mike Leigh")]
    with import_tagged(tmp_path, patterns, bodies) as kb:
        assert rows(kb, "person") == [("Mike Leigh", 5)]


def test_a_short_name_joins_the_organisation_it_begins_if_that_one_is_used_more(tmp_path):
    """Yugansk, in 11 BBC articles, is Yuganskneftegas (in 12): one row, the full name;
    so is Baikal, Baikal Finance Group. Sony, in more articles than Sony Ericsson, is
    another company; Man is too short to tell."""
    bodies = ([f"Yuganskneftegas pumped {n} barrels." for n in range(3)]
              + [f"Yugansk was sold {n} times." for n in range(2)]
              + [f"Sony sold {n} sets." for n in range(3)] + ["Sony Ericsson phones sold.", "Sony Ericsson grew."]
              + ["Manchester United won.", "Man won."])
    names = ("Yuganskneftegas", "Yugansk", "Sony Ericsson", "Sony", "Manchester United", "Man")
    with import_tagged(tmp_path, [{"label": "ORG", "pattern": name} for name in names], bodies) as kb:
        assert rows(kb, "org") == [("Yuganskneftegas", 5), ("Sony", 3), ("Sony Ericsson", 2), ("Man", 1),
                                   ("Manchester United", 1)]
        assert kb.search("org:Yugansk").total == 5


def test_an_organisation_named_by_a_first_name_that_its_words_call_a_person_is_one(tmp_path):
    """Keanu Reeves was an organisation in 8 BBC articles and a person in 3 ("Reeves said
    he"); Howard Hughes an organisation in 10 and a person in 6: a first name that the
    tagger took for a person's in 2 articles of 5 is one. Morgan Stanley, a person in one
    article of six, is a bank there too."""
    bodies = ([f"Keanu Reeves starred {n} times." for n in range(4)] + ["Keanu Reeves said he would return."]
              + [f"Morgan Stanley said {n} deals closed." for n in range(5)] + ["Morgan Stanley, the banker, ate."]
              + [f"Howard Hughes flew {n} planes." for n in range(3)]
              + [f"Howard Hughes, the pilot, flew {n} times." for n in range(2)])
    patterns = ([{"label": "ORG", "pattern": name} for name in ("Keanu Reeves", "Morgan Stanley", "Howard Hughes")]
                + [{"label": "PERSON", "pattern": [{"LOWER": word} for word in name.lower().split()] + [{"ORTH": ","}]}
                   for name in ("Morgan Stanley", "Howard Hughes")])
    with import_tagged(tmp_path, patterns, bodies) as kb:
        assert rows(kb, "person") == [("Howard Hughes", 5), ("Keanu Reeves", 5)]
        assert rows(kb, "org") == [("Morgan Stanley", 6)] and kb.search("person:Morgan Stanley").total == 0


def write(path, bodies: list[str]):
    path.write_text("\n".join(json.dumps({"title": f"More {n}", "body": body}) for n, body in enumerate(bodies)))
    return path


def test_an_everyday_word_does_not_join_the_organisation_it_begins(tmp_path):
    """"Cabinet" was a name of the Cabinet Office in BBC's lists, where most of its
    articles spoke of the Cabinet, the ministers (kb/entities/data/lower.txt has
    "cabinet"); Yugansk joins Yuganskneftegas, whichever of its two spellings."""
    bodies = ([f"The Cabinet met {n} times." for n in range(2)] + [f"The Cabinet Office paid {n}." for n in range(3)]
              + [f"Yuganskneftegas pumped {n} barrels." for n in range(3)] + ["Yuganskneftegaz was sold."]
              + [f"Yugansk was sold {n} times." for n in range(2)])
    names = ("Cabinet Office", "Cabinet", "Yuganskneftegas", "Yuganskneftegaz", "Yugansk")
    with import_tagged(tmp_path, [{"label": "ORG", "pattern": name} for name in names], bodies) as kb:
        assert rows(kb, "org") == [("Yuganskneftegas", 6), ("Cabinet Office", 3), ("Cabinet", 2)]


def test_a_person_named_as_another_name_of_a_company_is_the_company(tmp_path):
    """Hewlett Packard was a person in 5 BBC articles, and a company named HP by most
    articles in another (the name most articles use wins); one lists it among "technology
    companies such as Intel, Microsoft, and Hewlett Packard", which speaks of the company."""
    bodies = (["Hewlett Packard (HP) grew. HP sold printers.",
               "Technology companies such as Intel, Microsoft, and Hewlett Packard, they say, came."]
              + [f"HP sold {n} printers." for n in range(3)]
              + [f"Hewlett Packard, they say, sold {n} printers." for n in range(3)])
    patterns = ([{"label": "ORG", "pattern": name} for name in ("HP", "Hewlett Packard", "Intel", "Microsoft")]
                + [{"label": "PERSON", "pattern": [{"LOWER": "hewlett"}, {"LOWER": "packard"}, {"ORTH": ","}]}])
    with import_tagged(tmp_path, patterns, bodies) as kb:
        assert rows(kb, "person") == []
        assert rows(kb, "org") == [("Hewlett Packard", 8), ("Intel", 1), ("Microsoft", 1)] and kb.check()["ok"]


def test_the_votes_read_a_names_entities_through_indexes(tmp_path):
    """Each batch votes on the names it counted: a statement that read every entity (or
    every mention), as the `or` of follow_the_words once did, would cost each batch more
    as the knowledge base grows. None of those the votes run scans entities, their
    aliases or article_entities, nor reads every entity of a type."""
    bodies = (["Hewlett Packard (HP) grew. HP sold printers.", "Hewlett Packard, they say, sold printers.",
               "Handset giant Nokia grew.", "Nokia sold phones.", "Nokia rose."]
              + [f"Sony sold {n} sets." for n in range(3)] + ["Sony Ericsson grew.", "Mr Blair, they say, spoke."])
    patterns = ([{"label": "ORG", "pattern": name} for name in ("HP", "Hewlett Packard", "Sony", "Sony Ericsson")]
                + [{"label": "PERSON", "pattern": [{"LOWER": "hewlett"}, {"LOWER": "packard"}, {"ORTH": ","}]}]
                + [{"label": "PERSON", "pattern": "Sony"}, {"label": "GPE", "pattern": "Nokia"},
                   {"label": "PERSON", "pattern": "Blair"}])
    with import_tagged(tmp_path, patterns, bodies) as kb:
        entities, statements = kb.store.entities, []
        entities.named = {row[0] for row in kb.store.conn.execute("select id from entities")}
        entities.cued = {row[0] for row in kb.store.conn.execute("select key from entities")}
        entities.works = set(entities.cued)
        kb.store.conn.set_trace_callback(statements.append)
        with kb.store.transaction():  # the votes, on every name
            pass
        kb.store.conn.set_trace_callback(None)
        plans = {statement: [row[3] for row in kb.store.conn.execute(f"explain query plan {statement}")]
                 for statement in set(statements) if "entities" in statement and not statement.startswith("insert")}
    assert any("cued_type is not null" in s for s in plans)  # follow_the_words ran
    scans = {s: steps for s, steps in plans.items()
             if any(re.match(r"SCAN (entities|article_entities|entity_aliases|e|ae|a)\b", step)
                    or step.endswith("(type=?)")
                    for step in steps)}
    assert scans == {}


def test_a_knowledge_base_of_schema_10_gets_the_index_of_alias_names_and_keeps_working(tmp_path):
    """Version 11 indexes the aliases by name (for the votes above); a knowledge base made
    before it is backed up, migrated, and imports and votes as before."""
    bodies = ["Hewlett Packard (HP) grew. HP sold printers."] + [f"HP sold {n} printers." for n in range(2)]
    patterns = [{"label": "ORG", "pattern": name} for name in ("HP", "Hewlett Packard")]
    with import_tagged(tmp_path, patterns, bodies) as kb:
        pass
    with sqlite3.connect(tmp_path / "kb" / "kb.db") as old:
        old.execute("drop index idx_entity_aliases_key")
        old.execute("update meta set value = '10' where key = 'schema_version'")
    old.close()
    with KnowledgeBase(tmp_path / "kb", extractor=f"spacy:{tmp_path / 'rules'}") as kb:
        assert kb.store.schema_version() == SCHEMA_VERSION == 11
        assert kb.store.conn.execute("select 1 from sqlite_master where name = 'idx_entity_aliases_key'").fetchone()
        kb.import_paths([write(tmp_path / "more.jsonl", ["Hewlett Packard, they say, sold printers.", "HP rose."])])
        assert rows(kb, "org") == [("Hewlett Packard", 5)] and kb.check()["ok"]
    with sqlite3.connect(tmp_path / "kb" / "kb.db.v10.bak") as backup:
        assert backup.execute("select value from meta where key = 'schema_version'").fetchone() == ("10",)
