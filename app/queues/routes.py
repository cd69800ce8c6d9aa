"""The agent's queue views: mine, unassigned in my queues, all open, by status."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.domain.ticket_flow import Status
from app.permissions import role_required, staff_required
from app.queues import bp
from app.services.refunds import overdue_refunds
from app.services.tickets import TicketFilters, list_tickets
from app.web import SEOUL, utcnow

PER_PAGE = 50

VIEWS = {
    "mine": TicketFilters(assignee="me", unresolved=True),
    "breaching": TicketFilters(unresolved=True, sla_running=True),
    "unassigned": TicketFilters(assignee="none", unresolved=True),
    "open": TicketFilters(unresolved=True),
    **{f"status-{s.value}": TicketFilters(statuses=[s.value]) for s in Status},
}


@bp.route("/desk")
@staff_required
def index():
    view = request.args.get("view", "mine")
    if view not in VIEWS:
        view = "mine"
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    base = VIEWS[view]
    filters = TicketFilters(statuses=base.statuses, assignee=base.assignee,
                            unresolved=base.unresolved, sla_running=base.sla_running,
                            q=request.args.get("q") or None,
                            queue=request.args.get("queue") or None,
                            category=request.args.get("category") or None)
    tickets, total = list_tickets(current_user, filters, page=page, per_page=PER_PAGE,
                                  order="sla_due" if view == "breaching" else "updated")
    return render_template("queues/index.html", tickets=tickets, total=total, page=page,
                           per_page=PER_PAGE, view=view, views=list(VIEWS), filters=filters)


@bp.route("/desk/refunds/overdue")
@role_required("lead", "admin")
def overdue():
    """환불 지연: approved refunds not paid out by the end of their due day (KST), oldest first."""
    now = utcnow()
    today = now.astimezone(SEOUL).date()
    rows = [{"refund": refund, "ticket": refund.request.ticket, "order": refund.order,
             "days_late": (today - refund.due_by).days} for refund in overdue_refunds(now)]
    return render_template("queues/overdue.html", rows=rows)
