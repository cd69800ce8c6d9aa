"""The report overview (a lead's landing page) and its CSV: GET forms, nothing changes, no CSRF token."""
from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, render_template, request
from flask_login import current_user

from app.domain import access
from app.domain.errors import DomainError
from app.domain.sla import Metric
from app.services.reports.sla import (
    GROUPS,
    ReportFilter,
    default_range,
    range_bounds,
    report_choices,
    report_csv_rows,
    sla_report,
)
from app.services.satisfaction import ratings_by_agent, ratings_for
from app.web.clock import utcnow
from app.web.desk.reports.blueprint import bp
from app.web.locale import locale_code
from app.web.permissions import access_required, staff_required

FILTER_KEYS = ("from", "to", "group_by", "queue", "category", "assignee", "membership", "priority")


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat((value or "").strip()) if value else default
    except ValueError:
        return default


def filter_from_args(args) -> tuple[ReportFilter, str]:
    """The form's fields as a ReportFilter and grouping; what cannot be read falls back to the default."""
    first, last = default_range(utcnow())
    assignee = (args.get("assignee") or "").strip()
    flt = ReportFilter(date_from=_day(args.get("from"), first), date_to=_day(args.get("to"), last),
                       queue=args.get("queue") or None, category=args.get("category") or None,
                       agent_id=int(assignee) if assignee.isdigit() and len(assignee) < 10 else None,
                       membership=args.get("membership") or None, priority=args.get("priority") or None)
    group_by = args.get("group_by") if args.get("group_by") in GROUPS else "queue"
    return flt, group_by


@bp.get("/reports")
@access_required(access.can_see_reports)
def index():
    """보고서: SLA compliance and business-hour response times by queue, agent, category or week."""
    flt, group_by = filter_from_args(request.args)
    report, refusal, csat = None, None, []
    try:
        report = sla_report(current_user, flt, group_by, utcnow(), locale=locale_code())
        csat = ratings_by_agent(current_user, *range_bounds(flt))
    except DomainError as exc:
        refusal = exc.message(locale_code())
    values = {k: request.args.get(k, "") for k in FILTER_KEYS if request.args.get(k)}
    # The charts' scale: the largest number of decided targets in a row.
    widest = max((f.decided for r in report.rows for f in r.metrics.values()), default=0) if report else 0
    return render_template("desk/reports.html", report=report, refusal=refusal, flt=flt, group_by=group_by,
                           values=values, groups=GROUPS, metrics=[m.value for m in Metric],
                           choices=report_choices(current_user), widest=max(widest, 1), csat=csat)


@bp.get("/reports/sla.csv")
@access_required(access.can_see_reports)
def sla_csv():
    """The same report as CSV, UTF-8 with a BOM so Excel opens the Korean text."""
    flt, group_by = filter_from_args(request.args)
    report = sla_report(current_user, flt, group_by, utcnow(), locale=locale_code())
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out).writerows(report_csv_rows(report))
    name = f"munui-sla-{group_by}-{flt.date_from.isoformat()}-{flt.date_to.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/ratings")
@staff_required
def ratings():
    """만족도: an agent's own ratings; a lead's or admin's everyone's (or one agent's)."""
    assignee = (request.args.get("assignee") or "").strip()
    summary = ratings_for(current_user, agent_id=int(assignee) if assignee.isdigit() and len(assignee) < 10 else None)
    agents = report_choices(current_user).agents if access.can_see_reports(current_user.actor()) else []
    return render_template("desk/ratings.html", summary=summary, agents=agents, assignee=assignee)
