"""Which files of a folder or archive an import reads: the user's `--include`/`--exclude`
globs, and files that are no articles by their name (README, LICENSE, manifest...).

A file named on the command line is read whatever its name; a file found under a folder
named, or inside an archive, is matched by its path there (`sport/001.txt`), case aside.
A glob matches the whole path (`*` crossing folders: `bbc-news/*`) or its last parts
(`sport/*`, `*.txt`, `README*`).

>>> Selection(exclude=("sport/*",)).refusal("bbc-news/sport/001.txt")
'matched by --exclude'
>>> Selection().refusal("bbc-news/README.TXT")
'not an article: read-me, licence or manifest file'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

NOT_INCLUDED = "not matched by --include"
EXCLUDED = "matched by --exclude"
NAMED_NOT_ARTICLE = "not an article: read-me, licence or manifest file"
NOT_ARTICLE_NAME = re.compile(  # README.TXT, LICENSE-MIT, manifest.tsv; NOTICE.md but not notice-to-residents.txt
    r"(read[_-]?me|licen[cs]e|copying|changelog|manifest|(md5|sha\d*)sums?|checksums?)([._ -].*)?"
    r"|(notice|authors|contributors|citation|copyright)(\.\w+)?", re.IGNORECASE)


def matches(globs: tuple[str, ...], relative: str) -> bool:
    """True if a glob matches the whole of the path `relative` or its last parts, case aside."""
    path = PurePosixPath(relative.lower())
    return any(fnmatchcase(str(path), glob.lower()) or path.match(glob.lower()) for glob in globs)


@dataclass(frozen=True)
class Selection:
    """The `--include` globs (none: every file) and the `--exclude` globs of an import."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def refusal(self, relative: str | None) -> str | None:
        """Why the file at path `relative` (None: named by the user) is left out, or None."""
        if relative is None:
            return None
        if self.include and not matches(self.include, relative):
            return NOT_INCLUDED
        if matches(self.exclude, relative):
            return EXCLUDED
        if NOT_ARTICLE_NAME.fullmatch(PurePosixPath(relative).name):
            return NAMED_NOT_ARTICLE
        return None
