"""Recording the ticket's audit trail."""
from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import AuditEvent, Ticket, User


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
