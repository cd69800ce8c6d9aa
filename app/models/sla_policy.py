"""SLA policies (ordered, first match wins) and the per-ticket history of SLA events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class SlaPolicy(db.Model):
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The English name; None shows the Korean one in English too (an admin's own policy).
    name_en: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Conditions; None matches anything.
    membership: Mapped[str | None] = mapped_column(String(10))
    priority: Mapped[str | None] = mapped_column(String(10))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("support_queues.id"))
    # Targets in business minutes of the policy's calendar; None: no target.
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    next_reply_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    warn_percent: Mapped[int] = mapped_column(Integer, default=75)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("work_calendars.id"))
    # Escalation on a breach.
    escalate_priority: Mapped[str | None] = mapped_column(String(10))
    escalate_queue_id: Mapped[int | None] = mapped_column(ForeignKey("support_queues.id"))

    calendar = relationship("WorkCalendar", lazy="joined")
    category = relationship("Category", lazy="select")
    queue = relationship("SupportQueue", foreign_keys=[queue_id], lazy="select")
    escalate_queue = relationship("SupportQueue", foreign_keys=[escalate_queue_id], lazy="select")

    def display_name(self, locale: str) -> str:
        return self.name_en if (locale or "ko").startswith("en") and self.name_en else self.name


class SlaEvent(db.Model):
    """applied, started, paused, resumed, fulfilled, warned, breached — what reports read."""

    __tablename__ = "sla_events"
    __table_args__ = (
        Index("ix_sla_events_ticket_id_id", "ticket_id", "id"),
        # A warning or a breach is recorded once per ticket, metric and cycle, however
        # many sweeps run at once.
        UniqueConstraint("ticket_id", "alert_key", name="uq_sla_events_ticket_alert"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # None for pause/resume of every timer at once.
    metric: Mapped[str | None] = mapped_column(String(20))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))
    detail: Mapped[dict | None] = mapped_column(JSON)
    alert_key: Mapped[str | None] = mapped_column(String(60))

    policy = relationship("SlaPolicy", lazy="joined")
