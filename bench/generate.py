#!/usr/bin/env python3
"""Build a Munui benchmark database: the real migrations, the default catalogue, then bulk rows.

    .venv/bin/python bench/generate.py                        # bench/data/bench.sqlite3, 100,000 tickets
    .venv/bin/python bench/generate.py /tmp/x.sqlite3 --tickets 20000 --force
    .venv/bin/python bench/generate.py --database-url postgresql://postgres@127.0.0.1:5432/munui_bench \\
        --tickets 1000000 --force

Schema: ``flask_migrate.upgrade()`` on an app built with ``create_app``; then
``ensure_default_catalogue``; then everything else with SQLAlchemy Core
``executemany`` in batches (not the services: they would take hours at this size).
The rows look like real use: Korean subjects and threads, all statuses and
priorities, two queues, 5 agents in both, ~2,000 customers, sellers, an order
behind every order/delivery/cancellation/refund inquiry, audit trails, agents'
notifications, and a few real attachment files. Every 1,000th ticket is a
"heavy" one: ten messages (two internal notes) and four attachments; the recent
ones stay unresolved so run.py can open one on the agent's ticket page.
Deterministic for a given --seed and day of generation.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import secrets
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import benchlib
import texts

SEOUL = ZoneInfo("Asia/Seoul")
ORDER_CATEGORIES = ("order", "delivery", "cancellation", "refund")
# category code → weight of new inquiries
CATEGORY_WEIGHTS = {"delivery": 25, "order": 12, "cancellation": 11, "refund": 15, "product": 14,
                    "membership": 9, "other": 6, "seller": 8}
PRIORITIES = (("low", 10), ("normal", 68), ("high", 16), ("urgent", 6))
# status mix by age of the ticket: recent tickets are still being worked, old ones are done
STATUS_RECENT = (("new", 30), ("open", 32), ("pending", 15), ("on_hold", 8), ("solved", 15))  # < 3 days
STATUS_WEEK = (("new", 2), ("open", 14), ("pending", 14), ("on_hold", 8), ("solved", 62))      # 3–14 days
STATUS_OLD = (("open", 1.5), ("pending", 1.5), ("on_hold", 1.5), ("solved", 0.5), ("closed", 95))
ORDER_STATUS_FOR = {"delivery": ("preparing", "shipped", "shipped", "delivered"),
                    "order": ("payment_pending", "paid", "paid", "preparing"),
                    "cancellation": ("paid", "preparing", "cancelled"),
                    "refund": ("delivered", "delivered", "purchase_confirmed")}
HEAVY_EVERY = 1000
HEAVY_OPEN_DAYS = 30
ATTACH_RATE = 0.005
AUTO_CLOSE = timedelta(days=7)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", type=Path, default=benchlib.DEFAULT_SQLITE,
                        help="SQLite file to build (default: bench/data/bench.sqlite3)")
    parser.add_argument("--database-url", help="build in this database instead (PostgreSQL)")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--sellers", type=int, default=40)
    parser.add_argument("--days", type=int, default=365, help="tickets span this many days up to now")
    parser.add_argument("--batch", type=int, default=2_000, help="tickets per transaction")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--upload-dir", type=Path, help="attachment files (default: derived from the database)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing database (SQLite: delete the file; PostgreSQL: drop schema public)")
    parser.add_argument("--no-report-history", action="store_true",
                        help="leave out what the reports read (SLA targets and alerts, CSAT, canned uses, claims)")
    parser.add_argument("--sqlite-analyze", action="store_true",
                        help="run ANALYZE on SQLite at the end (the app never does; PostgreSQL is always analysed)")
    return parser.parse_args(argv)


def pick(rng: random.Random, weighted) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


# ------------------------------------------------------------------ target

def prepare_target(args: argparse.Namespace) -> tuple[str, Path]:
    """The SQLAlchemy URL to build in, emptied if --force; and the upload folder."""
    upload_dir = (args.upload_dir or benchlib.upload_dir_for(args.database_url, args.path)).resolve()
    if args.database_url:
        from sqlalchemy import create_engine, inspect, text

        url = benchlib.sqlalchemy_url(args.database_url)
        benchlib.ensure_pg_database(url)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                if inspect(conn).get_table_names():
                    if not args.force:
                        sys.exit(f"{args.database_url} already has tables; use --force to rebuild it")
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
    else:
        path = args.path.resolve()
        if path.exists():
            if not args.force:
                sys.exit(f"{path} exists; use --force to rebuild it")
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        url = benchlib.sqlite_url(path)
    if upload_dir.exists():
        if not args.force and any(upload_dir.iterdir()):
            sys.exit(f"{upload_dir} is not empty; use --force to replace it")
        shutil.rmtree(upload_dir)
    upload_dir.mkdir(parents=True)
    return url, upload_dir


# ------------------------------------------------------------------ files

def template_files(rng: random.Random) -> dict[str, bytes]:
    """Small real files for the attachment rows: photos, a receipt PDF, a label, a log."""
    from PIL import Image, ImageDraw

    files = {}
    for i in range(3):
        image = Image.new("RGB", (320, 240), (200 - 40 * i, 180, 150 + 30 * i))
        draw = ImageDraw.Draw(image)
        for _ in range(40):
            x, y = rng.randrange(300), rng.randrange(220)
            draw.rectangle((x, y, x + rng.randrange(5, 60), y + rng.randrange(5, 40)),
                           fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        out = io.BytesIO()
        image.save(out, format="PNG")
        files[f"photo{i}"] = out.getvalue()
    label = Image.new("L", (400, 160), 255)
    draw = ImageDraw.Draw(label)
    x = 20
    while x < 380:
        width = rng.choice((1, 2, 3))
        draw.rectangle((x, 30, x + width, 130), fill=0)
        x += width + rng.choice((1, 2, 3))
    out = io.BytesIO()
    label.save(out, format="PNG")
    files["label"] = out.getvalue()
    files["receipt"] = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 200]/Contents 4 0 R>>endobj\n"
        b"4 0 obj<</Length 44>>stream\nBT /F1 12 Tf 20 100 Td (CJ receipt 2026) Tj ET\nendstream endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n")
    files["log"] = "\n".join(f"2026-11-{d:02d} 10:{d:02d}:00 결제 화면 오류 코드 E-{400 + d}"
                             for d in range(1, 21)).encode()
    return files


CONTENT_TYPES = {"photo": "image/png", "label": "image/png", "receipt": "application/pdf", "log": "text/plain"}


# ------------------------------------------------------------------ generator

class Generator:
    def __init__(self, args: argparse.Namespace, engine, upload_dir: Path):
        self.args = args
        self.engine = engine
        self.upload_dir = upload_dir
        self.rng = random.Random(args.seed)
        self.now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        self.start = self.now - timedelta(days=args.days)
        self.ids = {name: 0 for name in ("users", "orders", "tickets", "messages", "attachments",
                                         "audit_events", "notifications")}
        self.day_counters: dict = {}
        self.counts = dict.fromkeys(self.ids, 0)
        self.files = template_files(self.rng)
        self.history = None
        from app.models import (
            Attachment,
            AuditEvent,
            Message,
            Notification,
            Order,
            Ticket,
            TicketNumberCounter,
            User,
            queue_members,
        )
        self.t = {"users": User.__table__, "orders": Order.__table__, "tickets": Ticket.__table__,
                  "messages": Message.__table__, "attachments": Attachment.__table__,
                  "audit_events": AuditEvent.__table__, "notifications": Notification.__table__,
                  "counters": TicketNumberCounter.__table__, "queue_members": queue_members}

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    # -------------------------------------------------------------- people

    def load_catalogue(self) -> None:
        from sqlalchemy import select

        from app.models import Category, SupportQueue

        with self.engine.connect() as conn:
            self.queues = {slug: qid for qid, slug in conn.execute(select(SupportQueue.id, SupportQueue.slug))}
            self.categories = {
                code: {"id": cid, "queue_id": qid, "type": ticket_type}
                for cid, code, qid, ticket_type in conn.execute(
                    select(Category.id, Category.code, Category.queue_id, Category.ticket_type))}
        missing = set(CATEGORY_WEIGHTS) - set(self.categories)
        if missing:
            raise SystemExit(f"the catalogue lacks categories {sorted(missing)}")

    def insert_people(self) -> None:
        from werkzeug.security import generate_password_hash

        rng = self.rng
        password_hash = generate_password_hash(benchlib.PASSWORD)  # one scrypt, shared by everyone
        joined = self.start - timedelta(days=30)
        users = []

        def user(email, name, role, plus=False):
            row = {"id": self.next_id("users"), "email": email, "name": name, "role": role,
                   "membership": "plus" if plus else "basic", "password_hash": password_hash,
                   "locale": "ko", "active": True, "session_version": 1,
                   "created_at": joined + timedelta(minutes=rng.randrange(40_000))}
            users.append(row)
            return row

        self.agents = [user(f"agent{i}@{benchlib.EMAIL_DOMAIN}", texts.AGENT_NAMES[i - 1], "agent")
                       for i in range(1, benchlib.AGENT_COUNT + 1)]
        self.customers = [
            user(f"customer{i:05d}@{benchlib.EMAIL_DOMAIN}",
                 rng.choice(texts.SURNAMES) + rng.choice(texts.GIVEN_NAMES), "customer", plus=rng.random() < 0.15)
            for i in range(1, self.args.customers + 1)]
        self.sellers = [user(f"seller{i:03d}@{benchlib.EMAIL_DOMAIN}",
                             f"{texts.SHOPS[i % len(texts.SHOPS)]} 판매자 {i}", "seller")
                        for i in range(1, self.args.sellers + 1)]
        # Two leads (reports, the SLA summary), one in each queue.
        self.leads = [user(f"lead{i}@{benchlib.EMAIL_DOMAIN}", name, "lead")
                      for i, name in enumerate(("박팀장", "최팀장"), start=1)]
        members = [{"queue_id": qid, "user_id": a["id"]} for a in self.agents for qid in self.queues.values()]
        members += [{"queue_id": qid, "user_id": lead["id"]}
                    for lead, qid in zip(self.leads, sorted(self.queues.values()), strict=False)]
        with self.engine.begin() as conn:
            conn.execute(self.t["users"].insert(), users)
            conn.execute(self.t["queue_members"].insert(), members)
            if not self.args.no_report_history:
                from report_history import ReportHistory

                self.history = ReportHistory(self, conn)
                self.history.create_canned_answers(conn)
        self.counts["users"] = len(users)

    # -------------------------------------------------------------- one ticket

    def ticket_number(self, created: datetime) -> str:
        day = created.astimezone(SEOUL).date()
        seq = self.day_counters.get(day, 0) + 1
        self.day_counters[day] = seq
        return f"M-{day:%Y%m%d}-{seq:06d}"

    def text(self, template: str, product: str) -> str:
        return template.format(p=product, d=self.rng.randint(2, 9), n=self.rng.randint(1000, 9999))

    def first_body(self, code: str, product: str) -> str:
        rng = self.rng
        parts = [rng.choice(texts.OPENINGS), self.text(rng.choice(texts.DETAILS[code]), product),
                 rng.choice(texts.CLOSINGS)]
        return " ".join(p for p in parts if p)

    def order_row(self, code: str, customer: dict, created: datetime) -> dict:
        rng = self.rng
        oid = self.next_id("orders")
        ordered = created - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23), minutes=rng.randint(1, 59))
        status = rng.choice(ORDER_STATUS_FOR[code])
        plus = customer["membership"] == "plus"
        lines = []
        for n, (sku, name, price) in enumerate(rng.sample(texts.PRODUCTS, rng.choice((1, 1, 1, 2, 3))), start=1):
            lines.append({"line_id": f"L{n}", "sku": sku, "name": name, "unit_price": price,
                          "quantity": rng.choice((1, 1, 2)), "on_sale": rng.random() < 0.2,
                          "perishable": sku in ("CF-03", "FR-07", "KM-04"), "reproducible_media": False,
                          "hygiene": sku in ("SK-08", "MK-09"), "custom_made": False,
                          "custom_made_consent": None, "restriction_notice_given": True, "earned_points": 0})
        gross = sum(line["unit_price"] * line["quantity"] for line in lines)
        threshold = 19800 if plus else 30000
        fee = 0 if gross >= threshold else 3000
        number = f"{ordered.astimezone(SEOUL):%Y%m%d}-{oid:07d}"
        seller = rng.choice(texts.SHOPS)
        snapshot = {
            "order_id": number, "seller_id": seller, "status": status, "paid_at":
                None if status == "payment_pending" else (ordered + timedelta(minutes=3)).isoformat(),
            "promised_delivery_by": None, "lines": lines, "order_coupon": None,
            "shipping": {"base_fee": 3000, "fee_charged": fee, "free_reason": "threshold" if fee == 0 else "none",
                         "free_threshold": threshold, "plus_member_at_order": plus},
            "payments": [] if status == "payment_pending" else [
                {"method": rng.choice(("card", "card", "easy_pay", "bank_transfer")), "amount": gross + fee,
                 "approval_id": f"A-{oid:07d}"}],
            "seller_policy": {"withdrawal_days": None},
            "customer": {"customer_id": str(customer["id"]), "refund_account_on_file": True},
            "total_payable": gross + fee,
        }
        summary = lines[0]["name"] + (f" 외 {len(lines) - 1}건" if len(lines) > 1 else "")
        return {"id": oid, "number": number, "customer_id": customer["id"], "customer_email": customer["email"],
                "seller_id": seller, "status": status, "total_amount": gross + fee, "item_summary": summary,
                "ordered_at": ordered, "snapshot": snapshot, "created_at": ordered, "updated_at": created}

    def status_for(self, created: datetime, heavy: bool) -> str:
        age = self.now - created
        if heavy:
            return "open" if age < timedelta(days=HEAVY_OPEN_DAYS) else ("closed" if age > timedelta(days=14)
                                                                         else "solved")
        if age < timedelta(days=3):
            return pick(self.rng, STATUS_RECENT)
        if age < timedelta(days=14):
            return pick(self.rng, STATUS_WEEK)
        return pick(self.rng, STATUS_OLD)

    def thread_plan(self, status: str, code: str, product: str, heavy: bool) -> list[tuple[str, str, tuple]]:
        """(role, body, attachment kinds) of each message, in order."""
        rng = self.rng
        if heavy:
            return [(role, self.text(body, product), kinds) for role, body, kinds in texts.HEAVY_THREAD]
        first_kinds = ()
        if rng.random() < ATTACH_RATE:
            first_kinds = ("photo",) if code in ("delivery", "refund", "product") else ("log",)
        plan = [("customer", self.first_body(code, product), first_kinds)]
        if status == "new":
            if rng.random() < 0.1:
                plan.append(("customer", rng.choice(texts.CUSTOMER_FOLLOW_UPS), ()))
            return plan
        if status in ("pending", "solved", "closed"):  # waiting on the customer: the agent spoke last
            total = rng.choices((2, 4, 6), (62, 30, 8))[0]
        else:
            total = rng.choices((2, 3, 4, 5), (30, 40, 20, 10))[0]
        for k in range(1, total):
            if k % 2 == 1:
                body = rng.choice(texts.AGENT_REPLIES[code]) if k == 1 else rng.choice(texts.AGENT_FOLLOW_UPS)
                plan.append(("agent", body, ()))
            else:
                plan.append(("customer", rng.choice(texts.CUSTOMER_FOLLOW_UPS), ()))
        if status == "on_hold" or rng.random() < 0.15:
            plan.insert(2, ("note", self.text(rng.choice(texts.INTERNAL_NOTES), product), ()))
        return plan

    def attachment_rows(self, kinds: tuple, message_id: int, ticket_id: int, uploader_id: int,
                        at: datetime) -> list[dict]:
        rows = []
        for i, kind in enumerate(kinds, start=1):
            key = f"photo{self.rng.randrange(3)}" if kind == "photo" else kind
            data = self.files[key]
            stored = secrets.token_hex(20)
            folder = self.upload_dir / stored[:2]
            folder.mkdir(exist_ok=True)
            (folder / stored).write_bytes(data)
            rows.append({"id": self.next_id("attachments"), "message_id": message_id, "ticket_id": ticket_id,
                         "uploader_id": uploader_id, "filename": texts.ATTACHMENT_NAMES[kind].format(i=i),
                         "stored_name": stored, "content_type": CONTENT_TYPES[kind], "size": len(data),
                         "sha256": hashlib.sha256(data).hexdigest(), "created_at": at})
        return rows

    def one_ticket(self, index: int, rows: dict[str, list]) -> None:
        rng = self.rng
        span = (self.now - self.start).total_seconds()
        created = self.start + timedelta(seconds=span * (index + rng.random()) / self.args.tickets)
        heavy = index % HEAVY_EVERY == HEAVY_EVERY // 2
        code = "delivery" if heavy else pick(rng, CATEGORY_WEIGHTS.items())
        category = self.categories[code]
        if code == "seller":
            requester = rng.choice(self.sellers)
        else:
            requester = self.customers[int(len(self.customers) * rng.random() ** 1.5)]
        order = self.order_row(code, requester, created) if code in ORDER_CATEGORIES else None
        if order:
            rows["orders"].append(order)
        product = order["snapshot"]["lines"][0]["name"] if order else rng.choice(texts.PRODUCTS)[1]
        status = self.status_for(created, heavy)
        plan = self.thread_plan(status, code, product, heavy)
        unassigned = status == "new" or (status == "open" and not heavy and rng.random() < 0.08)
        agent = None if unassigned else rng.choice(self.agents)
        speaking_agent = agent or rng.choice(self.agents)

        # the thread's timeline: spread over the time the ticket has been alive
        age = (self.now - created).total_seconds()
        if status in ("solved", "closed"):
            life = min(age - (AUTO_CLOSE.total_seconds() if status == "closed" else 0),
                       rng.uniform(2 * 3600, 5 * 86400))
        elif status == "new":
            life = min(age, rng.uniform(60, 6 * 3600))
        else:
            life = age * rng.uniform(0.2, 1.0) if age < 14 * 86400 else min(age, rng.uniform(86400, 20 * 86400))
        life = max(life, 60.0)
        offsets = sorted(rng.uniform(0, life) for _ in range(len(plan) - 1))
        times = [created] + [created + timedelta(seconds=o) for o in offsets]

        tid = self.next_id("tickets")
        number = self.ticket_number(created)
        subject = self.text(rng.choice(texts.SUBJECTS[code]), product)
        first_response = None
        messages, attachments, events = rows["messages"], rows["attachments"], rows["audit_events"]

        def event(at, actor, action, old=None, new=None, detail=None):
            events.append({"id": self.next_id("audit_events"), "ticket_id": tid, "actor_id": actor,
                           "action": action, "old_value": old, "new_value": new, "detail": detail,
                           "created_at": at})

        current = "new"
        thread = [(role, at) for (role, _body, _kinds), at in zip(plan, times, strict=True)]
        for n, ((role, body, kinds), at) in enumerate(zip(plan, times, strict=True)):
            author = requester["id"] if role == "customer" else speaking_agent["id"]
            mid = self.next_id("messages")
            messages.append({"id": mid, "ticket_id": tid, "author_id": author, "body": body,
                             "internal": role == "note", "created_at": at})
            files = self.attachment_rows(kinds, mid, tid, author, at) if kinds else []
            attachments.extend(files)
            if n == 0:
                event(at, author, "created", new="new", detail={"category": code, "files": len(files)})
                continue
            if role != "customer" and agent is not None and current == "new":
                event(at, author, "assignee", new=agent["name"])
            event(at, author, "note" if role == "note" else "reply", detail={"message_id": mid, "files": len(files)})
            if role == "agent":
                first_response = first_response or at
                if current == "new":  # an agent's first public reply opens the ticket
                    event(at, author, "status", old="new", new="open", detail={"via": "reply"})
                    current = "open"
            elif role == "customer" and agent is not None and current != "new":
                unread = status in ("open", "new") and rng.random() < 0.7
                rows["notifications"].append({
                    "id": self.next_id("notifications"), "user_id": agent["id"], "ticket_id": tid,
                    "kind": "customer_replied",
                    "data": {"ticket_number": number, "subject": subject, "actor_name": requester["name"]},
                    "created_at": at, "read_at": None if unread else at + timedelta(minutes=rng.randint(5, 600))})
        last = times[-1]
        solved_at = closed_at = None
        if status in ("pending", "on_hold", "solved", "closed") and current != status:
            target = "solved" if status == "closed" else status
            event(last, speaking_agent["id"], "status", old=current, new=target, detail={"via": "manual"})
        updated = last
        if status in ("solved", "closed"):
            solved_at = last
        if status == "closed":
            closed_at = last + AUTO_CLOSE
            updated = closed_at
            event(closed_at, None, "status", old="solved", new="closed", detail={"via": "auto_close"})
        ticket = {
            "id": tid, "number": number, "type": category["type"], "category_id": category["id"],
            "queue_id": category["queue_id"], "requester_id": requester["id"],
            "assignee_id": agent["id"] if agent else None, "order_id": order["id"] if order else None,
            "subject": subject, "status": status, "priority": pick(rng, PRIORITIES),
            "created_at": created, "updated_at": updated, "first_responded_at": first_response,
            "solved_at": solved_at, "closed_at": closed_at, "message_count": len(plan),
            **dict.fromkeys(("sla_policy_id", "first_response_due_at", "next_reply_due_at", "resolution_due_at",
                             "sla_due_at", "sla_warn_at", "sla_next_check_at")), "next_reply_cycle": 0}
        rows["tickets"].append(ticket)
        if self.history is not None:
            self.history.add(rows, ticket, thread, requester, order, code)

    # -------------------------------------------------------------- bulk

    def insert_tickets(self) -> None:
        total, batch = self.args.tickets, self.args.batch
        order = ("orders", "tickets", "messages", "attachments", "audit_events", "notifications")
        if self.history is not None:
            order += tuple(self.history.tables)   # targets, events, ratings, canned uses, claims, refunds
            self.t.update(self.history.tables)
            self.counts.update(dict.fromkeys(self.history.tables, 0))
        started = time.perf_counter()
        for first in range(0, total, batch):
            rows: dict[str, list] = {name: [] for name in order}
            for index in range(first, min(first + batch, total)):
                self.one_ticket(index, rows)
            with self.engine.begin() as conn:
                for name in order:
                    if rows[name]:
                        conn.execute(self.t[name].insert(), rows[name])
                        self.counts[name] += len(rows[name])
            done = min(first + batch, total)
            if done == total or (done // batch) % max(1, total // batch // 10) == 0:
                elapsed = time.perf_counter() - started
                print(f"  {done:>9,} tickets  {elapsed:7.1f} s  ({done / elapsed:,.0f} tickets/s)", flush=True)
        counters = [{"day": day, "last": last} for day, last in sorted(self.day_counters.items())]
        with self.engine.begin() as conn:
            conn.execute(self.t["counters"].insert(), counters)

    def finish(self) -> None:
        from sqlalchemy import text

        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                for name in [*self.ids, *(self.history.tables if self.history else ())]:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                      f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with self.engine.begin() as conn:
                if self.args.sqlite_analyze:
                    conn.execute(text("ANALYZE"))
            with self.engine.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    overall = time.perf_counter()
    url, upload_dir = prepare_target(args)
    target = args.database_url or str(args.path.resolve())
    print(f"building {target}: {args.tickets:,} tickets, {args.customers:,} customers, "
          f"{benchlib.AGENT_COUNT} agents; files in {upload_dir}", flush=True)

    from flask_migrate import upgrade

    from app.extensions import db
    from app.seed.defaults import ensure_default_catalogue

    app = benchlib.script_app(url, upload_dir)
    with app.app_context():
        step = time.perf_counter()
        upgrade()
        ensure_default_catalogue()
        db.session.commit()
        print(f"migrations + catalogue   {time.perf_counter() - step:7.1f} s", flush=True)

        gen = Generator(args, db.engine, upload_dir)
        gen.load_catalogue()
        step = time.perf_counter()
        gen.insert_people()
        print(f"people                   {time.perf_counter() - step:7.1f} s", flush=True)
        step = time.perf_counter()
        gen.insert_tickets()
        print(f"tickets and threads      {time.perf_counter() - step:7.1f} s", flush=True)
        step = time.perf_counter()
        gen.finish()
        print(f"finish (sequences/analyze/checkpoint) {time.perf_counter() - step:5.1f} s", flush=True)
        db.engine.dispose()

    print("rows: " + ", ".join(f"{name} {count:,}" for name, count in gen.counts.items()))
    if not args.database_url:
        size = os.path.getsize(args.path.resolve()) / 1e6
        print(f"database file {size:,.0f} MB")
    print(f"done in {time.perf_counter() - overall:.1f} s")


if __name__ == "__main__":
    main()
