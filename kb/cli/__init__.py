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
    """The `kb` command. Helper processes (entity extraction, parallel index writing) start
    from a clean server rather than by forking this one: see kb.indexing.clean_start_method."""
    method = clean_start_method()
    multiprocessing.set_start_method(method, force=True)
    if method == "forkserver":
        multiprocessing.set_forkserver_preload(["kb.workers", "kb.entities.preload"])
    cli(**options)
