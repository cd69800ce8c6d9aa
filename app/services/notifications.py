"""In-app notifications and their emails, deferred through the outbox with the change they announce."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update

from app.domain.errors import NotFound
from app.extensions import db
from app.models import Notification, Ticket, User
from app.services.outbox import defer

EMAILED_KINDS = {"ticket_received": "ticket_received", "agent_replied": "agent_replied",
                 "sla_warning": "sla_warning", "sla_breach": "sla_breach",
                 "refund_approved": "refund_approved", "refund_denied": "refund_denied",
                 "refund_paid": "refund_paid"}


def notify(user_id: int | None, ticket: Ticket, kind: str, now: datetime, actor: User | None = None,
           **data) -> None:
    """Tell ``user_id`` about ``kind`` on ``ticket`` (in-app, and by email where the kind is emailed).

    Both go through the outbox: written in this transaction, delivered by a job after
    the commit. Nobody is told about their own action.
    """
    if user_id is None or (actor is not None and actor.id == user_id):
        return
    payload = {"ticket_number": ticket.number, "subject": ticket.subject, **data}
    if actor is not None:
        payload["actor_name"] = actor.name
    body = payload.pop("body", None)
    defer("notify", {"user_id": user_id, "ticket_id": ticket.id, "kind": kind, "data": payload}, now)
    template = EMAILED_KINDS.get(kind)
    if kind == "status_changed" and data.get("status") == "solved" and user_id == ticket.requester_id:
        template = "ticket_solved"
    if template is not None:
        email_data = {**payload, "body": body} if body else payload
        defer("email", {"user_id": user_id, "ticket_id": ticket.id, "template": template,
                        "data": email_data}, now, queue="email")


def unread_count(user: User) -> int:
    return db.session.scalar(
        db.select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def recent_for(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(
        db.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.id.desc()).limit(limit)
    ))


def mark_read(user: User, notification_id: int, now: datetime) -> Notification:
    """Mark one of the user's own notifications read (someone else's is not found)."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        raise NotFound("notification")
    if row.read_at is None:
        row.read_at = now
    return row


def mark_all_read(user: User, now: datetime) -> None:
    db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
