"""The operations view: queues, workers, failed jobs and undelivered outbox events."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.domain import access
from app.domain.errors import DomainError, Forbidden, NotFound
from app.extensions import db, get_redis, redis_is_configured
from app.models import OutboxEvent, User
from app.services.outbox import QUEUES, hand_over, undelivered


@dataclass
class FailedJob:
    id: str
    queue: str
    description: str
    error: str
    ended_at: datetime | None


@dataclass
class Overview:
    mode: str  # "embedded" or "redis"
    redis_error: str | None = None
    queues: dict[str, int] = field(default_factory=dict)
    workers: list[dict] = field(default_factory=list)
    failed: list[FailedJob] = field(default_factory=list)
    outbox: list[OutboxEvent] = field(default_factory=list)


def _require_admin(actor: User) -> None:
    if not access.can_administer(actor.actor()):
        raise Forbidden()


def overview(actor: User) -> Overview:
    """What an admin needs to see whether background work is healthy."""
    _require_admin(actor)
    result = Overview(mode="redis" if redis_is_configured() else "embedded", outbox=undelivered())
    if result.mode == "embedded":
        return result
    import redis
    from rq import Queue, Worker
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    try:
        connection = get_redis()
        for name in QUEUES:
            queue = Queue(name, connection=connection)
            result.queues[name] = queue.count
            registry = FailedJobRegistry(queue=queue)
            for job in Job.fetch_many(registry.get_job_ids(0, 49), connection=connection):
                if job is None:
                    continue
                exc = (job.latest_result().exc_string if job.latest_result() else "") or ""
                last_line = exc.strip().splitlines()[-1] if exc.strip() else ""
                result.failed.append(FailedJob(job.id, name, job.description or job.func_name,
                                               last_line[:300], job.ended_at))
        for worker in Worker.all(connection=connection):
            result.workers.append({"name": worker.name, "state": worker.get_state(),
                                   "queues": ", ".join(worker.queue_names()),
                                   "last_heartbeat": worker.last_heartbeat})
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        result.redis_error = exc.__class__.__name__
    return result


def retry_failed_job(actor: User, queue_name: str, job_id: str) -> None:
    """Put a failed job back on its queue (and un-give-up its outbox event)."""
    _require_admin(actor)
    from rq import Queue
    from rq.registry import FailedJobRegistry

    if queue_name not in QUEUES:
        raise NotFound("job")
    registry = FailedJobRegistry(queue=Queue(queue_name, connection=get_redis()))
    if job_id not in registry.get_job_ids():
        raise NotFound("job")
    if job_id.startswith("outbox-") and job_id[7:].isdigit():
        event = db.session.get(OutboxEvent, int(job_id[7:]))
        if event is not None:
            event.gave_up_at = None
    registry.requeue(job_id)


def retry_outbox_event(actor: User, event_id: int, now: datetime) -> OutboxEvent:
    """Hand an undelivered event over again (after its cause was fixed, e.g. the mail server)."""
    _require_admin(actor)
    event = db.session.get(OutboxEvent, event_id)
    if event is None:
        raise NotFound("outbox")
    if event.delivered_at is not None:
        raise DomainError("already_delivered", "이미 처리된 작업입니다.", "This job was already delivered.",
                          status=409)
    event.gave_up_at = None
    event.enqueued_at = None

    def _again() -> None:
        hand_over([event_id])

    from app.services.unit_of_work import after_commit

    after_commit(_again)
    return event
