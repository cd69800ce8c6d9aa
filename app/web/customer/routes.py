"""고객센터 → 1대1 문의: file an inquiry, follow it, reply, mark it solved."""
from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.domain import access
from app.domain.errors import DomainError
from app.services import satisfaction, unit_of_work
from app.services.claims.orders import orders_of
from app.services.search import SearchRequest, search_tickets
from app.services.sla.clock import expected_answer_text
from app.services.tickets.core import (
    TicketFilters,
    add_message,
    categories_for,
    create_ticket,
    find_submitted,
    list_tickets,
    load_ticket_for,
    update_ticket,
    visible_messages,
)
from app.web.claim_pages import request_lines
from app.web.clock import utcnow
from app.web.customer.blueprint import bp
from app.web.customer.forms import ConfirmForm, InquiryForm, ReplyForm
from app.web.formats import krw
from app.web.forms import chosen_file_names
from app.web.locale import locale_code
from app.web.permissions import requester_required
from app.web.satisfaction.forms import RatingForm

PER_PAGE = 20


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def _form_error(form, exc: DomainError, default_field: str) -> None:
    """Put a service refusal next to the fields it concerns, each with its own message."""
    lang = locale_code()
    for name in list(exc.fields) or [default_field]:
        field = getattr(form, name, None) or getattr(form, default_field)
        message = exc.field_message(name, lang)
        if message not in field.errors:
            field.errors = list(field.errors) + [message]


@bp.route("/")
def index():
    if current_user.is_authenticated and current_user.is_staff:
        return redirect(url_for("queues.index"))
    return redirect(url_for("customer.help_center"))


@bp.route("/help")
def help_center():
    """고객센터: what you can ask and where to go."""
    categories = categories_for(current_user) if current_user.is_authenticated else []
    return render_template("customer/help.html", categories=categories)


@bp.route("/inquiries/new", methods=["GET", "POST"])
@requester_required
def new_inquiry():
    form = InquiryForm()
    categories = categories_for(current_user)
    orders = orders_of(current_user) if access.has_orders(current_user.actor()) else []
    lang = locale_code()
    form.category.choices = [(c.code, c.display_name(lang)) for c in categories]
    form.order_number.choices = [("", _("주문을 선택하세요"))] + [
        (o.number, f"{o.number} · {o.summary(lang)} · {krw(o.total_amount)}") for o in orders]
    if request.method == "GET" or not form.submission_key.data:
        form.submission_key.data = uuid.uuid4().hex
    if request.method == "GET":
        form.category.data = request.args.get("category") or None
        form.order_number.data = request.args.get("order", "")
        # e.g. the claim page's "ask for an exception" link
        form.subject.data = (request.args.get("subject") or "")[:200]
    status = 200
    files_again: list[str] = []
    if form.validate_on_submit():
        existing = find_submitted(current_user, form.submission_key.data)
        if existing is not None:
            return redirect(url_for("customer.inquiry", number=existing.number))
        try:
            ticket = create_ticket(
                current_user, category_code=form.category.data or "", subject=form.subject.data,
                body=form.body.data, order_number=form.order_number.data,
                files=request.files.getlist(form.files.name), now=utcnow(),
                submission_key=form.submission_key.data)
            unit_of_work.commit()
        except DomainError as exc:
            unit_of_work.rollback()
            existing = find_submitted(current_user, form.submission_key.data)
            if existing is not None:
                return redirect(url_for("customer.inquiry", number=existing.number))
            _form_error(form, exc, "subject")
            files_again = chosen_file_names(request.files.getlist(form.files.name))
            status = exc.status
        else:
            flash(_("문의가 접수되었습니다. 문의 번호는 %(number)s 입니다.", number=ticket.number))
            return redirect(url_for("customer.inquiry", number=ticket.number))
    elif request.method == "POST":
        files_again = chosen_file_names(request.files.getlist(form.files.name))
        status = 400
    requires_order = {c.code: c.requires_order for c in categories}
    return render_template("customer/new_inquiry.html", form=form, categories=categories,
                           requires_order=requires_order, orders=orders, files_again=files_again), status


@bp.route("/inquiries")
@requester_required
def my_inquiries():
    """내 문의 내역."""
    page = _page()
    q = (request.args.get("q") or "")[:2000]
    if q.strip():
        # The same engine as the desk; the customer's own tickets and public text only.
        results = search_tickets(current_user, SearchRequest(q=q), page=page, per_page=PER_PAGE)
        return render_template("customer/inquiries.html", tickets=results.tickets, total=results.total,
                               page=page, per_page=PER_PAGE, q=q, results=results)
    tickets, total = list_tickets(current_user, TicketFilters(), page=page, per_page=PER_PAGE)
    return render_template("customer/inquiries.html", tickets=tickets, total=total, page=page,
                           per_page=PER_PAGE)


@bp.route("/inquiries/<number>")
@requester_required
def inquiry(number: str):
    return _inquiry_page(load_ticket_for(current_user, number))


def _inquiry_page(ticket, reply_form=None, status=200, files_again=()):
    req = ticket.claim
    question = satisfaction.open_question(current_user, ticket, utcnow())
    return render_template("customer/inquiry.html", ticket=ticket, files_again=files_again,
                           rating_token=satisfaction.link_token(question.id) if question else None,
                           rating_form=RatingForm(), rated=satisfaction.answer_of(ticket),
                           messages=visible_messages(current_user, ticket),
                           expected_answer=expected_answer_text(ticket, utcnow(), locale_code()),
                           reply_form=reply_form or ReplyForm(), confirm_form=ConfirmForm(),
                           claim_lines=request_lines(req) if req else []), status


@bp.post("/inquiries/<number>/reply")
@requester_required
def reply(number: str):
    ticket = load_ticket_for(current_user, number)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            add_message(current_user, ticket, body=form.body.data, internal=False,
                        files=request.files.getlist(form.files.name), now=utcnow())
            unit_of_work.commit()
        except DomainError as exc:
            unit_of_work.rollback()
            _form_error(form, exc, "body")
            return _inquiry_page(load_ticket_for(current_user, number), reply_form=form, status=exc.status,
                                 files_again=chosen_file_names(request.files.getlist(form.files.name)))
        flash(_("답글을 등록했습니다."))
    return redirect(url_for("customer.inquiry", number=number))


@bp.post("/inquiries/<number>/solve")
@requester_required
def solve(number: str):
    ticket = load_ticket_for(current_user, number)
    if ConfirmForm().validate_on_submit():
        update_ticket(current_user, ticket, status="solved", now=utcnow())
        unit_of_work.commit()
        flash(_("문의를 해결됨으로 표시했습니다. 이용해 주셔서 감사합니다."))
    return redirect(url_for("customer.inquiry", number=number))
