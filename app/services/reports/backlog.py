"""The backlog as it stands now: unresolved tickets by age and status, breaching now, at risk.

It has no date range: it is a picture of the queue at ``now``. Age is wall-clock time since
filing (what a customer waits), bucketed; "breaching now" and "at risk" are the desk's own
SLA states (``sla_state`` of the ticket lists: a running target past due, or past its warning
time), so the numbers here are the lengths of the lists they link to. One grouped query over
``ix_tickets_status_updated``: the cost follows the unresolved tickets, not all tickets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, literal, select

from app.domain.ticket_flow import Status
from app.extensions import db
from app.models import Ticket
from app.services.reports.scope import ReportFilter, check_filter, require_reader, tickets_narrowed

# (key, lower bound in hours): a ticket falls in the last bucket whose bound its age reaches.
AGE_BUCKETS = (("lt_1d", 0), ("1_3d", 24), ("3_7d", 72), ("7_14d", 168), ("ge_14d", 336))
STATUS_ORDER = [s.value for s in (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)]


@dataclass
class BacklogReport:
    now: datetime
    # status → bucket → count; every status and bucket present (zeros included)
    cells: dict[str, dict[str, int]]
    breaching: int = 0
    at_risk: int = 0
    by_bucket: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def _bucket(now: datetime):
    # Youngest first: newer than 24 h → lt_1d, newer than 72 h → 1_3d, …
    whens = [(Ticket.created_at > now - timedelta(hours=AGE_BUCKETS[i + 1][1]), AGE_BUCKETS[i][0])
             for i in range(len(AGE_BUCKETS) - 1)]
    return case(*whens, else_=literal(AGE_BUCKETS[-1][0]))


def backlog_report(actor, flt: ReportFilter, now: datetime) -> BacklogReport:
    """Unresolved tickets now, by status and age bucket, and how many breach or are at risk."""
    require_reader(actor)
    check_filter(flt)
    bucket = _bucket(now)
    # The same conditions as the lists' sla_state filter (services/tickets/core._sla_state_filter).
    on_sla = Ticket.sla_policy_id.is_not(None)
    breaching = and_(on_sla, Ticket.sla_due_at.is_not(None), Ticket.sla_due_at <= now)
    at_risk = and_(on_sla, Ticket.sla_paused.is_(False), Ticket.sla_due_at > now,
                   Ticket.sla_warn_at.is_not(None), Ticket.sla_warn_at <= now)
    stmt = (select(Ticket.status, bucket, func.count(), func.sum(case((breaching, 1), else_=0)),
                   func.sum(case((at_risk, 1), else_=0)))
            .where(Ticket.status.in_(STATUS_ORDER), *tickets_narrowed(flt))
            .group_by(Ticket.status, bucket))
    cells = {s: {key: 0 for key, _ in AGE_BUCKETS} for s in STATUS_ORDER}
    report = BacklogReport(now, cells)
    for status, key, n, n_breaching, n_at_risk in db.session.execute(stmt):
        cells[status][key] = int(n)
        report.breaching += int(n_breaching or 0)
        report.at_risk += int(n_at_risk or 0)
    report.by_status = {s: sum(cells[s].values()) for s in STATUS_ORDER}
    report.by_bucket = {key: sum(cells[s][key] for s in STATUS_ORDER) for key, _ in AGE_BUCKETS}
    return report


def backlog_csv_rows(report: BacklogReport, labels: dict[str, str]) -> list[list[str]]:
    """The backlog as CSV rows: one line per status with its age buckets, then the total line."""
    header = ["status", "label", *[key for key, _ in AGE_BUCKETS], "total"]
    out = [header]
    for status in STATUS_ORDER:
        row = report.cells[status]
        out.append([status, labels.get(status, status), *[str(row[k]) for k, _ in AGE_BUCKETS],
                    str(report.by_status[status])])
    out.append(["total", labels.get("total", "total"), *[str(report.by_bucket[k]) for k, _ in AGE_BUCKETS],
                str(report.total)])
    out.append(["breaching_now", labels.get("breaching_now", ""), "", "", "", "", "", str(report.breaching)])
    out.append(["at_risk", labels.get("at_risk", ""), "", "", "", "", "", str(report.at_risk)])
    return out
