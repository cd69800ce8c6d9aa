"""SLA sweep benchmark on PostgreSQL: 1,000,000 tickets, of which 1,000 are at a deadline.

    .venv/bin/python bench/sla_sweep.py [--tickets 1000000] [--due 1000]

Builds database munui_bench_sla on postgresql://postgres@127.0.0.1:5432 with the real
migrations, loads the tickets with COPY (999,000 whose next SLA check is days away or
none, 1,000 whose warning time has just passed), then times one sweep (the query, the
timers of each due ticket, one warning recorded per ticket, notifications into the
outbox, escalation) and a second sweep (nothing left to do). The due tickets were filed
ten days ago and never answered, so each has two breaches (first response, resolution):
the heaviest path. Prints the query plan of the sweep's
selection to show it reads the index, not the table.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/"
NAME = "munui_bench_sla"
REDIS = "redis://127.0.0.1:6379/12"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--statements", action="store_true",
                        help="print the first round's SQL by kind: count and total time")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    admin = create_engine(BASE + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{NAME}"'))
    admin.dispose()
    # Production mode: the sweep's notifications and emails are enqueued for workers (Redis
    # database 12, emptied first), not delivered inside the sweep as in the embedded default.
    os.environ.update({"DATABASE_URL": BASE + NAME, "SECRET_KEY": "bench", "REDIS_URL": REDIS,
                       "MUNUI_INSTANCE_DIR": "/tmp/munui-bench-sla"})
    from redis import Redis

    Redis.from_url(REDIS).flushdb()

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import SlaPolicy
    from app.seed.defaults import ensure_default_catalogue
    from app.services import unit_of_work
    from app.services.accounts.users import create_user
    from app.services.sla.sweep import sweep

    app = create_app()
    app.app_context().push()
    upgrade()
    ensure_default_catalogue()
    now = datetime.now(UTC)
    customer = create_user("bench-customer@example.com", role="customer", password=None, name="벤치", now=now)
    create_user("bench-lead@example.com", role="lead", password=None, name="팀장", now=now)
    unit_of_work.commit()
    policy = db.session.scalar(db.select(SlaPolicy).where(SlaPolicy.name == "보통"))
    category_id, queue_id = db.session.execute(text(
        "SELECT id, queue_id FROM categories WHERE code = 'product'")).one()

    started = time.monotonic()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        columns = ("number, type, category_id, queue_id, requester_id, subject, status, priority, created_at, "
                   "updated_at, message_count, sla_policy_id, sla_paused, next_reply_cycle, sla_due_at, "
                   "sla_warn_at, sla_next_check_at, first_response_due_at")
        with cursor.copy(f"COPY tickets ({columns}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for i in range(args.tickets):
                due_soon = i < args.due
                created = now - timedelta(days=10) if due_soon else now - timedelta(minutes=i % 100_000)
                check = now - timedelta(minutes=1) if due_soon else (
                    now + timedelta(days=1 + i % 30) if i % 3 else None)
                fmt = "%Y-%m-%d %H:%M:%S"
                check_text = check.strftime(fmt) if check else "\\N"
                due_text = (created + timedelta(hours=30)).strftime(fmt)
                buffer.write(
                    f"M-B-{i:07d}\tinquiry\t{category_id}\t{queue_id}\t{customer.id}\t벤치 문의 {i}\topen\tnormal\t"
                    f"{created.strftime(fmt)}\t{created.strftime(fmt)}\t1\t{policy.id}\tf\t0\t{due_text}\t"
                    f"{check_text}\t{check_text}\t{due_text}\n")
                if i % 50_000 == 49_999:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        raw.commit()
        cursor.execute("ANALYZE tickets")
        raw.commit()
    finally:
        raw.close()
    load = time.monotonic() - started

    plan = db.session.execute(text(
        "EXPLAIN SELECT * FROM tickets WHERE sla_next_check_at <= :now ORDER BY sla_next_check_at LIMIT 500"),
        {"now": now.replace(tzinfo=None)}).scalars().all()

    spent: dict[str, list[float]] = {}
    if args.statements:
        from sqlalchemy import event

        @event.listens_for(db.engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            context._bench_started = time.perf_counter()

        @event.listens_for(db.engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            kind = " ".join(statement.split()[:3])[:60]
            entry = spent.setdefault(kind, [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - context._bench_started

    timings = []
    split = [0.0, 0.0]      # the first round's sweep (read, compute, flush) and commit (+ hand-over)
    warned = breached = 0
    for _round in range(2):
        started = time.monotonic()
        total_checked = 0
        while True:
            before = time.monotonic()
            result = sweep(now)
            swept = time.monotonic()
            unit_of_work.commit()
            if _round == 0:
                split[0] += swept - before
                split[1] += time.monotonic() - swept
            total_checked += result.checked
            warned += result.warned
            breached += result.breached
            if result.checked < 500:
                break
        timings.append((time.monotonic() - started, total_checked))
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, {datetime.now(UTC):%Y-%m-%d}, "
          f"PostgreSQL 127.0.0.1")
    print(f"loaded {args.tickets:,} tickets with COPY in {load:.1f} s; {args.due:,} at a deadline")
    print("sweep selection plan:\n  " + "\n  ".join(plan))
    print("| sweep | tickets checked | warnings + breaches recorded | time |\n|---|---:|---:|---:|")
    print(f"| first (work to do) | {timings[0][1]:,} | {warned + breached:,} | {timings[0][0] * 1000:.0f} ms |")
    print(f"| second (nothing due) | {timings[1][1]:,} | 0 | {timings[1][0] * 1000:.1f} ms |")
    print(f"first sweep: {split[0] * 1000:.0f} ms reading, computing and flushing; {split[1] * 1000:.0f} ms "
          "committing and handing the outbox events to Redis")
    for kind, (count, seconds) in sorted(spent.items(), key=lambda kv: -kv[1][1])[:15]:
        print(f"  {seconds * 1000:8.0f} ms  {count:6,}×  {kind}")
    from redis import Redis as _Redis

    _Redis.from_url(REDIS).flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
