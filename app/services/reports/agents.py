"""Agents: what each member of staff did in the range.

- **Solved**: tickets whose last solve fell in the range, solved or closed now, by assignee.
- **Replies**: public replies they wrote in the range (internal notes are not replies).
- **Handling time**: the median business minutes from filing to solve (the resolution
  target's clock: pauses and solved spans left out) of the tickets solved in the range.
- **CSAT**: the average and number of ratings given in the range on their tickets.
- **Canned answers**: how many times they used one in the range.

Each figure is one grouped query over an index on its time column.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, tuple_

from app.domain.sla import Metric, percentile
from app.domain.ticket_flow import Status
from app.domain.vocabulary import STAFF_ROLES
from app.extensions import db
from app.models import CannedAnswerUse, Message, SatisfactionRating, SlaTarget, Ticket, User
from app.services.reports.scope import (
    ReportFilter,
    blank,
    check_filter,
    range_bounds,
    require_reader,
    rows_of_tickets,
    tickets_narrowed,
)


@dataclass
class AgentFigures:
    agent_id: int | None          # None: tickets solved while unassigned
    name: str
    solved: int = 0
    replies: int = 0
    handling_median_minutes: float | None = None
    handled: int = 0              # the handling time's count
    csat_count: int = 0
    csat_average: float | None = None
    canned_uses: int = 0


@dataclass
class AgentsReport:
    filter: ReportFilter
    rows: list[AgentFigures]
    total: AgentFigures


Handling = tuple[int, float | None]   # (how many, median business minutes)


def _handling(flt: ReportFilter, start: datetime, end: datetime) -> tuple[dict[int | None, Handling], Handling]:
    """Each agent's and everyone's median handling time (a median of medians is not the median)."""
    T = SlaTarget
    where = [T.metric == Metric.RESOLUTION.value, T.fulfilled_at >= start, T.fulfilled_at < end,
             T.business_minutes.is_not(None), *rows_of_tickets(flt, T.ticket_id)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))   # sort in memory (see reports/sla.py)
        stmt = (select(func.grouping(T.assignee_id), T.assignee_id, func.count(),
                       func.percentile_cont(0.5).within_group(T.business_minutes))
                .where(*where).group_by(func.grouping_sets(tuple_(T.assignee_id), tuple_())))
        per_agent, overall = {}, (0, None)
        for is_total, agent, n, median in db.session.execute(stmt):
            figures = (int(n), None if median is None else round(float(median), 1))
            if is_total:
                overall = figures
            else:
                per_agent[agent] = figures
        return per_agent, overall
    values: dict[int | None, list[float]] = {}
    for agent, minutes in db.session.execute(select(T.assignee_id, T.business_minutes).where(*where)):
        values.setdefault(agent, []).append(minutes)
    everything = [m for v in values.values() for m in v]
    return ({a: (len(v), round(percentile(v, 0.5), 1)) for a, v in values.items()},
            (len(everything), round(percentile(everything, 0.5), 1) if everything else None))


def agents_report(actor, flt: ReportFilter, now: datetime, *, unassigned_label: str = "(미배정)") -> AgentsReport:
    """Each agent's solved tickets, replies, median handling time, CSAT and canned-answer use."""
    require_reader(actor)
    check_filter(flt)
    start, end = range_bounds(flt)
    staff = select(User.id).where(User.role.in_(sorted(STAFF_ROLES)))
    rows: dict[int | None, AgentFigures] = {}

    def row(agent_id):
        return rows.setdefault(agent_id, AgentFigures(agent_id, ""))

    solved = (select(Ticket.assignee_id, func.count())
              .where(Ticket.solved_at >= start, Ticket.solved_at < end,
                     Ticket.status.in_([Status.SOLVED.value, Status.CLOSED.value]), *tickets_narrowed(flt))
              .group_by(Ticket.assignee_id))
    for agent, n in db.session.execute(solved):
        row(agent).solved = int(n)
    replies = (select(Message.author_id, func.count())
               .where(Message.created_at >= start, Message.created_at < end, Message.internal.is_(False),
                      Message.author_id.in_(staff), *rows_of_tickets(flt, Message.ticket_id))
               .group_by(Message.author_id))
    for agent, n in db.session.execute(replies):
        row(agent).replies = int(n)
    per_agent, overall = _handling(flt, start, end)
    for agent, (n, median) in per_agent.items():
        figures = row(agent)
        figures.handled, figures.handling_median_minutes = n, median
    R = SatisfactionRating
    ratings = (select(R.assignee_id, func.count(), func.avg(R.rating))
               .where(R.rated_at >= start, R.rated_at < end, R.rating.is_not(None),
                      *rows_of_tickets(flt, R.ticket_id))
               .group_by(R.assignee_id))
    for agent, n, average in db.session.execute(ratings):
        figures = row(agent)
        figures.csat_count, figures.csat_average = int(n), round(float(average), 2)
    canned = (select(CannedAnswerUse.agent_id, func.count())
              .where(CannedAnswerUse.used_at >= start, CannedAnswerUse.used_at < end,
                     *rows_of_tickets(flt, CannedAnswerUse.ticket_id))
              .group_by(CannedAnswerUse.agent_id))
    for agent, n in db.session.execute(canned):
        row(agent).canned_uses = int(n)
    if flt.agent_id is not None:
        rows = {k: v for k, v in rows.items() if k == flt.agent_id}

    names = {u.id: u.name for u in db.session.scalars(
        select(User).where(User.id.in_([k for k in rows if k is not None] or [-1])))}
    for agent_id, figures in rows.items():
        figures.name = names.get(agent_id, "") if agent_id is not None else unassigned_label
    ordered = sorted(rows.values(), key=lambda r: (r.agent_id is None, -r.solved, -r.replies, r.name))
    return AgentsReport(flt, ordered, _total(ordered, overall))


def _total(rows: list[AgentFigures], handling: Handling) -> AgentFigures:
    total = AgentFigures(None, "")
    total.solved = sum(r.solved for r in rows)
    total.replies = sum(r.replies for r in rows)
    total.canned_uses = sum(r.canned_uses for r in rows)
    total.csat_count = sum(r.csat_count for r in rows)
    if total.csat_count:
        total.csat_average = round(sum((r.csat_average or 0) * r.csat_count for r in rows) / total.csat_count, 2)
    total.handled, total.handling_median_minutes = handling
    return total


def agents_csv_rows(report: AgentsReport, total_label: str) -> list[list[str]]:
    """One line per agent and a total line: the table's columns."""
    out = [["agent_id", "agent_name", "solved", "replies", "handling_median_minutes", "handled", "csat_average",
            "csat_count", "canned_uses"]]
    for r in [*report.rows, report.total]:
        out.append(["" if r.agent_id is None else str(r.agent_id), r.name or total_label, str(r.solved),
                    str(r.replies), blank(r.handling_median_minutes), str(r.handled), blank(r.csat_average),
                    str(r.csat_count), str(r.canned_uses)])
    out[-1][0], out[-1][1] = "total", total_label
    return out
