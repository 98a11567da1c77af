"""Bad input: undecodable bytes, NUL and control characters, binary files, mojibake,
records over the size limit, and JSON too big to hold, read in bounded memory."""
from __future__ import annotations

import io
import json
import tracemalloc

import pytest

from importers import json_lines, json_records, parse_file
from importers.language import detect_language
from importers.normalise import clean_text, decode, looks_binary
from kb.errors import InputError
from kb.models import Article

BODY = "Le conseil municipal a voté le budget après un long débat sur les écoles et la santé."


def only(records) -> Article:
    [record] = list(records)
    assert isinstance(record, Article), record
    return record


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_latin1_and_windows1252_csv_files_are_decoded(tmp_path, encoding):
    path = tmp_path / "stories.csv"
    title = "Café “crème” à Zürich" if encoding == "cp1252" else "Café crème à Zürich"
    path.write_bytes(f"title,body\n{title},{BODY}\n".encode(encoding))
    article = only(parse_file(path))
    assert (article.title, article.body) == (title, BODY)


def test_invalid_utf8_text_file_is_decoded_by_detection(tmp_path):
    path = tmp_path / "page.txt"
    path.write_bytes(("Москва готовит новый бюджет города\n\n"
                      "Городская дума обсудила проект бюджета на следующий год и одобрила его.\n").encode("cp1251"))
    article = only(parse_file(path))
    assert article.title == "Москва готовит новый бюджет города"
    assert detect_language(article.body) == "ru"


def test_one_bad_byte_in_utf8_jsonl_spoils_only_that_line(tmp_path):
    good = json.dumps({"title": "Ação", "body": BODY}, ensure_ascii=False).encode()
    bad = json.dumps({"title": "Cr\u00e8me", "body": BODY}, ensure_ascii=False).encode("latin-1")
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(good + b"\n" + bad + b"\n")
    assert [a.title for a in parse_file(path)] == ["Ação", "Crème"]


def test_decode_keeps_utf8_first_and_detects_the_rest():
    assert decode("Ação".encode()) == decode("\ufeffAção".encode()) == "Ação"
    assert decode("Ação".encode("latin-1")) == "Ação"
    assert decode("Zażółć gęślą jaźń, gospodarka rośnie szybko".encode("cp1250")) == \
        "Zażółć gęślą jaźń, gospodarka rośnie szybko"


def test_nul_bytes_and_control_characters_never_reach_the_text(tmp_path):
    path = tmp_path / "nul.jsonl"
    records = [{"title": "Nul\u0000 title\u0007", "body": "Body\u0000 with\u001b control\u0085 characters."},
               {"title": "Second", "body": "Clean body text here."}]
    path.write_bytes(b"\n".join(json.dumps(r).encode() for r in records) + b"\x00\n")
    first, second = parse_file(path)
    assert (first.title, first.body) == ("Nul title", "Body with control characters.")
    assert second.title == "Second"
    text = tmp_path / "nul.txt"
    text.write_bytes(b"A headline with\x00 a NUL\n\nThe body has a NUL\x00 byte and a bell\x07 inside it.\n")
    article = only(parse_file(text))
    assert "\x00" not in article.title + article.body and "\x07" not in article.body


@pytest.mark.parametrize("name, data", [
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 8),
    ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(500)),
    ("story.txt", b"\x00" * 400 + b"Headline here\n\nText."),
    ("data.json", bytes(range(32)) * 40),
])
def test_binary_files_are_skipped(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    assert [(r.record, r.reason) for r in parse_file(tmp_path / name)] == [("file", "binary file")]


def test_binary_detection_spares_text():
    assert not looks_binary("Café crème".encode("latin-1"))
    assert not looks_binary("UTF-16 text".encode("utf-16-le"))
    assert not looks_binary(b"a text with one \x00 stray NUL in it")


def test_mojibake_is_repaired():
    assert clean_text("CafÃ©") == "Café"
    assert clean_text("Itâ€™s the SÃ£o Paulo â€œderbyâ€\x9d") == "It’s the São Paulo “derby”"
    assert clean_text("INFORMAÇÃO É PÚBLICA") == "INFORMAÇÃO É PÚBLICA"  # correct text is left alone


def test_mojibake_in_a_file_is_repaired(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"title": "CafÃ© prices rise", "body": "The cafÃ© owners said so."}))
    article = only(parse_file(path))
    assert (article.title, article.body) == ("Café prices rise", "The café owners said so.")


def test_an_over_long_jsonl_line_is_skipped_and_the_next_read(tmp_path, monkeypatch):
    monkeypatch.setattr(json_lines, "MAX_RECORD_BYTES", 1000)
    path = tmp_path / "long.jsonl"
    first = json.dumps({"title": "Before", "body": BODY})
    path.write_text(f"{first}\n{{\"body\": \"{'x' * 5_000_000}\"}}\n{first.replace('Before', 'After')}\n")
    records = list(json_lines.parse(path.open("rb"), origin="long.jsonl"))
    assert [(r.record, r.title if isinstance(r, Article) else r.reason) for r in records] == [
        ("line 1", "Before"), ("line 2", "record over 10 MB"), ("line 3", "After")]


def test_a_huge_line_without_newline_is_never_held_whole(tmp_path):
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.write(json.dumps({"title": "Kept", "body": BODY}).encode() + b"\n" + b'{"body": "')
        out.write(b"y" * 40_000_000)  # 40 MB and no newline: four times the record limit
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            records = list(json_lines.parse(stream, origin="huge.jsonl"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [getattr(r, "reason", None) or r.title for r in records] == ["Kept", "record over 10 MB"]
    assert peak < 25_000_000, peak


def test_an_article_over_the_limit_is_skipped(tmp_path, monkeypatch):
    import importers.finish

    monkeypatch.setattr(importers.finish, "MAX_RECORD_BYTES", 50)
    path = tmp_path / "two.jsonl"
    path.write_text(json.dumps({"title": "Short", "body": "Fits."}) + "\n"
                    + json.dumps({"title": "Long", "body": "word " * 40}) + "\n")
    assert [getattr(r, "reason", None) or r.title for r in parse_file(path)] == ["Short", "record over 10 MB"]


def test_small_json_files_are_all_or_nothing():
    with pytest.raises(InputError, match="line 3: not valid JSON: Expecting value"):
        list(json_records.parse(io.BytesIO(b'[{"title": "A", "body": "B"},\n\n{"title": }]'), origin="a.json"))


def test_a_huge_json_array_is_streamed_in_little_memory(tmp_path):
    record = json.dumps({"title": "Storm hits the coast", "body": "The storm hit the coast on Monday.",
                         "language": "en", "raw_html": "<p>" + "x" * 100_000 + "</p>"}).encode()
    path = tmp_path / "big.json"
    with path.open("wb") as out:
        out.write(b"[" + b",\n".join([record] * 1000) + b"]")
    assert path.stat().st_size > 100_000_000
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            count = sum(isinstance(r, Article) for r in json_records.parse(stream, origin="big.json"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 1000
    assert peak < 20_000_000, peak  # the first WHOLE_FILE_BYTES (8 MiB) read to choose the way, then a record at a time


def test_json_records_over_the_limit_are_skipped_inside_an_array(monkeypatch):
    monkeypatch.setattr(json_records, "WHOLE_FILE_BYTES", 0)  # streamed, as a big file would be
    monkeypatch.setattr(json_records, "MAX_RECORD_BYTES", 100)
    data = json.dumps({"source": "Wire", "articles": [
        {"title": "Small", "body": "Fits in."}, {"title": "Big", "body": "z" * 500}, {"title": "Last", "body": "Ok."}]})
    records = list(json_records.parse(io.BytesIO(data.encode()), origin="w.json"))
    assert [(r.record, getattr(r, "reason", None) or r.title) for r in records] == [
        ("item 1", "Small"), ("item 2", "record over 10 MB"), ("item 3", "Last")]
    assert records[0].source == "Wire"  # the wrapper's source, named before the array


def test_json_errors_name_the_line_in_a_streamed_file(tmp_path, monkeypatch):
    monkeypatch.setattr(json_records, "WHOLE_FILE_BYTES", 1000)
    path = tmp_path / "broken.json"
    good = json.dumps({"title": "T", "body": "B"}, indent=1)
    path.write_text("[\n" + ",\n".join([good] * 2000) + ",\n{\"title\": oops}\n]\n")
    records = []
    with pytest.raises(InputError) as error:
        records.extend(parse_file(path))
    assert len(records) == 2000  # the records before the error are kept
    assert str(error.value) == (f"{path}, line {2 + 2000 * (good.count(chr(10)) + 1)}: not valid JSON: "
                                 "lexical error: invalid char in json text.")
