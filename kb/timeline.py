"""Attention over time: several series of counts per period, aligned on one axis.

Built on the knowledge base's one counting path (`KnowledgeBase.count`): a series is
a query (and optional filter) counted per period; series are aligned so that every
period from the first to the last appears in each, empty ones as zero.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kb.errors import ArgumentError
from kb.vocabulary import UNDATED


@dataclass
class Timeline:
    """Periods in order and, per series label, one count per period."""

    by: str
    periods: list[str]
    series: dict[str, list[int]] = field(default_factory=dict)
    undated: dict[str, int] = field(default_factory=dict)

    def rows(self) -> list[dict]:
        """One dict per period: {"period": ..., label: count, ...} (for CSV and JSON)."""
        return [{"period": period, **{label: counts[i] for label, counts in self.series.items()}}
                for i, period in enumerate(self.periods)]


def series_split(queries: list[str], by_source: bool, by_entity: str | None) -> str | None:
    """What a timeline's series split each query by: "source", an entity type, or None
    (one series per query). Raises ArgumentError for options that do not go together.

    >>> series_split(["oil"], True, None)
    'source'
    """
    if by_source and by_entity:
        raise ArgumentError("a timeline is split by source or by entity, not both")
    if by_source and len(queries) > 1:
        raise ArgumentError(f"a timeline by source takes one query, not {len(queries)}")
    return "source" if by_source else by_entity


def align(by: str, counted: dict[str, list[tuple[str, int]]], fill) -> Timeline:
    """Series counted separately, on one list of periods (gaps filled by `fill(first, last)`)."""
    dated = {label: {k: n for k, n in counts if k != UNDATED} for label, counts in counted.items()}
    keys = sorted({k for counts in dated.values() for k in counts})
    periods = fill(keys[0], keys[-1]) if keys else []
    timeline = Timeline(by, periods)
    for label, counts in dated.items():
        timeline.series[label] = [counts.get(period, 0) for period in periods]
        timeline.undated[label] = dict(counted[label]).get(UNDATED, 0)
    return timeline
