"""Every failure newskb reports, in one hierarchy; no Click here."""
from __future__ import annotations


class KBError(Exception):
    """Base of every error newskb reports to its user as one line."""


class InputError(KBError):
    """An input file (or one record of it) cannot be read."""

    def __init__(self, origin: str, message: str, line: int | None = None):
        self.origin, self.line, self.message = origin, line, message
        where = f"{origin}, line {line}" if line is not None else origin
        super().__init__(f"{where}: {message}")


class QueryError(KBError):
    """A search query cannot be read."""


class ArgumentError(QueryError):
    """Options of a call that do not go together (the CLI reports a usage error, exit 2)."""


class NotFoundError(KBError):
    """No article has the given id."""


class StoreError(KBError):
    """The knowledge base on disk cannot be used as it is."""


class ImportInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped an import; what was stored before it is committed, and `summary`
    says what that was. A KeyboardInterrupt still, so a script that is interrupted stops."""

    def __init__(self, summary):
        self.summary = summary
        super().__init__("import interrupted")
