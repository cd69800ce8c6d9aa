"""Scheduled work: the outbox relay, the SLA sweep, auto-close and the overdue-refund notice.

The worker's scheduler (see worker.py) enqueues these on a timer; in the embedded
default a small ticker thread runs them in-process.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app

from app.extensions import db, redis_is_configured
from app.jobs.dispatch import enqueue_events, process_event
from app.services import unit_of_work
from app.services.outbox import due_for_relay

log = logging.getLogger("munui.jobs")

RELAY_GRACE = timedelta(seconds=20)
# Longer than all retry backoffs together: a job enqueued this long ago and still
# undelivered was lost (Redis flushed, worker gone) and is handed over again.
RELAY_LOST_AFTER = timedelta(minutes=30)

# (function, queue, interval in seconds) — read by worker.py's scheduler.
SCHEDULE: list[tuple[str, str, int]] = [
    ("app.jobs.periodic.relay_outbox_job", "default", 30),
    ("app.jobs.periodic.sla_sweep_job", "sla", 60),
    ("app.jobs.periodic.auto_close_job", "default", 3600),
    # Hourly, but each overdue refund is announced to the leads once per Seoul day.
    ("app.jobs.periodic.refund_overdue_job", "default", 3600),
    # Every quarter hour; each lead who chose it gets one SLA summary a day, from 09:00 KST.
    ("app.jobs.periodic.sla_digest_job", "default", 900),
    # Every ten minutes: sum the SLA report's ended days (a day an hour after it ends, and any
    # day a late change sent back to be read raw).
    ("app.jobs.periodic.sla_rollup_job", "default", 600),
    # Every five minutes, on the search queue (its one writer): merge the index's small segments.
    ("app.jobs.periodic.search_merge_job", "search", 300),
]


def relay_outbox_job(now: datetime | None = None) -> int:
    """Hand over outbox events that were never delivered; returns how many."""
    now = now or datetime.now(UTC)
    events = due_for_relay(now, grace=RELAY_GRACE, lost_after=RELAY_LOST_AFTER)
    ids = [event.id for event in events]
    db.session.rollback()
    if not ids:
        return 0
    log.info("relay: %d undelivered outbox event(s)", len(ids))
    if redis_is_configured():
        return enqueue_events(ids, now=now)
    done = 0
    for event_id in ids:
        try:
            process_event(event_id, now)
            done += 1
        except Exception:  # noqa: BLE001 - recorded on the row, retried next round
            log.warning("relay: outbox %s failed again", event_id)
    return done


def auto_close_job(now: datetime | None = None) -> int:
    """Close tickets solved more than AUTO_CLOSE_DAYS ago; returns how many."""
    from app.services.tickets.core import close_solved_tickets

    now = now or datetime.now(UTC)
    count = close_solved_tickets(now, days=current_app.config["AUTO_CLOSE_DAYS"])
    unit_of_work.commit()
    if count:
        log.info("auto-close: %d ticket(s) closed", count)
    return count


def sla_sweep_job(now: datetime | None = None) -> dict:
    """Record SLA warnings and breaches that came due, notify and escalate (each exactly once)."""
    from app.services.sla.sweep import sweep

    now = now or datetime.now(UTC)
    result = sweep(now)
    unit_of_work.commit()
    if result.warned or result.breached:
        log.info("sla sweep: %d checked, %d warned, %d breached", result.checked, result.warned,
                 result.breached)
    return {"checked": result.checked, "warned": result.warned, "breached": result.breached}


def refund_overdue_job(now: datetime | None = None) -> int:
    """Tell the leads about refunds still unpaid past their due date (once a day each); returns how many."""
    from app.services.claims.refunds import notify_overdue_refunds

    now = now or datetime.now(UTC)
    count = notify_overdue_refunds(now)
    unit_of_work.commit()
    if count:
        log.info("refunds overdue: %d announced to the leads", count)
    return count


def sla_digest_job(now: datetime | None = None) -> int:
    """Send the day's SLA summary to the leads who chose one (once a day each); returns how many."""
    from app.services.sla.digest import send_sla_digests

    now = now or datetime.now(UTC)
    count = send_sla_digests(now)
    unit_of_work.commit()
    if count:
        log.info("sla digest: %d lead(s) summarised", count)
    return count


def sla_rollup_job(now: datetime | None = None) -> int:
    """Sum the SLA report's ended days that need it (``reports/sla_daily``); returns how many."""
    from app.services.reports.sla_daily import roll_up_days

    now = now or datetime.now(UTC)
    count = roll_up_days(now)
    if count:
        log.info("sla rollup: %d day(s) summed", count)
    return count


def search_merge_job() -> int | None:
    """Merge the search index's small segments (Whoosh); returns how many segments remain."""
    from app.services import search

    remaining = search.merge_index()
    if remaining is not None:
        log.info("search merge: %d segment(s)", remaining)
    return remaining
