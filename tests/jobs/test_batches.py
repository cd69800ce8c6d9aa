"""A worker's job takes the outbox jobs queued behind it along (app/jobs/queue_mates.py), and the
guarantees of one job per event still hold: one email and one notification per event, one
Message-ID per outbox row, per-event retries ending in the failed registry, a worker killed
mid-batch, several workers on one queue. Real Redis, real worker.py processes, real SMTP."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification, OutboxEvent, SentEmail
from tests.factories import make_user
from tests.jobs.conftest import ROOT, configure, run_worker_burst, start_worker
from tests.jobs.test_background_work import file_inquiry


def file_many(client, count: int) -> list:
    customers = [make_user("customer") for _ in range(count)]
    for customer in customers:
        file_inquiry(client, customer)
    return customers


def assert_each_once(sink, customers) -> None:
    """One email per customer, each with its own Message-ID, matching its ledger row; one notification each."""
    messages = list(sink.messages)
    assert sorted(m["To"].split("<")[-1].rstrip(">") for m in messages) == sorted(c.email for c in customers)
    db.session.expire_all()
    ledger = {row.message_id: row for row in db.session.scalars(select(SentEmail))}
    assert len(ledger) == len(customers) and all(row.sent_at is not None for row in ledger.values())
    assert {m["Message-ID"] for m in messages} == set(ledger)
    for customer in customers:
        assert db.session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == customer.id, Notification.kind == "ticket_received")) == 1
    assert db.session.scalar(select(func.count(OutboxEvent.id)).where(
        OutboxEvent.kind.in_(("notify", "email")), OutboxEvent.delivered_at.is_(None))) == 0


def test_a_backlog_goes_out_in_batches_over_one_smtp_connection_each(
        app, web_app, client, redis_url, smtp_sink, worker_env):
    sink, port = smtp_sink
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    customers = file_many(client, 12)

    result = run_worker_burst(worker_env(JOB_BATCH_SIZE=5), args=("--queues", "default", "email"))
    assert result.returncode == 0, result.stdout + result.stderr

    assert len(sink.wait_for(12)) == 12
    time.sleep(0.3)
    assert_each_once(sink, customers)
    # 12 emails in batches of at most 5: three SMTP connections, not twelve.
    assert len(sink.sessions) == 3
    # The notifications went in one transaction per batch.
    assert result.stderr.count("delivered in one transaction") == 3


def test_a_refused_email_in_a_batch_retries_alone_and_ends_in_the_failed_registry(
        app, web_app, client, redis_url, smtp_sink, worker_env):
    sink, port = smtp_sink
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
              JOB_RETRY_INTERVALS=(0, 0))
    customers = file_many(client, 4)
    refused = customers[2]  # not the first: its job is taken along by the first one's
    sink.reject_for = {refused.email}

    result = run_worker_burst(worker_env(), args=("--queues", "default", "email"))
    assert result.returncode == 0, result.stdout + result.stderr

    db.session.expire_all()
    event = next(e for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "email"))
                 if e.payload["user_id"] == refused.id)
    # Three attempts, as for an email alone: the batch's, then its own job's two retries.
    assert event.delivered_at is None and event.gave_up_at is not None
    assert event.attempts == 3 and "550" in event.last_error
    failed = FailedJobRegistry(queue=Queue("email", connection=Redis.from_url(redis_url)))
    assert failed.get_job_ids() == [f"outbox-{event.id}"]
    delivered = [m["To"] for m in sink.messages]
    assert len(delivered) == 3 and not any(refused.email in to for to in delivered)


def test_worker_killed_mid_batch_delivers_every_email_with_its_message_id(
        app, web_app, client, redis_url, smtp_sink, worker_env):
    sink, port = smtp_sink
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    customers = file_many(client, 5)
    connection = Redis.from_url(redis_url)
    queue = Queue("email", connection=connection)
    assert queue.count == 5
    sink.delay = 3.0

    worker = start_worker(worker_env(), args=("--queues", "email"))
    try:
        assert sink.data_started.wait(30), "the worker never reached the mail server"
        # The first job took the other four along: the queue is empty, the claim is in its meta.
        assert queue.count == 0
        os.killpg(worker.pid, signal.SIGKILL)  # mid-DATA of the batch's first email
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    sink.delay = 0.0
    # What RQ's maintenance does once the dead worker's heartbeat expires; then the retry is due.
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 10_000)
    scheduled = ScheduledJobRegistry(queue=queue)
    for job_id in scheduled.get_job_ids():
        queue.enqueue_job(Job.fetch(job_id, connection=connection))
        scheduled.remove(job_id)
    result = run_worker_burst(worker_env(), args=("--queues", "email"))
    assert result.returncode == 0, result.stdout + result.stderr

    sink.wait_for(5)
    time.sleep(3.5)  # let the stalled first delivery land, if the server kept it
    messages = list(sink.messages)
    # At least once each; a copy only of the one killed mid-DATA, with the same Message-ID.
    by_id: dict[str, int] = {}
    for message in messages:
        by_id[message["Message-ID"]] = by_id.get(message["Message-ID"], 0) + 1
    assert len(by_id) == 5 and sum(by_id.values()) <= 6
    db.session.expire_all()
    ledger = list(db.session.scalars(select(SentEmail)))
    assert len(ledger) == 5 and all(row.sent_at is not None for row in ledger)
    assert {row.message_id for row in ledger} == set(by_id)
    assert {c.email for c in customers} == {row.recipient for row in ledger}


def test_two_workers_on_one_backlog_send_each_email_once(app, web_app, client, redis_url, smtp_sink,
                                                         worker_env):
    sink, port = smtp_sink
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    customers = file_many(client, 16)
    db.session.commit()
    env = worker_env(JOB_BATCH_SIZE=4)
    workers = [subprocess.Popen([sys.executable, "worker.py", "--burst", "--queues", "default", "email"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    for worker in workers:
        _out, err = worker.communicate(timeout=90)
        assert worker.returncode == 0, err
    sink.wait_for(16)
    time.sleep(0.3)
    assert len(sink.messages) == 16
    assert_each_once(sink, customers)


def test_forking_worker_still_runs_the_jobs(app, web_app, client, redis_url, smtp_sink, worker_env):
    sink, port = smtp_sink
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    customers = file_many(client, 3)
    result = run_worker_burst(worker_env(), args=("--fork", "--queues", "default", "email"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(sink.wait_for(3)) == 3
    assert_each_once(sink, customers)


def test_worker_over_its_memory_ceiling_exits_after_the_job(app, web_app, client, redis_url, smtp_sink,
                                                            worker_env):
    sink, port = smtp_sink
    configure([app, web_app], REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    file_many(client, 2)
    db.session.commit()
    # Any app is over 1 MB: the worker finishes its first job, then exits for its supervisor.
    worker = subprocess.run([sys.executable, "worker.py", "--no-scheduler", "--queues", "email",
                             "--max-memory-mb", "1"], cwd=ROOT, env=worker_env(JOB_BATCH_SIZE=1),
                            capture_output=True, text=True, timeout=60)
    assert worker.returncode == 0, worker.stderr
    assert "over --max-memory-mb" in worker.stderr
    assert len(sink.wait_for(1)) == 1
    assert Queue("email", connection=Redis.from_url(redis_url)).count == 1


def test_the_memory_ceiling_reads_the_worker_not_the_process_that_started_it():
    """Linux carries ``ru_maxrss`` over execve: a worker started by a 500 MB parent (a supervisor,
    a test run) read the parent's peak, passed its 400 MB ceiling and stopped after one job."""
    parent = bytearray(500 * 1024 * 1024)
    for i in range(0, len(parent), 4096):
        parent[i] = 1
    probe = subprocess.run([sys.executable, "-c", "import worker; print(worker.peak_rss_mb())"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    del parent
    assert probe.returncode == 0, probe.stderr
    assert float(probe.stdout) < 400
