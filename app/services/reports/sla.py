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

Grouped by queue, agent, category or week (Monday–Sunday, Seoul), with a total row; every
figure is one aggregate query over indexed columns (``ix_sla_targets_fulfilled``,
``ix_sla_targets_due``), so the cost follows the range, not the table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import Date, and_, case, cast, func, literal, or_, select

from app.domain import access
from app.domain.errors import Forbidden, invalid
from app.domain.sla import Metric, percentile
from app.domain.vocabulary import SEOUL, STAFF_ROLES, Membership, Priority
from app.extensions import db
from app.models import Category, SlaTarget, SupportQueue, User


class Grouping(StrEnum):
    """What the report's rows are (``group_by``; the API's vocabulary)."""

    QUEUE = "queue"
    AGENT = "agent"       # the ticket's assignee
    CATEGORY = "category"
    WEEK = "week"


GROUPS = tuple(g.value for g in Grouping)
DEFAULT_DAYS = 28
MAX_DAYS = 366
T = SlaTarget


@dataclass(frozen=True)
class ReportFilter:
    """A date range in Seoul days (inclusive) and the optional narrowing of the report."""

    date_from: date
    date_to: date
    queue: str | None = None       # queue slug
    category: str | None = None    # category code
    agent_id: int | None = None
    membership: str | None = None
    priority: str | None = None


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


@dataclass
class ReportChoices:
    """What the report's filter selects offer: queues, categories and the staff who work tickets."""

    queues: list[SupportQueue]
    categories: list[Category]
    agents: list[User]


def report_choices(actor: User) -> ReportChoices:
    """The filter choices of the report page (leads and admins only)."""
    if not access.can_see_reports(actor.actor()):
        raise Forbidden("보고서는 팀장과 관리자만 볼 수 있습니다.", "Only leads and admins can see reports.")
    return ReportChoices(
        queues=list(db.session.scalars(select(SupportQueue).order_by(SupportQueue.id))),
        categories=list(db.session.scalars(select(Category).order_by(Category.position, Category.id))),
        agents=list(db.session.scalars(select(User).where(User.role.in_(sorted(STAFF_ROLES)))
                                       .order_by(User.name, User.id))),
    )


def default_range(now: datetime) -> tuple[date, date]:
    """The last four weeks, in Seoul days, ending today."""
    today = now.astimezone(SEOUL).date()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def check_filter(flt: ReportFilter, group_by: str) -> None:
    """Refuse a range that runs backwards or spans more than a year, and an unknown grouping."""
    fields = {}
    if group_by not in GROUPS:
        fields["group_by"] = "invalid"
    if flt.date_to < flt.date_from:
        fields["to"] = "before_from"
    elif (flt.date_to - flt.date_from).days >= MAX_DAYS:
        fields["to"] = "too_long"
    if flt.membership and flt.membership not in {m.value for m in Membership}:
        fields["membership"] = "invalid"
    if flt.priority and flt.priority not in {p.value for p in Priority}:
        fields["priority"] = "invalid"
    if fields:
        raise invalid(fields, "보고서 조건을 확인해 주세요. (기간은 1년 이내, 시작일이 종료일보다 앞서야 합니다)",
                      "Check the report's conditions (a range of at most a year, from before to).")


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SEOUL)


def range_bounds(flt: ReportFilter) -> tuple[datetime, datetime]:
    """The filter's Seoul days as [start, end) instants."""
    return _utc_start(flt.date_from), _utc_start(flt.date_to + timedelta(days=1))


def _week_of(column):
    """The Monday (Seoul) of the week of a stored UTC time, as a date, in the database's SQL."""
    if db.engine.dialect.name == "postgresql":
        local = func.timezone("Asia/Seoul", func.timezone("UTC", column))
        return cast(func.date_trunc("week", local), Date)
    # SQLite stores naive UTC text: shift to Seoul, go to the week's Sunday, back to its Monday.
    return func.date(column, "+9 hours", "weekday 0", "-6 days")


def _narrowed(stmt, flt: ReportFilter):
    if flt.queue:
        stmt = stmt.where(T.queue_id.in_(select(SupportQueue.id).where(SupportQueue.slug == flt.queue)))
    if flt.category:
        stmt = stmt.where(T.category_id.in_(select(Category.id).where(Category.code == flt.category)))
    if flt.agent_id is not None:
        stmt = stmt.where(T.assignee_id == flt.agent_id)
    if flt.membership:
        stmt = stmt.where(T.membership == flt.membership)
    if flt.priority:
        stmt = stmt.where(T.priority == flt.priority)
    return stmt


def _key(group_by: str | None, when):
    if group_by is None:
        return literal("all")
    columns = {Grouping.QUEUE: T.queue_id, Grouping.AGENT: T.assignee_id, Grouping.CATEGORY: T.category_id}
    return _week_of(when) if group_by == Grouping.WEEK else columns[Grouping(group_by)]


def _fill(rows: dict[str, ReportRow], group_by: str | None, flt: ReportFilter, now: datetime) -> None:
    start, end = _utc_start(flt.date_from), _utc_start(flt.date_to + timedelta(days=1))
    met = T.outcome == "met"
    breached = or_(T.outcome == "breached", and_(T.outcome.is_(None), T.due_at <= now))
    decided_at = case((met, T.fulfilled_at), else_=T.due_at)
    key = _key(group_by, decided_at)
    counts = _narrowed(
        select(key, T.metric, func.sum(case((met, 1), else_=0)), func.sum(case((breached, 1), else_=0)))
        .where(or_(and_(met, T.fulfilled_at >= start, T.fulfilled_at < end),
                   and_(breached, T.due_at >= start, T.due_at < end)))
        .group_by(key, T.metric), flt)
    for k, metric, n_met, n_breached in db.session.execute(counts):
        figures = rows.setdefault(_text(k), ReportRow(_text(k), "")).metrics[metric]
        figures.met, figures.breached = int(n_met or 0), int(n_breached or 0)

    key = _key(group_by, T.fulfilled_at)
    answered = and_(T.fulfilled_at >= start, T.fulfilled_at < end, T.business_minutes.is_not(None))
    if db.engine.dialect.name == "postgresql":
        stmt = _narrowed(
            select(key, T.metric, func.count(),
                   func.percentile_cont(0.5).within_group(T.business_minutes),
                   func.percentile_cont(0.9).within_group(T.business_minutes))
            .where(answered).group_by(key, T.metric), flt)
        for k, metric, n, median, p90 in db.session.execute(stmt):
            figures = rows.setdefault(_text(k), ReportRow(_text(k), "")).metrics[metric]
            figures.answered, figures.median_minutes, figures.p90_minutes = int(n), _round(median), _round(p90)
        return
    durations: dict[tuple[str, str], list[float]] = {}
    for k, metric, minutes in db.session.execute(_narrowed(select(key, T.metric, T.business_minutes)
                                                           .where(answered), flt)):
        durations.setdefault((_text(k), metric), []).append(minutes)
    for (k, metric), values in durations.items():
        figures = rows.setdefault(k, ReportRow(k, "")).metrics[metric]
        figures.answered = len(values)
        figures.median_minutes = _round(percentile(values, 0.5))
        figures.p90_minutes = _round(percentile(values, 0.9))


def _text(value) -> str:
    if value is None:
        return "none"
    return value.isoformat() if isinstance(value, date) else str(value)


def _round(value) -> float | None:
    return None if value is None else round(float(value), 1)


def _labels(rows: list[ReportRow], group_by: str, locale: str) -> None:
    english = locale.startswith("en")
    none_label = {Grouping.QUEUE: ("(큐 없음)", "(no queue)"), Grouping.AGENT: ("(미배정)", "(unassigned)"),
                  Grouping.CATEGORY: ("(유형 없음)", "(no category)")}
    ids = [int(r.key) for r in rows if r.key.isdigit()]
    names: dict[str, str] = {}
    if group_by == "queue":
        names = {str(q.id): q.display_name(locale) for q in db.session.scalars(
            select(SupportQueue).where(SupportQueue.id.in_(ids or [-1])))}
    elif group_by == Grouping.AGENT:
        names = {str(u.id): u.name for u in db.session.scalars(select(User).where(User.id.in_(ids or [-1])))}
    elif group_by == "category":
        names = {str(c.id): c.display_name(locale) for c in db.session.scalars(
            select(Category).where(Category.id.in_(ids or [-1])))}
    for row in rows:
        if group_by == "week":
            row.label = f"week of {row.key}" if english else f"{row.key} 주"
        elif row.key == "none":
            row.label = none_label[group_by][1 if english else 0]
        else:
            row.label = names.get(row.key, row.key)


def sla_report(actor: User, flt: ReportFilter, group_by: str, now: datetime, *, locale: str = "ko") -> SlaReport:
    """SLA compliance and response times for the range, one row per group and a total."""
    if not access.can_see_reports(actor.actor()):
        raise Forbidden("보고서는 팀장과 관리자만 볼 수 있습니다.", "Only leads and admins can see reports.")
    check_filter(flt, group_by)
    grouped: dict[str, ReportRow] = {}
    _fill(grouped, group_by, flt, now)
    total: dict[str, ReportRow] = {}
    _fill(total, None, flt, now)
    rows = list(grouped.values())
    _labels(rows, group_by, locale)
    if group_by == "week":
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-sum(m.decided + m.answered for m in r.metrics.values()), r.label))
    total_row = total.get("all", ReportRow("all", ""))
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
            line += [str(f.met), str(f.breached), _blank(f.met_percent), str(f.answered),
                     _blank(f.median_minutes), _blank(f.p90_minutes)]
        out.append(line)
    return out


def _blank(value) -> str:
    return "" if value is None else f"{value:g}"
