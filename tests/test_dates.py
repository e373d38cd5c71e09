"""ISO weeks and the `as_of` date: the calendar every schedule and feed is computed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicetips.dates import IsoWeek, parse_as_of, resolve_as_of, weeks_in_year

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@pytest.mark.parametrize(
    ("text", "year", "week"),
    [("2026-W48", 2026, 48), ("2026-W01", 2026, 1), ("2026-W53", 2026, 53), (" 2020-W53 ", 2020, 53)],
)
def test_parse_accepts_existing_weeks(text, year, week):
    assert IsoWeek.parse(text) == IsoWeek(year, week)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-48", "write it as YYYY-Www"),
        ("2026-w48", "write it as YYYY-Www"),
        ("2026-W4", "write it as YYYY-Www"),
        ("2026-W00", "2026 has ISO weeks W01 to W53"),
        ("2027-W53", "2027 has ISO weeks W01 to W52"),
        ("2026-W54", "2026 has ISO weeks W01 to W53"),
    ],
)
def test_parse_names_the_problem(text, says):
    with pytest.raises(ValueError, match=says):
        IsoWeek.parse(text)


def test_parse_refuses_a_non_string():
    with pytest.raises(ValueError, match="not an ISO week"):
        IsoWeek.parse(202648)  # type: ignore[arg-type]


@pytest.mark.parametrize(("year", "weeks"), [(2020, 53), (2021, 52), (2025, 52), (2026, 53), (2027, 52), (2032, 53)])
def test_weeks_in_year(year, weeks):
    assert weeks_in_year(year) == weeks


def test_the_week_spanning_new_year_2027():
    week = IsoWeek.parse("2026-W53")
    assert week.monday == date(2026, 12, 28)
    assert week.sunday == date(2027, 1, 3)
    assert week.start == datetime(2026, 12, 28, 0, 0, tzinfo=UTC)
    assert IsoWeek.of(date(2027, 1, 1)) == week  # New Year's Day belongs to the old ISO year
    assert IsoWeek.of(date(2027, 1, 3)) == week
    assert IsoWeek.of(date(2027, 1, 4)) == IsoWeek(2027, 1)
    assert week.next() == IsoWeek(2027, 1)
    assert IsoWeek(2027, 1).previous() == week
    assert week.date_range_label() == "28 Dec 2026 - 3 Jan 2027"


def test_year_without_week_53_rolls_over_after_52():
    assert IsoWeek(2027, 52).next() == IsoWeek(2028, 1)
    assert IsoWeek(2028, 1).previous() == IsoWeek(2027, 52)


def test_early_january_can_belong_to_the_previous_iso_year():
    assert IsoWeek.of(date(2021, 1, 3)) == IsoWeek(2020, 53)
    assert IsoWeek.of(date(2024, 12, 30)) == IsoWeek(2025, 1)


def test_sunday_and_monday_are_in_different_weeks():
    assert IsoWeek.of(date(2026, 11, 29)) == IsoWeek(2026, 48)
    assert IsoWeek.of(date(2026, 11, 30)) == IsoWeek(2026, 49)


@pytest.mark.parametrize(
    ("week", "label"),
    [("2026-W48", "23-29 Nov 2026"), ("2026-W49", "30 Nov - 6 Dec 2026"), ("2026-W53", "28 Dec 2026 - 3 Jan 2027")],
)
def test_date_range_label(week, label):
    assert IsoWeek.parse(week).date_range_label() == label


def test_until_includes_both_ends_and_crosses_years():
    weeks = IsoWeek(2026, 52).until(IsoWeek(2027, 2))
    assert [str(w) for w in weeks] == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    assert IsoWeek(2027, 2).until(IsoWeek(2026, 52)) == []


def test_str_pads_the_week_number():
    assert str(IsoWeek(2026, 3)) == "2026-W03"


@given(days)
def test_a_day_lies_inside_its_week(day):
    week = IsoWeek.of(day)
    assert week.monday <= day <= week.sunday
    assert week.monday.weekday() == 0 and week.sunday.weekday() == 6
    assert week.start.tzinfo == UTC and week.start.time().hour == 0


@given(days)
def test_next_and_previous_are_seven_days_apart_and_ordered(day):
    week = IsoWeek.of(day)
    assert week.next().monday - week.monday == timedelta(days=7)
    assert week.next().previous() == week
    assert week.previous() < week < week.next()


@given(days)
def test_text_round_trips(day):
    week = IsoWeek.of(day)
    assert IsoWeek.parse(str(week)) == week


@given(days, days)
def test_week_order_follows_day_order(a, b):
    if a <= b:
        assert IsoWeek.of(a) <= IsoWeek.of(b)


def test_parse_as_of():
    assert parse_as_of("2026-11-23") == date(2026, 11, 23)
    for bad in ("23.11.2026", "2026-02-30", "2026-11-23T00:00", ""):
        with pytest.raises(ValueError, match="write it as YYYY-MM-DD"):
            parse_as_of(bad)


def test_resolve_as_of_order_of_sources():
    env = {"TIPS_AS_OF": "2026-11-30", "SOURCE_DATE_EPOCH": "0"}
    assert resolve_as_of("2026-11-23", env) == date(2026, 11, 23)
    assert resolve_as_of(None, env) == date(2026, 11, 30)
    # 1795392000 s = 2026-11-23T00:00:00Z; one second earlier is still Sunday the 22nd in UTC.
    assert resolve_as_of(None, {"SOURCE_DATE_EPOCH": "1795392000"}) == date(2026, 11, 23)
    assert resolve_as_of(None, {"SOURCE_DATE_EPOCH": "1795391999"}) == date(2026, 11, 22)
    assert resolve_as_of(None, {"TIPS_AS_OF": "", "SOURCE_DATE_EPOCH": "1795392000"}) == date(2026, 11, 23)


def test_resolve_as_of_falls_back_to_today_in_utc():
    before = datetime.now(tz=UTC).date()
    resolved = resolve_as_of(None, {})
    after = datetime.now(tz=UTC).date()
    assert before <= resolved <= after


def test_resolve_as_of_reports_bad_values():
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        resolve_as_of(None, {"SOURCE_DATE_EPOCH": "yesterday"})
    with pytest.raises(ValueError, match="write it as YYYY-MM-DD"):
        resolve_as_of(None, {"TIPS_AS_OF": "next monday"})
