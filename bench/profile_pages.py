#!/usr/bin/env python3
"""Where the time of a desk endpoint goes: its SQL (timed, with query plans) and a cProfile.

    .venv/bin/python bench/profile_pages.py                     # every endpoint, bench/data/bench.sqlite3
    .venv/bin/python bench/profile_pages.py --page queue --requests 30
    .venv/bin/python bench/profile_pages.py --database-url postgresql://postgres@127.0.0.1:5432/munui_bench

In-process (Flask's test client, no gunicorn) with the production config: the
agent's queue and ticket pages (logged in as the bench agent) and the API intake
with and without a PNG (the bench customer's bearer token). SQLite is profiled on
a copy (the intake writes); on PostgreSQL the tickets the intake filed are deleted
afterwards. For each endpoint: the mean time per request; every SQL statement, how
often and how long in the driver, SELECTs also on their own (execute + fetch,
median of repeats) with their plan (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN
ANALYZE); and the top of a cProfile sorted by cumulative time.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import shlex
import statistics
import sys
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import benchlib

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, default=benchlib.DEFAULT_SQLITE)
    parser.add_argument("--database-url")
    parser.add_argument("--page", choices=("queue", "ticket", "intake", "intake_png", "all"), default="all")
    parser.add_argument("--requests", type=int, default=20, help="profiled requests per page (after 5 warm-up)")
    parser.add_argument("--top", type=int, default=30, help="cProfile lines to show")
    parser.add_argument("--output", type=Path, help="also write the report here (Markdown)")
    return parser.parse_args(argv)


def login(client) -> None:
    page = client.get("/login")
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": benchlib.BENCH_AGENT_EMAIL,
                                           "password": benchlib.PASSWORD, "next": ""})
    if response.status_code != 302:
        raise SystemExit(f"login failed: {response.status_code}")


class SqlLog:
    """Every statement the engine runs while ``active``, with its parameters and time."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.active = False
        self.rows: list[tuple[str, object, float]] = []
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started = self._started.pop()
        if self.active:
            self.rows.append((statement, parameters, time.perf_counter() - started))


def standalone(engine, statement: str, parameters, repeats: int = 7) -> float:
    """Median ms of executing and fetching the statement on its own."""
    raw = engine.raw_connection()
    try:
        times = []
        for _ in range(repeats):
            cursor = raw.cursor()
            started = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            times.append(time.perf_counter() - started)
            cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return statistics.median(times) * 1000


def plan(engine, statement: str, parameters) -> str:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            depth: dict[int, int] = {0: -1}
            lines = []
            for node, parent, _unused, detail in cursor.fetchall():
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
        else:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines = [row[0] for row in cursor.fetchall()]
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return "\n".join(lines)


def profile_page(db, client, name: str, request: dict, requests: int, top: int) -> str:
    method, path = request["method"], request["path"]

    def send():
        response = client.open(path, method=method, **request.get("kwargs", {}))
        if response.status_code != request["expect"]:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.get_data()[:300]!r}")

    for _ in range(5):
        send()
    log = SqlLog(db.engine)
    log.active = True
    started = time.perf_counter()
    for _ in range(requests):
        send()
    wall = (time.perf_counter() - started) / requests * 1000
    log.active = False

    stats: OrderedDict[str, dict] = OrderedDict()
    for statement, parameters, seconds in log.rows:
        entry = stats.setdefault(statement, {"count": 0, "seconds": 0.0, "parameters": parameters})
        entry["count"] += 1
        entry["seconds"] += seconds
    out = [f"### {name}: `{method} {path}`", "",
           f"In-process (test client), mean of {requests} requests: **{wall:.1f} ms** per request; "
           f"{len(log.rows) / requests:.0f} SQL statements per request taking "
           f"{sum(r[2] for r in log.rows) / requests * 1000:.1f} ms in the driver.", ""]
    for n, (statement, entry) in enumerate(stats.items(), start=1):
        head = f"**SQL {n}**: {entry['count'] / requests:g}× per request, " \
               f"{entry['seconds'] / entry['count'] * 1000:.2f} ms in the driver each"
        reads = statement.lstrip().upper().startswith(("SELECT", "WITH"))
        if reads:
            alone = standalone(db.engine, statement, entry["parameters"])
            head += f", {alone:.2f} ms on its own (execute + fetch, median)"
        out += [head, "", "```sql", statement.strip(), "```", f"parameters: `{entry['parameters']!r}`"[:400], ""]
        if reads:
            out += ["plan:", "```", plan(db.engine, statement, entry["parameters"]), "```", ""]

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        send()
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats("cumulative").print_stats(top)
    text = buffer.getvalue()
    text = text[text.find("ncalls") if "ncalls" in text else 0:]
    out += [f"cProfile, {requests} requests, sorted by cumulative time (top {top}):", "", "```", text.rstrip(),
            "```", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    uploads = benchlib.DATA_DIR / "profile" / "uploads"
    if args.database_url:
        url = benchlib.sqlalchemy_url(args.database_url)
    else:
        work = benchlib.DATA_DIR / "profile"
        work.mkdir(parents=True, exist_ok=True)
        copy = work / "desk.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(copy) + suffix).unlink(missing_ok=True)
        benchlib.copy_sqlite(args.database, copy)
        url = benchlib.sqlite_url(copy)
    uploads.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)

    from sqlalchemy import delete, select

    from app import create_app
    from app.extensions import db
    from app.models import Order, Ticket, User
    from app.services.accounts.users import issue_token

    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(uploads),
                     SECRET_KEY=benchlib.SCRIPT_SECRET_KEY, SESSION_COOKIE_SECURE=False,
                     REMEMBER_COOKIE_SECURE=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        benchlib.check_schema(db.engine)
        number = benchlib.heavy_ticket(db.session).number
        customer = db.session.scalar(select(User).where(User.email == benchlib.BENCH_CUSTOMER_EMAIL))
        customer_id = customer.id
        order = db.session.scalar(select(Order.number).where(Order.customer_id == customer.id).limit(1))
        token, _row = issue_token(customer, name="profile", now=started, hours=2)
        db.session.commit()
    client = app.test_client()
    login(client)
    fields = {"category": "delivery", "order_number": order, "subject": "배송 문의: 택배가 아직 도착하지 않았어요",
              "body": "주문한 상품이 예정일이 지나도 오지 않습니다. 확인 부탁드립니다."}
    auth = {"Authorization": f"Bearer {token}"}
    png = benchlib.make_png(200)
    body, content_type = benchlib.multipart(fields, [("files", "파손사진.png", "image/png", png)])
    pages = {
        "queue": ("agent queue page", {"method": "GET", "path": "/desk?view=open", "expect": 200}),
        "ticket": ("ticket page", {"method": "GET", "path": f"/desk/tickets/{number}", "expect": 200}),
        "intake": ("API intake (JSON)", {"method": "POST", "path": "/api/v1/tickets", "expect": 201,
                                         "kwargs": {"json": fields, "headers": auth}}),
        "intake_png": (f"API intake with a {len(png) / 1000:.0f} kB PNG",
                       {"method": "POST", "path": "/api/v1/tickets", "expect": 201,
                        "kwargs": {"data": body, "content_type": content_type, "headers": auth}}),
    }
    sections = [f"## Profile of desk endpoints, {started:%Y-%m-%d %H:%M} UTC", "",
                f"- data: {args.database_url or args.database}", f"- code: git {benchlib.code_version()}",
                f"- command: `{shlex.join(['.venv/bin/python', 'bench/profile_pages.py', *sys.argv[1:]])}`", ""]
    with app.app_context():
        for key, (name, request) in pages.items():
            if args.page in (key, "all"):
                sections.append(profile_page(db, client, name, request, args.requests, args.top))
        if args.database_url:
            db.session.execute(delete(Ticket).where(Ticket.requester_id == customer_id,
                                                    Ticket.created_at >= started - timedelta(minutes=1)))
            db.session.commit()
        db.engine.dispose()
    text = "\n".join(sections)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)


if __name__ == "__main__":
    main()
