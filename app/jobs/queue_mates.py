"""Outbox jobs waiting on a queue, taken along by the outbox job a worker runs first.

RQ spends about 10 ms of Redis round trips on every job it runs (dequeue, the started
registry, heartbeats, the result, the finished registry: ``bench/results/jobs-profile.md``)
— four times what an in-app notification itself costs. So the job RQ hands a worker
also takes up to ``JOB_BATCH_SIZE - 1`` outbox jobs queued behind it on its queue and
runs their events with its own: one RQ job's cost, one transaction for the in-app
notifications, one SMTP connection for the emails (``dispatch.run_outbox_job``).

- **Claiming** is RQ's own ``Queue.remove`` (LREM): a job id leaves the queue list once,
  so two workers never take the same job, just as two never dequeue it (LPOP).
- **Only first attempts** are taken (the row's ``attempts`` is 0). A retry waits out its
  back-off and runs as its own job, so RQ's retry count and failed registry stay per
  event. A taken event that fails is handed back as its own job with the rest of its
  retries (``dispatch.hand_back``).
- **A worker killed mid-batch**: the claim is in the running job's meta before any event
  of it runs. The dead worker's job stays in RQ's started registry; RQ's cleanup retries
  it, and the retry runs the claimed events again (each skipped if already delivered,
  each email with its ledger row's Message-ID). Between the LREM and the meta write (two
  Redis calls) a death leaves the taken events to the relay, which hands them over again
  after ``RELAY_LOST_AFTER``: late, never lost, never doubled.
"""
from __future__ import annotations

from rq import Queue
from rq.job import Job
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxEvent

PREFIX = "outbox-"
META_KEY = "munui_batch"
# A taken job's hash is left to expire rather than deleted: the same id may be queued twice
# (a relay racing a hand-over) and running on another worker, whose bookkeeping needs it.
TAKEN_JOB_TTL = 3600


def job_id_for(event_id: int) -> str:
    """The RQ job id of an outbox event (deterministic: enqueueing it again names the same job)."""
    return f"{PREFIX}{event_id}"


def event_id_of(job_id: str) -> int | None:
    """The outbox event an RQ job id names, or None for other jobs (periodic ones, say)."""
    tail = job_id[len(PREFIX):] if job_id.startswith(PREFIX) else ""
    return int(tail) if tail.isdigit() else None


def take(job: Job, limit: int) -> list[int]:
    """Event ids of up to ``limit`` first-attempt outbox jobs queued behind ``job``, now ``job``'s.

    A retry of a job killed mid-batch gets the claim of the killed run back.
    """
    claimed = job.meta.get(META_KEY)
    if claimed:
        return [int(event_id) for event_id in claimed]
    if limit <= 0:
        return []
    queue = Queue(job.origin, connection=job.connection)
    waiting = {}
    for job_id in queue.get_job_ids(0, limit):
        event_id = event_id_of(job_id)
        if event_id is not None and job_id != job.id:
            waiting[event_id] = job_id
    if not waiting:
        return []
    first_attempts = list(db.session.scalars(
        select(OutboxEvent.id).where(OutboxEvent.id.in_(waiting), OutboxEvent.attempts == 0,
                                     OutboxEvent.delivered_at.is_(None), OutboxEvent.gave_up_at.is_(None))
        .order_by(OutboxEvent.id)))
    db.session.rollback()  # end the read: the events run in transactions of their own
    if not first_attempts:
        return []
    with job.connection.pipeline() as pipe:
        for event_id in first_attempts:
            queue.remove(waiting[event_id], pipeline=pipe)
        removed = pipe.execute()
    claimed = [event_id for event_id, count in zip(first_attempts, removed, strict=True) if count]
    if not claimed:
        return []
    job.meta[META_KEY] = claimed
    job.save_meta()
    with job.connection.pipeline() as pipe:
        for event_id in claimed:
            pipe.expire(Job.key_for(waiting[event_id]), TAKEN_JOB_TTL)
        pipe.execute()
    return claimed


def release(job: Job) -> None:
    """The taken events are done (delivered, or handed back): a retry of ``job`` runs its own event only."""
    if job.meta.pop(META_KEY, None) is not None:
        job.save_meta()
