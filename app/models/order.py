"""Orders as the shop pushed them: a few indexed columns and the whole snapshot."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_ordered", "customer_id", "ordered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    customer_email: Mapped[str] = mapped_column(String(254))
    seller_id: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(30))
    # What the customer paid in total, in integer KRW.
    total_amount: Mapped[int] = mapped_column(Integer)
    item_summary: Mapped[str] = mapped_column(String(200))
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    snapshot: Mapped[dict] = mapped_column(JSON)
    # Bumped on every change (a push from the shop, a decision): a decision shown to an
    # agent is refused if the order moved on since.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    customer = relationship("User", lazy="select")

    @property
    def lines(self) -> list[dict]:
        return list(self.snapshot.get("lines", []))

    def summary(self, locale: str) -> str:
        """"캔버스 백팩 외 1건" / "캔버스 백팩 and 1 more", from the lines (``item_summary`` is stored in Korean)."""
        lines = self.lines
        first = (lines[0].get("name") if lines else None) or self.item_summary
        more = len(lines) - 1
        if more <= 0:
            return first
        return f"{first} and {more} more" if (locale or "ko").startswith("en") else f"{first} 외 {more}건"
