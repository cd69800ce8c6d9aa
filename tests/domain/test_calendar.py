"""The business clock, checked against hand-computed cases and properties (no app)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.calendar import (
    BusinessCalendar,
    CalendarError,
    always_open_calendar,
    format_windows,
    parse_windows,
    standard_calendar,
)

KST = ZoneInfo("Asia/Seoul")
CAL = standard_calendar([2025, 2026, 2027])  # Mon–Fri 09–12, 13–18, Korean holidays off


def kst(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=KST)


@pytest.mark.parametrize(("start", "minutes", "due"), [
    # inside a window
    (kst(2026, 11, 25, 10), 60, kst(2026, 11, 25, 11)),
    # across the lunch break
    (kst(2026, 11, 25, 11, 30), 60, kst(2026, 11, 25, 13, 30)),
    # lands exactly on the end of the day: 18:00, not the next morning
    (kst(2026, 11, 25, 17), 60, kst(2026, 11, 25, 18)),
    # across the night
    (kst(2026, 11, 25, 17, 30), 60, kst(2026, 11, 26, 9, 30)),
    # across a weekend (Fri → Mon)
    (kst(2026, 11, 27, 17, 30), 60, kst(2026, 11, 30, 9, 30)),
    # started on a Saturday
    (kst(2026, 11, 28, 14), 60, kst(2026, 11, 30, 10)),
    # before opening, during lunch, after closing
    (kst(2026, 11, 25, 8), 30, kst(2026, 11, 25, 9, 30)),
    (kst(2026, 11, 25, 12, 30), 30, kst(2026, 11, 25, 13, 30)),
    (kst(2026, 11, 25, 19), 30, kst(2026, 11, 26, 9, 30)),
    # a whole working day is 480 minutes
    (kst(2026, 11, 25, 9), 480, kst(2026, 11, 25, 18)),
    (kst(2026, 11, 25, 9), 481, kst(2026, 11, 26, 9, 1)),
    # 설날 2026: Mon 2/16 – Wed 2/18 off; Friday evening → Thursday
    (kst(2026, 2, 13, 17), 120, kst(2026, 2, 19, 10)),
    # 추석 2026: Thu 9/24 – Sat 9/26, then Sunday; Wednesday evening → Monday
    (kst(2026, 9, 23, 17), 120, kst(2026, 9, 28, 10)),
    # 추석 2025 with its substitute day and 개천절/한글날 around it: Thu 10/2 → Fri 10/10
    (kst(2025, 10, 2, 17), 120, kst(2025, 10, 10, 10)),
    # 대체공휴일 2026-03-02 (Mon) for 3/1 on a Sunday
    (kst(2026, 2, 27, 18), 60, kst(2026, 3, 3, 10)),
    # 0 minutes is the start itself
    (kst(2026, 11, 28, 14), 0, kst(2026, 11, 28, 14)),
])
def test_add_business_time_hand_computed(start, minutes, due):
    result = CAL.add_business_time(start, minutes)
    assert result == due
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(("a", "b", "minutes"), [
    (kst(2026, 11, 27, 17), kst(2026, 11, 30, 10), 120),       # Fri 17:00 → Mon 10:00
    (kst(2026, 11, 25, 11), kst(2026, 11, 25, 14), 120),        # lunch not counted
    (kst(2026, 2, 13, 9), kst(2026, 2, 20, 9), 2 * 480),         # 설날 week: Fri and Thu
    (kst(2026, 11, 28, 0), kst(2026, 11, 30, 0), 0),             # a weekend
    (kst(2026, 11, 25, 12), kst(2026, 11, 25, 10), 0),           # backwards
])
def test_business_minutes_between_hand_computed(a, b, minutes):
    assert CAL.business_minutes_between(a, b) == minutes


def test_window_that_ends_at_midnight():
    night = BusinessCalendar(weekly={d: parse_windows("20:00-24:00") for d in range(7)}, name="night")
    assert night.add_business_time(kst(2026, 11, 25, 23, 30), 60) == kst(2026, 11, 26, 20, 30)
    assert night.add_business_time(kst(2026, 11, 25, 20), 240) == kst(2026, 11, 26, 0)
    assert night.business_minutes_between(kst(2026, 11, 25, 23), kst(2026, 11, 26, 21)) == 120


def test_always_open_counts_every_minute_even_on_holidays():
    plus = always_open_calendar()
    assert plus.add_business_time(kst(2026, 9, 24, 23), 120) == kst(2026, 9, 25, 1)
    assert plus.business_minutes_between(kst(2026, 2, 16), kst(2026, 2, 19)) == 3 * 1440


def test_days_on_and_admin_days_off():
    saturday = date(2026, 11, 28)
    company_day = date(2026, 11, 26)
    cal = standard_calendar([2026], days_on=[saturday], extra_holidays=[company_day])
    assert cal.add_business_time(kst(2026, 11, 27, 17, 30), 60) == kst(2026, 11, 28, 9, 30)
    assert cal.add_business_time(kst(2026, 11, 25, 17, 30), 60) == kst(2026, 11, 27, 9, 30)
    # An explicit working day wins over a public holiday.
    cal = standard_calendar([2026], days_on=[date(2026, 9, 24)])
    assert cal.add_business_time(kst(2026, 9, 23, 17, 30), 60) == kst(2026, 9, 24, 9, 30)


def test_utc_in_utc_out_whatever_the_zone():
    start = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 10:00 KST
    assert CAL.add_business_time(start, 60) == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def test_naive_datetimes_refused():
    with pytest.raises(ValueError):
        CAL.add_business_time(datetime(2026, 11, 25, 10), 60)
    with pytest.raises(ValueError):
        CAL.business_minutes_between(datetime(2026, 11, 25, 10), kst(2026, 11, 25, 11))


def test_calendar_without_working_time_says_so():
    with pytest.raises(CalendarError):
        BusinessCalendar(weekly={}).add_business_time(kst(2026, 11, 25), 1)


@pytest.mark.parametrize("text", ["9-18", "09:00-08:00", "25:00-26:00", "09:00-09:60", "soon"])
def test_bad_windows_refused(text):
    with pytest.raises(CalendarError):
        parse_windows(text)


def test_windows_round_trip_and_merge():
    assert parse_windows("13:00-18:00, 09:00-12:00") == ((540, 720), (780, 1080))
    assert parse_windows("09:00-12:00, 11:00-13:00") == ((540, 780),)
    assert format_windows(parse_windows("09:00-12:00, 13:00-24:00")) == "09:00-12:00, 13:00-24:00"


def test_next_working_moment():
    assert CAL.next_working_moment(kst(2026, 11, 28, 14)) == kst(2026, 11, 30, 9)
    assert CAL.next_working_moment(kst(2026, 11, 25, 10)) == kst(2026, 11, 25, 10)


instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 30),
                        timezones=st.just(UTC))
minutes = st.integers(min_value=0, max_value=30_000)


@settings(max_examples=150, deadline=None)
@given(start=instants, m=minutes)
def test_adding_then_measuring_gives_the_minutes_back(start, m):
    for cal in (CAL, always_open_calendar()):
        assert cal.business_minutes_between(start, cal.add_business_time(start, m)) == pytest.approx(m, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(a=instants, b=instants, m=minutes)
def test_due_time_is_monotonic_in_the_start(a, b, m):
    early, late = sorted((a, b))
    assert CAL.add_business_time(early, m) <= CAL.add_business_time(late, m)


@settings(max_examples=150, deadline=None)
@given(start=instants, m1=minutes, m2=minutes)
def test_due_time_is_monotonic_in_the_minutes(start, m1, m2):
    small, big = sorted((m1, m2))
    assert CAL.add_business_time(start, small) <= CAL.add_business_time(start, big)


# ---------------------------------------------------------------- counting backwards

@pytest.mark.parametrize(("end", "minutes", "start"), [
    (kst(2026, 11, 25, 11), 60, kst(2026, 11, 25, 10)),            # inside a window
    (kst(2026, 11, 25, 13, 30), 60, kst(2026, 11, 25, 11, 30)),    # back across lunch
    (kst(2026, 11, 25, 10), 60, kst(2026, 11, 25, 9)),             # lands on the opening: 09:00
    (kst(2026, 11, 26, 9, 30), 60, kst(2026, 11, 25, 17, 30)),     # back across the night
    (kst(2026, 11, 28, 23), 60, kst(2026, 11, 27, 17)),            # Saturday night → Friday afternoon
    (kst(2026, 11, 30, 8), 30, kst(2026, 11, 27, 17, 30)),         # Monday before opening
    (kst(2026, 9, 28, 10), 120, kst(2026, 9, 23, 17)),             # back over 추석 2026
    (kst(2026, 9, 25, 15), 480, kst(2026, 9, 23, 9)),              # on 추석 itself: the day before is the last
    (kst(2026, 11, 28, 14), 0, kst(2026, 11, 28, 14)),             # 0 minutes is the end itself
])
def test_subtract_business_time_hand_computed(end, minutes, start):
    result = CAL.subtract_business_time(end, minutes)
    assert result == start
    assert result.utcoffset() == timedelta(0)


@settings(max_examples=150, deadline=None)
@given(end=instants, m=minutes)
def test_subtracting_then_measuring_gives_the_minutes_back(end, m):
    for cal in (CAL, always_open_calendar()):
        start = cal.subtract_business_time(end, m)
        assert start <= end
        assert cal.business_minutes_between(start, end) == pytest.approx(m, abs=1e-6)
