"""The SLA report's daily figures: when a day is summed, and that a later change is never lost.

On the hand-built September of tests/report_setup.py (its figures are worked out there).
"""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs.periodic import SCHEDULE, sla_rollup_job
from app.models import SlaDailyFigures, SlaRollupDay
from app.services import unit_of_work
from app.services.reports.sla import sla_report
from app.services.reports.sla_daily import LOOKBACK_DAYS, days_to_roll, mark_changed, roll_up_day, roll_up_days
from app.services.tickets.core import update_ticket
from tests.report_setup import NOW, SEPTEMBER, build_september, kst


@pytest.fixture()
def september(app):
    return build_september()


def first_response_by_queue(lead) -> dict[str, tuple[int, int, int]]:
    report = sla_report(lead, SEPTEMBER, "queue", NOW)
    return {r.label: (r.metrics["first_response"].met, r.metrics["first_response"].breached,
                      r.metrics["first_response"].answered) for r in report.rows}


def clean(day: date) -> bool:
    state = db.session.get(SlaRollupDay, day)
    db.session.expire_all()
    return state is not None and state.rolled_at is not None


def test_a_day_is_summed_an_hour_after_it_ends_and_only_then(september):
    assert days_to_roll(kst(10, 1, 0, 30))[0] == date(2026, 9, 29)   # 9/30 ended 30 minutes ago
    assert days_to_roll(kst(10, 1, 1, 0))[0] == date(2026, 9, 30)
    with pytest.raises(ValueError):
        roll_up_day(date(2026, 9, 30), kst(10, 1, 0, 30))
    assert roll_up_day(date(2026, 9, 14), NOW) == 1
    unit_of_work.commit()
    assert roll_up_day(date(2026, 9, 14), NOW) == 0      # already summed: nothing to do
    # T4 was filed 9/14 and breached its first response there: one row, in orders.
    rows = db.session.scalars(select(SlaDailyFigures).where(SlaDailyFigures.day == date(2026, 9, 14))).all()
    assert [(r.metric, r.met, r.breached, r.minutes) for r in rows] == [("first_response", 0, 1, [])]


def test_the_job_is_scheduled_and_catches_up_then_has_nothing_to_do(september):
    assert ("app.jobs.periodic.sla_rollup_job", "default", 600) in SCHEDULE
    before = first_response_by_queue(september["lead"])
    summed = 0
    while (n := sla_rollup_job(now=NOW)):
        summed += n
    assert summed == LOOKBACK_DAYS                     # a year and a week, 60 days a run
    assert all(clean(day) for day in SEPTEMBER.days)
    assert sla_rollup_job(now=NOW) == 0
    assert first_response_by_queue(september["lead"]) == before


def test_a_late_change_to_a_summed_day_is_read_raw_until_summed_again(september):
    lead, t4 = september["lead"], september["tickets"]["T4"]
    for day in SEPTEMBER.days:
        roll_up_day(day, NOW)
    unit_of_work.commit()
    assert first_response_by_queue(lead) == {"일반·회원·판매자": (3, 1, 4), "주문·배송·클레임": (0, 1, 1)}
    # A lead moves T4 back to general on 10/1: its 9/14 breach now counts in general.
    update_ticket(lead, t4, now=NOW, queue="general")
    unit_of_work.commit()
    assert not clean(date(2026, 9, 14)) and not clean(date(2026, 9, 15)) and clean(date(2026, 9, 4))
    moved = {"일반·회원·판매자": (3, 2, 5)}
    assert first_response_by_queue(lead) == moved
    assert roll_up_days(NOW) >= 2
    assert clean(date(2026, 9, 14)) and first_response_by_queue(lead) == moved


@pytest.mark.parametrize("before", ["never summed", "sent back earlier"])
def test_a_change_committed_while_the_day_is_being_summed_is_not_lost(app, september, before):
    """The writer holds the day's row; the rollup waits for it and then sums what it wrote."""
    if before == "sent back earlier":       # the day's row exists, waiting to be summed
        mark_changed([kst(9, 14, 12)], NOW)
        unit_of_work.commit()
        assert db.session.get(SlaRollupDay, date(2026, 9, 14)).rolled_at is None
    lead_id, t4_id = september["lead"].id, september["tickets"]["T4"].id
    flushed, times, errors = threading.Event(), {}, []

    def writer():
        try:
            with app.app_context():
                from app.models import Ticket, User
                update_ticket(db.session.get(User, lead_id), db.session.get(Ticket, t4_id), now=NOW,
                              queue="general")
                db.session.flush()         # the change and its mark are written, not committed
                flushed.set()
                time.sleep(0.5)            # the rollup starts meanwhile
                times["committing"] = time.monotonic()
                unit_of_work.commit()
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            flushed.set()

    def rollup():
        try:
            with app.app_context():
                flushed.wait(10)
                times["started"] = time.monotonic()
                roll_up_day(date(2026, 9, 14), NOW)
                unit_of_work.commit()
                times["summed"] = time.monotonic()
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    pool = [threading.Thread(target=writer), threading.Thread(target=rollup)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(30)
    assert not errors
    # The rollup started half a second before the writer committed and finished only after.
    assert times["summed"] > times["committing"] > times["started"]
    db.session.expire_all()
    assert clean(date(2026, 9, 14))
    # 9/14 summed after the move: T4's breach is in general, with or without the other days raw.
    assert first_response_by_queue(september["lead"]) == {"일반·회원·판매자": (3, 2, 5)}
    row = db.session.scalars(select(SlaDailyFigures).where(SlaDailyFigures.day == date(2026, 9, 14))).one()
    assert row.queue_id == september["tickets"]["T4"].queue_id
