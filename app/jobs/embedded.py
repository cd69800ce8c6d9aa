"""The embedded default's stand-in for the worker's scheduler: a daemon thread in the web process."""
from __future__ import annotations

import logging
import threading

from flask import Flask

log = logging.getLogger("munui.jobs")


def start_ticker(app: Flask, interval: float = 60.0) -> threading.Thread:
    """Every ``interval`` seconds, run the periodic jobs in-process (relay, SLA sweep, auto-close,
    overdue refunds, the leads' SLA summaries, the SLA report's daily figures, the search index's merge)."""
    from app.extensions import db
    from app.jobs import periodic

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            with app.app_context():
                for job in (periodic.relay_outbox_job, periodic.sla_sweep_job, periodic.auto_close_job,
                            periodic.refund_overdue_job, periodic.sla_digest_job, periodic.sla_rollup_job,
                            periodic.search_merge_job):
                    try:
                        job()
                    except Exception:  # noqa: BLE001 - logged; the next tick tries again
                        log.exception("embedded periodic job %s failed", job.__name__)
                        db.session.rollback()

    thread = threading.Thread(target=loop, name="munui-embedded-ticker", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread
