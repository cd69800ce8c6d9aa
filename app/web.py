"""What every page shares: security headers, template helpers, safe redirects."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from app.domain.uploads import visible_text
from app.services import unit_of_work

SEOUL = ZoneInfo("Asia/Seoul")

CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def utcnow() -> datetime:
    """The clock, read only by the outermost callers (views, jobs, commands)."""
    return datetime.now(UTC)


# What a browser does to a URL before reading it (WHATWG URL): leading and trailing C0 controls and
# spaces go, tabs and newlines anywhere go, and a backslash is a slash.
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def safe_next(target: str | None, fallback: str) -> str:
    """A return address only if a browser would read it as a path on this site; else ``fallback``.

    Judged as the browser will parse it: "/\t/evil.example" is "//evil.example" to a browser
    (another host), so it is refused; what is returned is the address as the browser reads it.
    """
    if not target:
        return fallback
    seen = _TAB_OR_NEWLINE.sub("", target.strip(_C0_AND_SPACE)).replace("\\", "/")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in seen):
        return fallback
    parts = urlsplit(seen)
    if parts.scheme or parts.netloc or not seen.startswith("/") or seen.startswith("//"):
        return fallback
    return seen


SESSION_KEY = "sid"  # the server-side session id in Flask's signed cookie (app/services/sessions.py)


def load_signed_in_user(user_id: str):
    """Flask-Login's user loader: the cookie's user, if its server-side session is live."""
    from datetime import timedelta

    from flask import current_app, session

    from app.services.users import load_user_for_session

    return load_user_for_session(user_id, session.get(SESSION_KEY), utcnow(),
                                 max_age=timedelta(days=current_app.config["SESSION_MAX_DAYS"]))


def begin_session(user) -> None:
    """Sign ``user`` in on this browser with a new session (a fresh cookie, a new server-side id)."""
    from datetime import timedelta

    from flask import current_app, session
    from flask_login import login_user

    from app.services.sessions import start_session

    session.clear()  # no fixation: nothing of the session before sign-in survives
    token = start_session(user, utcnow(), max_age=timedelta(days=current_app.config["SESSION_MAX_DAYS"]))
    unit_of_work.commit()
    login_user(user)
    session[SESSION_KEY] = token


def end_session() -> None:
    """Sign this browser out, on the server too: a copy of the cookie stops working."""
    from flask import session
    from flask_login import logout_user

    from app.services.sessions import end_session as end_server_session

    end_server_session(session.get(SESSION_KEY))
    unit_of_work.commit()
    logout_user()
    session.clear()


def ticket_subject(ticket) -> str:
    """The ticket's subject as the reader reads it: a claim's generated subject in their language."""
    from app.domain.claim_flow import shown_subject

    return shown_subject(ticket.subject, ticket.type, ticket.order.number if ticket.order_id else None,
                         locale_code())


def notice_subject(data: dict) -> str:
    """A notification's ticket subject as the reader reads it (see ``ticket_subject``)."""
    from app.domain.claim_flow import shown_subject

    subject = (data or {}).get("subject") or ""
    if not data.get("ticket_type"):
        return subject
    return shown_subject(subject, data["ticket_type"], data.get("order_number"), locale_code())


def locale_code() -> str:
    locale = get_locale()
    return locale.language if locale else "ko"


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


def register(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint and not request.endpoint.startswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        hsts = app.config.get("HSTS_SECONDS")
        if hsts:
            # Production runs behind TLS: browsers must never come back over plain http.
            response.headers.setdefault("Strict-Transport-Security", f"max-age={int(hsts)}; includeSubDomains")
        return response

    @app.route("/favicon.ico")
    def favicon():
        # Browsers ask for /favicon.ico on every site whatever the page links; answer it locally.
        from flask import send_from_directory

        return send_from_directory(app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                                   max_age=7 * 24 * 3600)

    @app.teardown_request
    def _drop_uncommitted(_exc):
        # A request that never committed must not leave uploaded files behind.
        unit_of_work.discard_pending()

    @app.context_processor
    def _template_helpers():
        from app.services.notifications import unread_count

        unread = 0
        # Emails are rendered by jobs, outside any request and without a user.
        if has_request_context() and not g.get("database_down") and current_user.is_authenticated:
            unread = unread_count(current_user)
        return {"unread_notifications": unread, "locale_code": locale_code()}

    from app.audit_text import audit_sentence
    from app.labels import label
    from app.services.orders import shipping_facts

    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["audit_sentence"] = audit_sentence
    app.jinja_env.filters["subject"] = ticket_subject
    app.jinja_env.globals["notice_subject"] = notice_subject
    app.jinja_env.globals["shipping_facts"] = shipping_facts
    app.jinja_env.globals["sla_badge_state"] = _sla_badge_state
    app.jinja_env.globals["sla_remaining"] = _sla_remaining
    app.jinja_env.globals["refund_timing"] = refund_timing_text
    app.jinja_env.filters["iso"] = lambda value: value.isoformat() if value else ""
    app.jinja_env.filters["seoul"] = seoul_time
    app.jinja_env.filters["krw"] = krw
    # Names stored before bidi controls were stripped at upload still show as they are.
    app.jinja_env.filters["visible"] = visible_text
    app.jinja_env.filters["ticket_numbers"] = mark_ticket_numbers


def _sla_badge_state(ticket) -> str | None:
    from app.services.sla import ticket_state

    state = ticket_state(ticket, utcnow())
    return state.value if state else None


def refund_timing_text(refund=None, *, method=None, due_by=None, paid: bool | None = None) -> str:
    """What the customer should expect of a refund (app/domain/refund_timing.py), in the page's or
    email's language: of a stored ``refund``, or of a decision's breakdown ``method`` legs and
    ``due_by`` (a date or its ISO text) before anything is approved. "" when nothing is refunded."""
    from datetime import date

    from app.domain.refund_timing import refund_timing

    if refund is not None:
        from app.services.refunds import refund_timing_of

        timing = refund_timing_of(refund, paid=paid)
    else:
        day = date.fromisoformat(due_by) if isinstance(due_by, str) and due_by else due_by or None
        timing = refund_timing([(m.get("channel"), m.get("amount", 0)) for m in method or []], day)
    return timing.text(locale_code()) if timing else ""


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


def _sla_remaining(ticket, state: str) -> str:
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


def chosen_file_names(files, limit: int = 10) -> list[str]:
    """The names of the files a refused form carried, to ask for them again.

    A browser never puts a file back into a file input, so a form shown again after an
    error has lost them; the page names them instead of dropping them silently.
    """
    names = [(f.filename or "").strip() for f in files or [] if f is not None]
    return [name[:80] for name in names if name][:limit]


def send_attachment(attachment, *, as_attachment: bool = True) -> Response:
    """An upload's bytes, never rendered by the browser as a page: nosniff, a sandbox CSP, no caching."""
    from flask import send_file

    from app.services.attachments import attachment_path

    response = send_file(attachment_path(attachment), mimetype=attachment.content_type,
                         as_attachment=as_attachment,
                         download_name=visible_text(attachment.filename) if as_attachment else None, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
