"""The SLA sweep in a real worker: a breach is recorded and announced once, however often it runs."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from app.extensions import db
from app.jobs.periodic import sla_sweep_job
from app.models import Notification, SlaEvent
from app.services import unit_of_work
from app.services.tickets.core import update_ticket
from tests.factories import make_ticket, make_user
from tests.jobs.conftest import configure, run_worker_burst


def test_breach_notifies_once_even_if_the_sweep_runs_twice(app, web_app, redis_url, smtp_sink, worker_env):
    sink, port = smtp_sink
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    customer = make_user("customer")
    agent = make_user("agent", name="김상담", queues=["general"])
    lead = make_user("lead", name="박팀장", queues=["general"])
    # Filed two weeks ago and never answered: first response and resolution are both overdue.
    ticket = make_ticket(customer, now=datetime.now(UTC) - timedelta(days=14))
    update_ticket(agent, ticket, assignee_id=agent.id, now=datetime.now(UTC) - timedelta(days=14))
    unit_of_work.commit()

    queue = Queue("sla", connection=Redis.from_url(redis_url))
    queue.enqueue(sla_sweep_job)
    queue.enqueue(sla_sweep_job)
    result = run_worker_burst(worker_env())
    assert result.returncode == 0, result.stdout + result.stderr
    db.session.expire_all()

    breaches = db.session.scalars(select(SlaEvent).where(SlaEvent.kind == "breached")).all()
    assert sorted(e.metric for e in breaches) == ["first_response", "resolution"]
    for user in (agent, lead):
        count = db.session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.kind == "sla_breach"))
        assert count == 2, user.name  # one per breached target (each names it), not one per sweep
    staff_mail = [m for m in sink.wait_for(4) if "SLA" in str(m["Subject"])]
    assert len(staff_mail) == 4
    assert len({m["Message-ID"] for m in staff_mail}) == 4

    # A third sweep, later: nothing new.
    queue.enqueue(sla_sweep_job)
    assert run_worker_burst(worker_env()).returncode == 0
    db.session.expire_all()
    assert db.session.scalar(select(func.count(SlaEvent.id)).where(SlaEvent.kind == "breached")) == 2
