"""The transactional outbox and the email ledger.

A side effect (email, in-app notification, index update) is a row written in the
same transaction as the change that causes it; it is handed to a job only after
the commit, and marked delivered by the job. A row that was never acknowledged is
handed over again by the relay, so nothing is lost when Redis or a worker fails.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class OutboxEvent(db.Model):
    __tablename__ = "outbox_events"
    __table_args__ = (
        # The relay reads only undelivered rows, oldest first.
        Index("ix_outbox_events_pending", "delivered_at", "gave_up_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # notify, email, sla_refresh: the @handler(kind) functions of app/jobs/ (notify.py, email.py, sla.py)
    kind: Mapped[str] = mapped_column(String(40))
    queue: Mapped[str] = mapped_column(String(20), default="default")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the job failed for good (retries exhausted); an admin retry clears it.
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class SentEmail(db.Model):
    """One row per email an outbox event sends: the Message-ID and whether it went out."""

    __tablename__ = "sent_emails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"), unique=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # started_at without sent_at: a send was attempted and its outcome is unknown.
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transport: Mapped[str] = mapped_column(String(10), default="smtp")
