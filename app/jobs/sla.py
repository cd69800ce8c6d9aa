"""SLA work deferred through the outbox: recomputing open tickets after an admin change."""
from __future__ import annotations

from datetime import datetime

from app.jobs.dispatch import handler
from app.models import OutboxEvent


@handler("sla_refresh")
def refresh_after_admin_change(event: OutboxEvent, now: datetime) -> None:
    from app.services.sla.clock import refresh_open_tickets

    refresh_open_tickets(now)
