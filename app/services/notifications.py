"""In-app notifications and their emails, deferred through the outbox with the change they announce."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.domain.errors import NotFound
from app.extensions import db
from app.models import Notification, Ticket, User
from app.services.outbox import defer
from app.services.satisfaction import latest_question
from app.services.unit_of_work import memo

EMAILED_KINDS = {"ticket_received": "ticket_received", "agent_replied": "agent_replied",
                 "sla_warning": "sla_warning", "sla_breach": "sla_breach",
                 "refund_approved": "refund_approved", "refund_denied": "refund_denied",
                 "refund_paid": "refund_paid"}
# Identical notices to one person about one ticket this close together are shown once (a status
# change announced by two paths at once, say). Notices that differ in what they say — an SLA
# breach of the first response and one of the resolution — are both kept: each names its target.
COLLAPSE_WINDOW = timedelta(minutes=1)


def notice_key(kind: str, data: dict | None) -> tuple[str, str | None, str | None]:
    """What a notice says to its reader: its kind, the new status of a status change, the SLA
    target of a warning or breach."""
    data = data or {}
    return kind, data.get("status"), data.get("metric")


def _repeats_this_unit(user_id: int, ticket_id: int | None, key: tuple, now: datetime) -> bool:
    """True if this unit of work already deferred the same notice within the window (and remember it)."""
    sent = memo("notices").setdefault((user_id, ticket_id, key), [])
    if any(abs(now - at) < COLLAPSE_WINDOW for at in sent):
        return True
    sent.append(now)
    return False


def duplicate_of(user_id: int, ticket_id: int | None, key: tuple, at: datetime) -> Notification | None:
    """An existing notification saying the same thing to the same person about the same ticket
    within the window around ``at`` (the notify job then adds none)."""
    stmt = select(Notification).where(
        Notification.user_id == user_id, Notification.kind == key[0],
        Notification.created_at > at - COLLAPSE_WINDOW, Notification.created_at < at + COLLAPSE_WINDOW,
        Notification.ticket_id.is_(None) if ticket_id is None else Notification.ticket_id == ticket_id)
    return next((row for row in db.session.scalars(stmt) if notice_key(row.kind, row.data) == key), None)


def notify(user_id: int | None, ticket: Ticket, kind: str, now: datetime, actor: User | None = None,
           **data) -> None:
    """Tell ``user_id`` about ``kind`` on ``ticket`` (in-app, and by email where the kind is emailed).

    Both go through the outbox: written in this transaction, delivered by a job after
    the commit. Nobody is told about their own action. A notice identical to one this
    unit of work already deferred (``COLLAPSE_WINDOW``) is not deferred again; the
    notify job collapses those from separate transactions the same way.
    """
    if user_id is None or (actor is not None and actor.id == user_id):
        return
    payload = {"ticket_number": ticket.number, "subject": ticket.subject, **data}
    if ticket.type != "inquiry" and ticket.order_id:
        # a claim's generated subject is shown in the reader's language (app/domain/claim_flow.py)
        payload.update(ticket_type=ticket.type, order_number=ticket.order.number)
    if actor is not None:
        payload["actor_name"] = actor.name
    body = payload.pop("body", None)
    if not _repeats_this_unit(user_id, ticket.id, notice_key(kind, payload), now):
        defer("notify", {"user_id": user_id, "ticket_id": ticket.id, "kind": kind, "data": payload}, now)
    template = EMAILED_KINDS.get(kind)
    if kind == "status_changed" and data.get("status") == "solved" and user_id == ticket.requester_id:
        template = "ticket_solved"
        question = latest_question(ticket)
        if question is not None:
            payload["rating_id"] = question.id  # the job signs the survey link; nothing secret is stored
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
    """The user's newest notifications, by when the change happened (a relayed one arrives late)."""
    return list(db.session.scalars(
        db.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
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
