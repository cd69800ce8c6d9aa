"""The SLA report's daily figures: closed Seoul days of ``sla_targets`` summed by the worker.

A quarter of a million-ticket desk is ~600,000 decided targets; reading them raw takes the SLA
overview past a second. The worker sums each closed day once (``services/reports/sla_daily``)
into rows per day × target kind × queue × assignee × category, keeping every
duration (so medians and 90th percentiles stay exact, not a histogram's estimate).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime

# float8[] on PostgreSQL (unnest feeds percentile_cont); a JSON list on SQLite.
MINUTES = JSON().with_variant(ARRAY(Float), "postgresql")


class SlaRollupDay(db.Model):
    """One Seoul day's rollup state. ``rolled_at`` None: the day's figures must be read raw (never
    summed, or a target of that day changed since). Writers set it to None in their transaction
    with a row lock; the rollup takes the same lock first, so a change is never lost between the
    rollup's read and its commit."""

    __tablename__ = "sla_rollup_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SlaDailyFigures(db.Model):
    """Targets decided (met / breached) and fulfilled (their business minutes) on one Seoul day,
    for one target kind and one combination of the ticket's queue, assignee and category (the
    report's groupings; a report narrowed by priority or tier reads the targets raw, which keeps
    these rows few: a day of a million-ticket desk is ~125 of them, not one per target)."""

    __tablename__ = "sla_daily_figures"
    __table_args__ = (Index("ix_sla_daily_figures_day", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(20))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("support_queues.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    met: Mapped[int] = mapped_column(Integer, default=0)
    breached: Mapped[int] = mapped_column(Integer, default=0)
    # The business minutes of the targets fulfilled that day (on time or late), sorted.
    minutes: Mapped[list[float]] = mapped_column(MINUTES, default=list)
