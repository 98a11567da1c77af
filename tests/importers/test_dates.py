"""ISO 8601 dates read by the standard library, against dateutil reading the same text."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dateutil import parser as date_parser
from hypothesis import given, settings, strategies as st

from importers.normalise import ISO_MOMENT, ZONE_ABBREVIATIONS, parse_date


def by_dateutil(text: str) -> str | None:
    """What dateutil makes of the text, in parse_date's form."""
    try:
        moment = date_parser.parse(text, default=datetime(1, 1, 1), tzinfos=ZONE_ABBREVIATIONS)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):  # past the year 9999 in UTC: unreadable
        return None
    return None if moment.year == 1 else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


OFFSETS = st.sampled_from(["", "Z", "+00:00", "-05:00", "+05:30", "+14:00", "-12:00"])
SHAPES = st.sampled_from(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                          "%Y-%m-%dT%H:%M:%S.%f"])


@settings(max_examples=500, deadline=None)
@given(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9998, 12, 31)), SHAPES, OFFSETS)
def test_an_iso_date_reads_as_dateutil_reads_it(moment, shape, offset):
    text = moment.strftime(shape) + (offset if "H" in shape else "")
    assert ISO_MOMENT.fullmatch(text)
    assert parse_date(text) == by_dateutil(text)


@given(st.sampled_from(["2025-02-30", "2025-13-01", "2025-01-01T25:00", "0001-01-01", "2025-01-01T10:00+5",
                        "2025-W01", "20250101"]))
def test_impossible_or_other_forms_read_as_dateutil_reads_them(text):
    assert parse_date(text) == by_dateutil(text)


def test_a_moment_near_the_end_of_time_is_unreadable_not_an_error():
    assert parse_date("9999-12-31T23:00:00-05:00") is None and by_dateutil("9999-12-31T23:00:00-05:00") is None
    assert parse_date("2025-01-01T00:30:00+01:00") == (datetime(2025, 1, 1) - timedelta(minutes=30)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
