"""The `kb` command as a program: a search goes to its knowledge base's resident searcher
when one answers (kb.resident); any other command, and a search none answers, runs in
this process, and a search that ran here leaves a searcher behind for the next one.

Ctrl-C ends every command alike, wherever it lands (loading, parsing, running, writing
output): one line, "Interrupted", and exit status 130. It unwinds as an exception does,
so transactions roll back and files close. While an import runs, its own handler takes
over (kb.interrupts): the import commits what it stored and prints its summary."""
from __future__ import annotations

import signal
import sys

from kb.resident import Search, enabled, silence

INTERRUPTED = 130  # ExitCode.INTERRUPTED (kb.cli.base, which this module does not load: it loads Click)


class Interrupted(BaseException):
    """Ctrl-C, raised past Click (which makes a KeyboardInterrupt "Aborted!" and exit 1)
    and past `except Exception`, as a KeyboardInterrupt is."""


def interrupt(signum, frame) -> None:
    """The SIGINT handler of the `kb` process; a second Ctrl-C ends it at once."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    raise Interrupted


def main() -> None:
    signal.signal(signal.SIGINT, interrupt)
    try:
        run()
    except Interrupted:
        if sys.stdout is not None:  # (None for a process started without one)
            silence(sys.stdout)  # what is left of the output: its reader may have stopped reading
        if sys.stderr is not None:
            sys.stderr.write("Interrupted\n")
        sys.exit(INTERRUPTED)


def run() -> None:
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
