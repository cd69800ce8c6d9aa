"""Munui's RQ worker: `python worker.py [--queues default email ...] [--burst] [--no-scheduler] [--fork]`.

Runs the jobs of the named queues (all of them by default) inside the Flask app,
with RQ's scheduler for retry back-offs, and RQ's cron scheduler for periodic work
(outbox relay, auto-close). Any number of workers may run on any number of
machines: one of them at a time holds a lease in Redis and enqueues periodic jobs.

Jobs run in the worker process itself (RQ's ``SimpleWorker``): forking a work horse
per job cost more than the jobs (README, *Performance*). What the fork gave — a job
that leaks or corrupts memory dies with its horse — is replaced by a fresh app context
and database session per job and by a restart: past ``--max-memory-mb`` of peak RSS,
or after ``--max-jobs``, the worker finishes its job and exits for its supervisor to
start it again. ``--fork`` brings back RQ's forking ``Worker``.
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import resource
import signal
import sys

from flask import Flask
from redis import Redis
from rq import SimpleWorker, Worker
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


def peak_rss_mb() -> float:
    """This process's peak RSS since it started. Not ``getrusage``'s ``ru_maxrss``: Linux carries it
    over ``execve``, so a worker started by a big parent (a test run, a supervisor) would read the
    parent's peak and stop after its first job."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class DeskWorker(SimpleWorker):
    """RQ's worker without a fork: each job in its own app context, and a memory ceiling.

    A job's timeout is still enforced (RQ's SIGALRM death penalty, in this main thread).
    """

    def __init__(self, *args, app: Flask, max_memory_mb: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app
        self.max_memory_mb = max_memory_mb

    def execute_job(self, job, queue):
        # A fresh `g` and database session per job (Flask-SQLAlchemy removes it at teardown):
        # nothing one job leaves in the session is seen by the next.
        with self.app.app_context():
            super().execute_job(job, queue)
        peak_mb = peak_rss_mb()
        if self.max_memory_mb and peak_mb > self.max_memory_mb:
            self.log.warning("Worker %s: peak RSS %.0f MB is over --max-memory-mb %d; exiting for a restart",
                             self.name, peak_mb, self.max_memory_mb)
            self.request_stop(signal.SIGTERM, None)


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
    parser.add_argument("--fork", action="store_true",
                        help="fork a work horse per job (RQ's Worker): isolation at ~50 ms a job")
    parser.add_argument("--max-jobs", type=int, default=None,
                        help="exit after this many RQ jobs (for a supervisor to restart)")
    parser.add_argument("--max-memory-mb", type=int, default=400,
                        help="exit after the job that takes peak RSS past this (0: no ceiling; default 400)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app()
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        print("worker.py needs REDIS_URL (without it jobs run in-process in the web app)", file=sys.stderr)
        return 2
    app.app_context().push()
    # The scheduler (and with --fork each work horse) is forked: leave it no inherited connections.
    db.engine.dispose()

    scheduler = None
    if not args.no_scheduler and not args.burst:
        scheduler = multiprocessing.get_context("fork").Process(
            target=run_scheduler, args=(redis_url,), name="munui-scheduler", daemon=True)
        scheduler.start()
    connection = Redis.from_url(redis_url)
    if args.fork:
        worker = Worker(args.queues, connection=connection, name=args.name)
    else:
        worker = DeskWorker(args.queues, connection=connection, name=args.name, app=app,
                            max_memory_mb=args.max_memory_mb)
    try:
        worker.work(with_scheduler=True, burst=args.burst, logging_level="INFO", max_jobs=args.max_jobs)
    finally:
        if scheduler is not None and scheduler.is_alive():
            scheduler.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
