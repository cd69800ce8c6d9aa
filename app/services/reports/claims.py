"""Claims: cancellations and refunds requested, approved and denied in the range, the amounts
approved, and the refunds overdue now against their legal due date.

- **Requested**: claims filed in the range (``requested_at``).
- **Approved / denied**: claims decided in the range (``decided_at``), by their decision.
- **Amounts approved**: of the refunds created by those approvals in the range, the refund
  value (what the customer is made whole by, KRW), the cash part and the points restored.
- **Overdue now**: approved refunds not paid by the end of their due day (KST) — the 환불 지연
  list (``claims.refunds.overdue_refunds``), with the amount still owed. No range: it is now.

All money is integer KRW, summed in SQL.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from app.domain.claim_flow import ClaimState
from app.domain.vocabulary import SEOUL
from app.extensions import db
from app.models import Claim, Refund
from app.services.reports.scope import (
    ReportFilter,
    check_filter,
    range_bounds,
    require_reader,
    rows_of_tickets,
)

KINDS = ("cancel", "refund")


@dataclass
class ClaimFigures:
    requested: int = 0
    approved: int = 0
    denied: int = 0
    refund_value: int = 0      # KRW
    cash: int = 0              # KRW
    points: int = 0
    overdue: int = 0
    overdue_cash: int = 0      # KRW still owed

    def add(self, other: ClaimFigures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ClaimsReport:
    filter: ReportFilter
    by_kind: dict[str, ClaimFigures]
    total: ClaimFigures = field(default_factory=ClaimFigures)


def claims_report(actor, flt: ReportFilter, now: datetime) -> ClaimsReport:
    """Requested, decided, amounts approved (by kind: cancel, refund) and what is overdue now."""
    require_reader(actor)
    check_filter(flt)
    start, end = range_bounds(flt)
    report = ClaimsReport(flt, {kind: ClaimFigures() for kind in KINDS})

    def figures(kind: str) -> ClaimFigures:
        return report.by_kind.setdefault(kind, ClaimFigures())

    narrowing = rows_of_tickets(flt, Claim.ticket_id)
    for kind, n in db.session.execute(
            select(Claim.kind, func.count()).where(Claim.requested_at >= start, Claim.requested_at < end,
                                                   *narrowing).group_by(Claim.kind)):
        figures(kind).requested = int(n)
    for kind, state, n in db.session.execute(
            select(Claim.kind, Claim.state, func.count())
            .where(Claim.decided_at >= start, Claim.decided_at < end,
                   Claim.state.in_([ClaimState.APPROVED.value, ClaimState.DENIED.value]), *narrowing)
            .group_by(Claim.kind, Claim.state)):
        if state == ClaimState.APPROVED:
            figures(kind).approved = int(n)
        else:
            figures(kind).denied = int(n)
    refund_narrowing = [Refund.request_id.in_(select(Claim.id).where(*narrowing))] if narrowing else []
    for kind, value, cash, points in db.session.execute(
            select(Refund.kind, func.sum(Refund.refund_value_total), func.sum(Refund.cash_refund_total),
                   func.sum(Refund.points_restored))
            .where(Refund.created_at >= start, Refund.created_at < end, *refund_narrowing)
            .group_by(Refund.kind)):
        f = figures(kind)
        f.refund_value, f.cash, f.points = int(value or 0), int(cash or 0), int(points or 0)
    today = now.astimezone(SEOUL).date()
    for kind, n, cash in db.session.execute(
            select(Refund.kind, func.count(), func.sum(Refund.cash_refund_total))
            .where(Refund.status == "pending", Refund.due_by < today, *refund_narrowing)
            .group_by(Refund.kind)):
        f = figures(kind)
        f.overdue, f.overdue_cash = int(n), int(cash or 0)
    for f in report.by_kind.values():
        report.total.add(f)
    return report


def claims_csv_rows(report: ClaimsReport, labels: dict[str, str]) -> list[list[str]]:
    """One line per kind and a total line (amounts in KRW, whole numbers)."""
    names = list(ClaimFigures.__dataclass_fields__)
    out = [["kind", "label", *names]]
    for kind, f in [*report.by_kind.items(), ("total", report.total)]:
        out.append([kind, labels.get(kind, kind), *[str(getattr(f, n)) for n in names]])
    return out
