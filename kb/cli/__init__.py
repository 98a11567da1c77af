"""The `kb` command: parses options, calls the KnowledgeBase API, renders the answer.

Each module of this package adds the commands of one area to the group in `base`.
"""
from __future__ import annotations

from kb.cli import analysis, entities, importing, maintenance, searching  # noqa: F401 (they add the commands)
from kb.cli.base import ExitCode, cli

__all__ = ["cli", "main", "ExitCode"]


def main(**options) -> None:
    """The `kb` command."""
    cli(**options)
