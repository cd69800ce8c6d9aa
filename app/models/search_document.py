"""The PostgreSQL search backend's rows: one per ticket, its bigram terms and exact keys.

Only ``SEARCH_BACKEND=postgres`` writes or reads it (app/services/search/postgres_backend.py);
on SQLite the table exists, empty, so both databases have one schema.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import JSON

from app.extensions import db

# No GIN "fast update": its pending list of new entries is scanned by every search until a
# vacuum merges it (measured: p95 155 → 68 ms at 100,000 tickets); a desk writes a few rows a second.
GIN_OPTIONS = {"fastupdate": "off"}
# tsvector and text[] on PostgreSQL (GIN-indexed); plain columns elsewhere (never queried there).
TERMS = Text().with_variant(TSVECTOR(), "postgresql")
KEYS = JSON().with_variant(ARRAY(Text()), "postgresql")


class SearchDocument(db.Model):
    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_public_terms", "public_terms", postgresql_using="gin", postgresql_with=GIN_OPTIONS),
        Index("ix_search_documents_staff_terms", "staff_terms", postgresql_using="gin", postgresql_with=GIN_OPTIONS),
        Index("ix_search_documents_public_keys", "public_keys", postgresql_using="gin", postgresql_with=GIN_OPTIONS),
        Index("ix_search_documents_staff_keys", "staff_keys", postgresql_using="gin", postgresql_with=GIN_OPTIONS),
    )

    ticket_id: Mapped[int] = mapped_column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True, autoincrement=False)
    # Subject (weight A), messages and public file names: what customers may search.
    public_terms = mapped_column(TERMS, nullable=False)
    # The subject's terms alone: small enough to stay inline, so ranking reads no TOAST.
    subject_terms = mapped_column(TERMS, nullable=False)
    # Internal notes, their files, the customer's name and email: staff only.
    staff_terms = mapped_column(TERMS, nullable=False)
    # Exact keys, prefixed by kind: c: codes, n: ticket-number tails, o: order-number tails; e: email.
    public_keys = mapped_column(KEYS, nullable=False)
    staff_keys = mapped_column(KEYS, nullable=False)
    # The ticket's updated_at in ms when indexed (the drift check), and the analysis that made the terms.
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    analysis_version: Mapped[int] = mapped_column(Integer, nullable=False)
