"""Scheduled work: auto-close, the relay in embedded mode, and one scheduler leader at a time."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Queue
from sqlalchemy import select

from app.extensions import db
from app.jobs.periodic import auto_close_job, relay_outbox_job
from app.models import AuditEvent, OutboxEvent
from app.services import unit_of_work
from app.services.outbox import defer
from app.services.tickets.core import update_ticket
from tests.factories import make_ticket, make_user
from tests.jobs.conftest import configure


def test_auto_close_closes_only_tickets_solved_long_enough_ago(app):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    old = make_ticket(customer, now=now - timedelta(days=10))
    recent = make_ticket(customer, now=now - timedelta(days=10))
    update_ticket(agent, old, status="solved", now=now - timedelta(days=8))
    update_ticket(agent, recent, status="solved", now=now - timedelta(days=2))
    unit_of_work.commit()

    assert auto_close_job(now=now) == 1
    db.session.expire_all()
    assert old.status == "closed" and old.closed_at == now
    assert recent.status == "solved"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == old.id,
                                                        AuditEvent.new_value == "closed")).one()
    assert event.actor_id is None and event.detail == {"via": "auto_close"}
    assert auto_close_job(now=now) == 0  # running it again changes nothing


def test_relay_in_embedded_mode_delivers_what_failed_before(app):
    configure([app], REDIS_URL=None)
    customer = make_user("customer")
    created = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    event = defer("notify", {"user_id": customer.id, "kind": "ticket_received", "data": {}}, created)
    # Committed without running the hook, as when the process died right after the commit.
    db.session.info.pop("munui_after_commit", None)
    db.session.commit()
    assert relay_outbox_job(now=created + timedelta(seconds=5)) == 0  # still in its grace period
    assert relay_outbox_job(now=created + timedelta(minutes=1)) == 1
    db.session.expire_all()
    assert db.session.get(OutboxEvent, event.id).delivered_at is not None


def test_embedded_ticker_runs_the_relay(app):
    from app.jobs.embedded import start_ticker

    configure([app], REDIS_URL=None)
    customer = make_user("customer")
    event = defer("notify", {"user_id": customer.id, "kind": "ticket_received", "data": {}},
                  datetime.now(UTC) - timedelta(minutes=5))
    db.session.info.pop("munui_after_commit", None)
    db.session.commit()
    ticker = start_ticker(app, interval=0.1)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.get(OutboxEvent, event.id).delivered_at is not None:
                break
            time.sleep(0.1)
        assert db.session.get(OutboxEvent, event.id).delivered_at is not None
    finally:
        ticker.stop.set()
        ticker.join(5)


def test_only_one_scheduler_enqueues_periodic_jobs(redis_url):
    from worker import LeaderCronScheduler

    connection = Redis.from_url(redis_url)
    first = LeaderCronScheduler(connection=connection, name="first")
    second = LeaderCronScheduler(connection=connection, name="second")
    for scheduler in (first, second):
        scheduler.register(relay_outbox_job, "default", interval=30)
    assert len(first.enqueue_jobs()) == 1
    assert second.enqueue_jobs() == []
    assert Queue("default", connection=connection).count == 1
    # The leader's lease lapses (it died): the other one takes over.
    connection.delete("munui:cron-leader")
    assert len(second.enqueue_jobs()) == 1
