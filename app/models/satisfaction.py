"""만족도 (CSAT): one question per solve of a ticket, and the customer's answer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class SatisfactionRating(db.Model):
    """Asked when a ticket is solved (``solve_number`` counts the solves: a reopened and re-solved
    ticket asks again); answered once, 1–5 with an optional comment, by the signed link."""

    __tablename__ = "satisfaction_ratings"
    __table_args__ = (
        UniqueConstraint("ticket_id", "solve_number", name="uq_satisfaction_ratings_ticket_solve"),
        # An agent's own ratings, and everyone's by day (the report).
        Index("ix_satisfaction_ratings_assignee_rated", "assignee_id", "rated_at"),
        Index("ix_satisfaction_ratings_rated", "rated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    solve_number: Mapped[int] = mapped_column(Integer)
    # Who solved it (the assignee then) and in which queue: the answer is about their work.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("support_queues.id", ondelete="SET NULL"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket = relationship("Ticket", lazy="joined")
    assignee = relationship("User", lazy="joined")
