"""Where a background job's time goes: fork, cold caches, RQ, the database, rendering, SMTP.

    .venv/bin/python bench/profile_jobs.py [--tickets 90] [--out bench/results/jobs-profile.md]

Everything runs in this process (plus forked children), on a fresh desk (bench/jobslib.py):
inquiries are filed with Redis configured, so their outbox rows wait undelivered, then
the jobs are run by hand and timed piece by piece:

- an empty fork (``os.fork`` → ``_exit`` → reaped) with the app loaded;
- a job in a freshly forked child (what RQ's forking ``Worker`` does for every job);
- the same kinds of job warm, in-process (what a worker that does not fork does),
  with a cProfile of them grouped by library;
- the email job's pieces: composing (Jinja, Babel), one SMTP session (connect, EHLO, QUIT),
  one message sent over an open connection;
- RQ's own cost per job: a no-op job through ``SimpleWorker`` and through the forking ``Worker``.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import smtplib
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jobslib import REDIS_URL, ROOT, Desk, bench_env, start_sink  # noqa: E402


def ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.1f}"


def timed(fn, *args, **kwargs) -> float:
    began = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - began


def in_fresh_fork(fn, *args) -> tuple[float, float]:
    """(fork → child reaped, the call inside the child) in seconds."""
    from app.extensions import db

    db.session.remove()
    db.engine.dispose()  # as worker.py does: no connection shared with a child
    read, write = os.pipe()
    began = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        inner = timed(fn, *args)
        os.write(write, f"{inner}".encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    total = time.perf_counter() - began
    inner = float(os.read(read, 64).decode() or "nan")
    os.close(read)
    return total, inner


def library_of(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0].removesuffix(".py")
    if str(ROOT) in filename:
        return "munui (app/)"
    if filename.startswith("~") or "<built-in" in filename:
        return "builtins (C)"
    return "stdlib:" + Path(filename).stem


def by_library(profile: cProfile.Profile, calls: int) -> list[tuple[str, float]]:
    """Own time (tottime) per library, ms per job, largest first."""
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in pstats.Stats(profile).stats.items():
        key = library_of(filename)
        if key == "builtins (C)":
            # Attribute the C calls that matter by name: socket I/O, sqlite3, the rest.
            key = ("socket I/O (C)" if any(w in name for w in ("recv", "send", "connect", "select", "poll"))
                   else "sqlite3 (C)" if "sqlite3" in name else "other C calls")
        totals[key] += tottime
    return sorted(((k, v / calls * 1000) for k, v in totals.items()), key=lambda kv: -kv[1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=90)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "jobs-profile.md"))
    args = parser.parse_args()

    sink, controller, port = start_sink()
    tmp, _env = bench_env(port)
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    desk = Desk()
    for i in range(args.tickets):
        desk.file_one(i)
    redis.flushdb()  # the rows stay undelivered in the database; this script runs them itself

    from flask import current_app
    from rq import Queue, SimpleWorker, Worker
    from sqlalchemy import select

    from app.extensions import db
    from app.jobs.dispatch import process_event
    from app.models import OutboxEvent
    from app.services.mail import build_message, compose

    events: dict[str, list[int]] = defaultdict(list)
    for event in db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)):
        events[event.kind].append(event.id)
    db.session.rollback()
    n = args.tickets // 3  # of each kind: cold, warm, profiled
    rows: list[tuple[str, str]] = []

    forks = [in_fresh_fork(lambda: None)[0] for _ in range(30)]
    rows.append(("empty fork (fork → exit → reaped), app loaded", ms(forks)))
    for kind in ("notify", "email", "search.index"):
        cold = [in_fresh_fork(process_event, event_id) for event_id in events[kind][:n]]
        rows.append((f"{kind} job in a fresh fork: whole child / the job inside it",
                     f"{ms([c[0] for c in cold])} / {ms([c[1] for c in cold])}"))

    profiles = {}
    for kind in ("notify", "email", "search.index"):
        ids = events[kind][n:2 * n]
        process_event(ids[0])  # the first warm-up belongs to the process, not to the job
        warm = [timed(process_event, event_id) for event_id in ids[1:]]
        rows.append((f"{kind} job warm, in-process (median of {len(warm)})", ms(warm)))
        profile = cProfile.Profile()
        profile.enable()
        for event_id in events[kind][2 * n:3 * n]:
            process_event(event_id)
        profile.disable()
        profiles[kind] = (profile, len(events[kind][2 * n:3 * n]))

    data = {"ticket_number": "M-1", "subject": "재입고 문의", "expected_due_at": None}
    rows.append(("  compose one email (Jinja text + HTML, Babel)", ms(
        [timed(compose, "ticket_received", outbox_id=i, to="a@example.com", to_name="고객",
               locale="ko", data=data) for i in range(30)])))

    def smtp_session():
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo()

    rows.append(("  one SMTP session: connect, EHLO, QUIT (loopback)", ms([timed(smtp_session) for _ in range(30)])))
    message = build_message(compose("ticket_received", outbox_id=1, to="a@example.com", to_name="고객",
                                    locale="ko", data=data))
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        sends = [timed(smtp.send_message, message) for _ in range(30)]
    rows.append(("  one message over an open SMTP connection (MAIL, RCPT, DATA)", ms(sends)))
    app = current_app._get_current_object()

    def app_context():
        with app.app_context():
            pass

    contexts = [timed(app_context) for _ in range(100)]
    rows.append(("  push + pop an app context", f"{statistics.median(contexts) * 1e6:.0f} µs"))

    for worker_class, count in ((SimpleWorker, 300), (Worker, 60)):
        queue = Queue("default", connection=redis)
        for i in range(count):
            queue.enqueue("app.jobs.dispatch.job_id_for", i, result_ttl=60)
        db.session.remove()
        db.engine.dispose()
        worker = worker_class([queue], connection=redis)
        began = time.perf_counter()
        worker.work(burst=True, logging_level="WARNING")
        per_job = (time.perf_counter() - began) / count
        rows.append((f"RQ {worker_class.__name__}, a no-op job (dequeue, registries, result), per job",
                     f"{per_job * 1000:.1f}"))
    controller.stop()
    redis.flushdb()

    lines = [f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, SQLite, Redis and SMTP on loopback; "
             f"`bench/profile_jobs.py --tickets {args.tickets}`", "",
             "| where a job's time goes | ms (median) |", "|---|---:|"]
    lines += [f"| {what} | {value} |" for what, value in rows]
    for kind, (profile, calls) in profiles.items():
        lines += ["", f"**{kind}, warm: own time per job by library** (cProfile, {calls} jobs; "
                  "profiling inflates the totals)", "", "| library | ms per job |", "|---|---:|"]
        lines += [f"| {lib} | {value:.2f} |" for lib, value in by_library(profile, calls)[:8]]
    report = "\n".join(lines) + "\n"
    Path(args.out).write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
