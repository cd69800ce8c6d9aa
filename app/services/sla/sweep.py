"""The SLA sweep: record warnings and breaches as they come due, tell the people, escalate.

It runs periodically (app/jobs/periodic.py) and is the SLA's one way back into ticket
changes: an escalation raises the priority or moves the ticket to another queue through
the ticket service, which in turn keeps the clock (app/services/sla/clock.py) in step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.domain.sla import Timer
from app.domain.vocabulary import Priority
from app.extensions import db
from app.models import SlaEvent, SlaPolicy, SupportQueue, Ticket
from app.services.audit import record_event
from app.services.notifications import notify
from app.services.sla.clock import Preloaded, clock_for, preload, queue_leads, reapply, refresh
from app.services.sla.digest import wants_each_alert
from app.services.tickets.core import move_to_queue

PRIORITY_ORDER = [p.value for p in Priority]


@dataclass
class SweepResult:
    checked: int = 0
    warned: int = 0
    breached: int = 0


def _record_alert(ticket: Ticket, t: Timer, kind: str, now: datetime, batch: Batch) -> bool:
    """Record the warning/breach once; False if it was already recorded (by this or another sweep).

    In a batch the row waits for the sweep's one flush (the tickets are locked, so no other
    sweep records it meanwhile); carefully, each is its own savepoint and a clash is caught.
    """
    key = f"{t.metric}:{t.cycle}:{kind}"
    event = SlaEvent(ticket_id=ticket.id, kind=kind, metric=t.metric, cycle=t.cycle, at=now,
                     policy_id=ticket.sla_policy_id, alert_key=key,
                     detail={"due_at": t.due_at.isoformat() if t.due_at else None,
                             "target_minutes": t.target_minutes})
    if batch.careful:
        try:
            with db.session.begin_nested():
                db.session.add(event)
        except IntegrityError:
            return False
    else:
        db.session.add(event)
    batch.pre.events[ticket.id].append(event)
    batch.stored_clock_current = False
    return True


def _alert(ticket: Ticket, t: Timer, kind: str, now: datetime, batch: Batch) -> None:
    # A lead who chose the daily summary reads this there (services/sla/digest.py).
    if ticket.queue_id not in batch.leads:
        batch.leads[ticket.queue_id] = {u.id for u in queue_leads(ticket.queue_id) if wants_each_alert(u)}
    recipients = set(batch.leads[ticket.queue_id])
    if ticket.assignee_id:
        recipients.add(ticket.assignee_id)
    for user_id in sorted(recipients):
        notify(user_id, ticket, f"sla_{kind}", now, metric=t.metric.value,
               due_at=t.due_at.isoformat() if t.due_at else None)


def _escalate(ticket: Ticket, policy: SlaPolicy, now: datetime, batch: Batch) -> None:
    changed = False
    wanted = policy.escalate_priority
    if wanted and PRIORITY_ORDER.index(wanted) > PRIORITY_ORDER.index(ticket.priority):
        record_event(ticket, None, "priority", now, old=ticket.priority, new=wanted,
                     detail={"via": "sla_escalation"})
        ticket.priority = wanted
        changed = True
    if policy.escalate_queue_id and policy.escalate_queue_id != ticket.queue_id:
        move_to_queue(ticket, None, db.session.get(SupportQueue, policy.escalate_queue_id), now,
                      via="sla_escalation")
        changed = True
    if changed:
        ticket.updated_at = now
        reapply(ticket, now, reason="escalation", pre=batch.pre)
        batch.stored_clock_current = True


@dataclass
class Batch:
    """One sweep's tickets and what it read for them once."""

    pre: Preloaded
    careful: bool
    leads: dict[int | None, set[int]] = field(default_factory=dict)
    # The ticket in hand has had its clock stored (an escalation's reapply) and no alert since.
    stored_clock_current: bool = False


def sweep(now: datetime, *, limit: int = 500) -> SweepResult:
    """Record warnings and breaches that came due (each exactly once), notify, escalate.

    Reads only tickets whose next check time has passed, through an index: the cost
    follows the number of tickets at a deadline, not the number of tickets. On PostgreSQL
    the tickets are locked as they are read, skipping those another sweep holds, so sweeps
    running at once share the work instead of racing for it; the batch reads every ticket's
    SLA history in one query and writes in one flush. Should a clash still happen (SQLite,
    which has no row locks), the batch is rolled back and done again with a savepoint per
    alert, so each is recorded exactly once either way (the unique key per ticket, target,
    cycle and kind).
    """
    try:
        result = _sweep(now, limit, careful=False)
        db.session.flush()
        return result
    except IntegrityError:
        db.session.rollback()
        return _sweep(now, limit, careful=True)


def _sweep(now: datetime, limit: int, *, careful: bool) -> SweepResult:
    result = SweepResult()
    stmt = (select(Ticket).where(Ticket.sla_next_check_at <= now).order_by(Ticket.sla_next_check_at)
            .limit(limit).options(selectinload(Ticket.requester)))
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Ticket)
    tickets = db.session.scalars(stmt).all()
    batch = Batch(preload(tickets), careful)
    with db.session.no_autoflush:
        for ticket in tickets:
            result.checked += 1
            batch.stored_clock_current = False
            # An escalation can switch the policy, whose tighter targets may be crossed already:
            # look again (a policy switch happens at most a few times).
            for _round in range(len(PRIORITY_ORDER)):
                if not _check(ticket, now, result, batch):
                    break
            if not batch.stored_clock_current:
                refresh(ticket, now, batch.pre)
    return result


def _check(ticket: Ticket, now: datetime, result: SweepResult, batch: Batch) -> bool:
    """Record due alerts of one ticket; True if an escalation changed its policy."""
    clock = clock_for(ticket, now, batch.pre)
    policy_before = ticket.sla_policy_id
    for t in clock.timers:
        if not t.active:
            continue
        if t.due_at is not None and now >= t.due_at:
            if (t.metric, t.cycle, "breached") not in clock.alerts and _record_alert(ticket, t, "breached", now,
                                                                                    batch):
                result.breached += 1
                _alert(ticket, t, "breach", now, batch)
                _escalate(ticket, clock.policy, now, batch)
        elif t.warn_at is not None and now >= t.warn_at and (t.metric, t.cycle, "warned") not in clock.alerts:
            if _record_alert(ticket, t, "warned", now, batch):
                result.warned += 1
                _alert(ticket, t, "warning", now, batch)
    return ticket.sla_policy_id != policy_before
