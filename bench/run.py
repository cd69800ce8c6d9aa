#!/usr/bin/env python3
"""Serve the desk and the bare baseline with gunicorn, drive both on loopback, print a table.

    .venv/bin/python bench/run.py                      # bench/data/bench.sqlite3 (from generate.py)
    .venv/bin/python bench/run.py --requests 200 --rounds 2
    .venv/bin/python bench/run.py --database-url postgresql://postgres@127.0.0.1:5432/munui_bench

One run, side by side on this machine: gunicorn (2 sync workers, 127.0.0.1, a free
port) serves the desk (MUNUI_CONFIG=production, SECRET_KEY from the environment,
secure cookies off so the session works over http) from a copy of the generated
SQLite database, and a second gunicorn serves bench/bare_app.py, the bare Flask
page of performance.md. A Python client (http.client, one connection) warms each
endpoint up, then sends the requests in interleaved rounds so drift on a shared
machine hits every endpoint alike (the pages first, then the API intake, whose new
tickets would otherwise grow the queue page's work while it is measured). Every
loop is bounded by a request count and a time budget. Results: a Markdown table on
stdout and in bench/results/latest.md.

With --peer (the default once bench/data/peer/venv is installed) a third gunicorn
serves the peer of performance.md, django-helpdesk 2.6.1 (bench/peer_helpdesk.py),
seeded with as many tickets as the desk's database holds; the same client signs in
as its staff user and its four endpoints run in the same interleaved rounds, next to
the desk's corresponding rows (plus the desk's one-queue page, the peer's queue row's
counterpart).
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bare_app
import benchlib
import peer_helpdesk

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
RUN_DIR = benchlib.DATA_DIR / "run"
BARE_DB = benchlib.DATA_DIR / "bare.sqlite3"
MIB = 1024 * 1024
# django-helpdesk 2.6.1, first page of open tickets, 100k tickets (performance.md)
PEER_LIST_P95 = 351


class BenchError(RuntimeError):
    pass


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", type=Path, default=benchlib.DEFAULT_SQLITE,
                        help="SQLite database built by generate.py (copied before the run)")
    parser.add_argument("--database-url", help="serve this PostgreSQL database instead (used in place)")
    parser.add_argument("--requests", type=int, default=400, help="measured requests per endpoint")
    parser.add_argument("--warmup", type=int, default=40, help="unmeasured requests per endpoint first")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds the requests are split into")
    parser.add_argument("--max-seconds", type=float, default=90.0, help="time budget per endpoint")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server")
    parser.add_argument("--parallel-requests", type=int, default=300,
                        help="API intake requests sent over 2 connections at once (0: skip)")
    parser.add_argument("--png-kb", type=int, default=200, help="size of the PNG of the multipart intake")
    parser.add_argument("--redis", action="store_true",
                        help="production job mode: a private redis-server on a free loopback port as REDIS_URL "
                             "and one worker.py draining it (default: no REDIS_URL, jobs run in-process)")
    parser.add_argument("--peer", action=argparse.BooleanOptionalAction, default=None,
                        help="also serve and drive the peer, django-helpdesk 2.6.1 (bench/peer_helpdesk.py), in the "
                             "same rounds; default: on when its venv (bench/data/peer/venv) is installed; --peer "
                             "installs it, --no-peer skips it")
    parser.add_argument("--peer-tickets", type=int,
                        help="tickets in the peer's database (default: as many as the desk's database holds)")
    parser.add_argument("--peer-requests", type=int, default=200,
                        help="measured requests per peer endpoint, capped at --requests (its list takes ~0.3 s a "
                             "request at 100k tickets: 400 would not fit the time budget of the rounds)")
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS_DIR / "latest.md")
    return parser.parse_args(argv)


# ------------------------------------------------------------------ the client

class Client:
    """One HTTP/1.1 connection with a cookie jar.

    Keep-alive when the server allows it; gunicorn's sync workers close after every
    response, and http.client then opens the next connection by itself.
    """

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes, float]:
        headers = dict(headers or {})
        headers.setdefault("Accept-Language", "ko-KR,ko;q=0.9")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            raise
        elapsed = time.perf_counter() - started
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                if val and "max-age=0" not in value.lower() and "expires=thu, 01 jan 1970" not in value.lower():
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
        return response.status, data, elapsed

    def close(self) -> None:
        self.conn.close()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Scenario:
    key: str
    label: str
    client: Client
    # (method, path, body, headers, expected status) of request number i
    make: object
    latencies: list[float] = field(default_factory=list)
    round_p95: list[float] = field(default_factory=list)
    busy_seconds: float = 0.0
    stopped: str | None = None
    requests: int | None = None  # measured requests of this endpoint (None: --requests)

    def once(self, i: int) -> float:
        method, path, body, headers, expect = self.make(i)
        status, data, elapsed = self.client.request(method, path, body, headers)
        if status != expect:
            raise BenchError(f"{self.key}: {method} {path} answered {status}, expected {expect}: "
                             f"{data[:300]!r}")
        return elapsed

    def summary(self) -> dict:
        lat = self.latencies
        if not lat:
            return {"n": 0}
        return {"n": len(lat), "p50": percentile(lat, 50) * 1000, "p95": percentile(lat, 95) * 1000,
                "mean": sum(lat) / len(lat) * 1000, "rps": len(lat) / self.busy_seconds,
                "rounds": " / ".join(f"{v:.1f}" for v in self.round_p95)}


# ------------------------------------------------------------------ servers

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server(benchlib.GunicornProcess):
    def __init__(self, name: str, app_spec: str, chdir: Path, env: dict, workers: int):
        self.name = name
        self.port = free_port()
        self.log_path = RUN_DIR / f"{name}-gunicorn.log"
        self.command = [str(benchlib.VENV_BIN / "gunicorn"), "--workers", str(workers),
                        "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}", "--chdir", str(chdir),
                        "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning",
                        "--error-logfile", str(self.log_path), app_spec]
        self.process = subprocess.Popen(self.command, env=env, cwd=str(chdir), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.STDOUT)

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        try:
            benchlib.wait_for_http(self.process, self.port, path, timeout, accept=lambda status: status < 500)
        except (RuntimeError, TimeoutError) as exc:
            raise BenchError(f"{self.name} server {exc}:\n{self.log_tail()}") from exc


class Helper:
    """A process the run needs besides the servers (redis-server, worker.py), stopped at the end."""

    def __init__(self, name: str, command: list[str], env: dict, cwd: Path):
        self.name = name
        self.log_path = RUN_DIR / f"{name}.log"
        self.log = open(self.log_path, "wb")  # closed in stop()
        self.process = subprocess.Popen(command, env=env, cwd=str(cwd), stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


def start_redis() -> tuple[Helper, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("--redis needs redis-server on PATH")
    port = free_port()
    helper = Helper("redis", [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(RUN_DIR)], os.environ.copy(), RUN_DIR)
    if benchlib.redis_answers(port):
        return helper, f"redis://127.0.0.1:{port}/0"
    helper.stop()
    raise BenchError("redis-server did not start")


# ------------------------------------------------------------------ data

def prepare_database(args: argparse.Namespace) -> tuple[str, Path, str]:
    """(URL the desk serves, its upload folder, a description). SQLite is served from a fresh copy."""
    if RUN_DIR.exists():
        shutil.rmtree(RUN_DIR)
    RUN_DIR.mkdir(parents=True)
    uploads = RUN_DIR / "uploads"
    source_uploads = benchlib.upload_dir_for(args.database_url, args.database)
    if source_uploads.exists():
        shutil.copytree(source_uploads, uploads)
    else:
        uploads.mkdir()
    if args.database_url:
        return benchlib.sqlalchemy_url(args.database_url), uploads, args.database_url
    source = args.database.resolve()
    if not source.exists():
        raise SystemExit(f"{source} does not exist: run bench/generate.py first")
    copy = RUN_DIR / "desk.sqlite3"
    benchlib.copy_sqlite(source, copy)
    size = source.stat().st_size / 1e6
    shown = source.relative_to(benchlib.ROOT) if source.is_relative_to(benchlib.ROOT) else source
    return benchlib.sqlite_url(copy), uploads, f"{shown} ({size:,.0f} MB, served from a copy)"


def prepare_accounts(url: str, uploads: Path) -> dict:
    """A fresh API token for the bench customer; the ticket to open; what the data holds."""
    from sqlalchemy import func, select

    from app.domain.ticket_flow import UNRESOLVED
    from app.extensions import db
    from app.models import Attachment, Message, Order, Ticket, User
    from app.services.accounts.users import issue_token

    app = benchlib.script_app(url, uploads)
    with app.app_context():
        benchlib.check_schema(db.engine)
        customer = db.session.scalar(select(User).where(User.email == benchlib.BENCH_CUSTOMER_EMAIL))
        if customer is None:
            raise SystemExit(f"{benchlib.BENCH_CUSTOMER_EMAIL} is missing: was the database built by generate.py?")
        token, _row = issue_token(customer, name="bench", now=datetime.now(UTC), hours=6)
        db.session.commit()
        unresolved = [s.value for s in UNRESOLVED]
        heavy = benchlib.heavy_ticket(db.session)
        if heavy is None:
            raise SystemExit("no ticket with 10 messages: was the database built by generate.py?")
        info = {
            "token": token, "customer_id": customer.id,
            "ticket_number": heavy.number, "ticket_status": heavy.status,
            "ticket_messages": db.session.scalar(select(func.count()).where(Message.ticket_id == heavy.id)),
            "ticket_attachments": db.session.scalar(select(func.count()).where(Attachment.ticket_id == heavy.id)),
            "order_number": db.session.scalar(select(Order.number).where(Order.customer_id == customer.id)
                                              .order_by(Order.id.desc()).limit(1)),
            "tickets": db.session.scalar(select(func.count()).select_from(Ticket)),
            "unresolved": db.session.scalar(select(func.count()).where(Ticket.status.in_(unresolved))),
            "messages": db.session.scalar(select(func.count()).select_from(Message)),
            "dialect": db.engine.dialect.name,
            "server_version": ".".join(str(v) for v in db.engine.dialect.server_version_info or ()),
        }
        db.engine.dispose()
    return info


def cleanup_pg(url: str, uploads: Path, customer_id: int, since: datetime) -> int:
    """PostgreSQL is used in place: delete the tickets the intake requests filed."""
    from sqlalchemy import delete

    from app.extensions import db
    from app.models import Ticket

    app = benchlib.script_app(url, uploads)
    with app.app_context():
        result = db.session.execute(delete(Ticket).where(Ticket.requester_id == customer_id,
                                                         Ticket.created_at >= since))
        db.session.commit()
        db.engine.dispose()
    return result.rowcount or 0


# ------------------------------------------------------------------ the run

def login(client: Client) -> None:
    status, page, _ = client.request("GET", "/login")
    match = CSRF_RE.search(page.decode("utf-8", "replace"))
    if status != 200 or not match:
        raise BenchError(f"GET /login answered {status} without a CSRF token")
    from urllib.parse import urlencode

    form = urlencode({"csrf_token": match.group(1), "email": benchlib.BENCH_AGENT_EMAIL,
                      "password": benchlib.PASSWORD, "next": ""}).encode()
    status, body, _ = client.request("POST", "/login", form,
                                     {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise BenchError(f"POST /login answered {status}: {body[:300]!r}")


def scenarios(args, bare_port: int, desk_port: int, info: dict, png: bytes) -> list[Scenario]:
    bare, agent, api = Client(bare_port), Client(desk_port), Client(desk_port)
    login(agent)
    groups = random.Random(3).sample(range(bare_app.ROWS // bare_app.PER_GROUP), 2_000)
    auth = {"Authorization": f"Bearer {info['token']}"}
    category = "delivery" if info["order_number"] else "product"

    def intake_fields(i: int, png_kind: bool) -> dict[str, str]:
        fields = {"category": category,
                  "subject": f"{'파손 사진 첨부' if png_kind else '배송 문의'} {i}: 택배가 아직 도착하지 않았어요",
                  "body": "주문한 상품이 예정일이 지나도 오지 않습니다. 배송 조회도 며칠째 그대로입니다. "
                          f"확인 부탁드립니다. (요청 {i})"}
        if info["order_number"]:
            fields["order_number"] = info["order_number"]
        return fields

    def api_json(i):
        body = json.dumps(intake_fields(i, False), ensure_ascii=False).encode()
        return "POST", "/api/v1/tickets", body, {**auth, "Content-Type": "application/json"}, 201

    def api_png(i):
        body, content_type = benchlib.multipart(intake_fields(i, True), [("files", "파손사진.png", "image/png", png)])
        return "POST", "/api/v1/tickets", body, {**auth, "Content-Type": content_type}, 201

    ticket_path = f"/desk/tickets/{info['ticket_number']}"
    return [
        Scenario("bare", "bare Flask page (25 rows by an indexed column, tiny template)", bare,
                 lambda i: ("GET", f"/items/{groups[i % len(groups)]}", None, None, 200)),
        Scenario("queue", "agent queue page `GET /desk?view=open` (50 rows + count)", agent,
                 lambda i: ("GET", "/desk?view=open", None, None, 200)),
        Scenario("ticket", f"ticket page `GET /desk/tickets/…` ({info['ticket_messages']} messages, "
                           f"{info['ticket_attachments']} attachments)", agent,
                 lambda i: ("GET", ticket_path, None, None, 200)),
        Scenario("api_json", "API intake `POST /api/v1/tickets` (JSON, bearer token)", api, api_json),
        Scenario("api_png", f"API intake with one {len(png) / 1000:.0f} kB PNG (multipart)", api, api_png),
    ]


# ------------------------------------------------------------------ the peer (django-helpdesk)

# the desk's row → the peer's row it is compared with
PEER_PAIRS = {"queue": "peer_list", "queue_one": "peer_queue", "ticket": "peer_ticket", "api_json": "peer_create"}
PEER_QUEUE = "orders"  # the desk's queue of the one-queue page; the peer has a queue of the same slug


def prepare_peer(args, info: dict) -> dict:
    """Install the peer and seed its database (before any server starts), then copy it for this run."""
    install_seconds = peer_helpdesk.ensure_installed()
    tickets = args.peer_tickets or info["tickets"]
    db, seed_seconds = peer_helpdesk.ensure_site(tickets)
    copy = peer_helpdesk.serving_copy(db, RUN_DIR / "peer.sqlite3")
    peer_info = peer_helpdesk.facts(copy)
    shown = db.relative_to(benchlib.ROOT) if db.is_relative_to(benchlib.ROOT) else db
    print(f"peer data: {shown}; {peer_info['tickets']:,} tickets ({peer_info['open']:,} open), "
          f"{peer_info['followups']:,} follow-ups"
          + (f"; installed in {install_seconds:.0f} s" if install_seconds else "")
          + (f"; seeded in {seed_seconds:.0f} s" if seed_seconds else "; database reused"), flush=True)
    return {"info": peer_info, "versions": peer_helpdesk.versions(), "install_seconds": install_seconds,
            "seed_seconds": seed_seconds,
            "database": f"{shown} ({db.stat().st_size / 1e6:,.0f} MB, served from a copy)"}


def peer_scenarios(args, desk_port: int, peer_port: int, peer: dict) -> list[Scenario]:
    """The desk's one-queue page and the peer's four endpoints, each checked once before it is timed."""
    agent, staff = Client(desk_port), Client(peer_port)
    login(agent)
    status, page, _ = agent.request("GET", f"/desk?view=open&queue={PEER_QUEUE}")
    if status != 200 or b"M-" not in page:
        raise BenchError(f"GET /desk?view=open&queue={PEER_QUEUE} answered {status} without tickets")
    info = peer["info"]
    try:
        targets = peer_helpdesk.prepare(staff, info)
    except peer_helpdesk.PeerError as exc:
        raise BenchError(f"peer: {exc}") from exc
    peer["targets"] = targets
    peer_requests = min(args.peer_requests, args.requests)
    made = [
        Scenario("queue_one", f"agent queue page, one queue `GET /desk?view=open&queue={PEER_QUEUE}` "
                              "(50 rows + count)", agent,
                 lambda i: ("GET", f"/desk?view=open&queue={PEER_QUEUE}", None, None, 200)),
        Scenario("peer_list", f"ticket list JSON `GET /helpdesk/datatables_ticket_list/…` (first {targets.list_rows} "
                              f"of {targets.list_total:,} open + counts)", staff,
                 lambda i: ("GET", targets.list_path, None, None, 200)),
        Scenario("peer_queue", f"one queue's open tickets JSON (`{info['queue_slug']}`: {targets.queue_rows} of "
                               f"{targets.queue_total:,})", staff,
                 lambda i: ("GET", targets.queue_path, None, None, 200)),
        Scenario("peer_ticket", f"ticket page `GET {targets.ticket_path}` ({info['ticket_followups']} follow-ups, "
                                f"{info['ticket_attachments']} attachments)", staff,
                 lambda i: ("GET", targets.ticket_path, None, None, 200)),
        Scenario("peer_create", f"staff form `POST {targets.create_path}` (multipart, → 302)", staff,
                 targets.create_request),
    ]
    for scenario in made[1:]:  # the peer's four
        scenario.requests = peer_requests
    return made


def drive(all_scenarios: list[Scenario], args) -> None:
    counter = 10_000
    for scenario in all_scenarios:
        for _ in range(args.warmup):
            counter += 1
            scenario.once(counter)
    budget = args.max_seconds / args.rounds
    for round_no in range(args.rounds):
        for scenario in all_scenarios:
            if scenario.stopped:
                continue
            total = scenario.requests or args.requests
            per_round = math.ceil(total / args.rounds)
            round_started = time.perf_counter()
            first = len(scenario.latencies)
            for _ in range(min(per_round, total - len(scenario.latencies))):
                counter += 1
                scenario.latencies.append(scenario.once(counter))
                if time.perf_counter() - round_started > budget:
                    scenario.stopped = f"time budget reached in round {round_no + 1}"
                    break
            scenario.busy_seconds += time.perf_counter() - round_started
            if len(scenario.latencies) > first:
                scenario.round_p95.append(percentile(scenario.latencies[first:], 95) * 1000)
        print(f"  round {round_no + 1}/{args.rounds}: p95 of the round " + ", ".join(
            f"{s.key} {s.round_p95[-1]:.1f} ms" for s in all_scenarios if s.round_p95), flush=True)


def parallel_intake(port: int, info: dict, total: int, max_seconds: float) -> dict:
    """API intake (JSON) over 2 connections at once: throughput with both workers busy."""
    auth = {"Authorization": f"Bearer {info['token']}", "Content-Type": "application/json"}
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    issued = iter(range(total))
    deadline = time.perf_counter() + max_seconds

    def worker(n: int) -> None:
        client = Client(port)
        while time.perf_counter() < deadline:
            with lock:
                i = next(issued, None)
            if i is None:
                break
            fields = {"category": "product", "subject": f"동시 접수 {n}-{i}: 사이즈 문의",
                      "body": "이 상품 사이즈가 정사이즈인가요? 평소 M을 입습니다."}
            status, data, elapsed = client.request("POST", "/api/v1/tickets",
                                                   json.dumps(fields, ensure_ascii=False).encode(), auth)
            with lock:
                if status == 201:
                    latencies.append(elapsed)
                else:
                    errors.append(f"{status} {data[:200]!r}")
        client.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise BenchError(f"parallel intake: {len(errors)} errors, first: {errors[0]}")
    return {"n": len(latencies), "p50": percentile(latencies, 50) * 1000, "p95": percentile(latencies, 95) * 1000,
            "mean": sum(latencies) / len(latencies) * 1000, "rps": len(latencies) / wall}


# ------------------------------------------------------------------ the report

def versions() -> dict:
    from importlib.metadata import version

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"python": platform.python_version(), "flask": version("flask"), "gunicorn": version("gunicorn"),
            "sqlalchemy": version("sqlalchemy"),
            "sqlite": sqlite3.sqlite_version, "git": benchlib.code_version(),
            "cpu": cpu, "nproc": os.cpu_count()}


def verdict(value: float, limit: float, unit: str = "ms", higher_is_better: bool = False) -> str:
    if higher_is_better:
        return "met" if value >= limit else f"**missed** ({value / limit:.0%} of the target)"
    if value <= limit:
        return "met"
    return f"**missed** by {max(value - limit, 0.1):.1f} {unit} ({value / limit:.2f}× the limit)"


def report(args, results: dict, parallel: dict | None, memory: dict, info: dict, database: str,
           meta: dict, started: datetime, load: tuple[str, str], stopped: dict, peer: dict | None = None) -> str:
    bare = results["bare"]
    limit_page = 3 * bare["p95"]     # issue 14 / performance.md: pages p95 ≤ 3× the bare page, same run
    # The peer's list p95 from this run when it was driven, else performance.md's figure.
    peer_list = results.get("peer_list", {}).get("p95") or PEER_LIST_P95
    peer_create = results.get("peer_create", {}).get("p95")
    targets = {
        "bare": ("baseline", ""),
        "queue": (f"p95 ≤ 3× bare = {limit_page:.1f} ms; ≥ 25× faster than the peer's list (p95 {peer_list:.0f} ms)",
                  verdict(results["queue"]["p95"], limit_page)
                  + f"; {results['queue']['p95'] / bare['p95']:.1f}× bare; "
                  f"{peer_list / results['queue']['p95']:.1f}× faster than the peer"),
        "ticket": (f"p95 ≤ 3× bare = {limit_page:.1f} ms", verdict(results["ticket"]["p95"], limit_page)),
        "api_json": ("p95 ≤ 15 ms" + (f" and below the peer's create ({peer_create:.1f} ms)" if peer_create else ""),
                     verdict(results["api_json"]["p95"], min(15, peer_create or 15))),
        "api_png": ("p95 ≤ 40 ms", verdict(results["api_png"]["p95"], 40)),
    }
    if "queue_one" in results:  # measured with the peer only: the counterpart of its one-queue JSON
        targets = {**dict(list(targets.items())[:2]), "queue_one": ("—", ""), **dict(list(targets.items())[2:])}
    command = "$ " + shlex.join([".venv/bin/python", "bench/run.py", *sys.argv[1:]])
    lines = [
        f"## Munui benchmark, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- machine: {meta['nproc']} CPUs (`nproc`), {meta['cpu']}; load average before {load[0]}, after {load[1]}",
        f"- software: Python {meta['python']}, gunicorn {meta['gunicorn']}, Flask {meta['flask']}, "
        f"SQLAlchemy {meta['sqlalchemy']}, {info['dialect']} {info['server_version'] or meta['sqlite']}",
        f"- code: git {meta['git']}",
        f"- data: {database}: {info['tickets']:,} tickets ({info['unresolved']:,} unresolved), "
        f"{info['messages']:,} messages",
        f"- servers: gunicorn, {args.workers} sync workers each, 127.0.0.1; desk with MUNUI_CONFIG=production, "
        "SECRET_KEY from the environment, secure cookies off (http); "
        + ("REDIS_URL = a private redis-server, one worker.py running the jobs" if args.redis
           else "no REDIS_URL (the outbox jobs run in-process, inside the request)"),
        f"- client: http.client, 1 connection, {args.warmup} warm-up requests per endpoint, then "
        f"{args.requests} measured in {args.rounds} interleaved rounds (budget {args.max_seconds:.0f} s each)"
        + (f"; the peer's endpoints {min(args.peer_requests, args.requests)} measured" if peer else ""),
        f"- command: `{command}`",
    ]
    if peer:
        pv, pi = peer["versions"], peer["info"]
        lines += [
            f"- peer: django-helpdesk {pv['helpdesk']} from PyPI (Django {pv['django']}, gunicorn {pv['gunicorn']}, "
            f"Python {pv['python']}, own venv), {args.workers} sync workers, 127.0.0.1, DEBUG off, SQLite WAL + "
            "synchronous=NORMAL, persistent connections; staff superuser signed in (session cookie); "
            "same client and rounds",
            f"- peer data: {peer['database']}: {pi['tickets']:,} tickets ({pi['open']:,} open), "
            f"{pi['followups']:,} follow-ups",
        ]
    lines += [
        "",
        "| what | requests | p50 ms | p95 ms | mean ms | req/s | p95 of each round, ms | target | result "
        "| Munui ÷ bare (p95) | peer (django-helpdesk) | peer requests | peer p50 ms | peer p95 ms "
        "| peer ÷ Munui (p95) |",
        "|---|---:|---:|---:|---:|---:|---|---|---|---:|---|---:|---:|---:|---:|",
    ]
    labels = {s: results[s]["label"] for s in results}
    for key, (target, outcome) in targets.items():
        r = results[key]
        note = f" ({stopped[key]})" if stopped.get(key) else ""
        lines.append(f"| {labels[key]}{note} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['mean']:.1f} | "
                     f"{r['rps']:.0f} | {r['rounds']} | {target} | {outcome} | " + peer_cells(key, results, stopped))
    if parallel:
        lines.append(f"| API intake (JSON), 2 connections at once | {parallel['n']} | {parallel['p50']:.1f} | "
                     f"{parallel['p95']:.1f} | {parallel['mean']:.1f} | {parallel['rps']:.0f} | | ≥ 150 req/s "
                     f"with 2 workers | {verdict(parallel['rps'], 150, higher_is_better=True)} | | | | | | |")
    desk_peak = max((w.get("VmHWM", 0) for w in memory["desk"]), default=0)
    desk_rss = ", ".join(f"{w.get('VmRSS', 0):.0f}" for w in memory["desk"])
    bare_rss = ", ".join(f"{w.get('VmRSS', 0):.0f}" for w in memory["bare"])
    peer_memory = ""
    if memory.get("peer"):
        peer_rss = ", ".join(f"{w.get('VmRSS', 0):.0f}" for w in memory["peer"])
        peer_peak = max(w.get("VmHWM", 0) for w in memory["peer"])
        peer_memory = f"peer workers: RSS now {peer_rss} MiB; peak {peer_peak:.0f} MiB"
    lines.append(f"| desk web worker memory: RSS now {desk_rss} MiB; peak (VmHWM) {desk_peak:.0f} MiB "
                 f"(bare page workers: {bare_rss} MiB) | | | | | | | RSS ≤ 150 MB | "
                 f"{verdict(desk_peak * MIB / 1e6, 150, 'MB')} | | {peer_memory} | | | | |")
    lines += ["", f"Ticket opened: {info['ticket_number']} ({info['ticket_status']}). API intake files "
              f"'{'delivery' if info['order_number'] else 'product'}' inquiries as {benchlib.BENCH_CUSTOMER_EMAIL}"
              + (f" on order {info['order_number']}." if info["order_number"] else ".")]
    if peer:
        lines += peer_table(results, stopped, peer)
    return "\n".join(lines) + "\n"


def peer_cells(key: str, results: dict, stopped: dict) -> str:
    """The extra cells of a desk row: its p95 ÷ the bare page's, and the peer's row it is compared with."""
    r, bare = results[key], results["bare"]
    ratio = "—" if key == "bare" else f"{r['p95'] / bare['p95']:.1f}×"
    peer_key = PEER_PAIRS.get(key)
    if peer_key not in results:
        return f"{ratio} | | | | | |"
    p = results[peer_key]
    note = f" ({stopped[peer_key]})" if stopped.get(peer_key) else ""
    return (f"{ratio} | {p['label']}{note} | {p['n']} | {p['p50']:.1f} | {p['p95']:.1f} | "
            f"{p['p95'] / r['p95']:.1f}× |")


def peer_table(results: dict, stopped: dict, peer: dict) -> list[str]:
    """The peer's rows in full, and what was opened and filed on it."""
    info, targets = peer["info"], peer.get("targets")
    lines = ["", "The peer's rows in full (same client, same interleaved rounds):", "",
             "| peer endpoint | requests | p50 ms | p95 ms | mean ms | req/s | p95 of each round, ms | desk row |",
             "|---|---:|---:|---:|---:|---:|---|---|"]
    desk_of = {v: k for k, v in PEER_PAIRS.items()}
    for key in ("peer_list", "peer_queue", "peer_ticket", "peer_create"):
        if key not in results or not results[key]["n"]:
            continue
        r = results[key]
        note = f" ({stopped[key]})" if stopped.get(key) else ""
        lines.append(f"| {r['label']}{note} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['mean']:.1f} | "
                     f"{r['rps']:.1f} | {r['rounds']} | {results[desk_of[key]]['label']} |")
    if targets:
        lines += ["", f"Peer: ticket list and queue JSON are the DataTables URLs of its ticket list page "
                  f"(`/helpdesk/tickets/` and `?queue={info['queue_id']}&status=1&status=2`: open and reopened, "
                  f"sorted by creation) with `draw=1&start=0&length={peer_helpdesk.PAGE_ROWS}`; ticket "
                  f"{info['ticket_id']} ({info['ticket_followups']} follow-ups); the staff form files open tickets "
                  "in its first queue for customer00001 (a new-ticket email is rendered, to Django's locmem backend)."]
    return lines


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = datetime.now(UTC)
    meta = versions()  # the code as the servers will load it
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    url, uploads, database = prepare_database(args)
    info = prepare_accounts(url, uploads)
    bare_app.create_database(BARE_DB)
    png = benchlib.make_png(args.png_kb)
    print(f"desk data: {database}; {info['tickets']:,} tickets; opening {info['ticket_number']}", flush=True)
    if args.peer is None:
        args.peer = peer_helpdesk.is_installed()
    peer = prepare_peer(args, info) if args.peer else None

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "MUNUI_CONFIG")}
    desk_env = {**env, "MUNUI_CONFIG": "production", "SECRET_KEY": secrets.token_urlsafe(48),
                "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://"),
                "UPLOAD_DIR": str(uploads), "MUNUI_INSTANCE_DIR": str(RUN_DIR / "instance"),
                "SEARCH_INDEX_DIR": str(RUN_DIR / "search-index"), "SESSION_COOKIE_SECURE": "false"}
    bare_env = {**env, "BARE_DB": str(BARE_DB)}
    # ProductionConfig pins SESSION_COOKIE_SECURE=True whatever the environment says, so the
    # factory call turns it (and the remember-me cookie's) off for plain http on loopback.
    desk_spec = "app:create_app(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)"
    servers = {}
    helpers: list[Helper] = []
    parallel = None
    try:
        if args.redis:
            redis, redis_url = start_redis()
            helpers.append(redis)
            desk_env["REDIS_URL"] = redis_url
            helpers.append(Helper("worker", [str(benchlib.VENV_BIN / "python"), "worker.py"], desk_env,
                                  benchlib.ROOT))
        servers["bare"] = Server("bare", "bare_app:app", benchlib.BENCH_DIR, bare_env, args.workers)
        servers["desk"] = Server("desk", desk_spec, benchlib.ROOT, desk_env, args.workers)
        servers["bare"].wait_ready("/items/1")
        servers["desk"].wait_ready("/login")
        all_scenarios = scenarios(args, servers["bare"].port, servers["desk"].port, info, png)
        if peer:
            servers["peer"] = peer_helpdesk.PeerServer(RUN_DIR / "peer.sqlite3", RUN_DIR / "peer-gunicorn.log",
                                                       workers=args.workers)
            servers["peer"].start()
            all_scenarios += peer_scenarios(args, servers["desk"].port, servers["peer"].port, peer)
        print(f"driving {len(all_scenarios)} endpoints: {args.warmup} warm-up + {args.requests} requests each",
              flush=True)
        # Pages first, intake after: the tickets the intake files would otherwise grow the
        # queue page's work (they are all unresolved) while it is being measured.
        print("pages:", flush=True)
        drive([s for s in all_scenarios if s.key in ("bare", "queue", "ticket", "queue_one", "peer_list", "peer_queue",
                                                     "peer_ticket")], args)
        print("API intake" + (" and the peer's staff form" if peer else "") + ":", flush=True)
        drive([s for s in all_scenarios if s.key.startswith("api_") or s.key == "peer_create"], args)
        if args.parallel_requests:
            parallel = parallel_intake(servers["desk"].port, info, args.parallel_requests, args.max_seconds)
        memory = {name: server.memory() for name, server in servers.items()}
        for scenario in all_scenarios:
            scenario.client.close()
    finally:
        for server in servers.values():
            server.stop()
        for helper in reversed(helpers):
            helper.stop()
    if args.database_url:
        removed = cleanup_pg(url, uploads, info["customer_id"], started - timedelta(minutes=1))
        print(f"removed {removed} tickets the intake filed in {args.database_url}")
    results = {s.key: {**s.summary(), "label": s.label} for s in all_scenarios}
    stopped = {s.key: s.stopped for s in all_scenarios if s.stopped}
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    text = report(args, results, parallel, memory, info, database, meta, started,
                  (" ".join(load_before), " ".join(load_after)), stopped, peer)
    benchlib.write_report(text, args.output)


if __name__ == "__main__":
    main()
