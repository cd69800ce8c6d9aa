"""The search index's one writer: ``search.index`` outbox events, on the ``search`` queue.

In production exactly one worker consumes the ``search`` queue
(``python worker.py --queues search --no-scheduler``) and the other workers leave it out;
in the embedded default (no Redis) the handler runs in the web process right after
the commit. Either way it indexes the *current* database state of the tickets the
event names, so running it twice, late, or out of order is harmless. A locked index
raises ``IndexBusy`` and the outbox retries the event; the request never sees it.
"""
from __future__ import annotations

import logging
from datetime import datetime

from rq import get_current_job

from app.jobs.dispatch import handler
from app.models import OutboxEvent
from app.services import search
from app.services.search import tracking

log = logging.getLogger("munui.jobs")

tracking.install()


@handler(tracking.KIND)
def index_tickets_job(event: OutboxEvent, now: datetime) -> None:
    """Re-index the tickets of one unit of work (deleted ones leave the index)."""
    job = get_current_job()
    ticket_ids = [int(i) for i in event.payload.get("ticket_ids", [])]
    written = search.index_tickets(ticket_ids, patient=job is not None)
    log.info("[%s] search: %d ticket(s) indexed for outbox %s", job.id if job else "in-process",
             written, event.id)
