"""What jobs_throughput.py and profile_jobs.py share: a fresh desk, an SMTP sink, inquiries filed.

Everything is made in a temporary folder (a SQLite database from the real migrations,
uploads, instance), so a run never touches the project's own files. Redis database 13
is the benchmarks' (emptied first).
"""
from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REDIS_URL = "redis://127.0.0.1:6379/13"


class Sink:
    """An aiosmtpd handler that timestamps each message by its subject, and counts each Message-ID
    (sale_day.py: an email sent twice shows as a Message-ID received twice)."""

    def __init__(self):
        self.received: dict[str, float] = {}
        self.message_ids: Counter[str] = Counter()
        self.first_seen: dict[str, float] = {}  # Message-ID → wall-clock time it first arrived
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.received.setdefault(message["Subject"], time.monotonic())
            message_id = str(message["Message-ID"] or "")
            self.message_ids[message_id] += 1
            self.first_seen.setdefault(message_id, time.time())
        return "250 OK"


def start_sink():
    """(sink, controller, port): an SMTP server on a free loopback port."""
    from aiosmtpd.controller import Controller

    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return sink, controller, port


def bench_env(port: int, *, redis_url: str | None = REDIS_URL) -> tuple[Path, dict]:
    """A temporary folder and the environment of the app and its workers (also set in this process)."""
    tmp = Path(tempfile.mkdtemp(prefix="munui-jobs-bench-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}", "REDIS_URL": redis_url or "",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "SECRET_KEY": "bench-secret",
           "UPLOAD_DIR": str(tmp / "uploads"), "MUNUI_INSTANCE_DIR": str(tmp / "instance"),
           "SEARCH_INDEX_DIR": str(tmp / "search-index")}
    os.environ.update(env)
    return tmp, env


class Desk:
    """The app (context pushed), its schema and catalogue, and one customer who files inquiries."""

    def __init__(self):
        from flask_migrate import upgrade

        from app import create_app
        from app.seed.defaults import ensure_default_catalogue
        from app.services import unit_of_work
        from app.services.accounts.users import create_user

        self.app = create_app()
        self.app.app_context().push()
        upgrade()
        ensure_default_catalogue()
        customer = create_user("bench@example.com", role="customer", password="bench-password-1",
                               name="벤치 고객", now=datetime.now(UTC))
        unit_of_work.commit()
        self.customer_id = customer.id
        self.committed: dict[str, float] = {}

    def file_one(self, i: int) -> str:
        """File one inquiry through the service (its outbox rows: notify, email, search.index)."""
        from app.extensions import db
        from app.models import User
        from app.services import unit_of_work
        from app.services.tickets.core import create_ticket

        requester = db.session.get(User, self.customer_id)
        ticket = create_ticket(requester, category_code="product", subject=f"재입고 문의 {i}",
                               body="품절 상품 재입고 예정이 있나요?", order_number=None, files=[],
                               now=datetime.now(UTC))
        unit_of_work.commit()
        self.committed[ticket.number] = time.monotonic()
        return ticket.number


def peak_rss_mib(pid: int) -> float | None:
    """VmHWM of a live process, in MiB (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None
