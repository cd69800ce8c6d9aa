"""Real parts for the background-work tests: Redis, an SMTP server on loopback, worker processes."""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]
# A database of the machine's Redis per test run (by process id), so two runs at once — the SQLite
# and PostgreSQL suites, or two checkouts — never flush each other's queues.
# A Redis database per test process: pytest-xdist workers (gw0, gw1, …) each get their own,
# a lone run one chosen by its pid (so two runs on one server rarely meet).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_REDIS_DB = 2 + (int(_WORKER[2:]) if _WORKER[2:].isdigit() else os.getpid() % 7 + 7) % 14
SHARED_REDIS = os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{_REDIS_DB}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkHandler:
    """Collects what an SMTP client delivers; can answer 550 or stall before answering."""

    def __init__(self):
        self.messages: list[Message] = []
        self.reject_with: str | None = None
        self.reject_for: set[str] = set()  # addresses answered 550, the others accepted
        self.sessions: set[int] = set()  # SMTP connections that delivered or tried to
        self.delay = 0.0
        self.data_started = threading.Event()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.sessions.add(id(session))
        if self.reject_with:
            return self.reject_with
        if address in self.reject_for:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_started.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        return list(self.messages)


@pytest.fixture()
def smtp_sink():
    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture()
def redis_url():
    """A Redis database of the machine's server, emptied before and after the test."""
    from redis import Redis

    client = Redis.from_url(SHARED_REDIS)
    client.ping()  # fails (never skips) when Redis is down: CI starts it
    client.flushdb()
    yield SHARED_REDIS
    client.flushdb()
    client.close()


class PrivateRedis:
    """A redis-server of the test's own on a spare port, to stop and start at will."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.dir = tmp
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from redis import Redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                Redis.from_url(self.url).ping()
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture()
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def configure(apps, **settings) -> None:
    """Point the test-body app and the served app at the same Redis / mail server."""
    for one in apps:
        one.config.update(settings)
        one.extensions.pop("munui_redis", None)


@pytest.fixture()
def worker_env(app, tmp_path):
    """Environment for a worker.py process on the test's database, files and mail server."""
    def build(**extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update({
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "UPLOAD_DIR": app.config["UPLOAD_DIR"],
            "MAIL_FILE_DIR": app.config["MAIL_FILE_DIR"],
            "MUNUI_INSTANCE_DIR": str(tmp_path / "worker-instance"),
            "REDIS_URL": app.config["REDIS_URL"] or "",
            "MAIL_SERVER": app.config.get("MAIL_SERVER") or "",
            "MAIL_PORT": str(app.config.get("MAIL_PORT") or 25),
            "JOB_RETRY_INTERVALS": ",".join(str(i) for i in app.config["JOB_RETRY_INTERVALS"]),
        })
        env.update({k: str(v) for k, v in extra.items()})
        return env
    return build


def run_worker_burst(env: dict, timeout: float = 60, args: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run `python worker.py --burst` to completion (it exits when the queues are empty)."""
    db.session.commit()  # nothing of the test body's may hold a SQLite write lock
    return subprocess.run([sys.executable, "worker.py", "--burst", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def start_worker(env: dict, args: tuple[str, ...] = ()) -> subprocess.Popen:
    """A long-running worker in its own process group (so a work horse, with --fork, dies with it)."""
    db.session.commit()
    return subprocess.Popen([sys.executable, "worker.py", "--no-scheduler", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
