"""The one way background work runs: outbox event ids in, idempotent handlers out.

``hand_over`` is called after a commit with the ids of the events it recorded. With
Redis configured it enqueues one RQ job per event (a deterministic job id, retries
with backoff); without it, it runs the handler in-process. Either way the handler
runs inside ``process_event``, which skips events already delivered, marks the
event delivered in the same transaction as the handler's own writes, and records
failures before re-raising so RQ sees them.
"""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app
from rq import Queue, Retry, get_current_job

from app.extensions import db, get_redis, redis_is_configured
from app.models import OutboxEvent

log = logging.getLogger("munui.jobs")

FAILURE_TTL = 30 * 24 * 3600
HANDLERS: dict[str, Callable[[OutboxEvent, datetime], None]] = {}


def handler(kind: str):
    """Register the function that carries out outbox events of ``kind``."""
    def register(fn):
        HANDLERS[kind] = fn
        return fn
    return register


def _utcnow() -> datetime:
    return datetime.now(UTC)


def job_id_for(event_id: int) -> str:
    return f"outbox-{event_id}"


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
    """Enqueue events on their RQ queues; returns how many were handed to Redis."""
    import redis

    now = now or _utcnow()
    handed = 0
    try:
        connection = get_redis()
        for event_id in event_ids:
            event = db.session.get(OutboxEvent, event_id)
            if event is None or event.delivered_at is not None:
                continue
            intervals = list(current_app.config["JOB_RETRY_INTERVALS"])
            Queue(event.queue, connection=connection).enqueue(
                run_outbox_job, event_id, job_id=job_id_for(event_id),
                retry=Retry(max=len(intervals), interval=intervals),
                failure_ttl=FAILURE_TTL, result_ttl=3600,
                description=f"outbox {event_id} {event.kind}",
            )
            event.enqueued_at = now
            handed += 1
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        log.warning("Redis unavailable (%s); %d outbox event(s) left for the relay",
                    exc.__class__.__name__, len(event_ids) - handed)
    # One commit for the batch: the events that reached Redis are marked handed over.
    db.session.commit()
    return handed


def run_outbox_job(event_id: int) -> str:
    """RQ entry point for one outbox event."""
    return process_event(event_id)


def process_event(event_id: int, now: datetime | None = None) -> str:
    """Carry out one outbox event exactly once (idempotent: a delivered event is skipped)."""
    job = get_current_job()
    job_ref = job.id if job else "in-process"
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
                        in_process=job is None)
        log.exception("[%s] outbox %s (%s) failed", job_ref, event_id, fn.__name__)
        raise
    log.info("[%s] outbox %s (%s) delivered", job_ref, event_id, event.kind)
    return "delivered"


def _record_failure(event_id: int, exc: Exception, *, job_retries_left: int | None,
                    in_process: bool) -> None:
    """Count the attempt and keep the error; after the last attempt, give up (visible to admins)."""
    event = db.session.get(OutboxEvent, event_id)
    if event is None:
        return
    event.attempts += 1
    event.last_error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    if in_process:
        final = event.attempts > len(current_app.config["JOB_RETRY_INTERVALS"])
    else:
        final = not job_retries_left
    if final:
        event.gave_up_at = _utcnow()
    db.session.commit()
