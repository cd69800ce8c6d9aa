"""SLA compliance and response times, from the tickets' SLA targets (``sla_targets``).

Each target row is what the clock computed from the ticket's SLA events and its policy's
business calendar (``services/sla/clock.refresh``), so durations are business minutes with
pauses and solved spans left out, never wall-clock subtraction.

- **Compliance** counts targets *decided* in the range (Seoul days, inclusive): met ones on the
  day they were fulfilled, breached ones on the day their due time passed (fulfilled late or
  not at all). Running targets that are not yet due count nowhere.
- **Response times** are the business minutes of the targets *fulfilled* in the range (on time
  or late): median and 90th percentile (linear interpolation, PostgreSQL's
  ``percentile_cont``; on SQLite the same in Python).
- A target counts in the queue, for the assignee and in the category of its ticket at its last
  change (a ticket moved to another queue counts there).

Grouped by queue, agent, category or week (Monday–Sunday, Seoul), with a total row. Ended
days are read from their daily figures (``sla_daily``: summed by the worker, every duration
kept, so the figures are the same), the others from the targets through indexed time columns
(``ix_sla_targets_fulfilled``, ``ix_sla_targets_due``): two aggregate statements either way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import case, func, select, text, tuple_, union_all
from sqlalchemy.dialects.postgresql import array

from app.domain.errors import invalid
from app.domain.sla import Metric, percentile
from app.extensions import db
from app.models import Category, SlaDailyFigures, SlaTarget, SupportQueue, Ticket, User
from app.services.reports.scope import (
    ReportFilter,
    blank,
    check_filter,
    day_key,
    range_bounds,
    require_reader,
    week_of,
    week_of_date,
)
from app.services.reports.sla_daily import DaySplit, decided_counts, is_breached, is_met, split_days


class Grouping(StrEnum):
    """What the report's rows are (``group_by``; the API's vocabulary)."""

    QUEUE = "queue"
    AGENT = "agent"       # the ticket's assignee
    CATEGORY = "category"
    WEEK = "week"


GROUPS = tuple(g.value for g in Grouping)
T = SlaTarget
D = SlaDailyFigures


@dataclass
class MetricFigures:
    """One target kind's figures in one row of the report."""

    met: int = 0
    breached: int = 0
    answered: int = 0               # fulfilled in the range (the durations' count)
    median_minutes: float | None = None
    p90_minutes: float | None = None

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def met_percent(self) -> float | None:
        return round(100 * self.met / self.decided, 1) if self.decided else None


@dataclass
class ReportRow:
    key: str
    label: str
    metrics: dict[str, MetricFigures] = field(default_factory=lambda: {m.value: MetricFigures() for m in Metric})


@dataclass
class SlaReport:
    filter: ReportFilter
    group_by: str
    rows: list[ReportRow]
    total: ReportRow

    @property
    def widest(self) -> int:
        """The largest number of decided targets in a row (the charts' scale), at least 1."""
        return max([1, *(f.decided for r in self.rows for f in r.metrics.values())])


def _narrowed(stmt, flt: ReportFilter, rows=T):
    """The filter on ``rows``: the targets, or the daily figures (the same queue, category and
    assignee columns; never asked for tier or priority, which they do not keep)."""
    if flt.queue:
        stmt = stmt.where(rows.queue_id.in_(select(SupportQueue.id).where(SupportQueue.slug == flt.queue)))
    if flt.category:
        stmt = stmt.where(rows.category_id.in_(select(Category.id).where(Category.code == flt.category)))
    if flt.agent_id is not None:
        stmt = stmt.where(rows.assignee_id == flt.agent_id)
    if flt.membership:
        stmt = stmt.where(rows.membership == flt.membership)
    if flt.priority:
        stmt = stmt.where(rows.priority == flt.priority)
    return stmt


def _key(group_by: str, when, rows=T):
    """What a row groups by: a column of ``rows``, or the week of ``when`` (a time of the targets,
    or the daily figures' day)."""
    if group_by == Grouping.WEEK:
        return week_of(when) if rows is T else week_of_date(when)
    columns = {Grouping.QUEUE: rows.queue_id, Grouping.AGENT: rows.assignee_id, Grouping.CATEGORY: rows.category_id}
    return columns[Grouping(group_by)]


def _row(rows: dict[str, ReportRow], key) -> ReportRow:
    return rows.setdefault(_text(key), ReportRow(_text(key), ""))


def _fill(rows: dict[str, ReportRow], total: ReportRow, group_by: str, flt: ReportFilter, now: datetime) -> None:
    """The counts and the durations: ended days from their daily figures (``sla_daily``), the
    others from the targets themselves; each target is in one row, so the total is the rows' sum."""
    split = split_days(flt.days, summed_usable=not (flt.membership or flt.priority))
    _fill_counts(rows, total, group_by, flt, now, split)
    if db.engine.dialect.name == "postgresql":
        _fill_durations_in_sql(rows, total, group_by, flt, split)
    else:
        _fill_durations_here(rows, total, group_by, flt, split)


def _fill_counts(rows, total, group_by, flt, now, split: DaySplit) -> None:
    queries = []
    if split.summed:
        key = _key(group_by, D.day, D)
        queries.append(_narrowed(select(key, D.metric, func.sum(D.met), func.sum(D.breached))
                                 .where(D.day.in_(split.summed)).group_by(key, D.metric), flt, D))
    if split.raw:
        key = _key(group_by, case((is_met(), T.fulfilled_at), else_=T.due_at))
        queries.append(_narrowed(decided_counts(now, [key], fulfilled_in=split.raw_clause(T.fulfilled_at),
                                                due_in=split.raw_clause(T.due_at)), flt))
    for query in queries:
        for k, metric, n_met, n_breached in db.session.execute(query):
            for figures in (_row(rows, k).metrics[metric], total.metrics[metric]):
                figures.met += int(n_met or 0)
                figures.breached += int(n_breached or 0)


def _duration_sources(group_by: str, flt: ReportFilter, split: DaySplit, *, unnest: bool) -> list:
    """Selects of (key, metric, minutes): the daily figures' kept durations (one row each with
    ``unnest``, else their lists) and the raw days' fulfilled targets."""
    sources = []
    if split.summed:
        minutes = func.unnest(D.minutes) if unnest else D.minutes
        sources.append(_narrowed(select(_key(group_by, D.day, D).label("k"), D.metric.label("metric"),
                                        minutes.label("m")).where(D.day.in_(split.summed)), flt, D))
    if split.raw:
        sources.append(_narrowed(select(_key(group_by, T.fulfilled_at).label("k"), T.metric.label("metric"),
                                        T.business_minutes.label("m"))
                                 .where(split.raw_clause(T.fulfilled_at), T.business_minutes.is_not(None)), flt))
    return sources


def _fill_durations_in_sql(rows, total, group_by, flt, split: DaySplit) -> None:
    """PostgreSQL: the rows' and the total's median and p90 in one pass (GROUPING SETS, both
    percentiles from one sort with the array form of percentile_cont)."""
    sources = _duration_sources(group_by, flt, split, unnest=True)
    if not sources:
        return
    # A quarter at a million tickets sorts ~600,000 durations: in memory, not in temp files.
    db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    values = (sources[0] if len(sources) == 1 else union_all(*sources)).subquery()
    stmt = (select(func.grouping(values.c.k), values.c.k, values.c.metric, func.count(),
                   func.percentile_cont(array([0.5, 0.9])).within_group(values.c.m))
            .group_by(func.grouping_sets(tuple_(values.c.k, values.c.metric), tuple_(values.c.metric))))
    for is_total, k, metric, n, (median, p90) in db.session.execute(stmt):
        figures = (total if is_total else _row(rows, k)).metrics[metric]
        figures.answered, figures.median_minutes, figures.p90_minutes = int(n), _round(median), _round(p90)


def _fill_durations_here(rows, total, group_by, flt, split: DaySplit) -> None:
    """SQLite: the same percentiles in Python (linear interpolation, as percentile_cont)."""
    durations: dict[tuple[str, str], list[float]] = {}
    everything: dict[str, list[float]] = {}
    for source in _duration_sources(group_by, flt, split, unnest=False):
        for k, metric, minutes in db.session.execute(source):
            values = minutes if isinstance(minutes, list) else [minutes]
            durations.setdefault((_text(k), metric), []).extend(values)
            everything.setdefault(metric, []).extend(values)
    for (k, metric), values in durations.items():
        _durations(_row(rows, k).metrics[metric], values)
    for metric, values in everything.items():
        _durations(total.metrics[metric], values)


def _durations(figures: MetricFigures, values: list[float]) -> None:
    figures.answered = len(values)
    figures.median_minutes = _round(percentile(values, 0.5))
    figures.p90_minutes = _round(percentile(values, 0.9))


def _text(value) -> str:
    return "none" if value is None else day_key(value)


def _round(value) -> float | None:
    return None if value is None else round(float(value), 1)


def _labels(rows: list[ReportRow], group_by: str, locale: str) -> None:
    english = locale.startswith("en")
    none_label = {Grouping.QUEUE: ("(큐 없음)", "(no queue)"), Grouping.AGENT: ("(미배정)", "(unassigned)"),
                  Grouping.CATEGORY: ("(유형 없음)", "(no category)")}
    ids = [int(r.key) for r in rows if r.key.isdigit()]
    names: dict[str, str] = {}
    if group_by == Grouping.QUEUE:
        names = {str(q.id): q.display_name(locale) for q in db.session.scalars(
            select(SupportQueue).where(SupportQueue.id.in_(ids or [-1])))}
    elif group_by == Grouping.AGENT:
        names = {str(u.id): u.name for u in db.session.scalars(select(User).where(User.id.in_(ids or [-1])))}
    elif group_by == Grouping.CATEGORY:
        names = {str(c.id): c.display_name(locale) for c in db.session.scalars(
            select(Category).where(Category.id.in_(ids or [-1])))}
    for row in rows:
        if group_by == Grouping.WEEK:
            row.label = f"week of {row.key}" if english else f"{row.key} 주"
        elif row.key == "none":
            row.label = none_label[group_by][1 if english else 0]
        else:
            row.label = names.get(row.key, row.key)


def sla_report(actor: User, flt: ReportFilter, group_by: str, now: datetime, *, locale: str = "ko") -> SlaReport:
    """SLA compliance and response times for the range, one row per group and a total."""
    require_reader(actor)
    check_filter(flt, {} if group_by in GROUPS else {"group_by": "invalid"})
    grouped: dict[str, ReportRow] = {}
    total_row = ReportRow("all", "")
    _fill(grouped, total_row, group_by, flt, now)
    rows = list(grouped.values())
    _labels(rows, group_by, locale)
    if group_by == "week":
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-sum(m.decided + m.answered for m in r.metrics.values()), r.label))
    total_row.label = "Total" if locale.startswith("en") else "합계"
    return SlaReport(flt, group_by, rows, total_row)


def report_csv_rows(report: SlaReport) -> list[list[str]]:
    """The report as CSV rows (header first): what the table shows, one line per group and the total."""
    header = ["group", "label"]
    for metric in Metric:
        header += [f"{metric.value}_met", f"{metric.value}_breached", f"{metric.value}_met_percent",
                   f"{metric.value}_answered", f"{metric.value}_median_minutes", f"{metric.value}_p90_minutes"]
    out = [header]
    for row in [*report.rows, report.total]:
        line = [row.key, row.label]
        for metric in Metric:
            f = row.metrics[metric.value]
            line += [str(f.met), str(f.breached), blank(f.met_percent), str(f.answered),
                     blank(f.median_minutes), blank(f.p90_minutes)]
        out.append(line)
    return out




@dataclass
class Breach:
    """One breached target of the drill-down: its ticket, and how late it was (or still is)."""

    target: SlaTarget
    ticket: Ticket

    @property
    def still_open(self) -> bool:
        return self.target.fulfilled_at is None


@dataclass
class BreachList:
    breaches: list[Breach]
    total: int
    limit: int


def _group_clause(group_by: str, key: str):
    if group_by == Grouping.WEEK:
        try:
            monday = date.fromisoformat(key)
        except ValueError:
            raise invalid({"key": "invalid"}, "주 조건이 올바르지 않습니다.", "The week is invalid.") from None
        week = week_of(T.due_at)
        return week == (monday if db.engine.dialect.name == "postgresql" else monday.isoformat())
    column = {Grouping.QUEUE: T.queue_id, Grouping.AGENT: T.assignee_id, Grouping.CATEGORY: T.category_id}[
        Grouping(group_by)]
    if key == "none":
        return column.is_(None)
    if not key.isdigit() or len(key) > 9:
        raise invalid({"key": "invalid"}, "묶음 조건이 올바르지 않습니다.", "The group is invalid.")
    return column == int(key)


def breached_targets(actor: User, flt: ReportFilter, now: datetime, *, metric: str | None = None,
                     group_by: str | None = None, key: str | None = None, limit: int = 200) -> BreachList:
    """The targets the report counts as breached in the range (those of one row and one target
    kind, when given), the latest due first: the lead's way from a figure to the tickets."""
    require_reader(actor)
    extra = {}
    if metric and metric not in {m.value for m in Metric}:
        extra["metric"] = "invalid"
    if group_by and group_by not in GROUPS:
        extra["group_by"] = "invalid"
    check_filter(flt, extra)
    start, end = range_bounds(flt)
    breached = is_breached(now)
    stmt = _narrowed(select(T, Ticket).join(Ticket, Ticket.id == T.ticket_id)
                     .where(breached, T.due_at >= start, T.due_at < end), flt)
    if metric:
        stmt = stmt.where(T.metric == metric)
    if group_by and key:
        stmt = stmt.where(_group_clause(group_by, key))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(stmt.order_by(T.due_at.desc(), T.id.desc()).limit(limit)).all()
    return BreachList([Breach(target, ticket) for target, ticket in rows], int(total), limit)
