"""Containers: .gz files, zip and tar archives and standard input, read as streams, never extracted."""
from __future__ import annotations

import gzip
import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from helpers import SEED, SEED_TITLE
from importers import containers, iter_files, parse_file
from kb.errors import InputError
from kb.models import Article


def line(title: str) -> str:
    return json.dumps({"title": title, "body": f"The council approved the {title} budget on Monday after a debate.",
                       "url": "https://www.example.org/news/1"})


def summary(records) -> list[tuple[str, str, str]]:
    return [(r.origin, r.record, r.title if isinstance(r, Article) else r.reason) for r in records]


def add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def test_gzip_file_is_read_by_its_inner_name(tmp_path):
    path = tmp_path / "feed.jsonl.gz"
    path.write_bytes(gzip.compress(f"{line('Alpha')}\n{line('Beta')}\n".encode()))
    assert summary(parse_file(path)) == [(str(path), "line 1", "Alpha"), (str(path), "line 2", "Beta")]


def test_warc_gz_still_goes_to_the_warc_importer(tmp_path):
    from helpers import DATA

    records = list(parse_file(DATA / "warc" / "sample.warc.gz"))
    assert records and all(r.origin.endswith("sample.warc.gz") for r in records)
    assert any(isinstance(r, Article) for r in records)


def test_zip_member_names_are_only_labels(tmp_path, monkeypatch):
    work = tmp_path / "deep" / "er"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    path = work / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../x.json", json.dumps([json.loads(line("Escapee"))]))
        archive.writestr("/abs/y.jsonl", f"{line('Absolute')}\n{line('Again')}\n")
    before = sorted(p for p in tmp_path.rglob("*"))
    records = list(parse_file(path))
    assert summary(records) == [
        (f"{path}:../../x.json", "item 1", "Escapee"),
        (f"{path}:/abs/y.jsonl", "line 1", "Absolute"), (f"{path}:/abs/y.jsonl", "line 2", "Again")]
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written anywhere
    assert not Path("/abs/y.jsonl").exists()


def test_zip_bomb_members_are_refused_by_ratio_and_by_size(tmp_path, monkeypatch):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.jsonl", b" " * 20_000_000)  # 20 MB of blanks in about 20 KB
        archive.writestr("ok.jsonl", f"{line('Fine')}\n{line('Too')}\n")
    records = list(parse_file(path))
    assert summary(records) == [(f"{path}:bomb.jsonl", "file", "compression ratio over 100:1 (zip bomb?)"),
                                (f"{path}:ok.jsonl", "line 1", "Fine"), (f"{path}:ok.jsonl", "line 2", "Too")]
    monkeypatch.setattr(containers, "MAX_MEMBER_BYTES", 100)
    assert [r.reason for r in parse_file(path)] == ["member over 100 bytes uncompressed"] * 2


def test_gzip_bomb_is_skipped_while_streaming(tmp_path):
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(f"{line('First')}\n{line('Second')}\n".encode() + b" " * 30_000_000))
    records = list(parse_file(path))
    assert summary(records) == [(str(path), "line 1", "First"), (str(path), "line 2", "Second"),
                                (str(path), "file", "compression ratio over 100:1 (zip bomb?)")]


def test_tar_gz_with_mixed_formats_and_a_bad_member(tmp_path):
    path = tmp_path / "mixed.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        add(archive, "a/one.jsonl", f"{line('From JSONL')}\n{line('Also JSONL')}\n".encode())
        add(archive, "b/two.csv", b"title,body\nFrom CSV,The mayor said the bridge will reopen next spring.\n")
        add(archive, "c/bad.json", b'[{"title": ')
        add(archive, "d/page.txt", "A headline from text\n\nThe minister announced the plan on Tuesday.\n".encode())
        add(archive, "../../escape.json", json.dumps({"title": "Outside", "body": "Still only data, never a file."}).encode())
    records = list(parse_file(path))
    assert summary(records) == [
        (f"{path}:a/one.jsonl", "line 1", "From JSONL"), (f"{path}:a/one.jsonl", "line 2", "Also JSONL"),
        (f"{path}:b/two.csv", "line 2", "From CSV"),
        (f"{path}:c/bad.json", "line 1", "not valid JSON: Expecting value (column 12)"),
        (f"{path}:d/page.txt", "file", "A headline from text"),
        (f"{path}:../../escape.json", "item 1", "Outside"),
    ]
    assert not (tmp_path.parent / "escape.json").exists()


def test_unreadable_archives_fail_as_files(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputError, match="not a readable zip archive"):
        list(parse_file(tmp_path / "broken.zip"))
    (tmp_path / "broken.jsonl.gz").write_bytes(gzip.compress(line("x").encode())[:20])
    with pytest.raises(InputError, match="not a readable gzip file"):
        list(parse_file(tmp_path / "broken.jsonl.gz"))


def test_stdin_is_sniffed(monkeypatch):
    data = f"{line('Piped one')}\n{line('Piped two')}\n".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    [source] = list(iter_files(["-"]))
    assert str(source) == "-"
    assert summary(parse_file(source)) == [("-", "line 1", "Piped one"), ("-", "line 2", "Piped two")]


def test_stdin_takes_a_format_and_may_be_gzipped(monkeypatch):
    data = gzip.compress(json.dumps({"title": "One object", "body": "Read from a pipe, gzipped."}).encode())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert summary(parse_file("-", format="json")) == [("-", "item 1", "One object")]


def test_archives_are_not_read_by_iter_files(tmp_path, monkeypatch):
    (tmp_path / "a.zip").write_bytes(b"not even a zip")
    opened = []
    monkeypatch.setattr(zipfile, "ZipFile", lambda *a, **k: opened.append(a))
    assert list(iter_files([tmp_path])) == [tmp_path / "a.zip"] and opened == []


def test_piped_plain_text_is_read_as_a_scraped_page(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SEED.read_bytes())))
    [source] = list(iter_files(["-"]))
    [article] = list(parse_file(source))
    assert article.title == SEED_TITLE and "Latest articles" not in article.body
