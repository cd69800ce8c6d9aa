"""Business calendars the SLA clock runs on, and their admin-added days off and on."""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class WorkCalendar(db.Model):
    __tablename__ = "work_calendars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(50), default="Asia/Seoul")
    # 24/7: every minute counts (holidays and windows are ignored).
    always_open: Mapped[bool] = mapped_column(Boolean, default=False)
    # {"0": "09:00-12:00, 13:00-18:00", …} by weekday (0 = Monday); a missing day is off.
    weekly: Mapped[dict] = mapped_column(JSON, default=dict)
    korean_public_holidays: Mapped[bool] = mapped_column(Boolean, default=True)

    days = relationship("CalendarDay", back_populates="calendar", cascade="all, delete-orphan",
                        order_by="CalendarDay.day", lazy="selectin")

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_ko


class CalendarDay(db.Model):
    """A date the admin turned off (company holiday) or on (a working Saturday)."""

    __tablename__ = "calendar_days"
    __table_args__ = (UniqueConstraint("calendar_id", "day", name="uq_calendar_days_calendar_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("work_calendars.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    # "off" or "on"
    kind: Mapped[str] = mapped_column(String(3))
    note: Mapped[str] = mapped_column(String(100), default="")

    calendar = relationship("WorkCalendar", back_populates="days")
