"""A message on a ticket's thread: a public reply or an internal note."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_ticket_id_id", "ticket_id", "id"),
                      # Reports: replies written in a range, by author.
                      Index("ix_messages_created_author", "created_at", "author_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket = relationship("Ticket", back_populates="messages")
    author = relationship("User", lazy="joined")
    attachments = relationship("Attachment", back_populates="message", order_by="Attachment.id",
                               lazy="selectin")
