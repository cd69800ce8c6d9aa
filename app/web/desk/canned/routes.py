"""자주 쓰는 답변 pages: the list with usage, create/edit/deactivate, and the picker of the ticket page."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.domain.errors import DomainError, NotFound
from app.domain.placeholders import VOCABULARY
from app.domain.ticket_flow import AGENT_SETTABLE
from app.domain.vocabulary import Priority
from app.services import catalogue, unit_of_work
from app.services.desk import canned
from app.services.tickets.core import load_ticket_for
from app.web.clock import utcnow
from app.web.desk.canned.blueprint import bp
from app.web.desk.canned.forms import CannedAnswerForm
from app.web.labels import label
from app.web.locale import locale_code
from app.web.permissions import staff_required

PICKER_LIMIT = 30


# ---------------------------------------------------------------- management

def _choices(form: CannedAnswerForm) -> CannedAnswerForm:
    lang = locale_code()
    form.categories.choices = [(c.code, c.display_name(lang)) for c in catalogue.list_categories()]
    form.queues.choices = [(q.slug, q.display_name(lang)) for q in catalogue.list_queues()]
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


@bp.route("/canned")
@staff_required
def index():
    answers = canned.manageable_list(current_user)
    ids = [a.id for a in answers]
    lang = locale_code()
    # "쓰이는 곳" shows names, never the stored codes (refund, cancellation, orders …).
    category_names = {c.code: c.display_name(lang) for c in catalogue.list_categories()}
    queue_names = {q.slug: q.display_name(lang) for q in catalogue.list_queues()}
    return render_template("canned/index.html", answers=answers, totals=canned.usage_totals(ids),
                           category_names=category_names, queue_names=queue_names,
                           mine=canned.my_usage(current_user, ids), form=FlaskForm(),
                           can_manage=lambda a: canned.can_manage(current_user, a),
                           can_share=canned.can_manage_shared(current_user), locale=locale_code())


@bp.route("/canned/new", methods=["GET", "POST"])
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


@bp.route("/canned/<int:answer_id>/edit", methods=["GET", "POST"])
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


@bp.post("/canned/<int:answer_id>/active")
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

def after_sending(answer) -> str:
    """What sending the answer also changes, in words: "상태 → 답변 대기 · 태그 + 배송지연" ('' if nothing)."""
    actions = answer.actions or {}
    parts = []
    if actions.get("status"):
        parts.append(f"{_('상태')} → {label('status', actions['status'])}")
    if actions.get("priority"):
        parts.append(f"{_('우선순위')} → {label('priority', actions['priority'])}")
    if actions.get("tag"):
        parts.append(f"{_('태그')} + {actions['tag']}")
    return " · ".join(parts)


def picker(ticket, *, answer_id: int | None = None, error: str | None = None) -> dict:
    """What the ticket page's 자주 쓰는 답변 card shows: the answers the agent may use (those for this
    ticket first), and the one picked with ``?canned=<id>``, whose rendered text the page puts
    into the reply box. Reading only: a use is counted when the reply is sent."""
    q = (request.args.get("q") or "").strip()[:100]
    answers = canned.search(current_user, ticket, q)
    if answer_id is None:
        answer_id = request.args.get("canned", type=int)
    preview = None
    if answer_id is not None:
        try:
            preview = canned.preview(current_user, ticket, answer_id, canned.reply_locale(ticket))
        except NotFound as exc:
            if exc.what == "ticket":
                raise
            error = error or _("이 문의에 쓸 수 있는 답변이 아닙니다.")
    shown = answers[:PICKER_LIMIT]
    return {"q": q, "fitting": [a for a in shown if canned.fit(a, ticket) < 2],
            "others": [a for a in shown if canned.fit(a, ticket) == 2],
            "more": max(0, len(answers) - PICKER_LIMIT), "preview": preview, "error": error,
            "after": after_sending(preview.answer) if preview else "",
            "mine": canned.my_usage(current_user, [a.id for a in shown])}


@bp.get("/tickets/<number>/canned/<int:answer_id>/preview")
@staff_required
def preview(number: str, answer_id: int):
    """The answer rendered for this ticket, for js/canned.js to put into the reply box (reads only)."""
    ticket = load_ticket_for(current_user, number)
    shown = canned.preview(current_user, ticket, answer_id, canned.reply_locale(ticket))
    return jsonify(id=shown.answer.id, title=shown.answer.title, text=shown.text, missing=shown.missing,
                   after=after_sending(shown.answer))
