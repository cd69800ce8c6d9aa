"""Composing and delivering notification emails (Korean or English, text and HTML)."""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import smtplib
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, parseaddr
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app.services.satisfaction import rating_link

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Email:
    to: str
    to_name: str
    subject: str
    text: str
    html: str
    message_id: str


def one_line(value: str, limit: int = 200) -> str:
    """Header-safe text: control characters (CR/LF included) become spaces."""
    return " ".join(_CONTROL.sub(" ", value or "").split())[:limit]


def message_id_for(outbox_id: int) -> str:
    """A Message-ID derived from the outbox row: the same email always carries the same id."""
    secret = current_app.config["SECRET_KEY"].encode()
    tag = hmac.new(secret, f"outbox:{outbox_id}".encode(), hashlib.sha256).hexdigest()[:16]
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].partition("@")[2] or "munui.local"
    return f"<munui.{outbox_id}.{tag}@{one_line(domain, 100)}>"


def ticket_link(ticket_number: str, *, staff: bool) -> str:
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return f"{base}/desk/tickets/{ticket_number}" if staff else f"{base}/inquiries/{ticket_number}"


SUBJECTS = {
    "ticket_received": lambda d: _("[Munui] 문의가 접수되었습니다 (%(number)s)", number=d["ticket_number"]),
    "agent_replied": lambda d: _("[Munui] 문의에 답변이 등록되었습니다 (%(number)s)", number=d["ticket_number"]),
    "ticket_solved": lambda d: _("[Munui] 문의가 해결되었습니다 (%(number)s)", number=d["ticket_number"]),
    "sla_warning": lambda d: _("[Munui SLA] 곧 기한 초과: %(number)s", number=d["ticket_number"]),
    "sla_breach": lambda d: _("[Munui SLA] 기한 초과: %(number)s", number=d["ticket_number"]),
    "refund_approved": lambda d: _("[Munui] 취소/환불이 승인되었습니다 (%(number)s)", number=d["ticket_number"]),
    "refund_denied": lambda d: _("[Munui] 취소/환불 신청 결과 안내 (%(number)s)", number=d["ticket_number"]),
    "password_reset": lambda d: _("[Munui] 비밀번호 재설정 안내"),
    "refund_paid": lambda d: _("[Munui] 환불이 지급되었습니다 (%(number)s)", number=d["ticket_number"]),
    "sla_digest": lambda d: _("[Munui SLA] 요약: 기한 초과 %(breached)s건, 곧 기한 초과 %(warned)s건",
                              breached=d["breached"], warned=d["warned"]),
}
METRIC_NAMES = {
    "first_response": lambda: _("첫 응답"),
    "next_reply": lambda: _("다음 답변"),
    "resolution": lambda: _("해결"),
}


def compose(template: str, *, outbox_id: int, to: str, to_name: str, locale: str, data: dict,
            staff: bool = False, link: str | None = None) -> Email:
    """Render ``email/<template>.txt|.html`` in the recipient's language.

    The email's button goes to ``link`` when given (a password-reset link, built by the
    job and never stored), else to the ticket the data names.
    """
    if template not in SUBJECTS:
        raise LookupError(f"no email template {template!r}")
    if link is None and data.get("link_path", "").startswith("/desk/"):
        link = current_app.config["PUBLIC_URL"].rstrip("/") + data["link_path"]   # a staff page (the SLA summary)
    if link is None:
        if "ticket_number" not in data:
            raise LookupError(f"the {template!r} email needs a link or a ticket number")
        link = ticket_link(data["ticket_number"], staff=staff)
    if data.get("subject") and data.get("ticket_type"):
        from app.domain.claim_flow import shown_subject

        data = {**data, "subject": shown_subject(data["subject"], data["ticket_type"], data.get("order_number"),
                                                 locale)}
    rating = rating_link(data["rating_id"]) if template == "ticket_solved" and data.get("rating_id") else None
    with force_locale(locale if locale in ("ko", "en") else "ko"):
        context = {"data": data, "name": to_name, "link": link, "rating_link": rating,
                   "expected_answer": _expected_answer(data, locale),
                   "metric": str(METRIC_NAMES[data["metric"]]()) if data.get("metric") in METRIC_NAMES else "",
                   "due_local": _seoul(data.get("due_at")), "seoul": _seoul, "metric_name": _metric_name,
                   "refund": _refund_of(template, data), "paid_local": _seoul(data.get("paid_at")),
                   "won": lambda amount: f"{int(amount or 0):,}원" if locale != "en" else f"KRW {int(amount or 0):,}"}
        subject = str(SUBJECTS[template](data))
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
    return Email(to=to, to_name=to_name, subject=one_line(subject, 250), text=text, html=html,
                 message_id=message_id_for(outbox_id))


def _metric_name(metric: str | None) -> str:
    return str(METRIC_NAMES[metric]()) if metric in METRIC_NAMES else ""


def _expected_answer(data: dict, locale: str) -> str | None:
    from app.services.sla.clock import format_expected_answer

    due = data.get("expected_due_at")
    if not due:
        return None
    return format_expected_answer(datetime.fromisoformat(due), business=bool(data.get("business_hours")),
                                  paused=False, locale=locale)


def _refund_of(template: str, data: dict):
    """The refund a refund email is about (its timing text is computed from it, as on the pages)."""
    if not template.startswith("refund_") or template == "refund_denied":
        return None
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Claim, Refund, Ticket

    if data.get("refund_id"):
        return db.session.get(Refund, data["refund_id"])
    return db.session.scalar(select(Refund).join(Claim, Refund.request_id == Claim.id)
                             .join(Ticket, Claim.ticket_id == Ticket.id)
                             .where(Ticket.number == data.get("ticket_number")))


def _seoul(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d %H:%M KST")


def build_message(email: Email) -> EmailMessage:
    """The MIME message; every header value is single-line (no CR/LF injection)."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = one_line(email.subject, 250)
    message["From"] = one_line(current_app.config["MAIL_FROM"], 250)
    message["To"] = formataddr((one_line(email.to_name, 80), one_line(email.to, 254)))
    message["Message-ID"] = email.message_id
    message["Date"] = formatdate(usegmt=True)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


class _Session(threading.local):
    """The SMTP connection a batch of emails shares (per thread; none outside ``smtp_session``)."""

    def __init__(self):
        self.active = False
        self.smtp: smtplib.SMTP | None = None


_session = _Session()


@contextmanager
def smtp_session():
    """Within this block ``deliver`` sends every message over one SMTP connection, opened at the
    first message and closed at the end (a worker's batch: one connect, EHLO and login, not one
    per email). A connection the server dropped is opened again for the next message."""
    if _session.active:
        yield
        return
    _session.active = True
    try:
        yield
    finally:
        smtp, _session.smtp, _session.active = _session.smtp, None, False
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def _send_in_session(config, message: EmailMessage) -> None:
    if _session.smtp is not None:
        try:
            _send_or_drop(message)
            return
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            # The server closed the connection kept from an earlier message (idle timeout,
            # restart): send again on a new one. At worst the first try had reached the server,
            # and the copy carries the same Message-ID (the ledger's at-least-once contract).
            pass
    _session.smtp = _connect(config)
    _send_or_drop(message)


def _send_or_drop(message: EmailMessage) -> None:
    """Send on the session's connection; one in doubt is closed, never reused."""
    smtp = _session.smtp
    try:
        smtp.send_message(message)
    except smtplib.SMTPServerDisconnected:
        _drop_connection()
        raise
    except smtplib.SMTPException:
        # A refusal (550, say): smtplib has reset the conversation; keep it only if it still answers.
        if not _still_answers(smtp):
            _drop_connection()
        raise
    except OSError:  # the socket itself: reset, timeout
        _drop_connection()
        raise


def _still_answers(smtp: smtplib.SMTP) -> bool:
    try:
        return smtp.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def _drop_connection() -> None:
    smtp, _session.smtp = _session.smtp, None
    if smtp is not None:
        smtp.close()


def deliver(message: EmailMessage) -> str:
    """Send through SMTP when MAIL_SERVER is set, else write an .eml file under instance/mail/."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        if _session.active:
            _send_in_session(config, message)
        else:
            with _connect(config) as smtp:
                smtp.send_message(message)
        return "smtp"
    folder = config["MAIL_FILE_DIR"]
    os.makedirs(folder, exist_ok=True)
    safe_id = re.sub(r"[^A-Za-z0-9.]+", "_", message["Message-ID"]).strip("_")
    path = os.path.join(folder, f"{safe_id}.eml")
    with open(path, "wb") as fh:
        fh.write(message.as_bytes())
    return "file"
