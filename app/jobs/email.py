"""Notification emails: sent at most once per outbox event as far as the ledger can tell.

The ledger row (with the Message-ID) is committed *before* the SMTP conversation and
marked sent after it. A worker killed in between leaves a started, unsent row: the
retry sends again with the same Message-ID, so the contract is at-least-once with a
stable Message-ID that mail clients de-duplicate on.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.domain import access
from app.extensions import db
from app.jobs.dispatch import handler
from app.models import OutboxEvent, SentEmail, User
from app.services.accounts import password_reset
from app.services.mail import build_message, compose, deliver


@handler("email")
def send_email(event: OutboxEvent, now: datetime) -> None:
    payload = event.payload
    user = db.session.get(User, payload["user_id"])
    if user is None or not user.active or not user.email:
        return
    ledger = db.session.scalar(select(SentEmail).where(SentEmail.outbox_id == event.id))
    if ledger is not None and ledger.sent_at is not None:
        return
    link = None
    data = payload.get("data", {})
    if payload["template"] == password_reset.TEMPLATE:
        # The link is signed here, never stored: issued at the request (the event's time).
        if not access.can_reset_password(role=user.role, active=user.active) \
                or not password_reset.link_still_good(event.created_at, now):
            return
        link = password_reset.reset_link(user, event.created_at)
        data = {**data, "minutes": current_app.config["PASSWORD_RESET_MINUTES"]}
    email = compose(payload["template"], outbox_id=event.id, to=user.email, to_name=user.name,
                    locale=user.locale or "ko", data=data, staff=user.is_staff, link=link)
    if ledger is None:
        ledger = SentEmail(outbox_id=event.id, message_id=email.message_id, recipient=user.email,
                           subject=email.subject, started_at=now)
        db.session.add(ledger)
        db.session.commit()
    ledger.transport = deliver(build_message(email))
    ledger.sent_at = now
