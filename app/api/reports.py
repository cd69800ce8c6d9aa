"""/api/v1/reports: the SLA report leads read on the desk, as JSON."""
from __future__ import annotations

from datetime import date

from flask import g, jsonify

from app.api.auth import token_required
from app.api.blueprint import bp
from app.api.errors import int_arg, one_arg
from app.domain.access import SUPERVISOR_ROLES
from app.domain.errors import MAX_ROW_ID, DomainError
from app.domain.sla import Metric
from app.services.reports.scope import ReportFilter, default_range
from app.services.reports.sla import MetricFigures, ReportRow, sla_report
from app.web.clock import utcnow
from app.web.locale import locale_code


def _date_arg(name: str, default: date) -> date:
    raw = one_arg(name)
    if raw is None:
        return default
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError("validation_failed", f"{name} 값은 YYYY-MM-DD 날짜여야 합니다.",
                          f"{name} must be a date (YYYY-MM-DD).", status=400, fields={name: "invalid"}) from None


def _figures_json(f: MetricFigures) -> dict:
    return {"met": f.met, "breached": f.breached, "met_percent": f.met_percent, "answered": f.answered,
            "median_minutes": f.median_minutes, "p90_minutes": f.p90_minutes}


def _row_json(row: ReportRow) -> dict:
    return {"key": row.key, "label": row.label, **{m.value: _figures_json(row.metrics[m.value]) for m in Metric}}


@bp.get("/reports/sla")
@token_required(*SUPERVISOR_ROLES)
def sla_report_json():
    first, last = default_range(utcnow())
    group_by = one_arg("group_by") or "queue"
    assignee = one_arg("assignee")
    flt = ReportFilter(date_from=_date_arg("from", first), date_to=_date_arg("to", last),
                       queue=one_arg("queue") or None, category=one_arg("category") or None,
                       agent_id=int_arg("assignee", 0, maximum=MAX_ROW_ID) if assignee is not None else None,
                       membership=one_arg("membership") or None, priority=one_arg("priority") or None)
    report = sla_report(g.api_user, flt, group_by, utcnow(), locale=locale_code())  # refuses an unknown group_by
    return jsonify({"from": flt.date_from.isoformat(), "to": flt.date_to.isoformat(), "group_by": group_by,
                    "rows": [_row_json(r) for r in report.rows], "total": _row_json(report.total)})
