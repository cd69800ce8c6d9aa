"""Side effects that are neither lost nor doubled: a real Redis, a real worker, a real SMTP server."""
from __future__ import annotations

import io
import os
import signal
import time
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import func, select

from app.extensions import db
from app.jobs.dispatch import enqueue_events, process_event
from app.jobs.periodic import relay_outbox_job
from app.models import Notification, OutboxEvent, SentEmail, Ticket
from app.services import unit_of_work
from app.services.outbox import defer
from tests.factories import bearer, login, make_order, make_user
from tests.jobs.conftest import configure, run_worker_burst, start_worker


def file_inquiry(client, customer, **extra):
    order = make_order(customer)
    response = client.post("/api/v1/tickets", headers=bearer(customer), json={
        "category": "delivery", "order_number": order.number, "subject": "배송이 아직 안 왔어요",
        "body": "언제 받을 수 있을까요?", **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["number"]


def notifications_of(user, kind):
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.kind == kind))


def undelivered_count():
    return db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.delivered_at.is_(None)))


def test_filing_with_a_worker_sends_one_email_and_one_notification(
        app, web_app, client, redis_url, smtp_sink, worker_env):
    sink, port = smtp_sink
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    customer = make_user("customer", name="김민지")
    number = file_inquiry(client, customer)
    # Nothing has run yet: the jobs wait in Redis for a worker.
    assert notifications_of(customer, "ticket_received") == 0
    assert Queue("email", connection=Redis.from_url(redis_url)).count == 1

    result = run_worker_burst(worker_env())
    assert result.returncode == 0, result.stdout + result.stderr

    messages = sink.wait_for(1)
    assert len(messages) == 1
    assert messages[0]["To"].endswith(f"<{customer.email}>")
    assert number in str(messages[0]["Subject"])
    db.session.expire_all()
    assert notifications_of(customer, "ticket_received") == 1
    ledger = db.session.scalars(select(SentEmail)).one()
    assert ledger.sent_at is not None and ledger.message_id == messages[0]["Message-ID"]
    assert undelivered_count() == 0


def test_redis_down_while_filing_loses_nothing(app, web_app, client, private_redis, smtp_sink, worker_env):
    sink, port = smtp_sink
    configure([app, web_app], REDIS_URL=private_redis.url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    customer = make_user("customer")
    private_redis.stop()

    number = file_inquiry(client, customer)  # still 201: the ticket and its outbox rows are committed
    db.session.expire_all()
    assert db.session.scalar(select(Ticket).where(Ticket.number == number)) is not None
    pending = db.session.scalars(select(OutboxEvent)).all()
    assert pending and all(e.enqueued_at is None and e.delivered_at is None for e in pending)

    private_redis.start()
    later = pending[-1].created_at + relay_grace()
    assert relay_outbox_job(now=later) == len(pending)
    result = run_worker_burst(worker_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(sink.wait_for(1)) == 1
    time.sleep(0.5)
    assert len(sink.messages) == 1
    db.session.expire_all()
    assert undelivered_count() == 0
    # The relay runs again: nothing is left to hand over, and no second email goes out.
    assert relay_outbox_job(now=later) == 0


def relay_grace():
    from app.jobs.periodic import RELAY_GRACE

    return RELAY_GRACE


def test_same_job_twice_sends_one_email(app, web_app, client, redis_url, smtp_sink, worker_env):
    sink, port = smtp_sink
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    customer = make_user("customer")
    file_inquiry(client, customer)
    email_event = db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "email")).one()
    # Enqueued twice (a relay racing the first hand-over) and run by the worker.
    enqueue_events([email_event.id])
    result = run_worker_burst(worker_env())
    assert result.returncode == 0, result.stdout + result.stderr
    # And once more, directly, as a manual re-run would.
    db.session.expire_all()
    assert process_event(email_event.id) == "already-delivered"
    time.sleep(0.3)
    assert len(sink.messages) == 1


def test_mail_server_550_ends_in_failed_registry_visible_to_admins(
        app, web_app, client, make_client, redis_url, smtp_sink, worker_env):
    sink, port = smtp_sink
    sink.reject_with = "550 5.1.1 Mailbox unavailable"
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
              JOB_RETRY_INTERVALS=(0, 0))
    customer = make_user("customer")
    file_inquiry(client, customer)

    result = run_worker_burst(worker_env())
    assert result.returncode == 0, result.stdout + result.stderr
    connection = Redis.from_url(redis_url)
    failed = FailedJobRegistry(queue=Queue("email", connection=connection))
    assert len(failed.get_job_ids()) == 1
    db.session.expire_all()
    event = db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "email")).one()
    assert event.delivered_at is None and event.gave_up_at is not None
    assert event.attempts == 3 and "550" in event.last_error
    assert sink.messages == []
    # The in-app notification did not depend on the mail server.
    assert notifications_of(customer, "ticket_received") == 1
    # Not handed over again by the relay: it gave up, an admin decides.
    assert relay_outbox_job(now=event.created_at + relay_grace() * 1000) == 0

    admin = make_user("admin")
    browser = make_client()
    login(browser, admin)
    page = browser.get("/admin/operations").get_data(as_text=True)
    assert "550" in page and 'class="failed-job"' in page
    job_id = failed.get_job_ids()[0]
    sink.reject_with = None
    response = browser.post_form(f"/admin/operations/failed/email/{job_id}/retry")
    assert response.status_code == 302
    assert Queue("email", connection=connection).count == 1
    result = run_worker_burst(worker_env())
    assert result.returncode == 0
    assert len(sink.wait_for(1)) == 1


def test_rolled_back_request_enqueues_nothing(app, web_app, client, redis_url, smtp_sink):
    sink, port = smtp_sink
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    customer = make_user("customer")
    order = make_order(customer)
    response = client.post("/api/v1/tickets", headers=bearer(customer), data={
        "category": "delivery", "order_number": order.number, "subject": "s", "body": "b",
        "files": [(io.BytesIO(b"<html><script>alert(1)</script></html>"), "shot.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 415
    connection = Redis.from_url(redis_url)
    assert all(Queue(q, connection=connection).count == 0 for q in ("default", "email"))
    assert db.session.scalar(select(func.count(OutboxEvent.id))) == 0

    # And at the service level: a deferred effect of a rolled-back unit of work never runs.
    defer("notify", {"user_id": customer.id, "kind": "ticket_received", "data": {}},
          order.created_at)
    unit_of_work.rollback()
    assert Queue("default", connection=connection).count == 0
    assert db.session.scalar(select(func.count(OutboxEvent.id))) == 0


def test_worker_killed_mid_send_delivers_with_one_message_id(
        app, web_app, client, redis_url, smtp_sink, worker_env):
    sink, port = smtp_sink
    sink.delay = 3.0
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    customer = make_user("customer")
    file_inquiry(client, customer)

    worker = start_worker(worker_env())
    try:
        assert sink.data_started.wait(30), "the worker never reached the mail server"
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-DATA
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    sink.delay = 0.0
    connection = Redis.from_url(redis_url)
    queue = Queue("email", connection=connection)
    # What RQ's maintenance does once the dead worker's heartbeat expires (the RQ test suite's trick).
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 10_000)
    scheduled = ScheduledJobRegistry(queue=queue)
    for job_id in scheduled.get_job_ids():
        queue.enqueue_job(Job.fetch(job_id, connection=connection))
        scheduled.remove(job_id)
    result = run_worker_burst(worker_env())
    assert result.returncode == 0, result.stdout + result.stderr

    messages = sink.wait_for(1)
    time.sleep(3.5)  # let a stalled first delivery land, if the server kept it
    messages = list(sink.messages)
    # The contract: at least once, and every copy carries the same Message-ID.
    assert 1 <= len(messages) <= 2
    assert len({m["Message-ID"] for m in messages}) == 1
    db.session.expire_all()
    ledger = db.session.scalars(select(SentEmail)).one()
    assert ledger.sent_at is not None and ledger.message_id == messages[0]["Message-ID"]


def test_embedded_mode_runs_everything_without_redis(app, web_app, client, make_client, tmp_path):
    configure([app, web_app], REDIS_URL=None, MAIL_SERVER=None)
    customer = make_user("customer", name="이준호")
    agent = make_user("agent", queues=["orders"])
    number = file_inquiry(client, customer)
    db.session.expire_all()
    assert notifications_of(customer, "ticket_received") == 1
    desk = make_client()
    login(desk, agent)
    desk.post_form(f"/desk/tickets/{number}/messages", {"body": "내일 출고됩니다."})
    db.session.expire_all()
    assert notifications_of(customer, "agent_replied") == 1
    assert undelivered_count() == 0
    folder = Path(app.config["MAIL_FILE_DIR"])
    mails = [message_from_bytes(p.read_bytes(), policy=default) for p in sorted(folder.glob("*.eml"))]
    assert len(mails) == 2
    subjects = sorted(str(m["Subject"]) for m in mails)
    assert all(number in s for s in subjects)
    assert any("답변이 등록되었습니다" in s for s in subjects)
    reply = next(m for m in mails if "답변" in str(m["Subject"]))
    assert "내일 출고됩니다." in reply.get_body(("plain",)).get_content()


def test_email_headers_cannot_be_injected(app):
    from app.services.mail import Email, build_message

    message = build_message(Email(to="victim@example.com", to_name="김\r\nBcc: evil@example.com",
                                  subject="안녕\r\nBcc: evil@example.com", text="본문", html="<p>본문</p>",
                                  message_id="<munui.1.x@munui.local>"))
    raw = message.as_bytes()
    assert b"\nBcc:" not in raw and b"\r\nBcc:" not in raw
    assert message["To"].addresses[0].addr_spec == "victim@example.com"
