"""Recording the audit trail: changes to tickets, and changes to staff accounts."""
from __future__ import annotations

import logging
from datetime import datetime

from app.extensions import db
from app.models import AuditEvent, Ticket, User

log = logging.getLogger("munui.audit")


def record_event(ticket: Ticket, actor: User | None, action: str, now: datetime, *,
                 old: str | None = None, new: str | None = None,
                 detail: dict | None = None) -> AuditEvent:
    """Add one audit event (who, what, when) to the ticket's trail."""
    event = AuditEvent(ticket_id=ticket.id, actor_id=actor.id if actor else None, action=action,
                       old_value=old, new_value=new, detail=detail, created_at=now)
    db.session.add(event)
    return event


def events_for(ticket: Ticket) -> list[AuditEvent]:
    """The ticket's trail, oldest first."""
    return list(db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.ticket_id == ticket.id).order_by(AuditEvent.id)
    ))


def record_account_event(subject: User, actor: User | None, action: str, now: datetime, *,
                         old: str | None = None, new: str | None = None,
                         detail: dict | None = None) -> AuditEvent:
    """Add one event to an account's trail (staff created, edited, deactivated, password reset …).

    Also logged, so an operator reading the logs sees who changed which account.
    """
    event = AuditEvent(subject_user_id=subject.id, actor_id=actor.id if actor else None, action=action,
                       old_value=old, new_value=new, detail=detail, created_at=now)
    db.session.add(event)
    log.info("account %s: %s by %s %s", subject.id, action, actor.id if actor else "system", detail or "")
    return event


def account_events_for(user: User, limit: int = 100) -> list[AuditEvent]:
    """The account's trail, newest first."""
    return list(db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.subject_user_id == user.id)
        .order_by(AuditEvent.id.desc()).limit(limit)
    ))
