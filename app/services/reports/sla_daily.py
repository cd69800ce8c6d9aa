"""The SLA report's daily figures: closed Seoul days summed once, the rest read raw.

A target is counted on the Seoul day it was decided (met: fulfilled; breached: its due time
passed) and its business minutes on the day it was fulfilled. Once a day has ended, nothing
about it moves with the clock, so the worker sums it (``roll_up_days``) into
``sla_daily_figures``: per target kind and per combination of queue, assignee and category,
the met and breached counts and every duration. The report then reads a
quarter from those rows and only today (and any day not yet summed) from ``sla_targets``,
with the same figures: counts are sums, and the percentiles are computed from the kept
durations, not from a histogram. A report narrowed by priority or membership tier reads
every day raw (those are not kept, so the rows stay few).

A change to a target of an ended day (a late reply, a ticket moved to another queue) marks
that day to be read raw again (``mark_changed``, in the writer's transaction) until the next
rollup sums it anew. Writers and the rollup lock the day's ``sla_rollup_days`` row, so a
change committed while a rollup reads is never lost: either the rollup sees it or the
change marks the day after the rollup's commit.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, delete, func, insert, or_, select, update

from app.domain.vocabulary import SEOUL
from app.extensions import db, dialect_insert
from app.models import SlaDailyFigures, SlaRollupDay, SlaTarget
from app.services.reports.scope import MAX_DAYS, seoul_midnight

T = SlaTarget
D = SlaDailyFigures
# A day is summed an hour after it ends: longer than any writer's transaction, so no change
# to the day can still be in flight when it is read.
ROLLUP_GRACE = timedelta(hours=1)
LOOKBACK_DAYS = MAX_DAYS + 7     # the longest report range, ending yesterday, and a week's margin
DAYS_PER_RUN = 60                # one run's share of a backlog (a new desk's year catches up in minutes)
_MARKED = "munui_sla_days_marked"   # session.info: (transaction, days it marked)
GROUPED = ("queue_id", "assignee_id", "category_id")   # what a daily row is kept by


def is_met():
    return T.outcome == "met"


def is_breached(now: datetime):
    """Breached: fulfilled late, or not fulfilled and past due."""
    return or_(T.outcome == "breached", and_(T.outcome.is_(None), T.due_at <= now))


def decided_counts(now: datetime, keys: list, *, fulfilled_in, due_in):
    """Met and breached targets per (``keys``…, metric): a met one where its fulfilment falls
    (``fulfilled_in``), a breached one where its due time does (``due_in``) — the report's
    counting, for a summed day and for the raw days alike."""
    met, breached = is_met(), is_breached(now)
    return (select(*keys, T.metric, func.sum(case((met, 1), else_=0)), func.sum(case((breached, 1), else_=0)))
            .where(or_(and_(met, fulfilled_in), and_(breached, due_in))).group_by(*keys, T.metric))


def seoul_date(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(SEOUL).date()


def mark_changed(moments: Iterable[datetime | None], now: datetime) -> None:
    """Have the ended days of these times (a changed target's old and new due and fulfilment
    times) read raw until they are summed again. Runs in the writer's transaction."""
    today = now.astimezone(SEOUL).date()
    days = {d for d in map(seoul_date, moments) if d is not None and d < today}
    if not days:
        return
    # Once per day and transaction: a sweep escalating a thousand tickets marks a few days.
    transaction = db.session().get_transaction()
    done = db.session.info.get(_MARKED)
    if done is None or done[0] is not transaction:
        done = db.session.info[_MARKED] = (transaction, set())
    days -= done[1]
    done[1].update(days)
    for day in sorted(days):   # in day order, so two writers lock rows in the same order
        db.session.execute(dialect_insert(SlaRollupDay).values(day=day, rolled_at=None)
                           .on_conflict_do_update(index_elements=["day"], set_={"rolled_at": None}))


def last_closed_day(now: datetime) -> date:
    """The newest Seoul day that may be summed at ``now``."""
    return (now - ROLLUP_GRACE).astimezone(SEOUL).date() - timedelta(days=1)


def days_to_roll(now: datetime) -> list[date]:
    """Ended days of the lookback that are not summed (never, or changed since), newest first."""
    last = last_closed_day(now)
    first = last - timedelta(days=LOOKBACK_DAYS - 1)
    clean = set(db.session.scalars(select(SlaRollupDay.day).where(
        SlaRollupDay.day.between(first, last), SlaRollupDay.rolled_at.is_not(None))))
    return [d for d in (last - timedelta(days=i) for i in range(LOOKBACK_DAYS)) if d not in clean]


def roll_up_days(now: datetime, limit: int = DAYS_PER_RUN) -> int:
    """Sum up to ``limit`` ended days that need it, one transaction each; returns how many."""
    done = 0
    for day in days_to_roll(now)[:limit]:
        done += roll_up_day(day, now)
        db.session.commit()
    db.session.rollback()
    return done


def roll_up_day(day: date, now: datetime) -> int:
    """Replace one ended day's figures with a fresh sum of its targets (1, or 0 when another
    worker summed it first). The caller commits."""
    if day > last_closed_day(now):
        raise ValueError(f"{day} has not ended long enough ago to be summed")
    db.session.execute(dialect_insert(SlaRollupDay).values(day=day, rolled_at=None)
                       .on_conflict_do_nothing(index_elements=["day"]))
    state = db.session.execute(select(SlaRollupDay).where(SlaRollupDay.day == day)
                               .with_for_update()).scalar_one()
    if state.rolled_at is not None:
        return 0
    db.session.execute(delete(D).where(D.day == day))
    rows = list(_sums(day, now).values())
    if rows:
        db.session.execute(insert(D), rows)
    db.session.execute(update(SlaRollupDay).where(SlaRollupDay.day == day).values(rolled_at=now))
    return 1


def _sums(day: date, now: datetime) -> dict[tuple, dict]:
    start, end = seoul_midnight(day), seoul_midnight(day + timedelta(days=1))
    dims = [getattr(T, name) for name in GROUPED]
    rows: dict[tuple, dict] = {}

    def row(metric: str, values: tuple) -> dict:
        key = (metric, *values)
        return rows.setdefault(key, {"day": day, "metric": metric, **dict(zip(GROUPED, values, strict=True)),
                                     "met": 0, "breached": 0, "minutes": []})

    counts = decided_counts(now, dims, fulfilled_in=and_(T.fulfilled_at >= start, T.fulfilled_at < end),
                            due_in=and_(T.due_at >= start, T.due_at < end))
    for *values, metric, n_met, n_breached in db.session.execute(counts):
        figures = row(metric, tuple(values))
        figures["met"], figures["breached"] = int(n_met or 0), int(n_breached or 0)
    durations = (select(T.metric, *dims, T.business_minutes)
                 .where(T.fulfilled_at >= start, T.fulfilled_at < end, T.business_minutes.is_not(None)))
    for metric, *values, minutes in db.session.execute(durations):
        row(metric, tuple(values))["minutes"].append(float(minutes))
    for figures in rows.values():
        figures["minutes"].sort()
    return rows


@dataclass(frozen=True)
class DaySplit:
    """A report range's days: those read from the daily figures and the runs read raw."""

    summed: list[date]
    raw: list[tuple[datetime, datetime]]    # [start, end) instants of consecutive raw days

    def raw_clause(self, column):
        """``column`` falls on one of the raw days."""
        return or_(*[and_(column >= start, column < end) for start, end in self.raw])


def split_days(days: list[date], *, summed_usable: bool = True) -> DaySplit:
    """Which of a range's days are summed and clean (read from ``sla_daily_figures``); none
    when the report narrows by what the daily rows do not keep (``summed_usable`` False)."""
    if not days:
        return DaySplit([], [])
    summed = set() if not summed_usable else set(db.session.scalars(select(SlaRollupDay.day).where(
        SlaRollupDay.day.between(days[0], days[-1]), SlaRollupDay.rolled_at.is_not(None))))
    runs: list[tuple[datetime, datetime]] = []
    for day in days:
        if day in summed:
            continue
        start, end = seoul_midnight(day), seoul_midnight(day + timedelta(days=1))
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return DaySplit(sorted(summed), runs)

