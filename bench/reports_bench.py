#!/usr/bin/env python3
"""Report pages on a generated desk: each page for the last 4 weeks and the last quarter,
timed as a lead's request (query + template) in-process, with the query plans relied on.

    .venv/bin/python bench/generate.py --database-url postgresql://postgres@127.0.0.1:5432/munui_bench_1m \\
        --tickets 1000000 --force
    .venv/bin/python bench/reports_bench.py --database-url postgresql://postgres@127.0.0.1:5432/munui_bench_1m
    .venv/bin/python bench/reports_bench.py bench/data/bench.sqlite3          # the embedded default

Signs in as the generated lead through the real login form (CSRF token and all), requests
every report page once to warm up, then ``--runs`` times each, and prints median and max per
page and range. On PostgreSQL it also records, for each page, the plan (EXPLAIN ANALYZE,
BUFFERS) of its slowest statement. Writes bench/results/reports-latest.md.
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import benchlib

PAGES = [
    ("SLA by queue", "/desk/reports", {"group_by": "queue"}),
    ("SLA by agent", "/desk/reports", {"group_by": "agent"}),
    ("SLA by category", "/desk/reports", {"group_by": "category"}),
    ("SLA by week", "/desk/reports", {"group_by": "week"}),
    ("SLA CSV by queue", "/desk/reports/sla.csv", {"group_by": "queue"}),
    ("breaches (first 200)", "/desk/reports/breaches", {}),
    ("backlog (now)", "/desk/reports/backlog", {}),
    ("volume", "/desk/reports/volume", {}),
    ("agents", "/desk/reports/agents", {}),
    ("claims", "/desk/reports/claims", {}),
]
LEAD_EMAIL = f"lead1@{benchlib.EMAIL_DOMAIN}"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=benchlib.DEFAULT_SQLITE)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument("--daily-figures", choices=["sum", "drop"], default="sum",
                        help="sum: catch the worker's SLA rollup up first (timed); drop: delete the "
                             "daily figures, so the SLA pages read every target raw")
    parser.add_argument("--out", type=Path, default=benchlib.RESULTS_DIR / "reports-latest.md")
    return parser.parse_args()


class Statements:
    """The statements one request runs, with their time (to pick the one to explain)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.on = False
        self.seen: list[tuple[float, str, object]] = []
        self._started: dict[int, float] = {}

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):
            if self.on:
                self._started[id(context)] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):
            if self.on and id(context) in self._started:
                self.seen.append((time.perf_counter() - self._started.pop(id(context)), statement, parameters))


def daily_figures(mode: str, now: datetime) -> str:
    """Sum every ended day as the worker's rollup would (timed), or drop the sums."""
    from sqlalchemy import delete

    from app.extensions import db
    from app.models import SlaDailyFigures, SlaRollupDay
    from app.services.reports.sla_daily import roll_up_days

    if mode == "drop":
        db.session.execute(delete(SlaDailyFigures))
        db.session.execute(delete(SlaRollupDay))
        db.session.commit()
        return "dropped (every SLA figure read from sla_targets)"
    started, days = time.perf_counter(), 0
    while (n := roll_up_days(now, limit=1000)):
        days += n
    took = time.perf_counter() - started
    rows = db.session.scalar(select_count(SlaDailyFigures))
    return (f"summed before timing ({days} days caught up in {took:.1f} s"
            + (f", {took / days * 1000:.0f} ms a day" if days else "") + f"; {rows:,} daily rows)")


def select_count(model):
    from sqlalchemy import func, select

    return select(func.count()).select_from(model)


def main() -> int:
    args = parse_args()
    url = benchlib.sqlalchemy_url(args.database_url) if args.database_url else benchlib.sqlite_url(args.path)
    app = benchlib.script_app(url, benchlib.upload_dir_for(args.database_url, args.path))
    app.config["WTF_CSRF_SSL_STRICT"] = False
    now = datetime.now(UTC)
    today = (now + timedelta(hours=9)).date()
    ranges = {"4 weeks": (today - timedelta(days=27), today), "quarter": (today - timedelta(days=90), today)}
    lines = []
    with app.app_context():
        from sqlalchemy import func, select, text

        from app.extensions import db
        from app.models import SlaTarget, Ticket

        rollup = daily_figures(args.daily_figures, now)
        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        targets = db.session.scalar(select(func.count()).select_from(SlaTarget))
        dialect = db.engine.dialect.name
        statements = Statements(db.engine)
        db.session.remove()
        client = benchlib.signed_in_client(app, LEAD_EMAIL)
        header = (f"# Report pages — {tickets:,} tickets, {targets:,} SLA targets, {dialect}\n\n"
                  f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, code {benchlib.code_version()}, "
                  f"{args.runs} runs after one warm-up, in-process (query + template), signed in as a lead.\n"
                  f"\nSLA daily figures: {rollup}\n")
        print(header)
        lines.append(header)
        lines.append("| page | 4 weeks median / max ms | quarter median / max ms |")
        lines.append("|---|---:|---:|")
        plans = []
        for name, path, query in PAGES:
            cells = []
            for label, (first, last) in ranges.items():
                params = {**query, "from": first.isoformat(), "to": last.isoformat()}
                response = client.get(path, query_string=params)
                if response.status_code != 200:
                    raise SystemExit(f"{path} {params} answered {response.status_code}")
                timings = []
                for run in range(args.runs):
                    statements.on, statements.seen = run == 0, []
                    started = time.perf_counter()
                    response = client.get(path, query_string=params)
                    timings.append((time.perf_counter() - started) * 1000)
                    statements.on = False
                    if run == 0 and label == "quarter" and dialect == "postgresql" and not args.no_plans:
                        slowest = max(statements.seen, key=lambda s: s[0])
                        with db.engine.connect() as conn:
                            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + slowest[1],
                                                        slowest[2]).scalars().all()
                        plans.append((name, slowest[0] * 1000, slowest[1], plan))
                cells.append(f"{statistics.median(timings):,.0f} / {max(timings):,.0f}")
            row = f"| {name} | {cells[0]} | {cells[1]} |"
            print(row, flush=True)
            lines.append(row)
        if plans:
            lines.append("\n## Query plans (the slowest statement of each page, quarter range)\n")
            for name, ms, statement, plan in plans:
                lines.append(f"### {name} — {ms:,.0f} ms\n\n```sql\n{statement.strip()}\n```\n\n```\n"
                             + "\n".join(plan) + "\n```\n")
        if dialect == "postgresql":
            with db.engine.connect() as conn:
                sizes = conn.execute(text(
                    "SELECT relname, pg_size_pretty(pg_total_relation_size(c.oid)) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND relkind = 'r' "
                    "ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8")).all()
            lines.append("\n## Largest tables\n\n" + "\n".join(f"- {r}: {s}" for r, s in sizes) + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
