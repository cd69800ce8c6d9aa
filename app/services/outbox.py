"""Deferring side effects through the transactional outbox, and the relay that re-sends them."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import inspect, or_, select

from app.extensions import db
from app.models import OutboxEvent
from app.services.unit_of_work import after_commit

_PENDING = "munui_outbox_pending"
# Queues the worker listens to; a kind names its queue when it is deferred.
QUEUES = ("default", "email", "search", "sla")
# What carries events out after the commit: the jobs layer registers it at app start
# (create_app sets app/jobs/dispatch.py's hand_over). Unset, events wait for the relay.
_hand_over: Callable[[list[int]], None] | None = None


def set_hand_over(fn: Callable[[list[int]], None] | None) -> None:
    """Register the function that runs or enqueues committed events (called with their ids)."""
    global _hand_over
    _hand_over = fn


def hand_over(event_ids: list[int]) -> None:
    """Hand committed events to the registered runner; without one they are left for the relay."""
    if _hand_over is not None:
        _hand_over(event_ids)


def defer(kind: str, payload: dict, now: datetime, *, queue: str = "default") -> OutboxEvent:
    """Record a side effect in this transaction; it is handed to a job after the commit.

    Not flushed here: the transaction's flush (at the latest its commit) inserts a batch of
    events in one statement, and the hand-over reads their ids after the commit.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    event = OutboxEvent(kind=kind, queue=queue, payload=payload, created_at=now, attempts=0)
    db.session.add(event)
    pending, hook = db.session.info.get(_PENDING, (None, None))
    if pending is None or hook not in db.session.info.get("munui_after_commit", []):
        # One hand-over per unit of work, with every event it recorded.
        pending = []

        def hook() -> None:
            # The identity, not ``.id``: reading an attribute of an expired row would reload it.
            hand_over([inspect(e).identity[0] for e in pending if inspect(e).identity])

        db.session.info[_PENDING] = (pending, hook)
        after_commit(hook)
    pending.append(event)
    return event


def due_for_relay(now: datetime, *, grace: timedelta, lost_after: timedelta,
                  limit: int = 500) -> list[OutboxEvent]:
    """Undelivered events that were never handed over, or handed over so long ago the job is lost."""
    stmt = (
        select(OutboxEvent)
        .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.gave_up_at.is_(None),
               OutboxEvent.created_at <= now - grace,
               or_(OutboxEvent.enqueued_at.is_(None), OutboxEvent.enqueued_at <= now - lost_after))
        .order_by(OutboxEvent.created_at, OutboxEvent.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def undelivered(limit: int = 100) -> list[OutboxEvent]:
    """For the operations view: what has not been delivered yet, oldest first."""
    return list(db.session.scalars(
        select(OutboxEvent).where(OutboxEvent.delivered_at.is_(None))
        .order_by(OutboxEvent.created_at, OutboxEvent.id).limit(limit)
    ))
