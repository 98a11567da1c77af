"""Where a knowledge base lives: `--kb PATH`, else $KB_PATH, else the default folder.

Written with os.path alone: `kb search`'s start-up reads it
before deciding whether to load anything else (see kb.resident).
"""
from __future__ import annotations

import os

ENV_VAR = "KB_PATH"
DB_NAME = "kb.db"
INDEX_DIR = "index"


def default_folder() -> str:
    """`$XDG_DATA_HOME/newskb`, which is `~/.local/share/newskb` unless set otherwise."""
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data_home, "newskb")


def kb_folder(path: str | os.PathLike | None = None) -> str:
    """The knowledge base folder: the argument, else $KB_PATH, else `default_folder()`."""
    return os.path.expanduser(os.fspath(path or os.environ.get(ENV_VAR) or default_folder()))

