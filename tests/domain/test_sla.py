"""SLA timers on the business clock: due times, pauses, states (no app)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.calendar import standard_calendar
from app.domain.sla import Metric, SlaState, due_instant, elapsed_minutes, next_alert, timer

KST = ZoneInfo("Asia/Seoul")
CAL = standard_calendar([2026, 2027])
START = datetime(2026, 11, 25, 10, 0, tzinfo=KST)  # Wednesday


def kst(d, h, mi=0):
    return datetime(2026, 11, d, h, mi, tzinfo=KST)


def first_response(now, pauses=(), fulfilled_at=None, target=120):
    return timer(Metric.FIRST_RESPONSE, calendar=CAL, started_at=START, target_minutes=target,
                 pauses=list(pauses), now=now, fulfilled_at=fulfilled_at)


def test_due_and_warning_without_pauses():
    t = first_response(kst(25, 10, 30))
    assert t.due_at == kst(25, 12)
    assert t.warn_at == kst(25, 11, 30)
    assert t.state == SlaState.OK and t.elapsed_minutes == 30 and t.remaining_minutes == 90


@pytest.mark.parametrize(("now", "state"), [
    (kst(25, 11, 29), SlaState.OK),
    (kst(25, 11, 30), SlaState.AT_RISK),
    (kst(25, 11, 59), SlaState.AT_RISK),
    (kst(25, 12, 0), SlaState.BREACHED),
    (kst(25, 12, 45), SlaState.BREACHED),  # lunch does not move it back
])
def test_states_over_time(now, state):
    assert first_response(now).state == state


def test_a_closed_pause_moves_the_due_time_by_its_business_length():
    # Waiting on the customer 10:30–14:00: 30 minutes ran before, 90 remain from 14:00.
    t = first_response(kst(25, 14, 30), pauses=[(kst(25, 10, 30), kst(25, 14))])
    assert t.due_at == kst(25, 15, 30)
    assert t.elapsed_minutes == 60
    assert t.state == SlaState.OK


def test_an_open_pause_stops_the_clock_and_hides_the_due_time():
    t = first_response(kst(26, 17), pauses=[(kst(25, 10, 30), None)])
    assert t.state == SlaState.PAUSED
    assert t.due_at is None
    assert t.elapsed_minutes == 30


def test_breached_before_the_pause_stays_breached():
    t = first_response(kst(25, 15), pauses=[(kst(25, 14), None)])
    assert t.state == SlaState.BREACHED


def test_fulfilment_on_time_is_met_and_late_is_breached():
    assert first_response(kst(26, 9), fulfilled_at=kst(25, 11)).state == SlaState.MET
    late = first_response(kst(26, 9), fulfilled_at=kst(25, 13, 30))
    assert late.state == SlaState.BREACHED and late.elapsed_minutes == 150
    assert not late.active


def test_pause_over_a_holiday_weekend():
    # Paused Friday 17:00 → the following Monday 11:00 (추석-free weekend): 7 h of clock kept.
    start = datetime(2026, 11, 27, 16, 0, tzinfo=KST)
    pauses = [(datetime(2026, 11, 27, 17, 0, tzinfo=KST), datetime(2026, 11, 30, 11, 0, tzinfo=KST))]
    due = due_instant(CAL, start, 120, pauses)
    assert due == datetime(2026, 11, 30, 12, 0, tzinfo=KST)


def test_overlapping_and_out_of_range_pauses_count_once():
    pauses = [(kst(25, 10, 30), kst(25, 11)), (kst(25, 10, 45), kst(25, 11, 15)), (kst(24, 9), kst(24, 10))]
    assert elapsed_minutes(CAL, START, kst(25, 12), pauses) == 120 - 45


def test_next_alert_skips_what_was_already_recorded():
    t = first_response(kst(25, 10, 30))
    assert next_alert([t], set()) == kst(25, 11, 30)
    assert next_alert([t], {("first_response", 0, "warned")}) == kst(25, 12)
    assert next_alert([t], {("first_response", 0, "warned"), ("first_response", 0, "breached")}) is None
    done = first_response(kst(26, 9), fulfilled_at=kst(25, 11))
    assert next_alert([done], set()) is None
    # A breach recorded without a warning (the sweep came late) leaves nothing to check.
    assert next_alert([t], {("first_response", 0, "breached")}) is None


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC))


@settings(max_examples=100, deadline=None)
@given(start=instants, minutes=st.integers(0, 5000), gap=st.integers(0, 10_000), length=st.integers(1, 20_000))
def test_elapsed_at_the_due_time_is_the_target(start, minutes, gap, length):
    pause = (start + timedelta(minutes=gap), start + timedelta(minutes=gap + length))
    due = due_instant(CAL, start, minutes, [pause])
    assert elapsed_minutes(CAL, start, due, [pause]) == pytest.approx(minutes, abs=1e-6)
    assert due >= CAL.add_business_time(start, minutes)


@settings(max_examples=100, deadline=None)
@given(start=instants, minutes=st.integers(0, 5000))
def test_without_pauses_the_due_time_is_the_calendars(start, minutes):
    assert due_instant(CAL, start, minutes, []) == CAL.add_business_time(start, minutes)
