"""SLA use cases: apply a policy to a ticket and keep its timers in step with the ticket's changes.

The timers are rebuilt from the ticket's facts and its sla_events history (pauses,
fulfilments, next-reply cycles) with the pure functions of app/domain/sla.py, and
their results are stored on the ticket (due times, nearest due/warning, next check)
so lists, badges and the sweep (app/services/sla/sweep.py) read indexed columns only.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.domain.calendar import (
    BusinessCalendar,
    always_open_calendar,
    korean_public_holidays,
    parse_windows,
)
from app.domain.sla import Metric, SlaState, Timer, next_alert, state_at, timer
from app.domain.ticket_flow import Status, clock_moves
from app.domain.vocabulary import SEOUL, Role
from app.extensions import db
from app.models import SlaEvent, SlaPolicy, SlaTarget, SupportQueue, Ticket, User, WorkCalendar
from app.services.reports.sla_daily import mark_changed

log = logging.getLogger(__name__)


# ----------------------------------------------------------------- calendars

@lru_cache(maxsize=16)
def public_holidays(first_year: int, last_year: int) -> frozenset[date]:
    """Korean public holidays of those years (cached: the `holidays` package is slow to ask)."""
    return korean_public_holidays(range(first_year, last_year + 1))


def calendar_for(row: WorkCalendar, around: datetime) -> BusinessCalendar:
    """The pure calendar of a stored one, with Korean public holidays around ``around``."""
    if row.always_open:
        return always_open_calendar(row.slug)
    weekly = {int(day): parse_windows(text) for day, text in (row.weekly or {}).items() if text}
    holidays = public_holidays(around.year - 1, around.year + 2) if row.korean_public_holidays \
        else frozenset()
    off = frozenset(d.day for d in row.days if d.kind == "off")
    on = frozenset(d.day for d in row.days if d.kind == "on")
    default_day = next((w for _, w in sorted(weekly.items()) if w), ((540, 1080),))
    return BusinessCalendar(weekly=weekly, holidays=holidays | off, days_on=on, days_on_windows=default_day,
                            tz=ZoneInfo(row.timezone), name=row.slug)


# ----------------------------------------------------------------- policies

def active_policies() -> list[SlaPolicy]:
    return list(db.session.scalars(
        select(SlaPolicy).where(SlaPolicy.active.is_(True)).order_by(SlaPolicy.position, SlaPolicy.id)))


def policy_matches(policy: SlaPolicy, *, membership: str, priority: str, category_id: int | None,
                   queue_id: int | None) -> bool:
    return ((policy.membership is None or policy.membership == membership)
            and (policy.priority is None or policy.priority == priority)
            and (policy.category_id is None or policy.category_id == category_id)
            and (policy.queue_id is None or policy.queue_id == queue_id))


def match_policy(ticket: Ticket, pre: Preloaded | None = None) -> SlaPolicy | None:
    """The first active policy (by position) whose conditions the ticket meets."""
    for policy in pre.policies if pre is not None else active_policies():
        if policy_matches(policy, membership=ticket.requester.membership, priority=ticket.priority,
                          category_id=ticket.category_id, queue_id=ticket.queue_id):
            return policy
    return None


# ----------------------------------------------------------------- batches

@dataclass
class Preloaded:
    """What clock work on a batch of tickets (the SLA sweep, a policy change) reads once
    instead of per ticket: their SLA events and targets, the active policies, the calendars
    built from them. Events and targets written meanwhile are added here too."""

    events: dict[int, list[SlaEvent]]
    targets: dict[int, dict[tuple[str, int], SlaTarget]]
    policies: list[SlaPolicy]
    calendars: dict[int, BusinessCalendar] = field(default_factory=dict)

    def calendar(self, row: WorkCalendar, around: datetime) -> BusinessCalendar:
        if row.id not in self.calendars:
            self.calendars[row.id] = calendar_for(row, around)
        return self.calendars[row.id]


def preload(tickets: list[Ticket]) -> Preloaded:
    """Three queries for the whole batch (events, targets, policies)."""
    ids = [t.id for t in tickets if t.id is not None]
    events: dict[int, list[SlaEvent]] = {i: [] for i in ids}
    targets: dict[int, dict[tuple[str, int], SlaTarget]] = {i: {} for i in ids}
    if ids:
        for event in db.session.scalars(select(SlaEvent).where(SlaEvent.ticket_id.in_(ids))
                                        .order_by(SlaEvent.ticket_id, SlaEvent.at, SlaEvent.id)):
            events[event.ticket_id].append(event)
        for row in db.session.scalars(select(SlaTarget).where(SlaTarget.ticket_id.in_(ids))):
            targets[row.ticket_id][(row.metric, row.cycle)] = row
    return Preloaded(events, targets, active_policies())


# ----------------------------------------------------------------- timers

@dataclass(frozen=True)
class Clock:
    """A ticket's timers as of a moment, and the alerts already recorded."""

    policy: SlaPolicy | None
    timers: list[Timer]
    alerts: set[tuple[str, int, str]]

    def get(self, metric: Metric) -> Timer | None:
        return next((t for t in self.timers if t.metric == metric), None)


def _events(ticket: Ticket, pre: Preloaded | None = None) -> list[SlaEvent]:
    if ticket.id is None:
        return []
    if pre is not None and ticket.id in pre.events:
        return pre.events[ticket.id]
    return list(db.session.scalars(select(SlaEvent).where(SlaEvent.ticket_id == ticket.id)
                                   .order_by(SlaEvent.at, SlaEvent.id)))


def _intervals(events: list[SlaEvent], start_kind: str, end_kind: str, metric: str | None):
    intervals, opened = [], None
    for event in events:
        if event.metric != metric:
            continue
        if event.kind == start_kind and opened is None:
            opened = event.at
        elif event.kind == end_kind and opened is not None:
            intervals.append((opened, event.at))
            opened = None
    if opened is not None:
        intervals.append((opened, None))
    return intervals


def clock_for(ticket: Ticket, now: datetime, pre: Preloaded | None = None) -> Clock:
    """Rebuild the ticket's timers from its facts and SLA history."""
    policy = ticket.sla_policy
    if policy is None:
        return Clock(None, [], set())
    events = _events(ticket, pre)
    alerts = {(e.metric, e.cycle, e.kind) for e in events if e.alert_key}
    calendar = pre.calendar(policy.calendar, now) if pre is not None else calendar_for(policy.calendar, now)
    share = policy.warn_percent / 100
    waiting = _intervals(events, "paused", "resumed", None)
    timers = []
    if policy.first_response_minutes is not None:
        timers.append(timer(Metric.FIRST_RESPONSE, calendar=calendar, started_at=ticket.created_at,
                            target_minutes=policy.first_response_minutes, pauses=waiting, now=now,
                            fulfilled_at=ticket.first_responded_at, warn_share=share))
    if policy.next_reply_minutes is not None and ticket.next_reply_started_at is not None:
        cycle = ticket.next_reply_cycle
        fulfilled = next((e.at for e in events if e.kind == "fulfilled" and e.metric == Metric.NEXT_REPLY
                          and e.cycle == cycle), None)
        timers.append(timer(Metric.NEXT_REPLY, calendar=calendar, started_at=ticket.next_reply_started_at,
                            target_minutes=policy.next_reply_minutes, pauses=waiting, now=now,
                            fulfilled_at=fulfilled, warn_share=share, cycle=cycle))
    if policy.resolution_minutes is not None:
        solved_spans = [(a, b) for a, b in _intervals(events, "fulfilled", "resumed", Metric.RESOLUTION)
                        if b is not None]
        fulfilled = ticket.solved_at if ticket.status in (Status.SOLVED, Status.CLOSED) else None
        timers.append(timer(Metric.RESOLUTION, calendar=calendar, started_at=ticket.created_at,
                            target_minutes=policy.resolution_minutes, pauses=waiting + solved_spans,
                            now=now, fulfilled_at=fulfilled, warn_share=share))
    return Clock(policy, timers, alerts)


def refresh(ticket: Ticket, now: datetime, pre: Preloaded | None = None) -> Clock:
    """Store the timers' results on the ticket (due times, nearest due/warning, next check)."""
    clock = clock_for(ticket, now, pre)
    by_metric = {t.metric: t for t in clock.timers}
    first, reply, resolution = (by_metric.get(m) for m in Metric)
    ticket.first_response_due_at = first.due_at if first else None
    ticket.next_reply_due_at = reply.due_at if reply and reply.active else None
    ticket.resolution_due_at = resolution.due_at if resolution else None
    running = [t for t in clock.timers if t.active]
    ticket.sla_paused = any(t.state == SlaState.PAUSED for t in running)
    ticket.sla_due_at = min((t.due_at for t in running if t.due_at), default=None)
    ticket.sla_warn_at = min((t.warn_at for t in running if t.warn_at), default=None)
    ticket.sla_next_check_at = next_alert(clock.timers, clock.alerts)
    _store_targets(ticket, clock, now, pre)
    return clock


def _stored(row: SlaTarget) -> tuple:
    return (row.due_at, row.fulfilled_at, row.outcome, row.business_minutes, row.queue_id, row.assignee_id,
            row.category_id, row.priority, row.membership)


def _store_targets(ticket: Ticket, clock: Clock, now: datetime, pre: Preloaded | None = None) -> None:
    """Write each timer as the ticket's ``sla_targets`` row (what the API and reports read).

    Decided rows of earlier next-reply cycles stay as they were; a running row whose timer the
    clock no longer has (the policy changed) goes. A change that touches an ended day has the
    SLA report read that day raw until it is summed again (``sla_daily.mark_changed``).
    """
    if ticket.id is None:
        return
    if pre is not None and ticket.id in pre.targets:
        rows = pre.targets[ticket.id]
    else:
        rows = {(r.metric, r.cycle): r for r in db.session.scalars(
            select(SlaTarget).where(SlaTarget.ticket_id == ticket.id))}
    current = set()
    moved: list[datetime | None] = []    # the times of changed rows, before and after
    for t in clock.timers:
        key = (t.metric.value, t.cycle)
        current.add(key)
        row = rows.get(key)
        before = _stored(row) if row is not None else None
        if row is None:
            row = rows[key] = SlaTarget(ticket_id=ticket.id, metric=t.metric.value, cycle=t.cycle)
            db.session.add(row)
        done = t.fulfilled_at is not None
        row.started_at, row.target_minutes = t.started_at, t.target_minutes
        row.due_at, row.warn_at, row.fulfilled_at = t.due_at, t.warn_at, t.fulfilled_at
        row.outcome = t.state.value if done else None
        row.business_minutes = round(t.elapsed_minutes, 2) if done else None
        row.queue_id, row.assignee_id, row.category_id = ticket.queue_id, ticket.assignee_id, ticket.category_id
        row.priority = ticket.priority
        row.membership = ticket.requester.membership if ticket.requester else "basic"
        if _stored(row) != before:
            moved += [row.due_at, row.fulfilled_at, *(before[:2] if before else ())]
    for key, row in list(rows.items()):
        if key not in current and row.outcome is None:
            moved.append(row.due_at)
            db.session.delete(row)
            del rows[key]
    mark_changed(moved, now)


def targets_of(ticket_ids: list[int]) -> dict[int, dict[str, SlaTarget]]:
    """Each ticket's latest target per metric (the newest next-reply cycle), for the API."""
    found: dict[int, dict[str, SlaTarget]] = {}
    if not ticket_ids:
        return found
    for row in db.session.scalars(select(SlaTarget).where(SlaTarget.ticket_id.in_(ticket_ids))
                                  .order_by(SlaTarget.cycle)):
        found.setdefault(row.ticket_id, {})[row.metric] = row
    return found


def ticket_state(ticket: Ticket, now: datetime) -> SlaState | None:
    """The ticket's SLA state now, from its stored columns (cheap: for lists and badges)."""
    return state_at(now, due_at=ticket.sla_due_at, warn_at=ticket.sla_warn_at, paused=ticket.sla_paused,
                    has_policy=ticket.sla_policy_id is not None)


def _event(ticket: Ticket, kind: str, now: datetime, *, metric: str | None = None, cycle: int = 0,
           detail: dict | None = None, pre: Preloaded | None = None) -> None:
    event = SlaEvent(ticket_id=ticket.id, kind=kind, metric=metric, cycle=cycle, at=now,
                     policy_id=ticket.sla_policy_id, detail=detail)
    db.session.add(event)
    if pre is not None and ticket.id in pre.events:
        pre.events[ticket.id].append(event)    # read from here, no flush needed
    else:
        db.session.flush()


def _policy_detail(policy: SlaPolicy, reason: str) -> dict:
    return {"reason": reason, "policy": policy.name, "calendar": policy.calendar.slug,
            "first_response": policy.first_response_minutes, "next_reply": policy.next_reply_minutes,
            "resolution": policy.resolution_minutes, "warn_percent": policy.warn_percent}


# ----------------------------------------------------------------- hooks from the ticket service

def on_created(ticket: Ticket, now: datetime) -> Clock:
    """Apply the matching policy to a new ticket; returns its clock."""
    # A ticket just written has no SLA history or targets yet: nothing to read back (the intake
    # saves two queries and a flush).
    pre = Preloaded({ticket.id: []}, {ticket.id: {}}, active_policies()) if ticket.id is not None else None
    policy = match_policy(ticket, pre)
    if policy is not None:
        ticket.sla_policy_id = policy.id
        ticket.sla_policy = policy
        _event(ticket, "applied", now, detail=_policy_detail(policy, "created"), pre=pre)
    return refresh(ticket, now, pre)


def reapply(ticket: Ticket, now: datetime, *, reason: str, pre: Preloaded | None = None) -> None:
    """Priority, category or queue changed: the matching policy may differ. Its targets apply
    to the ticket's history (same starts, same pauses), not from scratch."""
    policy = match_policy(ticket, pre)
    if (policy.id if policy else None) != ticket.sla_policy_id:
        ticket.sla_policy_id = policy.id if policy else None
        ticket.sla_policy = policy
        if policy is not None:
            _event(ticket, "applied", now, detail=_policy_detail(policy, reason), pre=pre)
    refresh(ticket, now, pre)


def on_public_message(ticket: Ticket, *, by_staff: bool, first_response: bool, now: datetime) -> None:
    """A public reply: an agent's fulfils first response / the open next-reply cycle; a customer's,
    after the first response, starts the next-reply clock."""
    if ticket.sla_policy_id is None:
        return
    if by_staff:
        if first_response:
            _event(ticket, "fulfilled", now, metric=Metric.FIRST_RESPONSE)
        if ticket.next_reply_started_at is not None:
            cycle = ticket.next_reply_cycle
            done = db.session.scalar(select(SlaEvent.id).where(
                SlaEvent.ticket_id == ticket.id, SlaEvent.kind == "fulfilled",
                SlaEvent.metric == Metric.NEXT_REPLY, SlaEvent.cycle == cycle))
            if done is None:
                _event(ticket, "fulfilled", now, metric=Metric.NEXT_REPLY, cycle=cycle)
    elif ticket.first_responded_at is not None:
        clock = clock_for(ticket, now)
        reply = clock.get(Metric.NEXT_REPLY)
        if reply is None or not reply.active:
            ticket.next_reply_cycle += 1
            ticket.next_reply_started_at = now
            _event(ticket, "started", now, metric=Metric.NEXT_REPLY, cycle=ticket.next_reply_cycle)
    refresh(ticket, now)


def on_status_change(ticket: Ticket, before: str, after: str, now: datetime) -> None:
    """Write the SLA events the status change implies (``ticket_flow.clock_moves``) and refresh."""
    if ticket.sla_policy_id is None:
        return
    for move in clock_moves(before, after):
        _event(ticket, move.event, now, metric=move.metric)
    refresh(ticket, now)


# ----------------------------------------------------------------- who hears of a deadline

def queue_leads(queue_id: int) -> list[User]:
    """Leads who belong to the queue; every lead when none does."""
    queue = db.session.get(SupportQueue, queue_id)
    leads = [u for u in queue.members if u.role == Role.LEAD and u.active] if queue else []
    if not leads:
        leads = list(db.session.scalars(select(User).where(User.role == Role.LEAD, User.active.is_(True))))
    return leads



# ----------------------------------------------------------------- what the customer reads

_WEEKDAYS_KO = "월화수목금토일"


def answer_due(ticket: Ticket, now: datetime, clock: Clock | None = None) -> tuple[datetime | None, bool, bool]:
    """(when the next answer is due, whether it is in business hours, whether the clock is paused)."""
    if ticket.sla_policy is None or ticket.status in (Status.SOLVED, Status.CLOSED):
        return None, False, False
    clock = clock or clock_for(ticket, now)
    business = not ticket.sla_policy.calendar.always_open
    for metric in (Metric.FIRST_RESPONSE, Metric.NEXT_REPLY):
        t = clock.get(metric)
        if t is not None and t.active:
            return t.due_at, business, t.state == SlaState.PAUSED
    return None, business, ticket.sla_paused


def format_expected_answer(due: datetime | None, *, business: bool, paused: bool, locale: str) -> str | None:
    """'영업일 기준 11월 27일(금) 오후 2시까지 답변드릴 예정입니다' (or English)."""
    english = (locale or "ko").startswith("en")
    if paused:
        return ("We are waiting for your reply; the clock restarts when you answer." if english else
                "고객님의 답변을 기다리고 있습니다. 답글을 남겨 주시면 이어서 처리해 드립니다.")
    if due is None:
        return None
    local = due.astimezone(SEOUL)
    if english:
        when = local.strftime("%a, %b %-d, %-I:%M %p").replace(":00 ", " ")
        return f"We expect to answer by {when} (Korea time{', business hours' if business else ''})."
    half = "오전" if local.hour < 12 else "오후"
    hour = local.hour % 12 or 12
    minute = f" {local.minute}분" if local.minute else ""
    prefix = "영업일 기준 " if business else ""
    return (f"{prefix}{local.month}월 {local.day}일({_WEEKDAYS_KO[local.weekday()]}) "
            f"{half} {hour}시{minute}까지 답변드릴 예정입니다.")


def expected_answer_text(ticket: Ticket, now: datetime, locale: str) -> str | None:
    due, business, paused = answer_due(ticket, now)
    return format_expected_answer(due, business=business, paused=paused, locale=locale)


# ----------------------------------------------------------------- after an admin change

def schedule_sla_refresh(now: datetime) -> None:
    """Policies or calendars changed: recompute open tickets in the background (one job)."""
    from app.services.outbox import defer

    defer("sla_refresh", {"requested_at": now.isoformat()}, now, queue="sla")


def refresh_open_tickets(now: datetime, *, batch: int = 500) -> int:
    """Re-match and recompute every unresolved ticket, a batch per transaction; returns how many."""
    from app.domain.ticket_flow import UNRESOLVED

    last_id, count = 0, 0
    while True:
        tickets = db.session.scalars(
            select(Ticket).where(Ticket.status.in_([s.value for s in UNRESOLVED]), Ticket.id > last_id)
            .order_by(Ticket.id).limit(batch)).all()
        if not tickets:
            return count
        pre = preload(tickets)
        for ticket in tickets:
            reapply(ticket, now, reason="policy_changed", pre=pre)
        count += len(tickets)
        last_id = tickets[-1].id
        db.session.commit()


def rebuild_targets(now: datetime, *, batch: int = 500) -> int:
    """Recompute every ticket's SLA targets from its history (after an upgrade), a batch per
    transaction; returns how many tickets. Running it again changes nothing."""
    last_id, count = 0, 0
    while True:
        tickets = db.session.scalars(
            select(Ticket).where(Ticket.sla_policy_id.is_not(None), Ticket.id > last_id)
            .order_by(Ticket.id).limit(batch)).all()
        if not tickets:
            return count
        for ticket in tickets:
            refresh(ticket, now)
        count += len(tickets)
        last_id = tickets[-1].id
        db.session.commit()
