"""Constants and helpers the tests share (fixtures are in conftest.py)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SEED = DATA / "scraped" / "irs-dhs-breach.txt"
SEED_TITLE = "IRS Illegally Shared Taxpayer Data With DHS in MAJOR Privacy Breach"
# The shared corpora sit next to the project checkout; NEWSKB_CORPORA points elsewhere.
CORPORA = Path(os.environ.get("NEWSKB_CORPORA", Path(__file__).resolve().parents[2] / "shared" / "corpora"))


def corpus(*parts: str) -> Path:
    """A path inside the shared corpora; the test is skipped (saying why) if it is absent."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus not found at {path} (set NEWSKB_CORPORA)")
    return path
