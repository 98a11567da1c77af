"""The `kb` command: parses options, calls the KnowledgeBase API, renders the answer.

Each module of this package holds the commands of one area; the group in `base` loads
a module when one of its commands is asked for (see `base.COMMANDS`).
"""
from __future__ import annotations

from kb.cli.base import ExitCode, cli

__all__ = ["cli", "main", "ExitCode"]


def main(**options) -> None:
    """The `kb` command."""
    cli(**options)
