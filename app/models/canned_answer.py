"""Canned answers (자주 쓰는 답변) and how often each agent uses them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class CannedAnswer(db.Model):
    __tablename__ = "canned_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_ko: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str | None] = mapped_column(Text)
    # None: shared with the team; else the agent's personal answer.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Where it is offered; empty lists mean everywhere.
    category_codes: Mapped[list] = mapped_column(JSON, default=list)
    queue_slugs: Mapped[list] = mapped_column(JSON, default=list)
    # Applied when used: {"status": "pending", "priority": "high", "tag": "배송지연"} (any subset).
    actions: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    owner = relationship("User", foreign_keys=[owner_id])


class CannedAnswerUse(db.Model):
    __tablename__ = "canned_answer_uses"
    __table_args__ = (Index("ix_canned_answer_uses_answer_agent", "answer_id", "agent_id"),
                      Index("ix_canned_answer_uses_used_at", "used_at"))   # reports: uses in a range

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("canned_answers.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)
