"""In-app notification fan-out: one outbox event → one notification row, even if run twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.jobs.dispatch import handler
from app.models import Notification, OutboxEvent


@handler("notify")
def create_notification(event: OutboxEvent, now: datetime) -> None:
    if db.session.scalar(select(Notification.id).where(Notification.outbox_id == event.id)):
        return
    payload = event.payload
    # The notification carries the time of the change, not of its delivery.
    db.session.add(Notification(user_id=payload["user_id"], ticket_id=payload.get("ticket_id"),
                                kind=payload["kind"], data=payload.get("data", {}),
                                created_at=event.created_at, outbox_id=event.id))
