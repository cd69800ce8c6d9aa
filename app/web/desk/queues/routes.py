"""The agent's queue views: mine, unassigned in my queues, all open, by status."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.domain import access
from app.domain.errors import DomainError
from app.domain.ticket_flow import AGENT_SETTABLE, Status
from app.domain.vocabulary import SEOUL, Priority
from app.services import catalogue, unit_of_work
from app.services.accounts.staff import active_staff
from app.services.claims.refunds import overdue_refunds
from app.services.desk.assignment import set_available, take_next
from app.services.desk.bulk import MAX_TICKETS, bulk_update
from app.services.desk.canned import active_answers
from app.services.desk.workspace import (
    VIEW_KEYS,
    all_tag_names,
    clean_view_filters,
    delete_view,
    filters_from,
    load_view_for,
    save_view,
    tags_by_ticket,
    views_for,
)
from app.services.tickets.core import SLA_STATES, UNSET, TicketFilters, page_of_tickets
from app.web.clock import utcnow
from app.web.desk.queues.blueprint import bp
from app.web.locale import locale_code
from app.web.permissions import access_required, staff_required
from app.web.redirects import safe_next
from app.web.use_case import run_use_case

PER_PAGE = 50

VIEWS = {
    "mine": TicketFilters(assignee="me", unresolved=True),
    "breaching": TicketFilters(unresolved=True, sla_running=True),
    "unassigned": TicketFilters(assignee="none", unresolved=True),
    "open": TicketFilters(unresolved=True),
    **{f"status-{s.value}": TicketFilters(statuses=[s.value]) for s in Status},
}


def _base_values(base: TicketFilters) -> dict:
    """A built-in view as /desk filter values (what "save this view" keeps)."""
    values = {}
    if base.statuses:
        values["status"] = base.statuses[0]
    elif base.unresolved:
        values["status"] = "unresolved"
    if base.assignee:
        values["assignee"] = base.assignee
    return values


@bp.route("")
@staff_required
def index():
    view = request.args.get("view", "mine")
    if view not in VIEWS:
        view = "mine"
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    saved = None
    if request.args.get("saved"):
        try:
            saved = load_view_for(current_user, int(request.args["saved"]))
        except ValueError:
            abort(404)
        values = dict(saved.filters or {})
    else:
        values = _base_values(VIEWS[view])
        explicit = {k: request.args.get(k, "") for k in VIEW_KEYS if k in request.args}
        values.update(explicit)
        try:
            values = clean_view_filters(values)
        except DomainError:
            abort(400)
    base = VIEWS[view]
    filters = filters_from(values, utcnow())
    filters.sla_running = base.sla_running and saved is None
    filters.q = request.args.get("q") or None
    filters.queue = request.args.get("queue") or None
    listing = page_of_tickets(current_user, filters, page=page, per_page=PER_PAGE,
                              order="sla_due" if view == "breaching" and saved is None else "updated",
                              after=request.args.get("after"))
    tickets = listing.tickets
    categories = catalogue.list_categories()
    return render_template("queues/index.html", tickets=tickets, listing=listing,
                           view=view, views=list(VIEWS), filters=filters,
                           values=values, saved=saved, saved_views=views_for(current_user),
                           categories=categories, statuses=[s.value for s in Status],
                           priorities=[p.value for p in Priority], sla_states=SLA_STATES,
                           tag_names=all_tag_names(), row_tags=tags_by_ticket([t.id for t in tickets]))


@bp.post("/views")
@staff_required
def create_view():
    """Save the current /desk filters under a name, personal or shared with the team."""
    raw = {k: request.form.get(k, "") for k in VIEW_KEYS}
    with run_use_case() as outcome:
        saved = save_view(current_user, name=request.form.get("name", ""), filters=raw,
                          shared=request.form.get("shared") == "1", now=utcnow())
    if not outcome.ok:
        return redirect(url_for("queues.index", **{k: v for k, v in raw.items() if v}))
    flash(_("보기를 저장했습니다."))
    return redirect(url_for("queues.index", saved=saved.id))


@bp.post("/views/<int:view_id>/delete")
@staff_required
def remove_view(view_id: int):
    delete_view(current_user, view_id)
    unit_of_work.commit()
    flash(_("보기를 삭제했습니다."))
    return redirect(url_for("queues.index"))


@bp.post("/availability")
@staff_required
def availability():
    """Available or away: away agents get no new auto-assigned tickets."""
    set_available(current_user, request.form.get("available") == "1")
    unit_of_work.commit()
    flash(_("지금 상담 가능으로 표시했습니다.") if current_user.available
          else _("자리 비움으로 표시했습니다. 새 문의가 자동 배정되지 않습니다."))
    return redirect(safe_next(request.form.get("next"), url_for("queues.index")))


@bp.post("/take-next")
@staff_required
def take_next_ticket():
    """Take the unassigned ticket of my queues nearest to breach."""
    ticket = take_next(current_user, utcnow())
    if ticket is None:
        unit_of_work.rollback()
        flash(_("가져올 미배정 문의가 없습니다."))
        return redirect(url_for("queues.index"))
    number = ticket.number
    unit_of_work.commit()
    flash(_("%(number)s 문의를 가져왔습니다.", number=number))
    return redirect(url_for("tickets.show", number=number))


@bp.app_template_global()
def bulk_choices() -> dict:
    """What the desk's bulk form offers: staff to assign, settable statuses, priorities, canned answers."""
    return {"staff": active_staff(), "statuses": [s.value for s in AGENT_SETTABLE],
            "priorities": [p.value for p in Priority], "answers": active_answers(current_user),
            "max": MAX_TICKETS}


@bp.post("/bulk")
@staff_required
def bulk():
    """Apply one change to the selected tickets, all or nothing; the desk again with the outcome.

    The form posts to /desk/bulk with the desk's query string, so an error re-renders the
    same list (with the selection kept) and a success returns to it.
    """
    form = request.form
    raw_assignee = form.get("assignee_id", "")
    assignee_id: object = UNSET
    if raw_assignee == "none":
        assignee_id = None
    elif raw_assignee:
        assignee_id = raw_assignee
    canned_id = form.get("canned_answer_id", "")
    try:
        canned_answer_id = int(canned_id) if canned_id else None
    except ValueError:
        abort(400)
    try:
        result = bulk_update(current_user, form.getlist("numbers"), assignee_id=assignee_id,
                             status=form.get("status") or None, priority=form.get("priority") or None,
                             add_tags=form.get("tags") or None, canned_answer_id=canned_answer_id,
                             now=utcnow())
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        if exc.status in (403, 404):
            raise
        g.bulk_error = exc.message(locale_code())
        g.bulk_selected = set(form.getlist("numbers"))
        return index(), exc.status
    done = []
    if result.assigned:
        done.append(_("담당자"))
    if result.status:
        done.append(_("상태"))
    if result.priority:
        done.append(_("우선순위"))
    if result.tags:
        done.append(_("태그"))
    if result.replied:
        done.append(_("자주 쓰는 답변"))
    flash(_("%(count)s건의 문의에 일괄 적용했습니다: %(changes)s", count=result.count, changes=", ".join(done)))
    return redirect(url_for("queues.index", **request.args))


@bp.route("/refunds/overdue")
@access_required(access.can_see_overdue_refunds)
def overdue():
    """환불 지연: approved refunds not paid out by the end of their due day (KST), oldest first."""
    now = utcnow()
    today = now.astimezone(SEOUL).date()
    rows = [{"refund": refund, "ticket": refund.request.ticket, "order": refund.order,
             "days_late": (today - refund.due_by).days} for refund in overdue_refunds(now)]
    return render_template("queues/overdue.html", rows=rows)
