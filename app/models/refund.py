"""Cancellation and refund requests (one per special ticket), the refunds approved, order history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class Claim(db.Model):
    """What the customer asked for on a cancellation or refund ticket, and where its decision stands.

    ``state`` moves open → (awaiting_second_approval →) approved, or → denied, only through
    conditional updates that check the state and ``version`` they expect, so two agents
    deciding at once produce one decision on SQLite and PostgreSQL alike.
    """

    # The table keeps its first name (refund_requests); the code calls the concept a claim.
    __tablename__ = "refund_requests"
    # Reports: claims filed and decided in a range.
    __table_args__ = (Index("ix_refund_requests_requested_at", "requested_at"),
                      Index("ix_refund_requests_decided_at", "decided_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    # The policy module's idempotency key (DOUBLE-REFUND-GUARD).
    request_key: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # cancel | refund
    lines: Mapped[list] = mapped_column(JSON)  # [{"line_id": "L1", "quantity": 1}]
    reason: Mapped[str] = mapped_column(String(30))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    attestations: Mapped[dict] = mapped_column(JSON, default=dict)
    discovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_at_request: Mapped[str] = mapped_column(String(30))
    return_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_inspection: Mapped[dict | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(30), default="open", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    first_approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    ticket = relationship("Ticket", backref=db.backref("claim", uselist=False))
    order = relationship("Order")
    first_approver = relationship("User", foreign_keys=[first_approver_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class Refund(db.Model):
    """An approved cancellation or refund: the money, who approved it, when it is due, when it was paid.

    The shop pays and the desk tracks: ``status`` moves pending → completed once, by a
    conditional update (app/services/claims/refunds.py ``record_payment``), with the payment's
    time (``executed_at``), reference, note, who recorded it and through what (``paid_via``).
    """

    __tablename__ = "refunds"
    __table_args__ = (Index("ix_refunds_due", "status", "due_by"),
                      Index("ix_refunds_created_at", "created_at"))   # reports: amounts approved in a range

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One refund per request, enforced by the database as well.
    request_id: Mapped[int] = mapped_column(ForeignKey("refund_requests.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    lines: Mapped[list] = mapped_column(JSON)
    breakdown: Mapped[dict] = mapped_column(JSON)
    refund_value_total: Mapped[int] = mapped_column(Integer)
    cash_refund_total: Mapped[int] = mapped_column(Integer)
    points_restored: Mapped[int] = mapped_column(Integer)
    due_by: Mapped[date | None] = mapped_column(Date)
    # pending (to be paid out) | completed
    status: Mapped[str] = mapped_column(String(20), default="pending")
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    second_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the money was paid out (the payment's own time, not when it was recorded).
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_reference: Mapped[str | None] = mapped_column(String(100))  # PG transaction id / 입금 참조
    paid_note: Mapped[str | None] = mapped_column(Text)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_via: Mapped[str | None] = mapped_column(String(10))  # shop (API) | desk (by hand)
    # The last Seoul day the leads were told it is overdue: moved by a conditional update,
    # so each overdue refund is announced once a day however many workers run the job.
    overdue_notified_on: Mapped[date | None] = mapped_column(Date)

    request = relationship("Claim", backref=db.backref("refund", uselist=False))
    order = relationship("Order")
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    second_approved_by = relationship("User", foreign_keys=[second_approved_by_id])
    paid_by = relationship("User", foreign_keys=[paid_by_id])


class OrderStatusChange(db.Model):
    """The order's status history as the desk saw it (pushed by the shop or set by a decision)."""

    __tablename__ = "order_status_changes"
    __table_args__ = (Index("ix_order_status_changes_order_id_id", "order_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    old_status: Mapped[str | None] = mapped_column(String(30))
    new_status: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(20))  # shop | desk
    at: Mapped[datetime] = mapped_column(UTCDateTime)
