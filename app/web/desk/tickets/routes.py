"""The agent's ticket page, replies and notes, ticket changes, and attachment downloads."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.domain import access
from app.domain.errors import DomainError, NotFound
from app.domain.policy.evaluate import InspectionCondition
from app.domain.ticket_flow import AGENT_SETTABLE
from app.domain.vocabulary import Priority
from app.models import Ticket
from app.services import catalogue, satisfaction, unit_of_work
from app.services.audit import events_for
from app.services.claims.refunds import (
    AWAITING_SECOND,
    OPEN,
    DecisionChanged,
    decide,
    digest,
    evaluate_request,
    return_input,
)
from app.services.claims.refunds import record_return as record_return_arrival
from app.services.desk import canned as canned_answers
from app.services.desk import presence
from app.services.desk.merge import merge as merge_tickets
from app.services.desk.merge import merged_into
from app.services.desk.merge import split as split_message
from app.services.desk.workspace import change_tags
from app.services.tickets.core import (
    add_message,
    assignable_agents,
    load_ticket_for,
    update_ticket,
    visible_messages,
)
from app.web.claim_pages import decision_view, line_names, request_lines
from app.web.clock import utcnow
from app.web.desk.tickets.blueprint import bp
from app.web.desk.tickets.forms import AgentReplyForm, ConfirmForm, DecisionForm, ReturnForm, TicketUpdateForm
from app.web.formats import krw
from app.web.forms import chosen_file_names
from app.web.labels import label
from app.web.locale import locale_code
from app.web.permissions import role_required, staff_required
from app.web.use_case import run_use_case

INSPECTION_CONDITIONS = tuple(c.value for c in InspectionCondition)


def _update_form(ticket) -> TicketUpdateForm:
    form = TicketUpdateForm(status=ticket.status, priority=ticket.priority,
                            assignee_id=str(ticket.assignee_id or ""), queue=ticket.queue.slug)
    form.status.choices = [(s.value, s.value) for s in AGENT_SETTABLE]
    if ticket.status not in [s.value for s in AGENT_SETTABLE]:
        form.status.choices.insert(0, (ticket.status, ticket.status))
    form.priority.choices = [(p.value, p.value) for p in Priority]
    form.assignee_id.choices = [("", "—")] + [(str(u.id), u.name) for u in assignable_agents(ticket)]
    lang = locale_code()
    form.queue.choices = [(q.slug, q.display_name(lang)) for q in catalogue.list_queues()]
    return form


def _claim(ticket, form: DecisionForm | None = None, decision=None, error: str | None = None) -> dict | None:
    """The 취소/환불 결정 card: the request, the live evaluation (or ``decision``, the one a 409
    carried), the decision form with the digest of what is shown, and any refusal to show."""
    req = ticket.claim
    if req is None:
        return None
    card = {"req": req, "lines": request_lines(req), "names": line_names(req.order), "error": error,
            "decision": None, "evaluation_error": None, "form": form or DecisionForm(), "return_form": None}
    awaiting_parcel = req.state == "approved" and req.refund is not None and req.refund.due_by is None
    if req.kind == "refund" and (req.state in (OPEN, AWAITING_SECOND) or awaiting_parcel):
        return_form = ReturnForm()
        return_form.condition.choices = [("", _("아직 검수 전"))] + [
            (value, label("inspection_condition", value)) for value in INSPECTION_CONDITIONS]
        card["return_form"] = return_form
    if req.state in (OPEN, AWAITING_SECOND):
        try:
            decision = decision or evaluate_request(req, utcnow())
        except DomainError as exc:  # an order snapshot the policy cannot read: say so instead
            card["evaluation_error"] = exc.message(locale_code())
        else:
            card["decision"] = decision_view(decision)
            card["form"].evaluation_digest.data = digest(req, decision)
    return card


def _picker(ticket, **kwargs) -> dict:
    from app.web.desk.canned.routes import picker

    return picker(ticket, **kwargs)


def _render(ticket, reply_form=None, update_form=None, status=200, claim=None, canned=None,
            conflict=None, seen_message_id=None, files_again=()):
    if seen_message_id is None:  # the reply form remembers the newest message shown (collision check)
        seen_message_id = presence.latest_message_id(ticket)
    canned = canned or _picker(ticket)
    if reply_form is None:
        reply_form = AgentReplyForm()
        if canned["preview"] is not None:
            # ?canned=<id>: the picked answer, rendered for this ticket, in the reply box (no JS needed).
            reply_form.body.data = canned["preview"].text
            reply_form.canned_answer_id.data = str(canned["preview"].answer.id)
    return render_template(
        "tickets/show.html", ticket=ticket, messages=visible_messages(current_user, ticket),
        events=events_for(ticket), reply_form=reply_form,
        update_form=update_form or _update_form(ticket), confirm_form=ConfirmForm(),
        claim=claim or _claim(ticket), canned=canned,
        conflict=conflict, seen_message_id=seen_message_id, files_again=files_again,
        viewers=presence.others(current_user, ticket, utcnow()),
        rating=satisfaction.answer_for(current_user, ticket),
        can_take=access.can_be_assignee(role=current_user.role, queue_ids=current_user.queue_ids,
                                        queue_id=ticket.queue_id, active=current_user.active),
    ), status


@bp.route("/tickets/<number>")
@staff_required
def show(number: str):
    # Read only (GET never writes): the page's script announces this agent's presence at once.
    return _render(load_ticket_for(current_user, number))


def _seen_message_id() -> int | None:
    """The newest message id the agent's page showed when the reply form was rendered."""
    try:
        return int(request.form.get("seen_message_id", ""))
    except ValueError:
        return None


@bp.post("/tickets/<number>/presence")
@staff_required
def presence_ping(number: str):
    """The ticket page's poll: I am here (typing or not) — who else is, and the newest message id."""
    ticket = load_ticket_for(current_user, number)
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        abort(400)
    if not isinstance(data, dict):
        abort(400)
    now = utcnow()
    if data.get("leave") is True:
        presence.leave(current_user, ticket)
    else:
        presence.touch(current_user, ticket, typing=data.get("typing") is True, now=now)
    unit_of_work.commit()
    response = jsonify(others=presence.others(current_user, ticket, now),
                       last_message_id=presence.latest_message_id(ticket))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/tickets/<number>/messages")
@staff_required
def post_message(number: str):
    ticket = load_ticket_for(current_user, number)
    form = AgentReplyForm()
    seen = _seen_message_id()
    files_again = chosen_file_names(request.files.getlist(form.files.name))
    if not form.validate_on_submit():
        return _render(ticket, reply_form=form, status=400, seen_message_id=seen, files_again=files_again,
                       canned=_picker(ticket, answer_id=_canned_answer_id(form)))
    if seen is not None and request.form.get("confirm_conflict") != "1":
        # Someone else wrote since this agent opened the page: show it, keep the draft, ask.
        newer = presence.messages_since(current_user, ticket, seen)
        if newer:
            conflict = {"messages": newer, "ids": {m.id for m in newer}}
            return _render(ticket, reply_form=form, status=409, conflict=conflict, files_again=files_again,
                           canned=_picker(ticket, answer_id=_canned_answer_id(form)))
    canned_id = _canned_answer_id(form)
    files = request.files.getlist(form.files.name)
    try:
        if canned_id is None or not (form.body.data or "").strip():
            # (An emptied box is an empty reply, refused as such, not the answer's full text.)
            add_message(current_user, ticket, body=form.body.data, internal=bool(form.internal.data),
                        files=files, now=utcnow())
        else:
            canned_answers.use(current_user, ticket, canned_id, body_override=form.body.data,
                               internal=bool(form.internal.data), files=files, now=utcnow(),
                               locale=canned_answers.reply_locale(ticket))
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        lang = locale_code()
        if isinstance(exc, NotFound):
            if exc.what != "canned_answer" or not _answer_visible(canned_id):
                raise  # someone else's personal answer does not exist for this agent
            # Switched off since the page opened: the text stays in the box, to send as a plain reply.
            form.canned_answer_id.data = ""
            form.body.errors = list(form.body.errors) + [
                _("넣은 자주 쓰는 답변을 더 이상 쓸 수 없습니다. 내용을 확인한 뒤 다시 보내 주세요.")]
        for name in list(exc.fields) or ([] if isinstance(exc, NotFound) else ["body"]):
            field = form.files if name == "files" else form.body
            field.errors = list(field.errors) + [exc.field_message(name, lang)]
        ticket = load_ticket_for(current_user, number)
        return _render(ticket, reply_form=form, status=422 if isinstance(exc, NotFound) else exc.status,
                       seen_message_id=seen, files_again=files_again,
                       canned=_picker(ticket, answer_id=_canned_answer_id(form)))
    if form.internal.data:
        flash(_("내부 메모를 남겼습니다."))
    else:
        flash(_("자주 쓰는 답변을 보냈습니다.") if canned_id else _("답변을 보냈습니다."))
    return redirect(url_for("tickets.show", number=number))


def _answer_visible(answer_id: int | None) -> bool:
    try:
        canned_answers.load_answer(current_user, answer_id)
    except NotFound:
        return False
    return True


def _canned_answer_id(form: AgentReplyForm) -> int | None:
    try:
        return int(form.canned_answer_id.data) if form.canned_answer_id.data else None
    except ValueError:
        return None


@bp.post("/tickets/<number>/update")
@staff_required
def update(number: str):
    ticket = load_ticket_for(current_user, number)
    form = _update_form(ticket)
    if not form.validate_on_submit():
        return _render(ticket, update_form=form, status=400)
    try:
        update_ticket(current_user, ticket, status=form.status.data or None,
                      priority=form.priority.data or None, assignee_id=form.assignee_id.data or None,
                      queue=form.queue.data or None, now=utcnow())
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        form = _update_form(load_ticket_for(current_user, number))
        form.status.errors = [exc.message(locale_code())]
        return _render(load_ticket_for(current_user, number), update_form=form, status=exc.status)
    flash(_("문의를 변경했습니다."))
    # The ticket may have moved to a queue this agent cannot see.
    try:
        load_ticket_for(current_user, number)
    except DomainError:
        return redirect(url_for("queues.index"))
    return redirect(url_for("tickets.show", number=number))


@bp.post("/tickets/<number>/decision")
@role_required(*access.CLAIM_DECIDERS)
def decision(number: str):
    """Approve or deny the ticket's cancellation/refund request against the policy, now."""
    ticket = load_ticket_for(current_user, number)
    if ticket.claim is None:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _render(ticket, status=400, claim=_claim(ticket, form, error=_("입력 내용을 확인해 주세요.")))
    action = request.form.get("action", "")
    try:
        result = decide(current_user, ticket, action=action, note=form.note.data, now=utcnow(),
                        seen_digest=form.evaluation_digest.data or None, judgement=bool(form.judgement.data))
        unit_of_work.commit()
    except DecisionChanged as exc:
        unit_of_work.rollback()
        ticket = load_ticket_for(current_user, number)
        return _render(ticket, status=409, claim=_claim(ticket, form, decision=exc.decision,
                                                        error=exc.message(locale_code())))
    except DomainError as exc:
        unit_of_work.rollback()
        ticket = load_ticket_for(current_user, number)
        return _render(ticket, status=exc.status, claim=_claim(ticket, form, error=exc.message(locale_code())))
    req = result.request
    if req.state == "denied":
        flash(_("신청을 거절했습니다. 고객에게 사유를 알렸습니다."))
    elif req.state == AWAITING_SECOND:
        flash(_("1차 승인했습니다. 다른 팀장의 2차 승인이 있어야 확정됩니다."))
    else:
        flash(_("승인했습니다. 환불 금액 %(amount)s, 환불 기한 %(due)s.", amount=krw(result.refund.refund_value_total),
                due=result.refund.due_by.isoformat() if result.refund.due_by else "—"))
    return redirect(url_for("tickets.show", number=number))


@bp.post("/tickets/<number>/return")
@staff_required
def record_return(number: str):
    """반품 도착·검수 기록: the parcel's arrival (and the inspection) re-evaluate the return; after an
    approval, the arrival starts the refund's 3 business days and solves the ticket."""
    ticket = load_ticket_for(current_user, number)
    form = ReturnForm()
    if not form.validate_on_submit() or ticket.claim is None:
        abort(400)
    with run_use_case() as outcome:
        data = return_input(form.received_at.data, form.condition.data, form.note.data, utcnow())
        record_return_arrival(current_user, ticket, data, utcnow())
    if outcome.ok:
        flash(_("반품 도착과 검수 결과를 기록했습니다."))
    return redirect(url_for("tickets.show", number=number) + "#claim")


@bp.post("/tickets/<number>/assign-me")
@staff_required
def assign_me(number: str):
    ticket = load_ticket_for(current_user, number)
    if ConfirmForm().validate_on_submit():
        with run_use_case(reraise=(403, 404)) as outcome:  # e.g. an admin who does not work the ticket's queue
            update_ticket(current_user, ticket, assignee_id=current_user.id, now=utcnow())
        if outcome.ok:
            flash(_("나에게 배정했습니다."))
    return redirect(url_for("tickets.show", number=number))


@bp.post("/tickets/<number>/tags")
@staff_required
def tags(number: str):
    """Add tags (comma-separated, created on first use) or remove one; audited."""
    ticket = load_ticket_for(current_user, number)
    with run_use_case(reraise=(403, 404)) as outcome:
        change_tags(current_user, ticket, add=request.form.get("add"), remove=request.form.get("remove"),
                    now=utcnow())
    if outcome.ok:
        flash(_("태그를 변경했습니다."))
    return redirect(url_for("tickets.show", number=number))


@bp.app_template_global()
def merged_target(ticket) -> Ticket | None:
    """The inquiry a merged (closed) duplicate points at, for its page's notice."""
    return merged_into(ticket)


@bp.post("/tickets/<number>/merge")
@staff_required
def merge(number: str):
    """Merge this (duplicate) inquiry into another of the same customer, given by its number."""
    source = load_ticket_for(current_user, number)
    target_number = (request.form.get("target") or "").strip()
    with run_use_case(reraise=()) as outcome:  # an unknown target number is said, not a 404
        target = load_ticket_for(current_user, target_number)
        merge_tickets(current_user, source, target, utcnow())
    if not outcome.ok:
        return redirect(url_for("tickets.show", number=number))
    flash(_("%(source)s 문의를 %(target)s 문의로 병합했습니다.", source=number, target=target_number))
    return redirect(url_for("tickets.show", number=target_number))


@bp.post("/tickets/<number>/messages/<int:message_id>/split")
@staff_required
def split(number: str, message_id: int):
    """Make a later customer message a new inquiry of its own."""
    ticket = load_ticket_for(current_user, number)
    with run_use_case() as outcome:
        new = split_message(current_user, ticket, message_id, utcnow())
        new_number = new.number
    if not outcome.ok:
        return redirect(url_for("tickets.show", number=number))
    flash(_("메시지를 새 문의 %(number)s(으)로 분리했습니다.", number=new_number))
    return redirect(url_for("tickets.show", number=new_number))
