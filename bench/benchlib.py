"""What generate.py, run.py and profile_pages.py share: paths, accounts and database URLs.

Importing this module puts the project root on ``sys.path`` and points
``MUNUI_INSTANCE_DIR`` at bench/data/instance (before ``config`` is imported), so
nothing a benchmark does touches the project's own instance/ folder.
"""
from __future__ import annotations

import io
import os
import random
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data"
RESULTS_DIR = BENCH_DIR / "results"
VENV_BIN = ROOT / ".venv" / "bin"
DEFAULT_SQLITE = DATA_DIR / "bench.sqlite3"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("MUNUI_INSTANCE_DIR", str(DATA_DIR / "instance"))

# Accounts generate.py creates; run.py logs in with them.
EMAIL_DOMAIN = "bench.munui.kr"
PASSWORD = "bench-password-1234"
AGENT_COUNT = 5
BENCH_AGENT_EMAIL = f"agent1@{EMAIL_DOMAIN}"
BENCH_CUSTOMER_EMAIL = f"customer00001@{EMAIL_DOMAIN}"
# A fixed key for the short-lived app objects the scripts build themselves (never served).
SCRIPT_SECRET_KEY = "bench-script-secret-key-not-for-serving"


def sqlalchemy_url(url: str) -> str:
    """The URL SQLAlchemy needs (psycopg 3 for PostgreSQL), as config.py does it."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def upload_dir_for(database_url: str | None, sqlite_path: Path | None) -> Path:
    """Where generate.py puts the attachment files of a database, derived from its name."""
    if database_url:
        from sqlalchemy.engine import make_url

        name = make_url(sqlalchemy_url(database_url)).database or "pg"
        return DATA_DIR / f"{name}-uploads"
    path = Path(sqlite_path or DEFAULT_SQLITE).resolve()
    return path.with_name(path.stem + "-uploads")


def ensure_pg_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(sqlalchemy_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": target.database}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def script_app(database_url: str, upload_dir: Path, **overrides):
    """A Munui app object for the scripts' own database work (default config, no server).

    ``overrides`` are more config values (sale_day.py: the run's Redis, search index, mail server).
    """
    from app import create_app

    return create_app("default", **{"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_DIR": str(upload_dir),
                                    "SECRET_KEY": SCRIPT_SECRET_KEY, "RATELIMIT_ENABLED": False, **overrides})


def copy_sqlite(source: Path, dest: Path) -> None:
    """A consistent copy of a SQLite database (the backup API, so WAL content comes along)."""
    src = sqlite3.connect(f"file:{Path(source).resolve()}?mode=ro", uri=True)
    dst = sqlite3.connect(dest)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def heavy_ticket(session):
    """(id, number, status) of a ticket with ten messages, an unresolved one if there is one."""
    from sqlalchemy import select

    from app.domain.ticket_flow import UNRESOLVED
    from app.models import Ticket

    return session.execute(
        select(Ticket.id, Ticket.number, Ticket.status).where(Ticket.message_count == 10)
        .order_by(Ticket.status.in_([s.value for s in UNRESOLVED]).desc(), Ticket.id.desc()).limit(1)).first()


def make_png(target_kb: int) -> bytes:
    """A photo-like PNG (4:3, gradient with blotchy noise) as large as fits in ``target_kb`` kB."""
    from PIL import Image, ImageChops

    def encode(width: int) -> bytes:
        rng = random.Random(11)
        size = (width, width * 3 // 4)
        gradient = Image.linear_gradient("L").resize(size)
        channels = [gradient, gradient.transpose(Image.Transpose.ROTATE_90).resize(size),
                    gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM)]
        small = (size[0] // 2, size[1] // 2)
        noise = Image.frombytes("L", small, rng.randbytes(small[0] * small[1])).resize(
            size, Image.Resampling.BILINEAR).point(lambda v: v // 8)
        out = io.BytesIO()
        Image.merge("RGB", [ImageChops.add(c, noise) for c in channels]).save(out, format="PNG")
        return out.getvalue()

    low, high, best = 64, 2048, encode(64)
    while low <= high:
        mid = (low + high) // 2
        data = encode(mid)
        if len(data) <= target_kb * 1000:
            best, low = data, mid + 1
        else:
            high = mid - 1
    return best


def multipart(fields: dict[str, str], files: list[tuple[str, str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "munui-bench-" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content_type, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def check_schema(engine) -> None:
    """Refuse a database whose migrations are not the code's head (the code moved on: regenerate)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with engine.connect() as conn:
        current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    if current != heads:
        raise SystemExit(f"the database is at migration {sorted(current)} but the code's head is {sorted(heads)}: "
                         "rebuild it with bench/generate.py --force")


def code_version() -> str:
    """The commit the desk runs from, naming uncommitted changes to the code it serves."""
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    if not git:
        return f"? ({ROOT} is not a git checkout)"
    porcelain = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "app", "config.py",
                                "migrations", "templates"], capture_output=True, text=True).stdout
    paths = [line[3:] for line in porcelain.splitlines() if line.strip()]
    if not paths:
        return git
    shown = ", ".join(f"`{p}`" for p in paths[:4]) + (f" and {len(paths) - 4} more" if len(paths) > 4 else "")
    return f"{git} + uncommitted changes in {shown}"


# ------------------------------------------------------------------ served processes (run.py, peer_helpdesk.py)

def wait_for_http(process: subprocess.Popen, port: int, path: str, timeout: float,
                  accept=lambda status: True) -> int:
    """Poll a just-started server on loopback until it answers ``path`` with a status ``accept``
    takes; that status. RuntimeError if the process exits first, TimeoutError after ``timeout``."""
    import http.client
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited ({process.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if accept(status):
                return status
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"not ready after {timeout:.0f} s")


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a server's log, for an error message."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def worker_memory(master_pid: int) -> list[dict]:
    """VmRSS and VmHWM (peak), in MiB, of each child of a gunicorn master (read from /proc)."""
    rows = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) != master_pid:
                continue
            info = {"pid": int(entry.name)}
            for line in (entry / "status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    info[key] = int(value.split()[0]) / 1024
        except (OSError, IndexError, ValueError):
            continue
        rows.append(info)
    return sorted(rows, key=lambda r: r["pid"])


def stop_process(process: subprocess.Popen | None) -> None:
    """SIGTERM, then SIGKILL after 15 s."""
    import signal

    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class GunicornProcess:
    """What run.py's servers and the peer's share: the log's tail, the workers' memory, stopping."""

    process: subprocess.Popen | None
    log_path: Path

    def log_tail(self) -> str:
        return log_tail(self.log_path)

    def memory(self) -> list[dict]:
        """VmRSS and VmHWM (peak) of each worker (children of the master in /proc), in MiB."""
        return worker_memory(self.process.pid) if self.process is not None else []

    def stop(self) -> None:
        stop_process(self.process)


def signed_in_client(app, email: str):
    """An in-process test client signed in through the real login form (its CSRF token and all)."""
    import re

    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))
    if not token:
        raise SystemExit("no CSRF token on /login")
    answer = client.post("/login", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD})
    if answer.status_code != 302:
        raise SystemExit(f"signing in as {email} answered {answer.status_code}")
    return client


def redis_answers(port: int, timeout: float = 10.0) -> bool:
    """True once a redis-server on 127.0.0.1:``port`` answers PING (within ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return True
        except OSError:
            time.sleep(0.1)
    return False


def write_report(text: str, output: Path) -> None:
    """Print a benchmark's markdown report and write it to ``output`` (replaced atomically)."""
    print()
    print(text)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(output)
    print(f"written to {output}")
