"""Public ticket numbers: M-YYYYMMDD-NNNN, numbered per day in Asia/Seoul."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from app.domain.vocabulary import SEOUL
from app.extensions import db, dialect_insert
from app.models import TicketNumberCounter


def next_ticket_number(now: datetime) -> str:
    """Reserve the next number of the day; atomic under concurrent requests.

    The counter row is created if missing (ON CONFLICT DO NOTHING) and then bumped
    with UPDATE … RETURNING, which locks the row on PostgreSQL and is serialised
    by SQLite's single writer.
    """
    day = now.astimezone(SEOUL).date()
    db.session.execute(dialect_insert(TicketNumberCounter).values(day=day, last=0).on_conflict_do_nothing())
    seq = db.session.execute(
        update(TicketNumberCounter).where(TicketNumberCounter.day == day)
        .values(last=TicketNumberCounter.last + 1).returning(TicketNumberCounter.last)
    ).scalar_one()
    return f"M-{day:%Y%m%d}-{seq:04d}"
