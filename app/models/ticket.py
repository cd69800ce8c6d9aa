"""The ticket: one 1:1 inquiry (or cancellation/refund request) and its place in the flow."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.ticket_flow import Status
from app.domain.vocabulary import Priority, TicketType
from app.extensions import db
from app.models.types import UTCDateTime

# The partial indexes' predicates: unresolved tickets, and those with a clock that runs (the
# 기한 임박 view's filter), as SQL.
UNRESOLVED_SQL = "status IN ('new', 'open', 'pending', 'on_hold')"
RUNNING_SLA = f"{UNRESOLVED_SQL} AND sla_due_at IS NOT NULL AND sla_paused IS false"


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        # Queue views: a queue's tickets by status, newest activity first.
        Index("ix_tickets_queue_status_updated", "queue_id", "status", "updated_at"),
        Index("ix_tickets_assignee_status_updated", "assignee_id", "status", "updated_at"),
        Index("ix_tickets_requester_created", "requester_id", "created_at"),
        Index("ix_tickets_status_updated", "status", "updated_at"),
        # The SLA sweep reads only tickets whose next warning or breach is due.
        Index("ix_tickets_sla_next_check", "sla_next_check_at"),
        # "Breaching soon": a queue's running timers by their nearest due time.
        Index("ix_tickets_queue_sla_due", "queue_id", "sla_due_at"),
        # The desk's unresolved views (전체 미해결, 내 담당, 미배정) across several queues and statuses,
        # newest activity first: read in index order and cut at 50, not sorted (1M tickets: 149 → 0.1 ms).
        Index("ix_tickets_unresolved_updated", "updated_at", "id",
              postgresql_where=text(UNRESOLVED_SQL), sqlite_where=text(UNRESOLVED_SQL)),
        # The 기한 임박 view: running clocks of unresolved tickets, nearest due first.
        Index("ix_tickets_running_sla_due", "sla_due_at", "id",
              postgresql_where=text(RUNNING_SLA), sqlite_where=text(RUNNING_SLA)),
        # Reports: tickets filed and solved per day of a range.
        Index("ix_tickets_created_at", "created_at"),
        Index("ix_tickets_solved_at", "solved_at"),
        # A form or API client resending the same submission gets the first ticket back.
        UniqueConstraint("requester_id", "submission_key", name="uq_tickets_requester_submission"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    type: Mapped[str] = mapped_column(String(20), default=TicketType.INQUIRY)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("support_queues.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=Status.NEW)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    submission_key: Mapped[str | None] = mapped_column(String(64))

    # SLA, kept in step by app/services/sla/clock.py; the history is in sla_events.
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Nearest due and warning time of the running timers, and whether the clock stands still.
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sla_next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_reply_cycle: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_reply_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A duplicate merged into another inquiry of the same customer points at it.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))

    category = relationship("Category", lazy="joined")
    queue = relationship("SupportQueue", lazy="joined")
    requester = relationship("User", foreign_keys=[requester_id], lazy="joined")
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined")
    # Loaded when used (the ticket page), not joined into every list query.
    order = relationship("Order", lazy="select")
    sla_policy = relationship("SlaPolicy", lazy="select")
    tags = relationship("Tag", secondary="ticket_tags", lazy="select", order_by="Tag.name")
    messages = relationship("Message", back_populates="ticket", order_by="Message.id",
                            lazy="select")


class TicketNumberCounter(db.Model):
    """Per-day sequence behind ticket numbers (M-YYYYMMDD-NNNN, the day in Seoul)."""

    __tablename__ = "ticket_number_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
