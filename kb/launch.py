"""The `kb` command as a program: a search goes to its knowledge base's resident searcher
when one answers (kb.resident); any other command, and a search none answers, runs in
this process, and a search that ran here leaves a searcher behind for the next one."""
from __future__ import annotations

import sys

from kb.resident import Search, enabled


def main() -> None:
    search = Search.parse(sys.argv[1:]) if enabled() else None
    if search is not None:
        code = search.forward()
        if code is not None:
            sys.exit(code)
    from kb.cli import main as run_here

    try:
        run_here(prog_name="kb")
    except SystemExit as end:
        if search is not None and end.code == 0:
            search.start_searcher()
        raise
