"""Munui's RQ worker: `python worker.py [--queues default email ...] [--burst] [--no-scheduler]`.

Runs the jobs of the named queues (all of them by default) inside the Flask app,
with RQ's scheduler for retry back-offs, and RQ's cron scheduler for periodic work
(outbox relay, auto-close). Any number of workers may run on any number of
machines: one of them at a time holds a lease in Redis and enqueues periodic jobs.
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import sys

from redis import Redis
from rq import Worker
from rq.cron import CronScheduler

from app import create_app
from app.extensions import db
from app.services.outbox import QUEUES

LEADER_KEY = "munui:cron-leader"
LEADER_LEASE_SECONDS = 120


class LeaderCronScheduler(CronScheduler):
    """RQ's cron scheduler that only enqueues while it holds the cluster-wide lease."""

    def _holds_lease(self) -> bool:
        if self.connection.set(LEADER_KEY, self.name, nx=True, ex=LEADER_LEASE_SECONDS):
            return True
        if (self.connection.get(LEADER_KEY) or b"").decode() == self.name:
            self.connection.expire(LEADER_KEY, LEADER_LEASE_SECONDS)
            return True
        return False

    def enqueue_jobs(self):
        if not self._holds_lease():
            return []
        return super().enqueue_jobs()


def run_scheduler(redis_url: str) -> None:
    """Child process: register the periodic jobs and run RQ's cron loop."""
    from app.jobs import periodic

    connection = Redis.from_url(redis_url)
    scheduler = LeaderCronScheduler(connection=connection)
    for path, queue, interval in periodic.SCHEDULE:
        module, _, name = path.rpartition(".")
        func = getattr(sys.modules.get(module) or __import__(module, fromlist=[name]), name)
        scheduler.register(func, queue, interval=interval, job_timeout=600)
    scheduler.start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Munui background worker (RQ)")
    parser.add_argument("--queues", nargs="+", default=list(QUEUES), choices=list(QUEUES),
                        help="queues to work, in priority order (default: all)")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--no-scheduler", action="store_true",
                        help="do not run the periodic-job scheduler in this worker")
    parser.add_argument("--name", default=None, help="worker name (default: RQ's)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app()
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        print("worker.py needs REDIS_URL (without it jobs run in-process in the web app)", file=sys.stderr)
        return 2
    app.app_context().push()
    # Work horses are forked: leave them no inherited database connections.
    db.engine.dispose()

    scheduler = None
    if not args.no_scheduler and not args.burst:
        scheduler = multiprocessing.get_context("fork").Process(
            target=run_scheduler, args=(redis_url,), name="munui-scheduler", daemon=True)
        scheduler.start()
    connection = Redis.from_url(redis_url)
    worker = Worker(args.queues, connection=connection, name=args.name)
    try:
        worker.work(with_scheduler=True, burst=args.burst, logging_level="INFO")
    finally:
        if scheduler is not None and scheduler.is_alive():
            scheduler.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
