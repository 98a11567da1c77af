"""Index files read through index.storage: a part of a file reads as the bytes it holds."""
from __future__ import annotations

import pickle

from index.storage import IndexStorage


def test_a_part_reads_its_pickles_and_peeks_without_consuming_or_passing_its_end(tmp_path):
    first, second = {"block": list(range(300))}, ("header", 7, 2.5)
    body = pickle.dumps(first, 2) + pickle.dumps(second, 2)
    (tmp_path / "segment").write_bytes(b"before" + body + b"after")
    part = IndexStorage(str(tmp_path)).open_file("segment").subset(len(b"before"), len(body))

    assert part.file.peek(10 ** 6) == body  # the part's bytes, not those after it
    assert part.read_pickle() == first and part.read_pickle() == second
    assert part.tell() == len(body) and part.file.peek(10) == b""
    part.seek(0)
    assert part.read(6) == body[:6]
