"""The one way background work runs: outbox event ids in, idempotent handlers out.

``hand_over`` is called after a commit with the ids of the events it recorded. With
Redis configured it enqueues one RQ job per event (a deterministic job id, retries
with backoff); without it, it runs the handler in-process. Either way the handler
runs inside ``process_event``, which skips events already delivered, marks the
event delivered in the same transaction as the handler's own writes, and records
failures before re-raising so RQ sees them.

A worker's job also runs the first attempts queued behind it (``queue_mates``), as a
batch: handlers that only write rows (in-app notifications) share one transaction,
emails share one SMTP connection, and each event still succeeds or fails on its own.
"""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import current_app
from rq import Queue, Retry, get_current_job
from rq.job import Job
from sqlalchemy import select, update

from app.extensions import db, get_redis, redis_is_configured
from app.jobs import queue_mates
from app.jobs.queue_mates import job_id_for
from app.models import OutboxEvent
from app.services.mail import smtp_session

log = logging.getLogger("munui.jobs")

FAILURE_TTL = 30 * 24 * 3600
HANDLERS: dict[str, Callable[[OutboxEvent, datetime], None]] = {}
# Kinds whose handlers only add rows in the session (no mail, no files, no commit of their own):
# a batch of them is delivered in one transaction.
ROW_ONLY: set[str] = set()


def handler(kind: str, *, row_only: bool = False):
    """Register the function that carries out outbox events of ``kind``.

    ``row_only``: the handler only changes rows in the session, so several events of the
    kind may share one transaction.
    """
    def register(fn):
        HANDLERS[kind] = fn
        if row_only:
            ROW_ONLY.add(kind)
        return fn
    return register


def _utcnow() -> datetime:
    return datetime.now(UTC)


def hand_over(event_ids: list[int]) -> None:
    """After a commit: run (embedded) or enqueue (Redis) each event. Never raises."""
    if not redis_is_configured():
        for event_id in event_ids:
            try:
                process_event(event_id)
            except Exception:  # noqa: BLE001 - recorded on the row; the relay retries
                log.warning("in-process job for outbox %s failed; the relay will retry", event_id)
        return
    enqueue_events(event_ids)


def enqueue_events(event_ids: list[int], *, now: datetime | None = None) -> int:
    """Enqueue events on their RQ queues; returns how many were handed to Redis.

    One query reads the events and one Redis pipeline carries every job (a sweep's thousand
    notices cost one round trip, not a thousand); the events that reached Redis are marked
    handed over in one UPDATE and one commit.
    """
    import redis

    now = now or _utcnow()
    events = [e for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(event_ids))
                                            .order_by(OutboxEvent.id)) if e.delivered_at is None]
    handed: list[int] = []
    try:
        connection = get_redis()
        intervals = list(current_app.config["JOB_RETRY_INTERVALS"])
        by_queue: dict[str, list[OutboxEvent]] = {}
        for event in events:
            by_queue.setdefault(event.queue, []).append(event)
        with connection.pipeline() as pipe:
            for name, batch in by_queue.items():
                Queue(name, connection=connection).enqueue_many(
                    [Queue.prepare_data(run_outbox_job, (e.id,), **_job_options(e, intervals)) for e in batch],
                    pipeline=pipe)
            pipe.execute()
        handed = [e.id for e in events]
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        log.warning("Redis unavailable (%s); %d outbox event(s) left for the relay",
                    exc.__class__.__name__, len(events))
    if handed:
        db.session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(handed)).values(enqueued_at=now))
    db.session.commit()
    return len(handed)


def _job_options(event: OutboxEvent, intervals: list[int]) -> dict:
    return dict(job_id=job_id_for(event.id), failure_ttl=FAILURE_TTL, result_ttl=3600,
                description=f"outbox {event.id} {event.kind}",
                retry=Retry(max=len(intervals), interval=intervals) if intervals else None)


def _enqueue(queue: Queue, event: OutboxEvent, intervals: list[int], delay: int = 0) -> Job:
    """The event's RQ job: ``len(intervals)`` retries with those back-offs, after ``delay`` seconds."""
    options = _job_options(event, intervals)
    if delay:
        return queue.enqueue_in(timedelta(seconds=delay), run_outbox_job, event.id, **options)
    return queue.enqueue(run_outbox_job, event.id, **options)


def run_outbox_job(event_id: int) -> str:
    """RQ entry point for one outbox event, and for the first attempts queued behind it."""
    job = get_current_job()
    mates = queue_mates.take(job, current_app.config["JOB_BATCH_SIZE"] - 1) if job else []
    if not mates:
        with smtp_session():
            return process_event(event_id)
    outcomes = process_events([event_id, *mates], job_ref=job.id)
    for mate in mates:
        if isinstance(outcomes.get(mate), Exception):
            hand_back(Queue(job.origin, connection=job.connection), mate)
    queue_mates.release(job)
    own = outcomes[event_id]
    if isinstance(own, Exception):
        raise own
    return own


def hand_back(queue: Queue, event_id: int) -> None:
    """A taken event failed its first attempt: its own job again, after the first back-off,
    with the retries left (so it gives up, and lands in the failed registry, as it would have alone)."""
    event = db.session.get(OutboxEvent, event_id)
    intervals = list(current_app.config["JOB_RETRY_INTERVALS"])
    if event is None or event.gave_up_at is not None or not intervals:
        return
    _enqueue(queue, event, intervals[1:], delay=intervals[0])
    db.session.rollback()


def process_events(event_ids: list[int], now: datetime | None = None, *, job_ref: str) -> dict:
    """Carry out several events: the row-only ones in one transaction, the others one by one,
    emails over one SMTP connection. Returns each event's outcome: what ``process_event``
    returns, or the exception it failed with (already recorded on its row)."""
    now = now or _utcnow()
    kinds = dict(db.session.execute(select(OutboxEvent.id, OutboxEvent.kind)
                                    .where(OutboxEvent.id.in_(event_ids))).all())
    db.session.rollback()
    outcomes = _deliver_together([i for i in event_ids if kinds.get(i) in ROW_ONLY], now, job_ref)
    with smtp_session():
        for event_id in event_ids:
            if event_id in outcomes:
                continue
            try:
                outcomes[event_id] = process_event(event_id, now, own_job=event_id == event_ids[0],
                                                   job_ref=job_ref)
            except Exception as exc:  # noqa: BLE001 - recorded on its row; the caller decides
                outcomes[event_id] = exc
    return outcomes


def _deliver_together(event_ids: list[int], now: datetime, job_ref: str) -> dict:
    """Row-only events in one transaction. If any of them fails, none is kept, and the caller
    runs each on its own (so one bad event neither blocks the others nor hides its error)."""
    if not event_ids:
        return {}
    outcomes = {}
    try:
        for event in db.session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(event_ids))
                                        .order_by(OutboxEvent.id)):
            if event.delivered_at is not None:
                outcomes[event.id] = "already-delivered"
                continue
            HANDLERS[event.kind](event, now)
            event.delivered_at = now
            event.gave_up_at = None
            event.attempts += 1
            event.last_error = None
            outcomes[event.id] = "delivered"
        db.session.commit()
    except Exception:  # noqa: BLE001 - each is run again on its own, which records its error
        db.session.rollback()
        log.warning("[%s] %d row-only outbox event(s) failed together; running them one by one",
                    job_ref, len(event_ids))
        return {}
    log.info("[%s] outbox %s delivered in one transaction", job_ref, ",".join(map(str, sorted(outcomes))))
    return outcomes


def process_event(event_id: int, now: datetime | None = None, *, own_job: bool = True,
                  job_ref: str | None = None) -> str:
    """Carry out one outbox event exactly once (idempotent: a delivered event is skipped).

    ``own_job``: the running RQ job is the event's own, so its retries left decide whether a
    failure is the last; an event taken along by another event's job counts its attempts.
    """
    job = get_current_job() if own_job else None
    job_ref = job_ref or (job.id if job else "in-process")
    event = db.session.get(OutboxEvent, event_id)
    if event is None:
        log.warning("[%s] outbox %s does not exist", job_ref, event_id)
        return "missing"
    if event.delivered_at is not None:
        log.info("[%s] outbox %s already delivered", job_ref, event_id)
        return "already-delivered"
    fn = HANDLERS.get(event.kind)
    if fn is None:
        raise LookupError(f"no handler for outbox kind {event.kind!r}")
    try:
        fn(event, now or _utcnow())
        event.delivered_at = now or _utcnow()
        event.gave_up_at = None
        event.attempts += 1
        event.last_error = None
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        _record_failure(event_id, exc, job_retries_left=job.retries_left if job else None,
                        counted=job is None)
        log.exception("[%s] outbox %s (%s) failed", job_ref, event_id, fn.__name__)
        raise
    log.info("[%s] outbox %s (%s) delivered", job_ref, event_id, event.kind)
    return "delivered"


def _record_failure(event_id: int, exc: Exception, *, job_retries_left: int | None,
                    counted: bool) -> None:
    """Count the attempt and keep the error; after the last attempt, give up (visible to admins)."""
    event = db.session.get(OutboxEvent, event_id)
    if event is None:
        return
    event.attempts += 1
    event.last_error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    if counted:  # in-process, or taken along by another event's job
        final = event.attempts > len(current_app.config["JOB_RETRY_INTERVALS"])
    else:
        final = not job_retries_left
    if final:
        event.gave_up_at = _utcnow()
    db.session.commit()
