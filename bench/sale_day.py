#!/usr/bin/env python3
"""A sale-day load run: the production shape under 50 agents and 200 customers, then an integrity check.

    .venv/bin/python bench/sale_day.py                         # 10 minutes, 50 agents, 200 customers, 100,000 tickets
    .venv/bin/python bench/sale_day.py --minutes 1 --agents 10 --customers 40   # a short trial
    .venv/bin/python bench/sale_day.py --prepare-only          # build the database and search index, then stop
    .venv/bin/python bench/sale_day.py --search-backend postgres --output /tmp/sale-day-pg.md

What runs, all on loopback and stopped at the end (also on Ctrl-C): a private redis-server
on a free port; an SMTP sink (aiosmtpd) as MAIL_SERVER, so every email is really sent and
its Message-ID counted; gunicorn (2 sync workers) serving the desk with MUNUI_CONFIG=production
on PostgreSQL (secure cookies and HSTS off for plain http; the login limiter kept, keyed in
that Redis, with a limit one loopback address can live with); and two worker.py: one for the
`search` queue (the one index writer, no scheduler), one for `default email sla` with the
scheduler (outbox relay, SLA sweep, auto-close).

The database (default postgresql://postgres@127.0.0.1:5432/munui_bench_sale) is built by
bench/generate.py if it has no tables, and reused if it is at the code's migration and holds
at least --tickets tickets (--regenerate rebuilds it: it drops the schema; --upgrade runs the
migrations on one behind the code). The script adds the agents beyond generate.py's five
(agent6…@bench.munui.kr, both queues, the bench password) and, for each run, a few paid
orders with a cancellation request (준비중 취소) for the agents to approve. The search index
lives beside the database's files (bench/data/<database>-search-index), built once
(`flask search reindex`'s code); every incremental commit adds a segment to it, so
--optimize-index merges it into one first when runs are to be compared. The run's tickets
stay in the database (nothing is dropped): each run adds some hundreds, and the worker's
periodic jobs run at its start as in production (auto-close, the overdue-refund notice).

The load is reliability.md §5 "Steady load", one thread and one cookie jar per person, each
signing in through the real form (CSRF token and all), with jittered start times and
periods (±10 %): an agent lists a queue every 10 s, opens one of its tickets every 30 s,
sends a public reply through that page's form every 60 s and searches (배송, 환불, 교환…)
every 60 s; a customer opens 내 문의 내역 and one of their inquiries every 30 s and files
one inquiry every 10 minutes through the real form with a ~2 MB PNG screenshot. Spread over
the run, agents approve cancellation requests through the ticket page's decision form, and
every --race-every'th request is approved by two agents at once (both pages loaded, then
both POSTs released together): exactly one may win, the other must be refused (409). POSTs
that redirect are followed, as a browser does, and the page they land on is counted under
its own route (the ticket page's presence poll, every 5 s in a browser, is not in the §5 mix
and is not sent). Timed: the client-side time of each request, from sending it to the last
byte, and beside it the time gunicorn's worker spent on it (its access log, matched by an
X-Bench-Id header): the difference is the wait for a free worker. Only requests started in
the measured --minutes after the --warmup count for the latency table (sign-ins happen
during the warm-up); errors are counted over the whole run.

After the load: wait (bounded by --drain-timeout) until the RQ queues and their started
registries are empty and every outbox event of the run is delivered, then check, each as
pass/fail: inquiries accepted = inquiries stored; attachment rows = files on disk (size
and SHA-256); emails due (email outbox events of the run) = emails received by the sink,
no Message-ID twice; no claim with two approvals; the search index against the database.
Also: CPU seconds of every process over the measured window (from /proc; and the whole
machine's, so a run on a shared machine shows as one), RSS of each web and RQ worker at
the end. Report: bench/results/sale-day-latest.md (--output); logs in bench/data/sale-day/.
"""
from __future__ import annotations

import argparse
import hashlib
import heapq
import html.parser
import itertools
import os
import platform
import random
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import benchlib
import jobslib
import texts

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/munui_bench_sale"
WORK_DIR = benchlib.DATA_DIR / "sale-day"  # logs, instance folder, redis dir (not bench/data/run: run.py's)
CLK_TCK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024
QUEUE_NAMES = ("default", "email", "search", "sla")  # app/services/outbox.py QUEUES
SEARCH_WORDS = ("배송", "환불", "교환", "배송지연", "파손", "주문취소", "사이즈", "쿠폰", "적립금", "오배송")
# A login limit one loopback address (every simulated person) can live with; the limiter itself stays on.
LOGIN_LIMIT = "100000 per minute"
# The refusals an approval that lost a race may carry (app/services/claims/refunds.py).
LOSER_MESSAGES = {"이미 다른 상담원이 처리한 신청입니다": "already decided (lost the conditional UPDATE)",
                  "이미 결정된 신청입니다": "already decided (read as decided)",
                  "주문이나 정책 판단이 바뀌었습니다": "decision changed (the order moved on)"}

# route → (label, reliability.md §5 p95 target in ms or None, p99 target or None)
ROUTES = {
    "GET /login": ("sign-in form", None, None),
    "POST /login": ("sign in (scrypt)", None, None),
    "GET /desk": ("agent queue list", 300, None),
    "GET /desk/tickets/<n>": ("agent ticket view", 250, None),
    "POST /desk/tickets/<n>/messages": ("agent public reply", 400, None),
    "GET /desk/search": ("agent search", 500, 1500),
    "POST /desk/tickets/<n>/decision": ("approve a cancellation", 300, None),
    "GET /inquiries": ("customer 내 문의 내역", None, None),
    "GET /inquiries/<n>": ("customer inquiry page", None, None),
    "GET /inquiries/new": ("customer inquiry form", None, None),
    "POST /inquiries/new": ("customer files an inquiry + 2 MB PNG", 800, None),
}
ISSUE_P95 = 300  # issue 14: p95 ≤ 300 ms, every endpoint
MACHINE = "the whole machine"


class BenchError(RuntimeError):
    pass


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL database (built if empty)")
    parser.add_argument("--tickets", type=int, default=100_000,
                        help="tickets the database must hold (generated if it has no tables)")
    parser.add_argument("--regenerate", action="store_true",
                        help="rebuild the database with generate.py --force (drops its schema) and its index")
    parser.add_argument("--upgrade", action="store_true",
                        help="a database behind the code's migrations: run them (flask db upgrade) instead of "
                             "refusing it")
    parser.add_argument("--minutes", type=float, default=10.0, help="measured load after the warm-up")
    parser.add_argument("--warmup", type=float, default=90.0,
                        help="seconds of warm-up: everyone signs in (spread over its first two thirds) and starts")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--claims", type=int, default=None,
                        help="cancellation requests approved during the run (default: 3 a minute, at least 6)")
    parser.add_argument("--race-every", type=int, default=3,
                        help="every Nth claim is approved by two agents at once (0: no races)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--search-backend", choices=("whoosh", "postgres"), default="whoosh")
    parser.add_argument("--optimize-index", action="store_true",
                        help="Whoosh: merge the index into one segment before the load (each incremental commit "
                             "leaves one; minutes at 100,000 tickets), so runs start from the same index")
    parser.add_argument("--png-kb", type=int, default=2000, help="size of the screenshot each new inquiry carries")
    parser.add_argument("--drain-timeout", type=float, default=180.0,
                        help="seconds to wait for the queues and the outbox to drain after the load")
    parser.add_argument("--seed", type=int, default=20261214)
    parser.add_argument("--prepare-only", action="store_true", help="prepare the database and index, then stop")
    parser.add_argument("--output", type=Path, default=benchlib.RESULTS_DIR / "sale-day-latest.md")
    args = parser.parse_args(argv)
    if args.claims is None:
        args.claims = max(6, round(3 * args.minutes))
    if args.agents < 2 and args.race_every:
        parser.error("races need at least 2 agents")
    return args


# ------------------------------------------------------------------ processes and /proc

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Proc:
    """A process the run started (own session, so a Ctrl-C reaches only this script), its log."""

    def __init__(self, name: str, command: list[str], env: dict, cwd: Path):
        self.name = name
        self.log_path = WORK_DIR / f"{name}.log"
        self.log = open(self.log_path, "wb")  # closed in stop()
        self.process = subprocess.Popen(command, env=env, cwd=str(cwd), stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise BenchError(f"{self.name} exited ({self.process.returncode}):\n{benchlib.log_tail(self.log_path)}")

    def stop(self) -> None:
        benchlib.stop_process(self.process)
        self.log.close()


def proc_table() -> dict[int, dict]:
    """Every process: parent, own CPU ticks, reaped children's CPU ticks, name."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2:].split()
        table[int(entry.name)] = {"ppid": int(rest[1]), "own": int(rest[11]) + int(rest[12]),
                                  "reaped": int(rest[13]) + int(rest[14]), "name": name}
    return table


def tree(table: dict[int, dict], root: int) -> list[int]:
    children = defaultdict(list)
    for pid, info in table.items():
        children[info["ppid"]].append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            found.append(pid)
            todo.extend(children[pid])
    return found


def tree_cpu(table: dict[int, dict], root: int) -> float:
    """CPU seconds of a process and its descendants, living and reaped (a reaped child's time is in
    its reaper's ``cutime``, a living one's in its own ``utime``: nothing is counted twice)."""
    return sum(table[p]["own"] + table[p]["reaped"] for p in tree(table, root)) / CLK_TCK


def postgres_root(table: dict[int, dict]) -> int | None:
    """The postmaster: a process named postgres whose parent is not one."""
    for pid, info in table.items():
        if info["name"] == "postgres" and table.get(info["ppid"], {}).get("name") != "postgres":
            return pid
    return None


def memory_of(pid: int) -> dict:
    info = {"pid": pid}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                info[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return info


# ------------------------------------------------------------------ data

def run_generate(args: argparse.Namespace, *, force: bool) -> None:
    command = [str(benchlib.VENV_BIN / "python"), str(benchlib.BENCH_DIR / "generate.py"),
               "--database-url", args.database_url, "--tickets", str(args.tickets)] + (["--force"] if force else [])
    print("$ " + shlex.join(command), flush=True)
    subprocess.run(command, check=True)


def prepare_database(args: argparse.Namespace) -> tuple[str, Path]:
    """(SQLAlchemy URL, upload folder): the database generated, or reused as it is."""
    from sqlalchemy import create_engine, func, inspect, select

    from app.models import Ticket

    url = benchlib.sqlalchemy_url(args.database_url)
    if not url.startswith("postgresql"):
        raise SystemExit("--database-url must name a PostgreSQL database")
    benchlib.ensure_pg_database(url)
    engine = create_engine(url)
    try:
        empty = not inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if empty or args.regenerate:
        run_generate(args, force=not empty)
    if args.upgrade and not (empty or args.regenerate):
        from flask_migrate import upgrade

        from app.extensions import db

        app = benchlib.script_app(url, benchlib.upload_dir_for(args.database_url, None))
        with app.app_context():
            upgrade()
            db.engine.dispose()
    engine = create_engine(url)
    try:
        benchlib.check_schema(engine)  # SystemExit naming --force; here that is --regenerate or --upgrade
        with engine.connect() as conn:
            count = conn.scalar(select(func.count()).select_from(Ticket))
    finally:
        engine.dispose()
    if count < args.tickets:
        raise SystemExit(f"{args.database_url} holds {count:,} tickets, fewer than --tickets {args.tickets:,}: "
                         "rebuild it with --regenerate (drops its schema) or ask for fewer")
    return url, benchlib.upload_dir_for(args.database_url, None)


def search_dir(args: argparse.Namespace) -> Path:
    from sqlalchemy.engine import make_url

    name = make_url(benchlib.sqlalchemy_url(args.database_url)).database
    return benchlib.DATA_DIR / f"{name}-search-index"


def prepare_search_index(app, args: argparse.Namespace) -> str:
    """Build the index if there is none (or --regenerate); index whatever drifted since. What was done."""
    from app.services import search
    from app.services.search import maintenance

    with app.app_context():
        drift = maintenance.check()
        stale = drift.missing + drift.extra + drift.stale
        # Much drift (a new database, a migration that marked every row stale): rebuild rather than patch.
        if drift.no_index or args.regenerate or len(stale) > max(1000, drift.tickets // 20):
            print(f"building the {args.search_backend} search index of {drift.tickets:,} tickets "
                  f"({len(stale):,} missing or stale; minutes at 100,000)", flush=True)
            started = time.perf_counter()
            done = [0]

            def progress(n: int) -> None:
                done[0] += n
                if done[0] % 10_000 < n:
                    print(f"  {done[0]:>9,} indexed  {time.perf_counter() - started:6.0f} s", flush=True)

            total = maintenance.reindex(progress)
            return f"built ({total:,} tickets, {time.perf_counter() - started:.0f} s)"
        if stale:
            from app.extensions import db

            search.index_tickets(stale)
            db.session.commit()  # the PostgreSQL backend writes in the caller's transaction
            return f"reused; {len(stale):,} drifted tickets re-indexed first"
        return f"reused ({drift.indexed:,} tickets, no drift)"


def whoosh_segments(app, *, optimize: bool = False) -> int | None:
    """Segments of the live Whoosh index (None on PostgreSQL); ``optimize`` merges them into one first."""
    from app.services import search
    from app.services.search import whoosh_backend

    with app.app_context():
        if search.backend_name() != "whoosh":
            return None
        ix = whoosh_backend.open_live(search.index_root(), create=False)
        if ix is None:
            return None
        try:
            if optimize:
                started = time.perf_counter()
                print(f"optimizing the Whoosh index ({len(ix._segments())} segments)", flush=True)
                ix.optimize()
                print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
                ix = ix.refresh()
            return len(ix._segments())  # (Whoosh has no public segment count)
        finally:
            ix.close()


def prepare_accounts(app, args: argparse.Namespace, now: datetime) -> dict:
    """The agents and customers of the load (created where generate.py made fewer), with their facts."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import SupportQueue, Ticket, User
    from app.services import unit_of_work
    from app.services.accounts.users import create_user

    domain = benchlib.EMAIL_DOMAIN
    with app.app_context():
        queues = list(db.session.scalars(select(SupportQueue.slug).order_by(SupportQueue.id)))
        agents, customers, created = [], [], 0
        for i in range(1, args.agents + 1):
            email = f"agent{i}@{domain}"
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                # The service hashes the password (scrypt, ~0.15 s each): once per database.
                user = create_user(email, role="agent", password=benchlib.PASSWORD, name=f"상담원{i:02d}",
                                   queue_slugs=queues, now=now)
                created += 1
            elif user.role != "agent" or not user.active:
                raise SystemExit(f"{email} exists but is not an active agent")
            agents.append(email)
        for i in range(1, args.customers + 1):
            email = f"customer{i:05d}@{domain}"
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = create_user(email, role="customer", password=benchlib.PASSWORD, name=f"고객{i:05d}", now=now)
                created += 1
            customers.append((email, user.id))
        unit_of_work.commit()
        facts = {
            "agents": agents, "customers": customers, "created": created, "queues": queues,
            "tickets": db.session.scalar(select(func.count()).select_from(Ticket)),
            "server_version": ".".join(str(v) for v in db.engine.dialect.server_version_info or ()),
        }
    return facts


def prepare_claims(app, count: int, customers: list[tuple[str, int]], now: datetime, rng: random.Random) -> list[str]:
    """``count`` paid orders (the shop pushes them) with a cancellation request each (준비중 취소, below the
    four-eyes threshold, so one agent's approval decides it); their ticket numbers."""
    from app.extensions import db
    from app.models import User
    from app.services import unit_of_work
    from app.services.accounts.users import create_integration
    from app.services.claims.intake import create_ticket
    from app.services.claims.orders import upsert_order
    from app.services.claims.refunds import ClaimInput

    numbers = []
    with app.app_context():
        _token, shop = create_integration("sale-day-shop", now)
        unit_of_work.commit()
        stamp = now.strftime("%Y%m%d%H%M%S")
        for i in range(count):
            email, customer_id = customers[rng.randrange(len(customers))]
            sku, name, price = rng.choice(texts.PRODUCTS)
            paid = now - timedelta(minutes=rng.randint(5, 90))
            number = f"SD{stamp}-{i:04d}"
            snapshot = {
                "customer_email": email, "order_id": number, "seller_id": rng.choice(texts.SHOPS), "status": "paid",
                "paid_at": paid.isoformat(), "promised_delivery_by": None,
                "lines": [{"line_id": "L1", "sku": sku, "name": name, "unit_price": price, "quantity": 1,
                           "on_sale": True, "perishable": False, "reproducible_media": False, "hygiene": False,
                           "custom_made": False, "custom_made_consent": None, "restriction_notice_given": True,
                           "earned_points": 0}],
                "order_coupon": None,
                "shipping": {"base_fee": 3000, "fee_charged": 3000, "free_reason": "none", "free_threshold": 30000,
                             "plus_member_at_order": False},
                "payments": [{"method": "card", "amount": price + 3000, "approval_id": f"A-{number}"}],
                "seller_policy": {"withdrawal_days": None},
                "customer": {"customer_id": str(customer_id), "refund_account_on_file": True},
                "total_payable": price + 3000,
            }
            upsert_order(db.session.get(User, shop.id), number, snapshot, now)
            unit_of_work.commit()
            ticket = create_ticket(
                db.session.get(User, customer_id), category_code="cancellation", subject="주문 취소 요청합니다",
                body=f"{name} 주문을 취소하고 싶습니다. 아직 발송 전이면 취소 부탁드립니다.", order_number=number,
                files=[], now=now, claim=ClaimInput(kind="cancel", lines=[("L1", 1)], reason="change_of_mind"))
            unit_of_work.commit()
            numbers.append(ticket.number)
    return numbers


# ------------------------------------------------------------------ the client

class FormParser(html.parser.HTMLParser):
    """The forms of a page (action, fields as a browser would send them) and its links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": {}, "options": defaultdict(list), "radios": defaultdict(list)}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind == "radio":
                self._form["radios"][a["name"]].append(a.get("value") or "")
            elif kind in ("checkbox",):
                if "checked" in a:
                    self._form["fields"][a["name"]] = a.get("value") or "y"
            elif kind not in ("file", "submit", "button"):
                self._form["fields"][a["name"]] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][a["name"]] = ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(a["name"], "")
        elif tag == "option" and self._select:
            self._form["options"][self._select].append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data


def parse_page(body: str) -> FormParser:
    parser = FormParser()
    parser.feed(body)
    return parser


def form_for(page: FormParser, action_suffix: str) -> dict | None:
    return next((f for f in page.forms if f["action"].endswith(action_suffix)), None)


@dataclass
class Sample:
    route: str
    started: float        # time.monotonic() when sent
    ms: float
    status: int | None
    outcome: str          # ok | refused (an expected 409) | 5xx | unexpected | transport
    who: str
    seq: int = 0          # the X-Bench-Id header: the access log's line of this request


class Recorder:
    """Every request of the run, and a few examples of each kind of failure."""

    def __init__(self):
        self.samples: list[Sample] = []
        self.examples: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.lock = threading.Lock()
        self.sequence = itertools.count(1)
        self.accepted: list[str] = []      # ticket numbers the create form answered with
        self.create_failures = 0
        self.sign_in_failures: list[str] = []

    def add(self, sample: Sample, detail: str | None = None) -> None:
        with self.lock:
            self.samples.append(sample)
            if detail and len(self.examples[(sample.route, sample.outcome)]) < 3:
                self.examples[(sample.route, sample.outcome)].append(detail)


class Browser:
    """One person's browser: a cookie jar (requests.Session), no automatic redirects (followed by hand)."""

    def __init__(self, base: str, recorder: Recorder, who: str):
        import requests

        self.requests = requests
        self.base = base
        self.recorder = recorder
        self.who = who
        self.session = requests.Session()
        self.session.headers.update({"Accept-Language": "ko-KR,ko;q=0.9", "User-Agent": "munui-sale-day/1"})

    def call(self, route: str, method: str, path: str, *, expect=(200,), refusals=(), **kwargs):
        seq = next(self.recorder.sequence)
        # Named in gunicorn's access log with the time the worker spent on it (the rest is the wait for a worker).
        kwargs["headers"] = {**kwargs.get("headers", {}), "X-Bench-Id": str(seq)}
        started = time.monotonic()
        t0 = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, allow_redirects=False, timeout=60, **kwargs)
            response.content  # noqa: B018 - the whole body, inside the timing
        except self.requests.RequestException as exc:
            ms = (time.perf_counter() - t0) * 1000
            self.recorder.add(Sample(route, started, ms, None, "transport", self.who, seq),
                              f"{method} {path}: {exc.__class__.__name__}: {str(exc)[:200]}")
            return None
        ms = (time.perf_counter() - t0) * 1000
        status = response.status_code
        if status in expect:
            outcome = "ok"
        elif status in refusals:
            outcome = "refused"
        elif status >= 500:
            outcome = "5xx"
        else:
            outcome = "unexpected"
        detail = None
        if outcome != "ok":
            text = response.text
            rid = re.search(r"요청 번호\W*([0-9a-f]{12})", text) if status >= 500 else None
            excerpt = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:240]
            detail = (f"{method} {path} → {status} as {self.who}"
                      + (f" (request id {rid.group(1)})" if rid else "") + f": {excerpt}")
        self.recorder.add(Sample(route, started, ms, status, outcome, self.who, seq), detail)
        return response

    def follow(self, response, route: str):
        """GET where a redirect points, as the browser would."""
        location = response.headers.get("Location", "")
        parts = urlsplit(location)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.call(route, "GET", path)

    def sign_in(self, email: str) -> bool:
        page = self.call("GET /login", "GET", "/login")
        if page is None or page.status_code != 200:
            return False
        form = form_for(parse_page(page.text), "/login")
        if form is None or "csrf_token" not in form["fields"]:
            self.recorder.sign_in_failures.append(f"{email}: no CSRF token on /login")
            return False
        fields = {**form["fields"], "email": email, "password": benchlib.PASSWORD}
        answer = self.call("POST /login", "POST", "/login", data=fields, expect=(302,))
        if answer is None or answer.status_code != 302:
            self.recorder.sign_in_failures.append(f"{email}: POST /login answered "
                                                  f"{answer.status_code if answer is not None else 'nothing'}")
            return False
        landing = urlsplit(answer.headers.get("Location", "")).path
        self.follow(answer, "GET /desk" if landing.startswith("/desk") else "GET /inquiries")
        return True


@dataclass
class ClaimEvent:
    """One cancellation request to approve at ``due``, by one agent or two at once (a race)."""

    number: str
    due: float
    agents: list[str]
    barrier: threading.Barrier | None = None
    broken: bool = False
    results: list[dict] = field(default_factory=list)


class Person:
    """A thread's schedule: recurring actions with jittered periods, and one-off ones at set times."""

    def __init__(self, email: str, browser: Browser, rng: random.Random, stop: threading.Event):
        self.email = email
        self.browser = browser
        self.rng = rng
        self.stop = stop
        self.recurring: list[list] = []   # [due, period, action]
        self.once: list[tuple[float, int, object]] = []
        self.signed_in = False

    def every(self, period: float, action, start: float) -> None:
        self.recurring.append([start + self.rng.uniform(0, period), period, action])

    def at(self, due: float, action) -> None:
        heapq.heappush(self.once, (due, len(self.once), action))

    def run(self, login_at: float, end: float) -> None:
        if self.stop.wait(max(0.0, login_at - time.monotonic())):
            return
        self.signed_in = self.browser.sign_in(self.email)
        if not self.signed_in:
            return
        while not self.stop.is_set():
            nxt = min(self.recurring, key=lambda r: r[0])
            once_due = self.once[0][0] if self.once else float("inf")
            due = min(nxt[0], once_due)
            if due >= end or self.stop.wait(max(0.0, due - time.monotonic())):
                break
            if once_due <= nxt[0]:
                _, _, action = heapq.heappop(self.once)
                action()
            else:
                nxt[2]()
                # A person who fell behind (slow answers) carries on from now, not in a burst.
                nxt[0] = max(nxt[0] + nxt[1] * self.rng.uniform(0.9, 1.1), time.monotonic())


class Agent(Person):
    def __init__(self, *args, home_queue: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.home_queue = home_queue
        self.lists = 0
        self.tickets: list[str] = []
        self.page: tuple[str, dict] | None = None   # (ticket number, its reply form) of the ticket open

    def queue_list(self) -> None:
        # Mostly the agent's own queue, open tickets; every third time "mine".
        self.lists += 1
        path = "/desk?view=mine" if self.lists % 3 == 0 else f"/desk?view=open&queue={self.home_queue}"
        response = self.browser.call("GET /desk", "GET", path)
        if response is not None and response.status_code == 200:
            found = sorted({m for m in re.findall(r'href="/desk/tickets/(M-\d{8}-\d+)"', response.text)})
            if found:
                self.tickets = found

    def _open(self, number: str, route: str = "GET /desk/tickets/<n>") -> None:
        response = self.browser.call(route, "GET", f"/desk/tickets/{number}")
        if response is not None and response.status_code == 200:
            form = form_for(parse_page(response.text), f"/desk/tickets/{number}/messages")
            self.page = (number, form) if form else None

    def open_ticket(self) -> None:
        if not self.tickets:
            self.queue_list()
        if self.tickets:
            self._open(self.rng.choice(self.tickets))

    def reply(self) -> None:
        if self.page is None:
            self.open_ticket()
        if self.page is None:
            return
        number, form = self.page
        self.page = None
        body = self.rng.choice(texts.AGENT_FOLLOW_UPS + texts.AGENT_REPLIES["delivery"])
        fields = {k: v for k, v in form["fields"].items() if k != "internal"}
        fields["body"] = body
        # multipart, as the page's form (enctype) sends it, with the empty file input a browser adds
        response = self.browser.call("POST /desk/tickets/<n>/messages", "POST", f"/desk/tickets/{number}/messages",
                                     data=fields, files=[("files", ("", b"", "application/octet-stream"))],
                                     expect=(302,), refusals=(409,))
        if response is not None and response.status_code == 302:
            self.browser.follow(response, "GET /desk/tickets/<n>")

    def search(self) -> None:
        self.browser.call("GET /desk/search", "GET", "/desk/search", params={"q": self.rng.choice(SEARCH_WORDS)})

    def approve(self, claim: ClaimEvent) -> None:
        """Load the claim's page, (wait for the other agent), approve through the decision form."""
        number = claim.number
        page = self.browser.call("GET /desk/tickets/<n>", "GET", f"/desk/tickets/{number}")
        form = form_for(parse_page(page.text), f"/desk/tickets/{number}/decision") if page is not None else None
        if form is None:
            claim.results.append({"agent": self.email, "status": None, "note": "no decision form on the page"})
            if claim.barrier is not None:
                claim.barrier.abort()
            return
        fields = {**form["fields"], "action": "approve"}
        if claim.barrier is not None:
            try:
                claim.barrier.wait(timeout=20)
            except threading.BrokenBarrierError:
                claim.broken = True
        sent = time.monotonic()
        response = self.browser.call("POST /desk/tickets/<n>/decision", "POST", f"/desk/tickets/{number}/decision",
                                     data=fields, expect=(302,), refusals=(409,) if claim.barrier else ())
        result = {"agent": self.email, "sent": sent, "status": response.status_code if response is not None else None,
                  "note": ""}
        if response is not None and response.status_code == 409:
            result["note"] = next((v for k, v in LOSER_MESSAGES.items() if k in response.text),
                                  "409 without a known refusal message")
        claim.results.append(result)
        if response is not None and response.status_code == 302:
            self.browser.follow(response, "GET /desk/tickets/<n>")


class Customer(Person):
    def __init__(self, *args, png: bytes, **kwargs):
        super().__init__(*args, **kwargs)
        self.png = png
        self.filed = 0

    def browse(self) -> None:
        response = self.browser.call("GET /inquiries", "GET", "/inquiries")
        if response is None or response.status_code != 200:
            return
        found = sorted(set(re.findall(r'href="/inquiries/(M-\d{8}-\d+)"', response.text)))
        if found:
            self.browser.call("GET /inquiries/<n>", "GET", f"/inquiries/{self.rng.choice(found)}")

    def file_inquiry(self) -> None:
        page = self.browser.call("GET /inquiries/new", "GET", "/inquiries/new")
        if page is None or page.status_code != 200:
            return
        form = form_for(parse_page(page.text), "/inquiries/new")
        if form is None:
            return
        self.filed += 1
        orders = [o for o in form["options"].get("order_number", []) if o]
        fields = dict(form["fields"])
        if orders and "delivery" in form["radios"].get("category", []):
            fields.update(category="delivery", order_number=self.rng.choice(orders[:5]),
                          subject=self.rng.choice(texts.SUBJECTS["delivery"]).format(p="주문 상품"))
        else:
            fields.update(category="product", order_number="", subject="상품 사이즈 문의드립니다")
        fields["body"] = ("세일 기간에 주문했는데 아직 소식이 없습니다. 화면 캡처를 첨부합니다. "
                          f"확인 부탁드립니다. ({self.email} #{self.filed})")
        response = self.browser.call("POST /inquiries/new", "POST", "/inquiries/new", data=fields,
                                     files=[("files", ("주문내역_캡처.png", self.png, "image/png"))], expect=(302,))
        if response is None or response.status_code != 302:
            with self.browser.recorder.lock:
                self.browser.recorder.create_failures += 1
            return
        number = re.search(r"/inquiries/(M-\d{8}-\d+)$", urlsplit(response.headers.get("Location", "")).path)
        if number:
            with self.browser.recorder.lock:
                self.browser.recorder.accepted.append(number.group(1))
        self.browser.follow(response, "GET /inquiries/<n>")


def plan_claims(numbers: list[str], agents: list[Agent], t0: float, end: float, race_every: int,
                rng: random.Random) -> list[ClaimEvent]:
    """Spread the approvals over the measured window; every ``race_every``-th by two agents at once."""
    events = []
    span = max(1.0, end - t0 - 15)
    for i, number in enumerate(numbers):
        due = t0 + 5 + span * (i + rng.random()) / len(numbers)
        race = race_every and (i % race_every == race_every - 1)
        chosen = rng.sample(agents, 2 if race else 1)
        event = ClaimEvent(number, due, [a.email for a in chosen], threading.Barrier(2) if race else None)
        for agent in chosen:
            agent.at(due, lambda a=agent, e=event: a.approve(e))
        events.append(event)
    return events


# ------------------------------------------------------------------ after the load

def rq_state(redis_url: str) -> dict:
    from redis import Redis
    from rq import Queue
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    connection = Redis.from_url(redis_url)
    state = {}
    for name in QUEUE_NAMES:
        queue = Queue(name, connection=connection)
        state[name] = {"queued": queue.count,
                       "started": StartedJobRegistry(name, connection=connection).count,
                       "failed": FailedJobRegistry(name, connection=connection).count,
                       "scheduled": ScheduledJobRegistry(name, connection=connection).count}
    connection.close()
    return state


def undelivered_since(app, since: datetime) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import OutboxEvent

    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.created_at >= since, OutboxEvent.delivered_at.is_(None)))
        db.session.rollback()
    return n


def drain(app, redis_url: str, since: datetime, timeout: float, procs: list[Proc]) -> dict:
    """Wait until the queues, their started registries and the run's outbox are empty (or the timeout)."""
    started = time.monotonic()
    while True:
        for proc in procs:
            proc.check_alive()
        state = rq_state(redis_url)
        pending = undelivered_since(app, since)
        busy = sum(s["queued"] + s["started"] for s in state.values())
        elapsed = time.monotonic() - started
        if (busy == 0 and pending == 0) or elapsed > timeout:
            return {"seconds": elapsed, "drained": busy == 0 and pending == 0, "rq": state, "undelivered": pending}
        time.sleep(1.0)


def integrity(app, *, since: datetime, load_start: datetime, customer_ids: list[int], accepted: list[str],
              claim_numbers: list[str], sink: jobslib.Sink, upload_dir: Path) -> dict:
    """What the database, the upload folder and the sink hold against what the load was told."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Attachment, AuditEvent, Claim, OutboxEvent, Refund, SentEmail, Ticket, User
    from app.services.search import maintenance

    out: dict = {}
    with app.app_context():
        stored = set(db.session.scalars(select(Ticket.number).where(
            Ticket.requester_id.in_(customer_ids), Ticket.created_at >= load_start, Ticket.type == "inquiry")))
        out["accepted"], out["stored"] = len(accepted), len(stored)
        out["accepted_twice"] = len(accepted) - len(set(accepted))
        out["missing"] = sorted(set(accepted) - stored)[:10]
        out["unacknowledged"] = sorted(stored - set(accepted))[:10]
        out["tickets_ok"] = set(accepted) == stored and out["accepted_twice"] == 0

        # Attachments of the run (the load's inquiries carry them) against the files in the upload folder.
        rows = db.session.execute(select(Attachment.stored_name, Attachment.size, Attachment.sha256)
                                  .where(Attachment.created_at >= load_start)).all()
        bad, missing = [], []
        for name, size, digest in rows:
            path = upload_dir / name[:2] / name
            if not path.exists():
                missing.append(name)
                continue
            data = path.read_bytes()
            if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
                bad.append(name)
        since_ts = load_start.timestamp()
        on_disk = {p.name for p in upload_dir.glob("??/*") if p.is_file() and p.stat().st_mtime >= since_ts}
        orphans = sorted(on_disk - {r[0] for r in rows})
        out.update(attachment_rows=len(rows), files_new=len(on_disk), files_missing=len(missing),
                   files_corrupt=len(bad), files_orphan=len(orphans),
                   attachments_on_inquiries=db.session.scalar(
                       select(func.count()).select_from(Attachment).join(Ticket, Attachment.ticket_id == Ticket.id)
                       .where(Ticket.number.in_(stored))) if stored else 0)
        out["files_ok"] = not (missing or bad or orphans) and len(on_disk) == len(rows)

        # Emails: every email event of the run whose recipient can be mailed is due once.
        events = db.session.execute(select(OutboxEvent.id, OutboxEvent.payload)
                                    .where(OutboxEvent.kind == "email", OutboxEvent.created_at >= since)).all()
        wanted = {e.payload.get("user_id") for e in events}
        mailable = set(db.session.scalars(select(User.id).where(User.id.in_(wanted), User.active.is_(True),
                                                                 User.email.isnot(None)))) if wanted else set()
        due = {e.id for e in events if e.payload.get("user_id") in mailable}
        ledger = dict(db.session.execute(select(SentEmail.outbox_id, SentEmail.sent_at)
                                         .where(SentEmail.outbox_id.in_(due))).all()) if due else {}
        with sink.lock:
            received = Counter(sink.message_ids)
            first_seen = dict(sink.first_seen)
        by_event: Counter[int] = Counter()
        seen_at: dict[int, float] = {}
        foreign = 0
        for message_id, n in received.items():
            match = re.match(r"<munui\.(\d+)\.", message_id)
            if match and int(match.group(1)) in due:
                by_event[int(match.group(1))] += n
                seen_at[int(match.group(1))] = first_seen.get(message_id, 0)
            else:
                foreign += n
        created = dict(db.session.execute(select(OutboxEvent.id, OutboxEvent.created_at)
                                          .where(OutboxEvent.id.in_(due))).all()) if due else {}
        # Lags of the events written while the load ran (those filed before it waited for the workers to start).
        lags = sorted(seen_at[i] - created[i].timestamp() for i in seen_at if i in created and created[i] >= load_start)
        templates = Counter(e.payload.get("template") for e in events if e.id in due)
        out.update(emails_due=len(due), emails_ledger_sent=sum(1 for v in ledger.values() if v is not None),
                   emails_received=sum(by_event.values()), emails_unique=len(by_event),
                   emails_twice=sum(1 for n in by_event.values() if n > 1),
                   emails_never=len(due - set(by_event)), emails_foreign=foreign,
                   emails_skipped=len(events) - len(due), email_templates=dict(templates.most_common()),
                   email_lag=lags)
        out["emails_ok"] = len(by_event) == len(due) and out["emails_twice"] == 0

        # Refunds: per claim of the run, approvals (state), refund rows and approval events.
        claims = db.session.execute(select(Claim.id, Claim.state, Ticket.id, Ticket.number)
                                    .join(Ticket, Claim.ticket_id == Ticket.id)
                                    .where(Ticket.number.in_(claim_numbers))).all()
        refunds = Counter(db.session.scalars(select(Refund.request_id)
                                             .where(Refund.request_id.in_([c[0] for c in claims]))))
        approvals = Counter(db.session.scalars(select(AuditEvent.ticket_id).where(
            AuditEvent.ticket_id.in_([c[2] for c in claims]), AuditEvent.action == "refund_approved")))
        everywhere = db.session.scalar(select(func.count()).select_from(
            select(Refund.request_id).group_by(Refund.request_id).having(func.count() > 1).subquery()))
        out.update(claims=len(claims), claims_approved=sum(1 for c in claims if c[1] == "approved"),
                   claims_refund_rows=sum(refunds.values()),
                   double_refunds=sum(1 for n in refunds.values() if n > 1),
                   double_approval_events=sum(1 for n in approvals.values() if n > 1),
                   double_refunds_anywhere=everywhere,
                   approved_without_refund=sum(1 for c in claims if c[1] == "approved" and refunds[c[0]] != 1))
        out["refunds_ok"] = (out["double_refunds"] == 0 and out["double_approval_events"] == 0
                             and everywhere == 0 and out["approved_without_refund"] == 0)

        # Outbox and background lag, per kind, for the run's events.
        kinds = db.session.execute(select(OutboxEvent.kind, OutboxEvent.created_at, OutboxEvent.delivered_at,
                                          OutboxEvent.gave_up_at).where(OutboxEvent.created_at >= since)).all()
        per_kind: dict[str, dict] = {}
        for kind, made, delivered, gave_up in kinds:
            entry = per_kind.setdefault(kind, {"events": 0, "delivered": 0, "gave_up": 0, "lags": []})
            entry["events"] += 1
            if delivered is not None:
                entry["delivered"] += 1
                if made >= load_start:
                    entry["lags"].append((delivered - made).total_seconds())
            if gave_up is not None:
                entry["gave_up"] += 1
        out["outbox"] = per_kind
        db.session.rollback()
        drift = maintenance.check()
        out["search"] = {"tickets": drift.tickets, "indexed": drift.indexed, "missing": len(drift.missing),
                         "extra": len(drift.extra), "stale": len(drift.stale), "no_index": drift.no_index}
        out["search_ok"] = drift.clean
        db.session.rollback()
    return out


# ------------------------------------------------------------------ the report

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-int(p * len(ordered)) // 100) - 1)] if ordered else float("nan")


def machine_facts() -> dict:
    from importlib.metadata import version

    cpu, mem = "?", "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
        mem = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()
    return {"cpu": cpu, "nproc": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "gunicorn": version("gunicorn"), "flask": version("flask"), "rq": version("rq"),
            "requests": version("requests"),
            "redis": next((w.split("=", 1)[1] for w in redis_version if w.startswith("v=")), "?"),
            "kernel": platform.release()}


def verdict(value: float, limit: float | None) -> str:
    if limit is None:
        return "—"
    return "met" if value <= limit else f"**missed** ({value / limit:.2f}×)"


def route_is_warmup(route: str) -> bool:
    return route in ("GET /login", "POST /login")


def access_times(path: Path) -> dict[int, float]:
    """X-Bench-Id → milliseconds the gunicorn worker spent on the request (its access log's %(D)s)."""
    times = {}
    try:
        for line in path.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit():
                times[int(parts[0])] = int(parts[2]) / 1000
    except OSError:
        pass
    return times


def endpoint_rows(samples: list[Sample], t0: float, end: float, server: dict[int, float]) -> list[str]:
    by_route: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        # Sign-ins happen in the warm-up: their row is over the whole run, every other one over the window.
        if route_is_warmup(s.route) or t0 <= s.started < end:
            by_route[s.route].append(s)
    errors_all: dict[str, Counter] = defaultdict(Counter)
    for s in samples:
        errors_all[s.route][s.outcome] += 1
    lines = ["| endpoint | route | requests | p50 ms | p95 ms | p99 ms | max ms | p95 of each minute, ms "
             "| in the worker p50 / p95 ms | 5xx | other unexpected | transport | expected 409 | §5 target p95 "
             "| §5 result | issue: p95 ≤ 300 ms |",
             "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---|---|"]
    for route, (label, target, target99) in ROUTES.items():
        rows = by_route.get(route, [])
        errs = errors_all.get(route, Counter())
        if not rows and not errs:
            continue
        answered = [s for s in rows if s.outcome in ("ok", "refused")]
        ms = [s.ms for s in answered]
        p50, p95, p99 = (percentile(ms, p) for p in (50, 95, 99)) if ms else (float("nan"),) * 3
        inside = [server[s.seq] for s in answered if s.seq in server]
        shown_target = "—" if target is None else f"≤ {target} ms" + (f" (p99 ≤ {target99})" if target99 else "")
        result = verdict(p95, target) if ms else "—"
        if target99 and ms:
            result += f"; p99 {verdict(p99, target99)}"
        timed = not route_is_warmup(route)
        minutes: dict[int, list[float]] = defaultdict(list)
        for sample in answered:
            if timed:
                minutes[int((sample.started - t0) // 60)].append(sample.ms)
        trend = " / ".join(f"{percentile(minutes[m], 95):.0f}" for m in sorted(minutes)) if timed else ""
        lines.append(
            f"| {label} | `{route}` | {len(rows)} | {p50:.0f} | {p95:.0f} | {p99:.0f} | "
            f"{max(ms) if ms else float('nan'):.0f} | {trend} | "
            + (f"{percentile(inside, 50):.0f} / {percentile(inside, 95):.0f}" if inside else "—")
            + f" | {errs['5xx']} | {errs['unexpected']} | {errs['transport']} | {errs['refused']} | "
            f"{shown_target} | {result} | {verdict(p95, ISSUE_P95) if ms and timed else '— (warm-up)'} |")
    return lines


def busy_line(measured: list[Sample], server: dict[int, float], workers: int, wall: float) -> str:
    """How busy the gunicorn workers were: the sum of their request times over what they had."""
    inside = [server[s.seq] for s in measured if s.seq in server]
    if not inside:
        return "(no access log times)"
    busy = sum(inside) / 1000
    mean = busy * 1000 / len(inside)
    return (f"The {workers} gunicorn workers spent {busy:.0f} s on the window's requests: "
            f"{busy / (workers * wall):.0%} of the {workers * wall:.0f} worker-seconds there were (mean {mean:.0f} ms "
            "a request in the worker, "
            f"so at most ≈ {workers * 1000 / mean:.0f} requests/s with this mix).")


def report(ctx: dict) -> str:
    args, rec = ctx["args"], ctx["recorder"]
    t0, end = ctx["t0"], ctx["end"]
    samples = rec.samples
    measured = [s for s in samples if t0 <= s.started < end]
    wall = end - t0
    total_errors = Counter(s.outcome for s in samples)
    table = endpoint_rows(samples, t0, end, ctx["server_ms"])
    facts, info = ctx["facts"], ctx["info"]
    command = "$ " + shlex.join([".venv/bin/python", "bench/sale_day.py", *sys.argv[1:]])
    lines = [
        f"## Munui sale-day load run, {ctx['started']:%Y-%m-%d %H:%M} UTC",
        "",
        f"- command: `{command}`",
        f"- code: git {ctx['code']}",
        f"- machine: {facts['nproc']} CPUs (`nproc`), {facts['cpu']}, {facts['memory']} RAM, Linux "
        f"{facts['kernel']}; load average before {ctx['load'][0]}, after {ctx['load'][1]} (other work on the "
        "machine, if any, shares these cores)",
        f"- software: Python {facts['python']}, gunicorn {facts['gunicorn']}, Flask {facts['flask']}, RQ "
        f"{facts['rq']}, redis-server {facts['redis']}, PostgreSQL {info['server_version']}; client: requests "
        f"{facts['requests']}, one thread and cookie jar per person",
        f"- data: `{args.database_url}`: {info['tickets']:,} tickets at the start; search backend "
        f"{args.search_backend}, index {ctx['index_note']}; {info['created']} accounts created for the load",
        f"- desk: gunicorn, {args.workers} sync workers, MUNUI_CONFIG=production, secure cookies and HSTS off (http "
        f"on loopback), login limit `{LOGIN_LIMIT}` in Redis; RQ: `worker.py --queues search --no-scheduler` and "
        "`worker.py --queues default email sla` (+ scheduler); private redis-server; SMTP sink (aiosmtpd) as "
        "MAIL_SERVER",
        f"- load: {args.agents} agents (queue list 10 s, open a ticket 30 s, reply 60 s, search 60 s), "
        f"{args.customers} customers (내 문의 내역 + one inquiry 30 s, a new inquiry with a "
        f"{ctx['png_kb']:.0f} kB PNG every 10 min), {len(ctx['claims'])} cancellation approvals "
        f"({sum(1 for c in ctx['claims'] if c.barrier)} raced by two agents); periods ±10 %, starts jittered; "
        f"warm-up {args.warmup:.0f} s (sign-ins), then {wall / 60:.1f} min measured",
        f"- people signed in: {sum(ctx['signed_in'])} of {len(ctx['signed_in'])}"
        + (f" (failures: {'; '.join(rec.sign_in_failures[:3])})" if rec.sign_in_failures else ""),
        "",
        f"**{len(measured):,} requests in the measured {wall:.0f} s = {len(measured) / wall:.1f} requests/s**; "
        f"errors over the whole run (warm-up, load and the redirects followed): 5xx {total_errors['5xx']}, other "
        f"unexpected {total_errors['unexpected']}, transport {total_errors['transport']} (target: 0); "
        f"expected refusals (409) {total_errors['refused']}.",
        "",
        *table,
        "",
        busy_line(measured, ctx["server_ms"], args.workers, wall),
        "",
        "Percentiles are nearest-rank over the requests started in the measured window (the 409s included); the "
        "error columns count the whole run. \"In the worker\": the time gunicorn's worker spent on the request "
        "(its access log); the rest of the client's time is the wait for a free worker (and the loopback). "
        "Sign-in happens in the warm-up: its rows are the warm-up's, without a target. "
        "\"expected 409\": a reply refused because someone wrote since the page was loaded (the page asks to "
        "confirm), or the loser of an approval race.",
    ]
    examples = [(k, v) for k, v in rec.examples.items() if k[1] != "refused"]
    if examples:
        lines += ["", "Failures (first examples of each):", ""]
        known = ctx["tracebacks"][2] if ctx.get("tracebacks") else {}
        for (route, outcome), items in sorted(examples):
            for item in items:
                rid = re.search(r"request id ([0-9a-f]{12})", item)
                logged = known.get(rid.group(1)) if rid else None
                lines.append(f"- {outcome} `{route}`: {item}" + (f" — logged: `{logged}`" if logged else ""))
    if ctx.get("tracebacks"):
        lines += ["", f"Unhandled errors in the gunicorn log ({ctx['tracebacks'][0]}), the first:", "", "```",
                  ctx["tracebacks"][1], "```"]

    # CPU and memory
    cpu = ctx["cpu"]
    n = max(1, len(measured))
    lines += ["", "### CPU over the measured window (from /proc: utime + stime, living and reaped processes)", "",
              "| process | CPU s | share of one core | CPU ms per request |", "|---|---:|---:|---:|"]
    ours = sum(v for k, v in cpu.items() if k != MACHINE)
    for name, seconds in cpu.items():
        if name != MACHINE:
            lines.append(f"| {name} | {seconds:.1f} | {seconds / wall:.0%} | {seconds * 1000 / n:.1f} |")
    lines += [f"| all of the above | {ours:.1f} | {ours / wall:.0%} | {ours * 1000 / n:.1f} |",
              f"| the whole machine ({facts['nproc']} CPUs, /proc/stat) | {cpu[MACHINE]:.1f} | "
              f"{cpu[MACHINE] / wall:.0%} | |",
              f"| everything else on the machine (not this run's) | {max(0.0, cpu[MACHINE] - ours):.1f} | "
              f"{max(0.0, cpu[MACHINE] - ours) / wall:.0%} | |"]
    lines += ["", f"CPU per request counts all {len(measured):,} requests of the window. PostgreSQL is the whole "
              "server (another client's queries would count too); the client is this script, on the same cores. "
              "\"Everything else\" well above zero means the figures were taken on a shared machine.",
              "", "### Memory at the end of the load", "", "| process | pid | RSS MiB | peak (VmHWM) MiB | target |",
              "|---|---:|---:|---:|---|"]
    for name, entries, target in ctx["memory"]:
        for m in entries:
            peak = m.get("VmHWM", 0)
            lines.append(f"| {name} | {m['pid']} | {m.get('VmRSS', 0):.0f} | {peak:.0f} | "
                         + (f"RSS ≤ {target} MB: {verdict(peak * MIB / 1e6, target)}" if target else "—") + " |")

    # Background work
    dr = ctx["drain"]
    rq = dr["rq"]
    lines += ["", "### Background work", "",
              f"Drain after the load: {'drained' if dr['drained'] else '**not drained**'} in {dr['seconds']:.0f} s "
              f"(limit {args.drain_timeout:.0f} s); run's outbox events undelivered: {dr['undelivered']}.", "",
              "| queue | queued | started | scheduled (retry back-off) | failed registry |",
              "|---|---:|---:|---:|---:|"]
    for name, s in rq.items():
        lines.append(f"| {name} | {s['queued']} | {s['started']} | {s['scheduled']} | {s['failed']} |")
    check = ctx["check"]
    lines += ["", "| outbox kind | events of the run | delivered | gave up | created → delivered p50 / p95 s "
              "(events of the load) |",
              "|---|---:|---:|---:|---:|"]
    for kind, e in sorted(check["outbox"].items()):
        lag = e["lags"]
        lines.append(f"| {kind} | {e['events']} | {e['delivered']} | {e['gave_up']} | "
                     + (f"{percentile(lag, 50):.1f} / {percentile(lag, 95):.1f}" if lag else "—") + " |")
    lag = check["email_lag"]
    if lag:
        lines += ["", f"Email: outbox row written → message at the sink p50 {percentile(lag, 50):.1f} s, p95 "
                  f"{percentile(lag, 95):.1f} s, max {max(lag):.1f} s (§5: notification enqueue→sent p95 ≤ 30 s: "
                  f"{verdict(percentile(lag, 95), 30)}); search.index created → delivered is the index lag (§5: "
                  "p95 ≤ 60 s)."]

    # Integrity
    def pf(ok: bool) -> str:
        return "pass" if ok else "**FAIL**"

    lines += ["", "### Integrity after the drain", "", "| check | expected | found | result |", "|---|---|---|---|",
              f"| inquiries accepted (302 to the new inquiry) = inquiries stored (the load's customers, since the "
              f"load began) | {check['accepted']} accepted ({check['accepted_twice']} numbers twice) | "
              f"{check['stored']} stored; accepted but not stored: {check['missing'] or 'none'}; stored but never "
              f"acknowledged: {check['unacknowledged'] or 'none'} | {pf(check['tickets_ok'])} |",
              f"| files on disk = attachment rows (since the load began; size and SHA-256 checked) | "
              f"{check['attachment_rows']} rows ({check['attachments_on_inquiries']} on the run's inquiries) | "
              f"{check['files_new']} new files; missing {check['files_missing']}, corrupt {check['files_corrupt']}, "
              f"without a row {check['files_orphan']} | {pf(check['files_ok'])} |",
              f"| emails received = emails due (email outbox events since the run began, recipient active) | "
              f"{check['emails_due']} due ({', '.join(f'{k} {v}' for k, v in check['email_templates'].items())}); "
              f"{check['emails_skipped']} not due (recipient inactive or without an address) | "
              f"{check['emails_unique']} distinct Message-IDs of them at the sink ({check['emails_received']} "
              f"messages); never arrived {check['emails_never']}; a Message-ID more than once "
              f"{check['emails_twice']}; ledger rows marked sent {check['emails_ledger_sent']}; other messages "
              f"{check['emails_foreign']} | {pf(check['emails_ok'])} |",
              f"| 0 double refunds | ≤ 1 refund row and ≤ 1 approval event per claim | {check['claims']} claims, "
              f"{check['claims_approved']} approved, {check['claims_refund_rows']} refund rows; claims with 2+ "
              f"refunds {check['double_refunds']} (whole database: {check['double_refunds_anywhere']}); 2+ approval "
              f"events {check['double_approval_events']}; approved without exactly one refund "
              f"{check['approved_without_refund']} | {pf(check['refunds_ok'])} |",
              f"| every approval race has one winner and one clear refusal | {ctx['races']['total']} races | "
              f"{ctx['races']['clean']} one 302 + one 409 with a refusal message; {ctx['races']['other']} otherwise "
              f"| {pf(ctx['races']['clean'] == ctx['races']['total'])} |",
              f"| search index = database (`flask search check`) | {check['search']['tickets']:,} tickets | "
              f"{check['search']['indexed']:,} indexed; missing {check['search']['missing']}, extra "
              f"{check['search']['extra']}, stale {check['search']['stale']} | {pf(check['search_ok'])} |",
              *([f"| Whoosh segments (informational: searches read every one) | — | {ctx['segments'][0]} at the "
                 f"start, {ctx['segments'][1]} after the drain | — |"] if ctx["segments"][0] is not None else []),
              f"| queues drained, no failed jobs | 0 queued, 0 started, 0 failed | "
              f"{sum(s['queued'] for s in rq.values())} queued, {sum(s['started'] for s in rq.values())} started, "
              f"{sum(s['failed'] for s in rq.values())} failed, {dr['undelivered']} outbox undelivered | "
              f"{pf(dr['drained'] and not sum(s['failed'] for s in rq.values()))} |"]
    lines += ["", "Approvals (one line each; the gap is between the two POSTs of a race):", "",
              "| ticket | agents | answers | gap ms | refusal |", "|---|---|---|---:|---|"]
    for claim in ctx["claims"]:
        results = claim.results
        statuses = ", ".join(str(r["status"]) for r in results) or "not attempted"
        sent = [r["sent"] for r in results if "sent" in r]
        gap = f"{abs(sent[0] - sent[1]) * 1000:.0f}" if len(sent) == 2 else ""
        notes = "; ".join(r["note"] for r in results if r["note"]) + (" (barrier broken)" if claim.broken else "")
        lines.append(f"| {claim.number} | {len(claim.agents)} | {statuses} | {gap} | {notes} |")
    return "\n".join(lines) + "\n"


def gunicorn_tracebacks(path: Path) -> tuple[int, str, dict[str, str]] | None:
    """How many unhandled errors the desk logged, the first traceback, and each request id's exception."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return None
    count = text.count("unhandled error, request")
    if not count and "Traceback" not in text:
        return None
    start = text.find("unhandled error, request")
    start = text.find("Traceback") if start < 0 else start
    last_lines = {}
    for match in re.finditer(r"unhandled error, request ([0-9a-f]{12})\n(.*?)(?=\nunhandled error|\Z)", text, re.S):
        block = [line for line in match.group(2).splitlines() if line.strip()]
        raised = [line for line in block if not line.startswith((" ", "Traceback", "During", "The above"))]
        exception = raised[-1] if raised else (block[-1] if block else "")  # the last of a chain
        last_lines[match.group(1)] = exception.strip()[:300]
    return count, "\n".join(text[start:].splitlines()[:60]), last_lines


# ------------------------------------------------------------------ the run

def start_redis() -> tuple[Proc, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not on PATH")
    port = free_port()
    proc = Proc("redis", [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                          "--dir", str(WORK_DIR)], os.environ.copy(), WORK_DIR)
    if benchlib.redis_answers(port):
        return proc, f"redis://127.0.0.1:{port}"
    proc.stop()
    raise BenchError("redis-server did not start")


def cpu_snapshot(procs: dict[str, int | None]) -> dict[str, float]:
    table = proc_table()
    out = {name: tree_cpu(table, pid) for name, pid in procs.items() if pid is not None}
    times = os.times()
    out["load client (this script)"] = times.user + times.system
    # The whole machine's busy time (/proc/stat: all but idle and iowait), to show what else ran.
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    out[MACHINE] = (sum(ticks) - ticks[3] - ticks[4]) / CLK_TCK
    return out


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = datetime.now(UTC)
    rng = random.Random(args.seed)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    code = benchlib.code_version()
    url, uploads = prepare_database(args)
    index_dir = search_dir(args)
    secret = secrets.token_urlsafe(48)
    common = {"SEARCH_INDEX_DIR": str(index_dir), "SEARCH_BACKEND": args.search_backend, "SECRET_KEY": secret}
    index_app = benchlib.script_app(url, uploads, **common)
    index_note = prepare_search_index(index_app, args)
    segments_before = whoosh_segments(index_app, optimize=args.optimize_index)
    if segments_before is not None:
        index_note += f"; {segments_before} segment(s) at the start" + (" (optimized)" if args.optimize_index else "")
    print(f"search index: {index_note}", flush=True)
    if args.prepare_only:
        info = prepare_accounts(benchlib.script_app(url, uploads, **common), args, datetime.now(UTC))
        print(f"prepared: {info['tickets']:,} tickets, {len(info['agents'])} agents, "
              f"{len(info['customers'])} customers ({info['created']} created)")
        return
    png = benchlib.make_png(args.png_kb)
    procs: list[Proc] = []
    controller = None
    stop = threading.Event()
    threads: list[threading.Thread] = []
    try:
        redis_proc, redis_base = start_redis()
        procs.append(redis_proc)
        redis_url = f"{redis_base}/0"
        sink, controller, smtp_port = jobslib.start_sink()
        mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port}
        # The script's own app: the run's Redis, so what it files here is handed to the workers.
        app = benchlib.script_app(url, uploads, REDIS_URL=redis_url, **common, **mail)
        since = datetime.now(UTC)  # the run's events (emails due) are those written from here on
        info = prepare_accounts(app, args, since)
        claim_numbers = prepare_claims(app, args.claims, info["customers"], since, rng)
        print(f"{info['tickets']:,} tickets; {len(info['agents'])} agents, {len(info['customers'])} customers "
              f"({info['created']} accounts created); {len(claim_numbers)} cancellation requests filed", flush=True)

        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "REDIS_URL", "MUNUI_CONFIG", "MAIL_SERVER", "SEARCH_BACKEND")}
        env.update({"MUNUI_CONFIG": "production", "SECRET_KEY": secret,
                    "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://"),
                    "REDIS_URL": redis_url, "UPLOAD_DIR": str(uploads),
                    "MUNUI_INSTANCE_DIR": str(WORK_DIR / "instance"),
                    "SEARCH_INDEX_DIR": str(index_dir), "SEARCH_BACKEND": args.search_backend,
                    "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port), "SESSION_COOKIE_SECURE": "0",
                    "HSTS_SECONDS": "0", "LOGIN_RATE_LIMIT": LOGIN_LIMIT,
                    "RATELIMIT_STORAGE_URI": f"{redis_base}/1", "PUBLIC_URL": "http://127.0.0.1"})
        python = str(benchlib.VENV_BIN / "python")
        search_worker = Proc("worker-search", [python, "worker.py", "--queues", "search", "--no-scheduler",
                                               "--name", f"sale-search-{os.getpid()}"], env, benchlib.ROOT)
        procs.append(search_worker)
        main_worker = Proc("worker-main", [python, "worker.py", "--queues", "default", "email", "sla",
                                           "--name", f"sale-main-{os.getpid()}"], env, benchlib.ROOT)
        procs.append(main_worker)
        port = free_port()
        desk_log = WORK_DIR / "gunicorn.log"
        desk_log.unlink(missing_ok=True)
        access_log = WORK_DIR / "access.log"
        access_log.unlink(missing_ok=True)
        gunicorn = Proc("gunicorn-stdout", [
            str(benchlib.VENV_BIN / "gunicorn"), "--workers", str(args.workers), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "10", "--log-level", "warning",
            "--error-logfile", str(desk_log), "--capture-output", "--access-logfile", str(access_log),
            "--access-logformat", "%({x-bench-id}i)s %(s)s %(D)s",
            "app:create_app(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)"], env, benchlib.ROOT)
        procs.append(gunicorn)
        try:
            benchlib.wait_for_http(gunicorn.process, port, "/login", 60, accept=lambda status: status == 200)
        except (RuntimeError, TimeoutError) as exc:
            raise BenchError(f"gunicorn {exc}:\n{benchlib.log_tail(desk_log)}") from exc
        for proc in procs:
            proc.check_alive()
        print(f"desk on 127.0.0.1:{port}; redis {redis_url}; SMTP sink on {smtp_port}; logs in {WORK_DIR}",
              flush=True)

        recorder = Recorder()
        base = f"http://127.0.0.1:{port}"
        now = time.monotonic()
        t0 = now + args.warmup
        end = t0 + args.minutes * 60
        sign_in_span = args.warmup * 2 / 3  # the last third lets the sign-ins' scrypt backlog clear
        agents = [Agent(email, Browser(base, recorder, email), random.Random(rng.random()), stop,
                        home_queue="orders" if rng.random() < 0.63 or len(info["queues"]) < 2 else info["queues"][1])
                  for email in info["agents"]]
        customers = [Customer(email, Browser(base, recorder, email), random.Random(rng.random()), stop, png=png)
                     for email, _id in info["customers"]]
        people: list[Person] = [*agents, *customers]
        logins = {id(p): now + rng.uniform(0, sign_in_span) for p in people}
        for agent in agents:
            first = logins[id(agent)] + 1
            agent.every(10, agent.queue_list, first)
            agent.every(30, agent.open_ticket, first + 2)
            agent.every(60, agent.reply, first + 5)
            agent.every(60, agent.search, first)
        for customer in customers:
            first = logins[id(customer)] + 1
            customer.every(30, customer.browse, first)
            customer.every(600, customer.file_inquiry, first)
        claims = plan_claims(claim_numbers, agents, t0, end, args.race_every, rng)
        load_start = datetime.now(UTC)
        roots = {"gunicorn (master + workers)": gunicorn.pid, "RQ worker, search queue": search_worker.pid,
                 "RQ worker, default/email/sla (+ scheduler)": main_worker.pid, "redis-server": redis_proc.pid,
                 "PostgreSQL (whole server)": postgres_root(proc_table())}
        print(f"load: {len(agents)} agents, {len(customers)} customers; warm-up {args.warmup:.0f} s, then "
              f"{args.minutes:g} min measured", flush=True)
        for person in people:
            thread = threading.Thread(target=person.run, args=(logins[id(person)], end), daemon=True,
                                      name=person.email)
            thread.start()
            threads.append(thread)
        time.sleep(max(0.0, t0 - time.monotonic()))
        cpu_start = cpu_snapshot(roots)
        last = time.monotonic()
        while time.monotonic() < end:
            time.sleep(min(15.0, max(0.0, end - time.monotonic())))
            for proc in procs:
                proc.check_alive()
            if time.monotonic() - last >= 14.5:
                last = time.monotonic()
                with recorder.lock:
                    recent = [s for s in recorder.samples if s.started >= last - 15]
                bad = sum(1 for s in recent if s.outcome not in ("ok", "refused"))
                ms = [s.ms for s in recent]
                print(f"  {last - t0:5.0f} s: {len(recent) / 15:.1f} requests/s answered, p50 "
                      f"{percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, {bad} errors in the last 15 s",
                      flush=True)
        cpu_end = cpu_snapshot(roots)
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        memory = [("gunicorn web worker", benchlib.worker_memory(gunicorn.pid), 150),
                  ("RQ worker, search queue", [memory_of(search_worker.pid)], 200),
                  ("RQ worker, default/email/sla", [memory_of(main_worker.pid)], 200),
                  ("child of a worker (RQ's scheduler; the cron scheduler)",
                   [memory_of(p) for w in (search_worker, main_worker) for p in tree(proc_table(), w.pid)
                    if p != w.pid], None)]
        print("load done; draining the queues", flush=True)
        drained = drain(app, redis_url, since, args.drain_timeout, procs)
        print(f"drain: {'done' if drained['drained'] else 'NOT done'} in {drained['seconds']:.0f} s; checking",
              flush=True)
        segments_after = whoosh_segments(app)
        check = integrity(app, since=since, load_start=load_start, customer_ids=[c[1] for c in info["customers"]],
                          accepted=recorder.accepted, claim_numbers=claim_numbers, sink=sink, upload_dir=uploads)
    except KeyboardInterrupt:
        print("interrupted: stopping what the run started", flush=True)
        raise
    finally:
        stop.set()
        for proc in reversed(procs):
            proc.stop()
        if controller is not None:
            controller.stop()

    races = [c for c in claims if c.barrier is not None]
    clean = sum(1 for c in races if sorted(r["status"] for r in c.results) == [302, 409]
                and all(r["note"] in LOSER_MESSAGES.values() for r in c.results if r["status"] == 409))
    ctx = {"args": args, "recorder": recorder, "t0": t0, "end": end, "started": started, "code": code,
           "facts": machine_facts(), "info": info, "index_note": index_note, "png_kb": len(png) / 1000,
           "claims": claims, "signed_in": [p.signed_in for p in people],
           "load": (load_before, " ".join(Path("/proc/loadavg").read_text().split()[:3])),
           "cpu": {k: cpu_end[k] - cpu_start.get(k, 0.0) for k in cpu_end}, "memory": memory, "drain": drained,
           "check": check, "races": {"total": len(races), "clean": clean, "other": len(races) - clean},
           "tracebacks": gunicorn_tracebacks(desk_log), "server_ms": access_times(access_log),
           "segments": (segments_before, segments_after)}
    text = report(ctx)
    benchlib.write_report(text, args.output)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)  # everything the run started is stopped by then (main's finally)
