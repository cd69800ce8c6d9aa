"""Recording a refund's payment by hand (지급 기록): the claim card's form and the overdue list's button.

Both post the same form to ``/desk/refunds/<id>/paid``; the overdue row's button opens it on its
own page. A note is required (why it is recorded here and not by the shop), the time is Seoul
time (default now), and the service decides everything else (app/services/claims/refunds.py).
"""
from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

from app.domain.errors import DomainError
from app.domain.vocabulary import SEOUL
from app.services import unit_of_work
from app.services.claims.refunds import PAID, load_refund_for, parse_payment, record_payment
from app.web.clock import utcnow
from app.web.desk.queues.blueprint import bp
from app.web.formats import krw, seoul_time
from app.web.locale import locale_code
from app.web.permissions import staff_required
from app.web.redirects import safe_next

FIELD_PROBLEMS = {
    "required": _l("메모를 입력해 주세요. 직접 기록하는 이유(입금 확인 방법 등)를 남겨 주세요."),
    "in_future": _l("지급 시각이 지금보다 뒤입니다."),
    "before_approval": _l("지급 시각이 승인 시각보다 앞섭니다."),
    "invalid": _l("지급 시각 형식이 올바르지 않습니다."),
    "too_long": _l("너무 깁니다."),
}


class RefundPaymentForm(FlaskForm):
    """지급 기록: when (Seoul time, empty = now), the reference, and the required note."""

    paid_at = StringField(_l("지급 시각 (비워 두면 지금)"))
    reference = StringField(_l("지급 참조 (PG 거래 번호 / 입금 참조)"))
    note = TextAreaField(_l("메모 (필수)"))
    next = HiddenField()


def payment_form(refund, next_url: str | None = None) -> RefundPaymentForm:
    """The empty form for ``refund`` (the claim card renders it inline)."""
    form = RefundPaymentForm(formdata=None)
    form.next.data = next_url or ""
    return form


def _seoul_iso(value: str) -> str:
    """A datetime-local value ('2026-11-27T14:30') read as Seoul time; anything else as typed."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return (parsed.replace(tzinfo=SEOUL) if parsed.tzinfo is None else parsed).isoformat()


def _page(refund, form: RefundPaymentForm, *, error: str | None = None, status: int = 200):
    return render_template("queues/refund_paid.html", refund=refund, ticket=refund.request.ticket, form=form,
                           error=error), status


@bp.route("/refunds/<int:refund_id>/paid", methods=["GET", "POST"])
@staff_required
def refund_paid(refund_id: int):
    """GET: the 지급 기록 form; POST: record the payment and go back where it came from."""
    refund = load_refund_for(current_user, refund_id)
    ticket_url = url_for("tickets.show", number=refund.request.ticket.number) + "#claim"
    if request.method == "GET":
        return _page(refund, payment_form(refund, request.args.get("next")))
    form = RefundPaymentForm()
    if not form.validate_on_submit():
        return _page(refund, form, error=_("입력 내용을 확인해 주세요."), status=400)
    data = {"paid_at": _seoul_iso(form.paid_at.data), "reference": form.reference.data or None,
            "note": form.note.data or None}
    try:
        result = record_payment(current_user, refund, parse_payment(data), via="desk", now=utcnow())
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        if exc.status in (403, 404):
            raise
        for name, problem in (exc.fields or {}).items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [str(FIELD_PROBLEMS.get(problem, problem))]
        return _page(load_refund_for(current_user, refund_id), form, error=exc.message(locale_code()),
                     status=exc.status)
    refund = result.refund
    if result.replayed:
        flash(_("이미 지급 완료로 기록된 환불입니다. 바뀐 것은 없습니다."))
    elif refund.status == PAID:
        flash(_("환불 지급을 기록했습니다: %(amount)s, 지급 시각 %(when)s. 고객에게 알렸습니다.",
                amount=krw(refund.refund_value_total), when=seoul_time(refund.executed_at)))
    return redirect(safe_next(form.next.data, ticket_url))
