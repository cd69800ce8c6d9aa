"""The desk's search page: a GET form (no state changes, so no CSRF token), results with snippets."""
from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_login import current_user

from app.domain.ticket_flow import Status
from app.domain.vocabulary import Priority, TicketType
from app.services.search import SORTS, SearchRequest, choices_for, search_tickets
from app.web.desk.search.blueprint import bp
from app.web.permissions import staff_required

PER_PAGE = 25
FILTER_KEYS = ("status", "category", "type", "queue", "assignee", "priority", "tag", "from", "to", "sort")


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


def request_from_args(args) -> SearchRequest:
    """The search form's fields as a SearchRequest; a value that cannot be read is left out."""
    status = (args.get("status") or "").strip()
    return SearchRequest(
        q=(args.get("q") or "")[:2000], statuses=[s for s in status.split(",") if s],
        category=args.get("category") or None, type=args.get("type") or None,
        queue=args.get("queue") or None, assignee=args.get("assignee") or None,
        priority=args.get("priority") or None, tag=args.get("tag") or None,
        date_from=_day(args.get("from")), date_to=_day(args.get("to")),
        sort=args.get("sort") if args.get("sort") in SORTS else "relevance",
    )


def page_arg() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        return 1


@bp.get("/search")
@staff_required
def index():
    """검색 (상담 데스크): words, phrases, ticket and order numbers, emails; with filters and sorting."""
    req = request_from_args(request.args)
    values = {k: request.args.get(k, "") for k in FILTER_KEYS if request.args.get(k)}
    asked = bool(req.q.strip()) or any(k != "sort" for k in values)
    results = search_tickets(current_user, req, page=page_arg(), per_page=PER_PAGE) if asked else None
    return render_template("desk/search.html", results=results, q=req.q, values=values,
                           choices=choices_for(current_user), statuses=[s.value for s in Status],
                           priorities=[p.value for p in Priority], types=[t.value for t in TicketType],
                           sorts=SORTS)
