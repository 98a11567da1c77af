"""Keeping the index in step with the store: the queued catch-up, and how many processes
the machine offers. Light on imports: every command may need it."""
from __future__ import annotations

import os
from typing import Collection

CATCH_UP_BATCH = 2000  # queued articles read back from SQLite at a time


def write_queued(store, writer, besides: Collection[str] = ()) -> list[str]:
    """Write every article queued for indexing into `writer` (replacing any copy there),
    but those `besides` (being indexed already); returns their ids, to be dequeued once
    the writer has committed."""
    done, after = [], ""
    while queued := store.queued_ids(CATCH_UP_BATCH, after=after):
        after = queued[-1]
        ids = [article_id for article_id in queued if article_id not in besides]
        found = store.get_articles(ids)
        for article_id in ids:
            if article_id in found:
                writer.replace(found[article_id])
            else:
                writer.delete(article_id)
        done += ids
    return done


def cores() -> int:
    """Worker processes for an import (extraction and index analysis), and index-writing
    processes for a large rebuild: one per core."""
    return os.cpu_count() or 1

