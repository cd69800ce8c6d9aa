"""Inquiry categories: what the customer picks, where it is routed, what it requires."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.vocabulary import TicketType
from app.extensions import db


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    ticket_type: Mapped[str] = mapped_column(String(20), default=TicketType.INQUIRY)
    requires_order: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sellers file seller-center inquiries; customers the rest.
    for_sellers: Mapped[bool] = mapped_column(Boolean, default=False)
    queue_id: Mapped[int] = mapped_column(ForeignKey("support_queues.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    queue = relationship("SupportQueue", lazy="select")

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_ko
