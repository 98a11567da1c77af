"""Stories in SQLite: each article's MinHash signature and story, and the LSH band keys
that find an incoming article's candidates without holding every signature in memory.

`assign` is called for each new article inside the import transaction, so articles of
the same batch see each other. Stories are stable: an article joins the story of its
best earlier match, or starts its own (named after it), and never moves afterwards.
"""
from __future__ import annotations

import numpy as np
import sqlite_utils

from kb.shingles import Signature
from kb.stories import BANDED_MEMBERS, DEFAULT_STORY_DAYS, Match, StoryRules, figures, joinable

_SIGNED = 1 << 63


def signed(key: int) -> int:
    """An unsigned 64-bit band key as SQLite's signed INTEGER."""
    return key - (1 << 64) if key >= _SIGNED else key


class StoryTable:
    def __init__(self, db: sqlite_utils.Database, rules: StoryRules | None = None, days: float = DEFAULT_STORY_DAYS):
        self.db, self.rules, self.days = db, rules or StoryRules(), days

    def assign(self, article_id: str, sig: Signature, published: str | None = None,
               body: str | None = None) -> Match | None:
        """Put a new article in a story (call in a transaction); returns the match it joined.
        With its date and body, it joins no story begun more than `days` before or after
        it, nor a near-copy whose figures differ (see kb.stories.joinable)."""
        keys = [signed(key) for key in self.rules.band_keys(sig)] if not sig.empty else []
        found = self.best_match(sig, keys, published, body)
        story_id = found.story_id if found else article_id
        banded = found is None or self.db.execute(  # fewer members than BANDED_MEMBERS: stops at that many
            "select 1 from article_stories where story_id = ? limit 1 offset ?",
            [story_id, BANDED_MEMBERS - 1]).fetchone() is None
        self.db.execute("insert into article_stories (article_id, story_id, signature) values (?, ?, ?)",
                        [article_id, story_id, sig.to_bytes()])
        if banded:
            self.db.conn.executemany("insert into story_bands (band, article_id) values (?, ?)",
                                     [(key, article_id) for key in keys])
        return found

    def best_match(self, sig: Signature, keys: list[int], published: str | None = None,
                   body: str | None = None) -> Match | None:
        if not keys:
            return None
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            "select s.article_id, s.story_id, s.signature from article_stories s where s.article_id in "
            f"(select distinct article_id from story_bands where band in ({marks})) order by s.rowid", keys
        ).fetchall()
        if not rows:
            return None
        signatures = [Signature.from_bytes(data) for _, _, data in rows]
        allowed = None
        if body is not None:
            mine = figures(body)

            def allowed(i: int) -> bool:  # asked of similar candidates only: their texts are read then
                started, other = self.db.execute(
                    "select (select published from articles where id = ?), body from articles where id = ?",
                    [rows[i][1], rows[i][0]]).fetchone()
                return joinable(published, mine, started, figures(other), self.days)
        return self.rules.best(sig, [r[0] for r in rows], [r[1] for r in rows],
                               np.stack([s.values for s in signatures]),
                               np.array([s.shingles for s in signatures], dtype=np.int64), allowed)

    def story_of(self, article_id: str) -> str | None:
        row = self.db.execute("select story_id from article_stories where article_id = ?", [article_id]).fetchone()
        return row[0] if row else None

    def members(self, story_id: str) -> list[str]:
        """The articles of a story, in the order they joined."""
        return [r[0] for r in self.db.execute(
            "select article_id from article_stories where story_id = ? order by rowid", [story_id])]

    def largest(self, limit: int = 20, min_size: int = 2) -> list[tuple[str, int]]:
        """(story id, number of articles) of the biggest stories."""
        return self.db.execute(
            "select story_id, count(*) from article_stories group by story_id having count(*) >= ? "
            "order by 2 desc, min(rowid) limit ?", [min_size, limit]).fetchall()
