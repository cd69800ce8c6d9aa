"""자주 쓰는 답변 pages: the list with usage, create/edit/deactivate, and sending from a ticket."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.canned import bp
from app.canned.forms import CannedAnswerForm, CannedUseForm
from app.domain.errors import DomainError, NotFound
from app.domain.placeholders import VOCABULARY
from app.domain.roles import Priority
from app.domain.ticket_flow import AGENT_SETTABLE
from app.extensions import db
from app.labels import label
from app.models import Category, SupportQueue
from app.permissions import staff_required
from app.services import canned, unit_of_work
from app.services.tickets import load_ticket_for
from app.web import locale_code, utcnow

PICKER_LIMIT = 30


# ---------------------------------------------------------------- management

def _choices(form: CannedAnswerForm) -> CannedAnswerForm:
    lang = locale_code()
    form.categories.choices = [(c.code, c.display_name(lang))
                               for c in db.session.scalars(select(Category).order_by(Category.position))]
    form.queues.choices = [(q.slug, q.display_name(lang))
                           for q in db.session.scalars(select(SupportQueue).order_by(SupportQueue.id))]
    form.status.choices = [("", _("바꾸지 않음"))] + [(s.value, label("status", s.value)) for s in AGENT_SETTABLE]
    form.priority.choices = [("", _("바꾸지 않음"))] + [(p.value, label("priority", p.value)) for p in Priority]
    return form


def _input(form: CannedAnswerForm) -> canned.AnswerInput:
    return canned.AnswerInput(
        title=form.title.data or "", body_ko=form.body_ko.data or "", body_en=form.body_en.data or None,
        shared=bool(form.shared.data) and canned.can_manage_shared(current_user),
        category_codes=form.categories.data or [], queue_slugs=form.queues.data or [],
        status=form.status.data or None, priority=form.priority.data or None, tag=form.tag.data or None)


def _form_page(form: CannedAnswerForm, answer=None, status: int = 200):
    return render_template("canned/form.html", form=form, answer=answer, vocabulary=VOCABULARY,
                           locale=locale_code(), can_share=canned.can_manage_shared(current_user),
                           usage=canned.usage_counts(answer) if answer else None), status


def _show_error(form: CannedAnswerForm, exc: DomainError) -> None:
    name = next(iter(exc.fields), "title")
    field = {"category_codes": form.categories, "queue_slugs": form.queues}.get(name) or getattr(form, name, form.title)
    field.errors = list(field.errors) + [exc.message(locale_code())]


@bp.route("/desk/canned")
@staff_required
def index():
    answers = canned.manageable_list(current_user)
    ids = [a.id for a in answers]
    return render_template("canned/index.html", answers=answers, totals=canned.usage_totals(ids),
                           mine=canned.my_usage(current_user, ids), form=FlaskForm(),
                           can_manage=lambda a: canned.can_manage(current_user, a),
                           can_share=canned.can_manage_shared(current_user), locale=locale_code())


@bp.route("/desk/canned/new", methods=["GET", "POST"])
@staff_required
def new():
    form = _choices(CannedAnswerForm())
    if request.method == "GET":
        form.shared.data = canned.can_manage_shared(current_user)
        return _form_page(form)
    if not form.validate_on_submit():
        return _form_page(form, status=400)
    try:
        answer = canned.create(current_user, _input(form), now=utcnow())
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        if exc.status in (403, 404):
            raise
        _show_error(form, exc)
        return _form_page(form, status=exc.status)
    flash(_("'%(title)s' 답변을 만들었습니다.", title=answer.title))
    return redirect(url_for("canned.index"))


@bp.route("/desk/canned/<int:answer_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(answer_id: int):
    answer = canned.load_for_edit(current_user, answer_id)
    if request.method == "GET":
        actions = answer.actions or {}
        form = _choices(CannedAnswerForm(
            title=answer.title, body_ko=answer.body_ko, body_en=answer.body_en or "",
            shared=answer.owner_id is None, categories=list(answer.category_codes or []),
            queues=list(answer.queue_slugs or []), status=actions.get("status", ""),
            priority=actions.get("priority", ""), tag=actions.get("tag", "")))
        return _form_page(form, answer)
    form = _choices(CannedAnswerForm())
    if not form.validate_on_submit():
        return _form_page(form, answer, status=400)
    try:
        canned.update(current_user, answer_id, _input(form), now=utcnow())
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        if exc.status in (403, 404):
            raise
        _show_error(form, exc)
        return _form_page(form, canned.load_for_edit(current_user, answer_id), status=exc.status)
    flash(_("답변을 저장했습니다."))
    return redirect(url_for("canned.index"))


@bp.post("/desk/canned/<int:answer_id>/active")
@staff_required
def set_active(answer_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    canned.set_active(current_user, answer_id, active, now=utcnow())
    unit_of_work.commit()
    flash(_("답변을 다시 사용합니다.") if active else _("답변을 사용하지 않도록 했습니다."))
    return redirect(url_for("canned.index"))


# ---------------------------------------------------------------- on the ticket page

def picker(ticket, *, answer_id: int | None = None, text: str | None = None, error: str | None = None) -> dict:
    """What the ticket page's 자주 쓰는 답변 card shows: matching answers and, if one is picked, its preview."""
    q = (request.args.get("q") or "").strip()[:100]
    answers = canned.search(current_user, ticket, q)
    if answer_id is None:
        answer_id = request.args.get("canned", type=int)
    preview = None
    if answer_id is not None:
        try:
            preview = canned.preview(current_user, ticket, answer_id, canned.reply_locale(ticket))
        except NotFound:
            error = error or _("이 문의에 쓸 수 있는 답변이 아닙니다.")
    form = CannedUseForm()
    if preview is not None:
        form.body.data = text if text is not None else preview.text
    return {"q": q, "answers": answers[:PICKER_LIMIT], "more": max(0, len(answers) - PICKER_LIMIT),
            "preview": preview, "form": form, "error": error,
            "mine": canned.my_usage(current_user, [a.id for a in answers[:PICKER_LIMIT]])}


@bp.post("/desk/tickets/<number>/canned/<int:answer_id>")
@staff_required
def send(number: str, answer_id: int):
    """이 답변으로 보내기: the (possibly edited) text as a public reply, then the answer's actions."""
    from app.tickets.routes import _render

    ticket = load_ticket_for(current_user, number)
    form = CannedUseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        canned.use(current_user, ticket, answer_id, body_override=form.body.data, now=utcnow(),
                   locale=canned.reply_locale(ticket))
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        if exc.status == 404:
            raise
        ticket = load_ticket_for(current_user, number)
        return _render(ticket, status=exc.status, canned=picker(
            ticket, answer_id=answer_id, text=form.body.data, error=exc.message(locale_code())))
    flash(_("자주 쓰는 답변을 보냈습니다."))
    return redirect(url_for("tickets.show", number=number))
