"""Volume: inquiries created and solved per Seoul day of the range, by category.

*Created* counts tickets filed that day. *Solved* counts tickets whose last solve fell that
day and that are solved or closed now: a ticket reopened and solved again counts once, on
its last solve; one reopened and still open counts nowhere (it is back in the backlog).
Two grouped queries over ``ix_tickets_created_at`` and ``ix_tickets_solved_at``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from app.domain.ticket_flow import Status
from app.extensions import db
from app.models import Category, Ticket
from app.services.reports.scope import (
    ReportFilter,
    check_filter,
    day_key,
    range_bounds,
    require_reader,
    seoul_day,
    tickets_narrowed,
)


@dataclass
class Counts:
    created: int = 0
    solved: int = 0


@dataclass
class VolumeReport:
    filter: ReportFilter
    days: list[str]                                   # every day of the range, ISO
    by_day: dict[str, Counts]
    categories: list[tuple[int | None, str]]          # (id, label), the ones with any figure
    by_category: dict[int | None, Counts]
    by_day_category: dict[tuple[str, int | None], Counts] = field(default_factory=dict)
    total: Counts = field(default_factory=Counts)

    @property
    def busiest(self) -> int:
        return max((max(c.created, c.solved) for c in self.by_day.values()), default=0)


def volume_report(actor, flt: ReportFilter, now: datetime, *, locale: str = "ko") -> VolumeReport:
    """Created and solved per day and per category over the range."""
    require_reader(actor)
    check_filter(flt)
    start, end = range_bounds(flt)
    days = [d.isoformat() for d in flt.days]
    report = VolumeReport(flt, days, {d: Counts() for d in days}, [], {})
    created_day, solved_day = seoul_day(Ticket.created_at), seoul_day(Ticket.solved_at)
    created = (select(created_day, Ticket.category_id, func.count())
               .where(Ticket.created_at >= start, Ticket.created_at < end, *tickets_narrowed(flt))
               .group_by(created_day, Ticket.category_id))
    solved = (select(solved_day, Ticket.category_id, func.count())
              .where(Ticket.solved_at >= start, Ticket.solved_at < end,
                     Ticket.status.in_([Status.SOLVED.value, Status.CLOSED.value]), *tickets_narrowed(flt))
              .group_by(solved_day, Ticket.category_id))
    for which, stmt in (("created", created), ("solved", solved)):
        for day, category_id, n in db.session.execute(stmt):
            key = day_key(day)
            for counts in (report.by_day.setdefault(key, Counts()),
                           report.by_category.setdefault(category_id, Counts()),
                           report.by_day_category.setdefault((key, category_id), Counts()), report.total):
                setattr(counts, which, getattr(counts, which) + int(n))
    ids = [c for c in report.by_category if c is not None]
    names = {c.id: c.display_name(locale) for c in db.session.scalars(
        select(Category).where(Category.id.in_(ids or [-1])).order_by(Category.position, Category.id))}
    report.categories = [(c, names.get(c, "–") if c is not None else "–")
                         for c in sorted(report.by_category, key=lambda c: -report.by_category[c].created)]
    return report


def volume_csv_rows(report: VolumeReport, total_label: str) -> list[list[str]]:
    """One line per day: created and solved, then each category's pair; a total line last."""
    header = ["day", "created", "solved"]
    for _, label in report.categories:
        header += [f"{label} created", f"{label} solved"]
    out = [header]
    for day in report.days:
        counts = report.by_day[day]
        line = [day, str(counts.created), str(counts.solved)]
        for category_id, _ in report.categories:
            cell = report.by_day_category.get((day, category_id), Counts())
            line += [str(cell.created), str(cell.solved)]
        out.append(line)
    line = [total_label, str(report.total.created), str(report.total.solved)]
    for category_id, _ in report.categories:
        line += [str(report.by_category[category_id].created), str(report.by_category[category_id].solved)]
    out.append(line)
    return out
