"""The `kb` command: parses options, calls the KnowledgeBase API, renders the answer.

Each module of this package adds the commands of one area to the group in `base`.
"""
from __future__ import annotations

import multiprocessing

from kb.cli import analysis, entities, importing, maintenance, searching  # noqa: F401 (they add the commands)
from kb.cli.base import ExitCode, cli
from kb.indexing import clean_start_method

__all__ = ["cli", "main", "ExitCode"]


def main(**options) -> None:
    """The `kb` command. Whoosh's index-writing processes in a large rebuild start from a
    clean server rather than by forking this one: see kb.indexing.clean_start_method
    (an import's workers fork, see kb.ingest)."""
    multiprocessing.set_start_method(clean_start_method(), force=True)
    cli(**options)
