"""In-app notification fan-out: one outbox event → one notification row, even if run twice;
none when the same notice reached the same person about the same ticket within a minute."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.jobs.dispatch import handler
from app.models import Notification, OutboxEvent
from app.services.notifications import duplicate_of, notice_key


@handler("notify", row_only=True)
def create_notification(event: OutboxEvent, now: datetime) -> None:
    if db.session.scalar(select(Notification.id).where(Notification.outbox_id == event.id)):
        return
    payload = event.payload
    key = notice_key(payload["kind"], payload.get("data"))
    if duplicate_of(payload["user_id"], payload.get("ticket_id"), key, event.created_at) is not None:
        # The same notice reached this person a moment ago (another transaction): one is enough.
        return
    # The notification carries the time of the change, not of its delivery.
    db.session.add(Notification(user_id=payload["user_id"], ticket_id=payload.get("ticket_id"),
                                kind=payload["kind"], data=payload.get("data", {}),
                                created_at=event.created_at, outbox_id=event.id))
