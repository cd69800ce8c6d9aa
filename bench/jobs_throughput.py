"""Background-work benchmark: jobs per second of one RQ worker, and commit → email latency.

    .venv/bin/python bench/jobs_throughput.py [--tickets 400] [--rate-share 0.6] [--seconds 20]

Needs Redis on 127.0.0.1:6379 (uses database 13, emptied first). Everything else is
made here: a fresh SQLite database (real migrations), an SMTP sink (aiosmtpd) on
loopback that timestamps what it receives, and `worker.py` processes.

Phase 1 (throughput): N inquiries are filed first (each makes two jobs: the in-app
notification and the confirmation email), then one `worker.py --burst` drains the
queues; jobs/s = 2N / drain time.
Phase 2 (latency): one worker runs while inquiries are filed at a share of the
measured rate for a fixed time; for each, commit time → email received at the sink.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from redis import Redis  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/13"


class Sink:
    def __init__(self):
        self.received: dict[str, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.received.setdefault(message["Subject"], time.monotonic())
        return "250 OK"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--rate-share", type=float, default=0.6)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="munui-jobs-bench-"))
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}", "REDIS_URL": REDIS_URL,
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "SECRET_KEY": "bench-secret",
           "UPLOAD_DIR": str(tmp / "uploads"), "MUNUI_INSTANCE_DIR": str(tmp / "instance")}
    os.environ.update(env)
    Redis.from_url(REDIS_URL).flushdb()

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import User
    from app.seed.defaults import ensure_default_catalogue
    from app.services import unit_of_work
    from app.services.accounts.users import create_user
    from app.services.tickets.core import create_ticket

    app = create_app()
    app.app_context().push()
    upgrade()
    ensure_default_catalogue()
    customer = create_user("bench@example.com", role="customer", password="bench-password-1",
                           name="벤치 고객", now=datetime.now(UTC))
    unit_of_work.commit()
    customer_id = customer.id
    committed: dict[str, float] = {}

    def file_one(i: int) -> None:
        requester = db.session.get(User, customer_id)
        ticket = create_ticket(requester, category_code="product", subject=f"재입고 문의 {i}",
                               body="품절 상품 재입고 예정이 있나요?", order_number=None, files=[],
                               now=datetime.now(UTC))
        unit_of_work.commit()
        committed[ticket.number] = time.monotonic()

    # Phase 1: a backlog, then one worker drains it.
    for i in range(args.tickets):
        file_one(i)
    db.session.remove()
    jobs = 2 * args.tickets
    start = time.monotonic()
    with open(tmp / "worker.log", "w") as log:
        subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, check=True,
                       stdout=log, stderr=subprocess.STDOUT)
    drain = time.monotonic() - start
    rate = jobs / drain
    assert len(sink.received) == args.tickets, \
        f"{len(sink.received)} emails for {args.tickets} tickets; see {tmp / 'worker.log'}"

    # Phase 2: steady load below that rate, one worker running.
    sink.received.clear()
    committed.clear()
    worker = subprocess.Popen([sys.executable, "worker.py", "--no-scheduler"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)
        interval = 1.0 / (rate / 2 * args.rate_share)
        end = time.monotonic() + args.seconds
        i = 0
        while time.monotonic() < end:
            began = time.monotonic()
            file_one(100_000 + i)
            i += 1
            time.sleep(max(0.0, interval - (time.monotonic() - began)))
        deadline = time.monotonic() + 60
        while len(sink.received) < i and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        # Never leave a worker behind: it would take the next run's jobs.
        worker.terminate()
        worker.wait(30)
    controller.stop()
    latencies = []
    for subject, received in sink.received.items():
        number = next((n for n in committed if n in subject), None)
        if number:
            latencies.append((received - committed[number]) * 1000)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
          f"{datetime.now(UTC):%Y-%m-%d}, SQLite, Redis 127.0.0.1, SMTP sink on loopback")
    print("| measure | value |\n|---|---:|")
    print(f"| jobs/s, one worker draining {jobs} jobs ({args.tickets} notify + {args.tickets} email) "
          f"| {rate:.1f} |")
    print(f"| email jobs/s (each with its notification job) | {rate / 2:.1f} |")
    print(f"| steady load: inquiries filed | {i} at {1 / interval:.1f}/s |")
    print(f"| commit → email received, median | {statistics.median(latencies):.0f} ms |")
    print(f"| commit → email received, p95 | {percentile(latencies, 0.95):.0f} ms |")
    print(f"| emails received / filed | {len(latencies)} / {i} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
