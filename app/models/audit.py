"""The audit trail of tickets and staff accounts: who changed what, when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class AuditEvent(db.Model):
    """One change: to a ticket (``ticket_id``) or to an account (``subject_user_id``, staff changes)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_ticket_id_id", "ticket_id", "id"),
                      Index("ix_audit_events_subject_user_id_id", "subject_user_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    # The account an account event is about (created, edited, deactivated, password reset …).
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # created, message, note, status, priority, assignee, queue …
    action: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    actor = relationship("User", lazy="joined", foreign_keys=[actor_id])
