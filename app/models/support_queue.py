"""Queues of work and the agents who belong to them."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

queue_members = Table(
    "queue_members",
    db.Model.metadata,
    Column("queue_id", ForeignKey("support_queues.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class SupportQueue(db.Model):
    __tablename__ = "support_queues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    # manual | round_robin | least_loaded: how new tickets get an assignee.
    assignment_mode: Mapped[str] = mapped_column(String(20), default="manual", server_default="manual")
    # Round-robin's place: the agent who got the last ticket.
    last_assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    members = relationship("User", secondary=queue_members, back_populates="queues",
                           primaryjoin="SupportQueue.id == queue_members.c.queue_id",
                           secondaryjoin="User.id == queue_members.c.user_id")

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_ko
