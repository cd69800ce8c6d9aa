"""Day counting for the policy (policy.md §4): KST dates, 민법 157/160/161, business days.

* A "day" is a calendar day in Asia/Seoul; every instant is converted before it becomes a date.
* ``period_start``: the day after the event (초일불산입), or the event day itself when the event
  is exactly 00:00:00.000000 KST (157 단서).
* ``roll_forward``: a last day on a Saturday, Sunday or holiday moves to the next day (161).
* Business days (§4.6) are Monday–Friday that are not in the holiday set: the same rule as a
  Monday–Friday ``app.domain.calendar.BusinessCalendar`` with those holidays, counted here by date.
"""
from __future__ import annotations

import calendar as _gregorian
from collections.abc import Collection
from datetime import date, datetime, time, timedelta

from app.domain.vocabulary import SEOUL

KST = SEOUL  # policy.md speaks of KST
_ONE_DAY = timedelta(days=1)


def kst_date(value: datetime) -> date:
    """The Asia/Seoul calendar date of an aware instant."""
    return value.astimezone(KST).date()


def period_start(event: datetime) -> date:
    """The first counted day of a period that starts with ``event`` (민법 157)."""
    local = event.astimezone(KST)
    if local.time() == time(0):
        return local.date()
    return local.date() + _ONE_DAY


def is_business_day(day: date, holidays: Collection[date]) -> bool:
    """Monday–Friday and not a holiday (§4.6)."""
    return day.weekday() < 5 and day not in holidays


def roll_forward(day: date, holidays: Collection[date]) -> date:
    """Past Saturdays, Sundays and holidays to the next business day (민법 161)."""
    while not is_business_day(day, holidays):
        day += _ONE_DAY
    return day


def days_end(event: datetime, days: int, holidays: Collection[date]) -> date:
    """The last day of a period of ``days`` days starting with ``event`` (§4.3)."""
    return roll_forward(period_start(event) + timedelta(days=days - 1), holidays)


def months_end(event: datetime, months: int, holidays: Collection[date]) -> date:
    """The last day of a period of ``months`` months starting with ``event`` (§4.4, 민법 160).

    The day before the day of the last month that corresponds to the start day, or the last
    day of that month when it has no such day; then rolled forward. Not ``relativedelta``.
    """
    start = period_start(event)
    month_index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    days_in_month = _gregorian.monthrange(year, month)[1]
    if start.day <= days_in_month:
        last = date(year, month, start.day) - _ONE_DAY
    else:
        last = date(year, month, days_in_month)
    return roll_forward(last, holidays)


def nth_business_day(event: datetime, n: int, holidays: Collection[date]) -> date:
    """The ``n``-th business day counted from ``period_start(event)`` (§4.6)."""
    day = period_start(event)
    counted = 0
    while True:
        if is_business_day(day, holidays):
            counted += 1
            if counted == n:
                return day
        day += _ONE_DAY


def kst_iso(value: datetime) -> str:
    """ISO 8601 in KST (the same instant always gives the same text, whatever its offset)."""
    return value.astimezone(KST).isoformat()
