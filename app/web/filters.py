"""What templates (pages and emails) use to show things: filters and globals, in the reader's language."""
from __future__ import annotations

from datetime import date

from flask import Flask, g, has_request_context
from flask_login import current_user

from app.domain import access
from app.domain.claim_flow import shown_subject
from app.domain.refund_timing import refund_timing
from app.domain.uploads import visible_text
from app.services.claims.orders import shipping_facts
from app.services.claims.refunds import refund_timing_of
from app.services.notifications import unread_count
from app.services.sla.clock import ticket_state
from app.web.audit_text import audit_sentence
from app.web.clock import utcnow
from app.web.formats import duration_text, krw, mark_ticket_numbers, seoul_time
from app.web.labels import label
from app.web.locale import locale_code


def ticket_subject(ticket) -> str:
    """The ticket's subject as the reader reads it: a claim's generated subject in their language."""
    return shown_subject(ticket.subject, ticket.type, ticket.order.number if ticket.order_id else None,
                         locale_code())


def notice_subject(data: dict) -> str:
    """A notification's ticket subject as the reader reads it (see ``ticket_subject``)."""
    subject = (data or {}).get("subject") or ""
    if not data.get("ticket_type"):
        return subject
    return shown_subject(subject, data["ticket_type"], data.get("order_number"), locale_code())


def sla_badge_state(ticket) -> str | None:
    state = ticket_state(ticket, utcnow())
    return state.value if state else None


def refund_timing_text(refund=None, *, method=None, due_by=None, paid: bool | None = None) -> str:
    """What the customer should expect of a refund (app/domain/refund_timing.py), in the page's or
    email's language: of a stored ``refund``, or of a decision's breakdown ``method`` legs and
    ``due_by`` (a date or its ISO text) before anything is approved. "" when nothing is refunded."""
    if refund is not None:
        timing = refund_timing_of(refund, paid=paid)
    else:
        day = date.fromisoformat(due_by) if isinstance(due_by, str) and due_by else due_by or None
        timing = refund_timing([(m.get("channel"), m.get("amount", 0)) for m in method or []], day)
    return timing.text(locale_code()) if timing else ""


def sla_remaining(ticket, state: str) -> str:
    """The badge text: time left (or over) until the nearest due time, or paused/met."""
    english = locale_code() == "en"
    if state == "paused":
        return "Paused" if english else "일시정지"
    if state == "met" or ticket.sla_due_at is None:
        return "Met" if english else "충족"
    seconds = (ticket.sla_due_at - utcnow()).total_seconds()
    text = duration_text(seconds, "en" if english else "ko")
    if seconds <= 0:
        return f"{text} over" if english else f"{text} 초과"
    return f"{text} left" if english else f"{text} 남음"


def asks(question):
    """``question`` (app/domain/access.py) about the signed-in user, for templates: ``{% if can_administer() %}``
    instead of comparing ``current_user.role``. False for anyone signed out, and outside a request (emails)."""
    def ask(**facts) -> bool:
        if not has_request_context() or not current_user.is_authenticated:
            return False
        # The user is an access Actor as it is: its queues are read only if the question needs them
        # (an error page may render while the database is down).
        return question(current_user, **facts)
    return ask


# What pages ask about the reader: links and buttons shown only to whom the routes let through.
TEMPLATE_QUESTIONS = (access.can_administer, access.has_orders, access.can_see_overdue_refunds,
                      access.can_second_approve, access.can_see_reports)


def register(app: Flask) -> None:
    @app.context_processor
    def _template_helpers():
        unread = 0
        # Emails are rendered by jobs, outside any request and without a user.
        if has_request_context() and not g.get("database_down") and current_user.is_authenticated:
            unread = unread_count(current_user)
        return {"unread_notifications": unread, "locale_code": locale_code()}

    for question in TEMPLATE_QUESTIONS:
        app.jinja_env.globals[question.__name__] = asks(question)
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["audit_sentence"] = audit_sentence
    app.jinja_env.filters["subject"] = ticket_subject
    app.jinja_env.globals["notice_subject"] = notice_subject
    app.jinja_env.globals["shipping_facts"] = shipping_facts
    app.jinja_env.globals["sla_badge_state"] = sla_badge_state
    app.jinja_env.globals["sla_remaining"] = sla_remaining
    app.jinja_env.globals["refund_timing"] = refund_timing_text
    app.jinja_env.filters["iso"] = lambda value: value.isoformat() if value else ""
    app.jinja_env.filters["seoul"] = seoul_time
    app.jinja_env.filters["krw"] = krw
    # Names stored before bidi controls were stripped at upload still show as they are.
    app.jinja_env.filters["visible"] = visible_text
    app.jinja_env.filters["ticket_numbers"] = mark_ticket_numbers
