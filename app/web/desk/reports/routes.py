"""The report pages (a lead's landing page is the SLA overview) and their CSV: GET forms,
nothing changes, no CSRF token. Each report is a table, a chart and a CSV of the same figures."""
from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.domain import access
from app.domain.errors import DomainError
from app.domain.sla import Metric
from app.services.reports.agents import agents_csv_rows, agents_report
from app.services.reports.backlog import AGE_BUCKETS, STATUS_ORDER, backlog_csv_rows, backlog_report
from app.services.reports.claims import KINDS, claims_csv_rows, claims_report
from app.services.reports.scope import ReportFilter, default_range, range_bounds, report_choices
from app.services.reports.sla import GROUPS, breached_targets, report_csv_rows, sla_report
from app.services.reports.volume import volume_csv_rows, volume_report
from app.services.satisfaction import ratings_by_agent, ratings_for
from app.web.clock import utcnow
from app.web.desk.reports.blueprint import bp
from app.web.labels import label
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


def _values() -> dict:
    return {k: request.args.get(k, "") for k in FILTER_KEYS if request.args.get(k)}


def _csv(rows: list[list[str]], name: str, flt: ReportFilter) -> Response:
    """UTF-8 with a BOM so Excel opens the Korean text."""
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out).writerows(rows)
    filename = f"munui-{name}-{flt.date_from.isoformat()}-{flt.date_to.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _page(template: str, report_of, **context):
    """Render a report page; a refused filter (a backwards range, say) is said on the page."""
    flt, group_by = filter_from_args(request.args)
    report, refusal = None, None
    try:
        report = report_of(flt, group_by)
    except DomainError as exc:
        refusal = exc.message(locale_code())
    values = _values()
    # The desk's lists take these filters too: a backlog figure links to the list it counts.
    desk_values = {k: v for k, v in values.items() if k in ("queue", "category", "priority", "assignee")}
    return render_template(template, report=report, refusal=refusal, flt=flt, group_by=group_by,
                           values=values, desk_values=desk_values, groups=GROUPS,
                           choices=report_choices(current_user), **context)


@bp.get("/reports")
@access_required(access.can_see_reports)
def index():
    """보고서: SLA compliance and business-hour response times, with the backlog at a glance."""
    now = utcnow()

    def report_of(flt, group_by):
        return {"sla": sla_report(current_user, flt, group_by, now, locale=locale_code()),
                "backlog": backlog_report(current_user, flt, now),
                "csat": ratings_by_agent(current_user, *range_bounds(flt))}

    return _page("desk/reports.html", report_of, metrics=[m.value for m in Metric], tab="sla")


@bp.get("/reports/sla.csv")
@access_required(access.can_see_reports)
def sla_csv():
    flt, group_by = filter_from_args(request.args)
    report = sla_report(current_user, flt, group_by, utcnow(), locale=locale_code())
    return _csv(report_csv_rows(report), f"sla-{group_by}", flt)


@bp.get("/reports/breaches")
@access_required(access.can_see_reports)
def breaches():
    """The breached targets behind a figure of the SLA report (a row, a target kind, or all)."""
    metric = request.args.get("metric") or None
    key = request.args.get("key") or None

    def report_of(flt, group_by):
        return breached_targets(current_user, flt, utcnow(), metric=metric,
                                group_by=group_by if key else None, key=key)

    return _page("desk/report_breaches.html", report_of, metric=metric, key=key, tab="sla")


def _backlog_labels() -> dict[str, str]:
    return {**{s: label("status", s) for s in STATUS_ORDER}, "total": _("합계"),
            "breaching_now": _("지금 기한을 넘긴 문의"), "at_risk": _("곧 기한이 되는 문의")}


@bp.get("/reports/backlog")
@access_required(access.can_see_reports)
def backlog():
    """밀린 문의: unresolved tickets now, by status and age; breaching now and at risk."""
    return _page("desk/report_backlog.html", lambda flt, _g: backlog_report(current_user, flt, utcnow()),
                 buckets=[k for k, _ in AGE_BUCKETS], statuses=STATUS_ORDER, tab="backlog")


@bp.get("/reports/backlog.csv")
@access_required(access.can_see_reports)
def backlog_csv():
    flt, _group_by = filter_from_args(request.args)
    return _csv(backlog_csv_rows(backlog_report(current_user, flt, utcnow()), _backlog_labels()), "backlog", flt)


@bp.get("/reports/volume")
@access_required(access.can_see_reports)
def volume():
    """문의량: created and solved per day, by category."""
    return _page("desk/report_volume.html",
                 lambda flt, _g: volume_report(current_user, flt, utcnow(), locale=locale_code()), tab="volume")


@bp.get("/reports/volume.csv")
@access_required(access.can_see_reports)
def volume_csv():
    flt, _group_by = filter_from_args(request.args)
    report = volume_report(current_user, flt, utcnow(), locale=locale_code())
    return _csv(volume_csv_rows(report, _("합계")), "volume", flt)


@bp.get("/reports/agents")
@access_required(access.can_see_reports)
def agents():
    """상담원: solved, replies, median handling time, CSAT and canned-answer use per agent."""
    return _page("desk/report_agents.html",
                 lambda flt, _g: agents_report(current_user, flt, utcnow(), unassigned_label=_("(미배정)")),
                 tab="agents")


@bp.get("/reports/agents.csv")
@access_required(access.can_see_reports)
def agents_csv():
    flt, _group_by = filter_from_args(request.args)
    report = agents_report(current_user, flt, utcnow(), unassigned_label=_("(미배정)"))
    return _csv(agents_csv_rows(report, _("합계")), "agents", flt)


@bp.get("/reports/claims")
@access_required(access.can_see_reports)
def claims():
    """취소·환불: requested, approved, denied, amounts approved, refunds overdue now."""
    return _page("desk/report_claims.html", lambda flt, _g: claims_report(current_user, flt, utcnow()),
                 kinds=KINDS, tab="claims")


@bp.get("/reports/claims.csv")
@access_required(access.can_see_reports)
def claims_csv():
    flt, _group_by = filter_from_args(request.args)
    labels = {**{k: label("claim_kind", k) for k in KINDS}, "total": _("합계")}
    return _csv(claims_csv_rows(claims_report(current_user, flt, utcnow()), labels), "claims", flt)


@bp.get("/ratings")
@staff_required
def ratings():
    """만족도: an agent's own ratings; a lead's or admin's everyone's (or one agent's)."""
    assignee = (request.args.get("assignee") or "").strip()
    summary = ratings_for(current_user, agent_id=int(assignee) if assignee.isdigit() and len(assignee) < 10 else None)
    agents = report_choices(current_user).agents if access.can_see_reports(current_user.actor()) else []
    return render_template("desk/ratings.html", summary=summary, agents=agents, assignee=assignee)
