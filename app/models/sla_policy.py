"""SLA policies (ordered, first match wins) and the per-ticket history of SLA events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
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


class SlaTarget(db.Model):
    """One target of one ticket (first response, resolution, or one next-reply cycle), as the
    clock last computed it: what the API's per-target state and the SLA reports read.

    Kept by ``services/sla/clock.refresh`` in the transaction of every change that moves a
    clock, so it is never behind the ticket. A target is *decided* when it is fulfilled
    (``outcome`` met or breached, ``business_minutes`` the running time it took) or when its
    due time passes unfulfilled (breached at ``due_at``; read-time, no sweep needed). The
    ticket's queue, assignee, category, priority and membership are those at the last change,
    so a report counts a target where it was decided.
    """

    __tablename__ = "sla_targets"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric", "cycle", name="uq_sla_targets_ticket_metric_cycle"),
        # Reports: fulfilled targets by day, and due (possibly breached) ones by day.
        Index("ix_sla_targets_fulfilled", "fulfilled_at"),
        Index("ix_sla_targets_due", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(20))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    target_minutes: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # met | breached once fulfilled; None while running.
    outcome: Mapped[str | None] = mapped_column(String(10))
    business_minutes: Mapped[float | None] = mapped_column(Float)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("support_queues.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    priority: Mapped[str] = mapped_column(String(10))
    membership: Mapped[str] = mapped_column(String(10))
