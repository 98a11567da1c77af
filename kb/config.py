"""Where a knowledge base lives: `--kb PATH`, else $KB_PATH, else the default folder."""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "KB_PATH"
DB_NAME = "kb.db"
INDEX_DIR = "index"


def default_path() -> Path:
    """`$XDG_DATA_HOME/newskb`, which is `~/.local/share/newskb` unless set otherwise."""
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "newskb"


def resolve_path(path: str | os.PathLike | None = None) -> Path:
    """The knowledge base folder: the argument, else $KB_PATH, else `default_path()`."""
    if path:
        return Path(path).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    return default_path()
