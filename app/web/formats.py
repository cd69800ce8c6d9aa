"""How the pages and emails write money, times and durations (Korean or English)."""
from __future__ import annotations

import re
from datetime import datetime

from markupsafe import Markup, escape

from app.domain.vocabulary import SEOUL


def seoul_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC datetime shown in Asia/Seoul."""
    if value is None:
        return ""
    return value.astimezone(SEOUL).strftime(fmt)


_TICKET_NUMBER = re.compile(r"\bM-\d{8}-\d{4,}\b")


def mark_ticket_numbers(text: str) -> Markup:
    """Escaped text with each ticket number in a ``ticket-number`` span, which never breaks
    across lines (a phone would otherwise wrap "M-20261126-" and "0001" apart at the hyphen)."""
    return Markup(_TICKET_NUMBER.sub(lambda m: f'<span class="ticket-number">{m.group(0)}</span>',
                                     str(escape(text))))


def krw(amount: int | None) -> str:
    """Integer won as ₩12,300."""
    if amount is None:
        return ""
    return f"₩{int(amount):,}"


def duration_text(seconds: float, locale: str) -> str:
    """2시간 13분 / 2h 13m — the same format static/js/sla.js writes."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if locale == "en":
        parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if not days else ""]
    else:
        parts = [f"{days}일" if days else "", f"{hours}시간" if hours else "", f"{mins}분" if not days else ""]
    return " ".join(p for p in parts if p) or ("0m" if locale == "en" else "0분")
