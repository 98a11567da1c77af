"""Counting matches per bucket: per day/week/month of publication, per source, per entity.

One counting path for `kb count` and the timeline views built on it.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from whoosh.util.times import long_to_datetime

from index.dates import NO_DATE, published_values
from index.facets import column_values, facet_counts
from index.matching import all_matches
from index.schema import ENTITY_FIELDS
from kb.vocabulary import NO_ENTITY, PERIODS, UNDATED, UNKNOWN_SOURCE


def period_key(moment: datetime, period: str) -> str:
    """The bucket label of `moment`: 2025-03-07, 2025-W10 (ISO week), 2025-03 or 2025."""
    if period == "day":
        return moment.strftime("%Y-%m-%d")
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return moment.strftime("%Y-%m")
    return moment.strftime("%Y")


def next_period(day: date, period: str) -> date:
    if period == "day":
        return day + timedelta(days=1)
    if period == "week":
        return day + timedelta(days=7)
    if period == "month":
        return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return date(day.year + 1, 1, 1)


def fill_periods(counts: Counter, dates: list[datetime], period: str) -> list[tuple[str, int]]:
    """Every period from the first to the last date, in order, empty ones as zero."""
    if not dates:
        return []
    first, last = period_key(min(dates), period), period_key(max(dates), period)
    return [(key, counts.get(key, 0)) for key in periods_between(first, last, period)]


def publication_dates(searcher, query, filter=None) -> tuple[list[datetime], int]:
    """The publication dates of all matches, and how many matches have none."""
    values = published_values(searcher)[all_matches(searcher, query, filter).ids]
    dated = values[values != NO_DATE]
    return [long_to_datetime(int(value)) for value in dated.tolist()], len(values) - len(dated)


def periods_between(first: str, last: str, period: str) -> list[str]:
    """Every period label from `first` to `last` (labels as `period_key` makes them)."""
    if period == "week":
        year, week = first.split("-W")
        day = date.fromisocalendar(int(year), int(week), 1)
    else:
        parts = [int(p) for p in first.split("-")] + [1, 1]
        day = date(parts[0], parts[1], parts[2])
    labels = []
    while not labels or labels[-1] != last:
        labels.append(period_key(datetime.combine(day, datetime.min.time()), period))
        day = next_period(day, period)
    return labels


def count_matches(searcher, query, by: str, filter=None) -> list[tuple[str, int]]:
    """Matching articles per bucket: periods in time order (gaps as zero), else most first;
    then, if any, the matches without a value: UNDATED, UNKNOWN_SOURCE, or NO_ENTITY (an
    article naming no entity of the type), so that a period or source count adds up to
    the matches."""
    if by in PERIODS:
        dates, undated = publication_dates(searcher, query, filter)
        series = fill_periods(Counter(period_key(moment, by) for moment in dates), dates, by)
        return series + ([(UNDATED, undated)] if undated else [])
    docnums = all_matches(searcher, query, filter).ids
    if by in ENTITY_FIELDS:
        counts, without = facet_counts(searcher, docnums, (by,), None)[by], NO_ENTITY
        empty = sum(1 for names in column_values(searcher, by, docnums) if not any(names))
    else:
        sources = column_values(searcher, by, docnums)
        counts = sorted(Counter(value.decode("utf-8") for value in sources if value).items(),
                        key=lambda kv: (-kv[1], kv[0]))
        without, empty = UNKNOWN_SOURCE, sum(1 for value in sources if not value)
    return counts + ([(without, empty)] if empty else [])
