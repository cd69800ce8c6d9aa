"""Overdue refunds: every active lead hears of each one once per Seoul day until it is paid."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs.periodic import SCHEDULE, refund_overdue_job
from app.models import Notification, User
from app.services import unit_of_work
from app.services.claims.refunds import PaymentInput, record_payment
from tests.factories import make_user
from tests.refund_setup import approved_refund

SEOUL = ZoneInfo("Asia/Seoul")


def _next_seoul_morning() -> datetime:
    """09:00 KST tomorrow (the job's clock is a parameter; the refunds are made on the real one)."""
    tomorrow = datetime.now(UTC).astimezone(SEOUL).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(9), tzinfo=SEOUL).astimezone(UTC)


def _notices() -> dict[tuple[int, int], int]:
    """(lead id, refund id) → how many overdue notices the lead got about it."""
    db.session.expire_all()
    counts: dict[tuple[int, int], int] = {}
    for n in db.session.scalars(select(Notification).where(Notification.kind == "refund_overdue")):
        key = (n.user_id, n.data["refund_id"])
        counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.fixture()
def people(app):
    leads = [make_user("lead", name="박팀장"), make_user("lead", name="최팀장")]
    gone = make_user("lead", name="퇴사한 팀장")
    gone.active = False
    unit_of_work.commit()
    return {"leads": leads, "gone": gone, "agent": make_user("agent", queues=["orders"]),
            "customer": make_user("customer", name="김민지")}


def test_the_job_is_scheduled():
    assert ("app.jobs.periodic.refund_overdue_job", "default", 3600) in SCHEDULE


def test_once_a_day_per_lead_per_refund_until_paid(app, people):
    customer, leads = people["customer"], people["leads"]
    late = approved_refund(customer)
    other = approved_refund(customer, requested_days_ago=12)
    not_due = approved_refund(customer, requested_days_ago=0)
    morning = _next_seoul_morning()

    assert refund_overdue_job(now=morning) == 2
    assert refund_overdue_job(now=morning + timedelta(hours=3)) == 0  # the same Seoul day
    assert refund_overdue_job(now=morning + timedelta(hours=14, minutes=59)) == 0  # 23:59 KST
    expected = {(lead.id, r.id): 1 for lead in leads for r in (late, other)}
    assert _notices() == expected
    note = db.session.scalars(select(Notification).where(Notification.user_id == leads[0].id,
                                                         Notification.kind == "refund_overdue")).first()
    assert note.ticket_id in (late.request.ticket_id, other.request.ticket_id)
    assert note.data["days_late"] >= 1 and note.data["due_by"]

    # The next Seoul day (00:00 KST is 15:00 UTC): again, once.
    next_day = morning + timedelta(hours=15)
    assert refund_overdue_job(now=next_day) == 2
    assert refund_overdue_job(now=next_day + timedelta(hours=1)) == 0
    assert _notices() == {key: 2 for key in expected}

    # Paid: no more notices about it; the other one still comes.
    record_payment(people["agent"], late, PaymentInput(note="입금 확인(통장 내역)"), via="desk",
                   now=next_day + timedelta(hours=2))
    unit_of_work.commit()
    assert refund_overdue_job(now=next_day + timedelta(days=1)) == 1
    counts = _notices()
    assert all(counts[(lead.id, late.id)] == 2 for lead in leads)
    assert all(counts[(lead.id, other.id)] == 3 for lead in leads)
    # Nobody but the active leads hears, and nothing about the refund not yet due.
    assert {user_id for user_id, _r in counts} == {lead.id for lead in leads}
    assert not any(refund_id == not_due.id for _u, refund_id in counts)


@pytest.mark.parametrize("round_", range(5))
def test_two_workers_at_once_announce_each_refund_once(app, web_app, people, round_):
    """Two job runs at the same moment, each in its own app context and connection."""
    refund_ids = [approved_refund(people["customer"]).id for _ in range(3)]
    morning = _next_seoul_morning()
    barrier = threading.Barrier(2)
    announced: list[int] = []
    errors: list[BaseException] = []

    def worker():
        try:
            with web_app.app_context():
                barrier.wait()
                announced.append(refund_overdue_job(now=morning))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(announced) == 3
    lead_ids = [u.id for u in db.session.scalars(select(User).where(User.role == "lead", User.active.is_(True)))]
    assert _notices() == {(lead, r): 1 for lead in lead_ids for r in refund_ids}
