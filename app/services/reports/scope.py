"""What every report shares: who may read it, the date range and narrowing, Seoul days in SQL.

Reports are for leads and admins (``access.can_see_reports``). A range is a span of Seoul
days, inclusive, at most a year; the narrowing (queue, category, agent, membership,
priority) is applied to the ticket a figure belongs to.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, cast, func, select

from app.domain import access
from app.domain.errors import Forbidden, invalid
from app.domain.vocabulary import SEOUL, STAFF_ROLES, Membership, Priority
from app.extensions import db
from app.models import Category, SupportQueue, Ticket, User

DEFAULT_DAYS = 28
MAX_DAYS = 366


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

    @property
    def narrowed(self) -> bool:
        return any(v is not None for v in (self.queue, self.category, self.agent_id, self.membership,
                                           self.priority))

    @property
    def days(self) -> list[date]:
        return [self.date_from + timedelta(days=i) for i in range((self.date_to - self.date_from).days + 1)]


@dataclass
class ReportChoices:
    """What the report's filter selects offer: queues, categories and the staff who work tickets."""

    queues: list[SupportQueue]
    categories: list[Category]
    agents: list[User]


def require_reader(actor: User) -> None:
    """Refuse anyone but a lead or an admin."""
    if not access.can_see_reports(actor.actor()):
        raise Forbidden("보고서는 팀장과 관리자만 볼 수 있습니다.", "Only leads and admins can see reports.")


def report_choices(actor: User) -> ReportChoices:
    """The filter choices of the report pages (leads and admins only)."""
    require_reader(actor)
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


def check_filter(flt: ReportFilter, extra: dict | None = None) -> None:
    """Refuse a range that runs backwards or spans more than a year, and an unknown tier or priority."""
    fields = dict(extra or {})
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


def seoul_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SEOUL)


def range_bounds(flt: ReportFilter) -> tuple[datetime, datetime]:
    """The filter's Seoul days as [start, end) instants."""
    return seoul_midnight(flt.date_from), seoul_midnight(flt.date_to + timedelta(days=1))


def seoul_day(column):
    """The Seoul calendar day of a stored UTC time, in the database's SQL (a date on PostgreSQL,
    ISO text on SQLite; ``day_key`` reads either)."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone("Asia/Seoul", func.timezone("UTC", column)), Date)
    return func.date(column, "+9 hours")   # SQLite stores naive UTC text


def week_of(column):
    """The Monday (Seoul) of the week of a stored UTC time, as a date, in the database's SQL."""
    return week_of_date(seoul_day(column))


def week_of_date(column):
    """The Monday of the week of a stored Seoul *date* (not a time), in the database's SQL."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.date_trunc("week", column), Date)
    return func.date(column, "weekday 0", "-6 days")


def day_key(value) -> str:
    """A grouped day as ISO text, whichever database produced it."""
    return value.isoformat() if isinstance(value, date) else str(value)


def tickets_narrowed(flt: ReportFilter, ticket=Ticket):
    """WHERE clauses narrowing ``ticket`` (the Ticket entity or an alias) to the filter."""
    clauses = []
    if flt.queue:
        clauses.append(ticket.queue_id.in_(select(SupportQueue.id).where(SupportQueue.slug == flt.queue)))
    if flt.category:
        clauses.append(ticket.category_id.in_(select(Category.id).where(Category.code == flt.category)))
    if flt.agent_id is not None:
        clauses.append(ticket.assignee_id == flt.agent_id)
    if flt.membership:
        clauses.append(ticket.requester_id.in_(select(User.id).where(User.membership == flt.membership)))
    if flt.priority:
        clauses.append(ticket.priority == flt.priority)
    return clauses


def blank(value) -> str:
    """A CSV cell: empty for no value, numbers without trailing zeros."""
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def rows_of_tickets(flt: ReportFilter, ticket_id_column) -> list:
    """WHERE clauses keeping rows of another table (messages, ratings, claims) whose ticket the
    filter keeps; none when the filter narrows nothing."""
    if not flt.narrowed:
        return []
    return [ticket_id_column.in_(select(Ticket.id).where(*tickets_narrowed(flt)))]
