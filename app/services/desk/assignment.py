"""Who gets a new ticket: per-queue auto-assignment, and "take next" for an agent.

A queue assigns new tickets ``manual``-ly (nobody), ``round_robin`` (the next
available agent after the one who got the last ticket, by user id) or
``least_loaded`` (the available agent with the fewest unresolved tickets of the
queue, ties by user id). Only agents who belong to the queue, are active and are
not marked away take part. The assignment is audited like a manual one, with no
actor (the system), and the assignee is notified.

Concurrency: round-robin's place (``support_queues.last_assigned_user_id``) moves
with a conditional UPDATE (``WHERE last_assigned_user_id IS NOT DISTINCT FROM
:seen``), retried from a fresh read when another transaction moved it first, so
two simultaneous tickets never go to the same agent on PostgreSQL; on SQLite the
ticket insert already holds the database's write lock. "Take next" claims a
ticket with ``UPDATE … WHERE assignee_id IS NULL`` the same way.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select, update

from app.domain import access
from app.domain.errors import DomainError, NotFound
from app.domain.ticket_flow import UNRESOLVED
from app.domain.vocabulary import Role
from app.extensions import db
from app.models import SupportQueue, Ticket, User, queue_members
from app.services.audit import record_event
from app.services.notifications import notify

log = logging.getLogger(__name__)

MODES = ("manual", "round_robin", "least_loaded")
POINTER_ATTEMPTS = 5
TAKE_ATTEMPTS = 5
_UNRESOLVED = [s.value for s in UNRESOLVED]


def candidates(queue_id: int) -> list[User]:
    """The queue's agents who may get new tickets now (active, available), by user id.

    A deactivated agent keeps their queue memberships (for a reactivation) but never
    takes part: ``User.active`` is part of the query.
    """
    return list(db.session.scalars(
        select(User).join(queue_members, queue_members.c.user_id == User.id)
        .where(queue_members.c.queue_id == queue_id, User.role == Role.AGENT,
               User.active.is_(True), User.available.is_(True))
        .order_by(User.id)
    ))


def _after(agents: list[User], seen: int | None) -> User:
    """The first agent whose id is greater than ``seen``, wrapping around."""
    if seen is not None:
        for agent in agents:
            if agent.id > seen:
                return agent
    return agents[0]


def next_round_robin(queue_id: int) -> User | None:
    """Move the queue's round-robin place to the next available agent and return them.

    The move is a conditional UPDATE on the place that was read; when another
    transaction moved it in between (0 rows), read again and retry.
    """
    agents = candidates(queue_id)
    if not agents:
        return None
    for _attempt in range(POINTER_ATTEMPTS):
        # A column read, not the identity map: each attempt sees the latest committed place.
        seen = db.session.execute(
            select(SupportQueue.last_assigned_user_id).where(SupportQueue.id == queue_id)
        ).scalar_one()
        pick = _after(agents, seen)
        result = db.session.execute(
            update(SupportQueue)
            .where(SupportQueue.id == queue_id,
                   SupportQueue.last_assigned_user_id.is_not_distinct_from(seen))
            .values(last_assigned_user_id=pick.id)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            queue = db.session.identity_map.get(db.session.identity_key(SupportQueue, queue_id))
            if queue is not None:
                db.session.expire(queue, ["last_assigned_user_id"])
            return pick
    log.warning("round-robin place of queue %s kept moving; ticket left unassigned", queue_id)
    return None


def least_loaded(queue_id: int) -> User | None:
    """The available agent with the fewest unresolved tickets assigned in this queue."""
    agents = candidates(queue_id)
    if not agents:
        return None
    loads = dict(db.session.execute(
        select(Ticket.assignee_id, func.count(Ticket.id))
        .where(Ticket.queue_id == queue_id, Ticket.status.in_(_UNRESOLVED),
               Ticket.assignee_id.in_([a.id for a in agents]))
        .group_by(Ticket.assignee_id)
    ).all())
    return min(agents, key=lambda a: (loads.get(a.id, 0), a.id))


def assign(ticket: Ticket, actor: User | None, assignee: User | None, now: datetime) -> None:
    """Give the ticket to ``assignee`` (None: nobody), audited as ``actor`` (None: the system);
    the new assignee is notified. The caller checked that they may hold it."""
    old = ticket.assignee
    if (old.id if old else None) == (assignee.id if assignee else None):
        return
    ticket.assignee_id = assignee.id if assignee else None
    ticket.assignee = assignee
    ticket.updated_at = now
    record_event(ticket, actor, "assignee", now, old=old.name if old else None,
                 new=assignee.name if assignee else None)
    if assignee is not None:
        notify(assignee.id, ticket, "assigned", now, actor)


def auto_assign(ticket: Ticket, now: datetime) -> User | None:
    """Assign a new ticket by its queue's mode (audited as the system); the assignee or None."""
    queue = ticket.queue or db.session.get(SupportQueue, ticket.queue_id)
    if ticket.assignee_id is not None or queue is None:
        return None
    if queue.assignment_mode == "round_robin":
        agent = next_round_robin(queue.id)
    elif queue.assignment_mode == "least_loaded":
        agent = least_loaded(queue.id)
    else:
        return None
    if agent is not None:
        assign(ticket, None, agent, now)
    return agent


def set_mode(queue_slug: str, mode: str) -> SupportQueue:
    """An admin's choice of how a queue assigns new tickets."""
    queue = db.session.scalar(select(SupportQueue).where(SupportQueue.slug == queue_slug))
    if queue is None:
        raise NotFound("queue")
    if mode not in MODES:
        raise DomainError("validation_failed", "알 수 없는 배정 방식입니다.", "Unknown assignment mode.",
                          status=422, fields={"mode": "invalid"})
    queue.assignment_mode = mode
    return queue


def set_available(user: User, available: bool) -> None:
    """An agent marks themself available or away (away: no new auto-assigned tickets)."""
    user.available = bool(available)


def take_next(agent: User, now: datetime) -> Ticket | None:
    """Give ``agent`` the unassigned, unresolved ticket of their queues nearest to breach.

    A lead takes from every queue; agents and admins from the queues they belong to.

    Order: SLA due time ascending (none last), then oldest. Each candidate is claimed
    with a conditional UPDATE, so two agents pressing at once never get the same one.
    """
    me = agent.actor()
    # Only where they may be the assignee (an admin: the queues they work), and only while active.
    scope = access.self_assign_scope(me)
    if not access.is_staff(me) or not agent.active:
        return None
    stmt = select(Ticket.id).where(Ticket.assignee_id.is_(None), Ticket.status.in_(_UNRESOLVED))
    if scope.kind == access.ScopeKind.QUEUES:
        stmt = stmt.where(Ticket.queue_id.in_(scope.queue_ids or {-1}))
    elif scope.kind != access.ScopeKind.ALL:
        return None
    ordered = stmt.order_by(Ticket.sla_due_at.is_(None), Ticket.sla_due_at.asc(),
                            Ticket.created_at.asc(), Ticket.id.asc())
    skipped: list[int] = []
    for _attempt in range(TAKE_ATTEMPTS):
        ticket_id = db.session.scalar(ordered.where(Ticket.id.not_in(skipped or [-1])).limit(1))
        if ticket_id is None:
            return None
        claimed = db.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.assignee_id.is_(None), Ticket.status.in_(_UNRESOLVED))
            .values(assignee_id=agent.id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            skipped.append(ticket_id)
            continue
        ticket = db.session.get(Ticket, ticket_id)
        db.session.refresh(ticket)
        record_event(ticket, agent, "assignee", now, old=None, new=agent.name,
                     detail={"via": "take_next"})
        return ticket
    return None
