"""Two SLA sweeps at once (two workers' schedulers, or a worker and `flask sla sweep`): every
warning and breach is recorded once and told once, however the two interleave.

On PostgreSQL the sweeps lock the tickets they read and skip the ones the other holds; on
SQLite the second waits for the first's write and, finding its alerts recorded, does them again
carefully. Either way the unique key per ticket, target, cycle and kind has the last word.
"""
from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxEvent, SlaEvent, Ticket
from app.services import unit_of_work
from app.services.sla.sweep import sweep
from tests.factories import make_ticket, make_user

KST = ZoneInfo("Asia/Seoul")
FILED = datetime(2026, 11, 25, 10, 0, tzinfo=KST)
SWEPT = datetime(2026, 11, 27, 10, 0, tzinfo=KST)     # past every first-response due time


def test_two_sweeps_at_once_record_and_tell_each_breach_once(app):
    customer = make_user("customer", name="김민지")
    agent = make_user("agent", name="김상담", queues=["general"])
    make_user("lead", name="박팀장", queues=["general"])
    tickets = [make_ticket(customer, subject=f"배송 문의 {i}", now=FILED) for i in range(40)]
    for ticket in tickets:
        ticket.assignee_id = agent.id
    unit_of_work.commit()
    ids = {t.id for t in tickets}

    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                while True:     # as the job does: batches until nothing is due
                    result = sweep(SWEPT, limit=15)
                    unit_of_work.commit()
                    results.append(result)
                    if result.checked == 0:
                        break
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    pool = [threading.Thread(target=run) for _ in range(2)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(120)
    assert not errors

    db.session.expire_all()
    alerts = Counter((e.ticket_id, e.metric, e.cycle, e.kind) for e in db.session.scalars(
        select(SlaEvent).where(SlaEvent.alert_key.is_not(None))))
    assert {key[0] for key in alerts} == ids                        # every ticket was swept
    assert set(alerts.values()) == {1}                              # each alert recorded once
    breaches = {key for key in alerts if key[3] == "breached"}
    assert {(t, m) for t, m, _, _ in breaches} >= {(i, "first_response") for i in ids}
    # What the two sweeps say they recorded is what is stored: no alert counted by both.
    assert sum(r.breached + r.warned for r in results) == len(alerts)
    # Each breach told once to the assignee and once to the lead, in-app.
    told = Counter((e.payload["user_id"], e.payload["ticket_id"], e.payload["data"]["metric"])
                   for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "notify"))
                   if e.payload["kind"] == "sla_breach")
    assert len(told) == 2 * len(breaches) and set(told.values()) == {1}
    # Nothing is left due: the sweeps stored each ticket's next check past now.
    assert db.session.scalar(select(Ticket.id).where(Ticket.sla_next_check_at <= SWEPT.astimezone(KST))) is None
