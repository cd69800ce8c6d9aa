"""SLA timers: due times in business time, paused while waiting on the customer.

A ticket has up to three timers — first response, next reply, resolution — each
with a start, a target in business minutes, the intervals during which its clock
stood still, and (once done) the moment it was fulfilled. Everything here is a
pure function of those facts, a BusinessCalendar and ``now``.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.calendar import BusinessCalendar

Pause = tuple[datetime, datetime | None]  # (from, until); until None = still paused


class Metric(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_REPLY = "next_reply"
    RESOLUTION = "resolution"


class SlaState(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"


@dataclass(frozen=True)
class Timer:
    """One metric's clock as of ``now``."""

    metric: Metric
    cycle: int
    started_at: datetime
    target_minutes: int
    due_at: datetime | None       # None while paused (it moves when the clock resumes)
    warn_at: datetime | None
    fulfilled_at: datetime | None
    state: SlaState
    elapsed_minutes: float
    remaining_minutes: float       # negative once breached

    @property
    def active(self) -> bool:
        return self.fulfilled_at is None


def _clip(pauses: Iterable[Pause], start: datetime, end: datetime | None) -> list[Pause]:
    """Pauses that overlap [start, end), cut to it, sorted, overlapping ones merged."""
    merged: list[Pause] = []
    for p_from, p_until in sorted(pauses, key=lambda p: p[0]):
        if (end is not None and p_from >= end) or (p_until is not None and p_until <= start):
            continue
        lo = max(p_from, start)
        hi = p_until if end is None or p_until is None else min(p_until, end)
        if end is not None and hi is None:
            hi = end
        if merged and (merged[-1][1] is None or lo <= merged[-1][1]):
            last_lo, last_hi = merged[-1]
            merged[-1] = (last_lo, None if hi is None or last_hi is None else max(hi, last_hi))
            continue
        merged.append((lo, hi))
    return merged


def elapsed_minutes(calendar: BusinessCalendar, start: datetime, at: datetime,
                    pauses: Sequence[Pause]) -> float:
    """Business minutes the clock ran between ``start`` and ``at``, pauses excluded."""
    if at <= start:
        return 0.0
    total = calendar.business_seconds_between(start, at)
    for p_from, p_until in _clip(pauses, start, at):
        total -= calendar.business_seconds_between(p_from, p_until or at)
    return total / 60


def due_instant(calendar: BusinessCalendar, start: datetime, minutes: float,
                pauses: Sequence[Pause]) -> datetime | None:
    """When ``minutes`` of running clock have passed since ``start``; None if a pause still open
    stops the clock before that."""
    remaining = minutes * 60
    cursor = start
    for p_from, p_until in _clip(pauses, start, None):
        available = calendar.business_seconds_between(cursor, p_from)
        if remaining <= available:
            return calendar.add_business_time(cursor, remaining / 60)
        remaining -= available
        if p_until is None:
            return None
        cursor = max(cursor, p_until)
    return calendar.add_business_time(cursor, remaining / 60)


def timer(metric: Metric, *, calendar: BusinessCalendar, started_at: datetime, target_minutes: int,
          pauses: Sequence[Pause], now: datetime, fulfilled_at: datetime | None = None,
          warn_share: float = 0.75, cycle: int = 0) -> Timer:
    """The state of one timer at ``now``.

    Fulfilled on time → met; fulfilled late → breached (for reports, a late answer
    is a breach). Running: breached past the due time, at risk past the warning
    share, paused while a pause is open, ok otherwise.
    """
    until = fulfilled_at or now
    due = due_instant(calendar, started_at, target_minutes, pauses)
    warn = due_instant(calendar, started_at, target_minutes * warn_share, pauses)
    spent = elapsed_minutes(calendar, started_at, until, pauses)
    open_pause = any(p_until is None and p_from <= until for p_from, p_until in pauses)
    if fulfilled_at is not None:
        state = SlaState.MET if spent <= target_minutes else SlaState.BREACHED
    elif spent >= target_minutes:
        state = SlaState.BREACHED
    elif open_pause:
        state = SlaState.PAUSED
    elif spent >= target_minutes * warn_share:
        state = SlaState.AT_RISK
    else:
        state = SlaState.OK
    return Timer(metric=metric, cycle=cycle, started_at=started_at, target_minutes=target_minutes,
                 due_at=due, warn_at=warn, fulfilled_at=fulfilled_at, state=state,
                 elapsed_minutes=spent, remaining_minutes=target_minutes - spent)


def next_alert(timers: Iterable[Timer], already: set[tuple[str, int, str]]) -> datetime | None:
    """The earliest warn or breach moment not yet recorded among running timers (for the sweep)."""
    moments = []
    for t in timers:
        if not t.active:
            continue
        breached = (t.metric, t.cycle, "breached") in already
        # Once breached, the warning is moot (a late sweep records only the breach).
        if t.warn_at is not None and not breached and (t.metric, t.cycle, "warned") not in already:
            moments.append(t.warn_at)
        if t.due_at is not None and (t.metric, t.cycle, "breached") not in already:
            moments.append(t.due_at)
    return min(moments) if moments else None


def state_at(now: datetime, *, due_at: datetime | None, warn_at: datetime | None, paused: bool,
             has_policy: bool) -> SlaState | None:
    """A ticket's state from its stored nearest due/warning times (for lists and badges).

    The nearest running timer decides: it is the first to warn and the first to breach.
    """
    if not has_policy:
        return None
    if due_at is not None and now >= due_at:
        return SlaState.BREACHED
    if paused:
        return SlaState.PAUSED
    if due_at is None:
        return SlaState.MET
    if warn_at is not None and now >= warn_at:
        return SlaState.AT_RISK
    return SlaState.OK


def target_state(now: datetime, *, due_at: datetime | None, warn_at: datetime | None,
                 outcome: str | None) -> SlaState:
    """One stored target's state now: its outcome once fulfilled; else breached past its due
    time, paused while it has none (the clock stands still), at risk past its warning, ok."""
    if outcome is not None:
        return SlaState(outcome)
    if due_at is None:
        return SlaState.PAUSED
    if now >= due_at:
        return SlaState.BREACHED
    if warn_at is not None and now >= warn_at:
        return SlaState.AT_RISK
    return SlaState.OK


def percentile(values: Sequence[float], share: float) -> float | None:
    """The ``share`` quantile (0.5 median, 0.9 the 90th percentile) by linear interpolation
    between closest ranks — PostgreSQL's ``percentile_cont`` — or None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * share
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
