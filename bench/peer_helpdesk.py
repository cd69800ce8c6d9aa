#!/usr/bin/env python3
"""The peer of performance.md, django-helpdesk 2.6.1 from PyPI: installed, seeded, served, signed in to.

    .venv/bin/python bench/peer_helpdesk.py install                  # venv at bench/data/peer/venv
    .venv/bin/python bench/peer_helpdesk.py site --tickets 2000      # bench/data/peer/site/peer-2000.sqlite3
    .venv/bin/python bench/peer_helpdesk.py smoke --tickets 2000     # serve it, sign in, check the 4 endpoints

run.py drives it next to Munui and the bare page (``--peer``). Everything lives in
bench/data/peer/ (git-ignored): its own venv (the peer's Django must not meet the
desk's packages), a minimal Django project written by this module, and one seeded
SQLite database per ticket count, reused while it holds that many tickets and served
from a copy (the create requests would grow it). The seeding runs in the peer's venv:
``peer-venv/bin/python bench/peer_helpdesk.py _seed …`` (this file imports only the
standard library and benchlib at the top, so both interpreters can load it).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import benchlib

VERSION = "2.6.1"
PEER_DIR = benchlib.DATA_DIR / "peer"
VENV = PEER_DIR / "venv"
PYTHON = VENV / "bin" / "python"
GUNICORN = VENV / "bin" / "gunicorn"
SITE = PEER_DIR / "site"
PREFIX = "/helpdesk"
LOGIN_PATH = f"{PREFIX}/login/"
STAFF_USERNAME = "bench-staff"
STAFF_EMAIL = "bench-staff@peer.bench.munui.kr"
PASSWORD = benchlib.PASSWORD
AGENTS = 5  # the superuser + 4 staff, as generate.py gives Munui 5 agents
CUSTOMERS = 2_000
HEAVY_EVERY = 1000  # every 1,000th ticket has the 10-message thread of texts.HEAVY_THREAD (as generate.py)
HEAVY_OPEN_DAYS = 30
# (slug, title, share of the tickets): Munui's two queues and their split (generate.py)
QUEUES = (("orders", "주문·배송", ("delivery", "order", "cancellation", "refund")),
          ("general", "일반 문의", ("product", "membership", "other", "seller")))
CATEGORY_WEIGHTS = {"delivery": 25, "order": 12, "cancellation": 11, "refund": 15, "product": 14,
                    "membership": 9, "other": 6, "seller": 8}
# helpdesk statuses: 1 open, 2 reopened, 3 resolved, 4 closed; the open ones are what the list shows
OPEN, REOPENED, RESOLVED, CLOSED = 1, 2, 3, 4
CSRF_INPUT_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DATATABLES_RE = re.compile(r'"url":\s*"(' + re.escape(PREFIX) + r'/datatables_ticket_list/[^"]+)"')
# What DataTables sends for the first page (serverSide, no order: the query's own sort);
# the view reads draw/start/length/search/order only, the columns[…] parameters are left out.
PAGE_ROWS = 50
DATATABLES_QUERY = urlencode({"draw": 1, "start": 0, "length": PAGE_ROWS, "search[value]": "",
                              "search[regex]": "false"})


class PeerError(RuntimeError):
    pass


# ------------------------------------------------------------------ install

def installed_version() -> str | None:
    """django-helpdesk's version in the peer venv (from its dist-info), or None."""
    if not PYTHON.exists() or not GUNICORN.exists():
        return None
    for info in sorted(VENV.glob("lib/python*/site-packages/django_helpdesk-*.dist-info")):
        return info.name[len("django_helpdesk-"):-len(".dist-info")]
    return None


def is_installed() -> bool:
    return installed_version() == VERSION


def ensure_installed() -> float:
    """The peer venv with django-helpdesk==2.6.1 and gunicorn; seconds it took (0 when already there)."""
    if is_installed():
        return 0.0
    started = time.perf_counter()
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    if not PYTHON.exists():
        print(f"peer: creating {VENV.relative_to(benchlib.ROOT)}", flush=True)
        subprocess.run(["python3", "-m", "venv", str(VENV)], check=True)
    print(f"peer: pip install django-helpdesk=={VERSION} gunicorn", flush=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                    f"django-helpdesk=={VERSION}", "gunicorn"], check=True)
    if not is_installed():
        raise PeerError(f"django-helpdesk {VERSION} is not in {VENV} after pip install "
                        f"(found {installed_version()})")
    return time.perf_counter() - started


def versions() -> dict:
    """Versions of the peer's stack, from its venv."""
    code = ("import json, sys; from importlib.metadata import version as v; "
            "print(json.dumps({'helpdesk': v('django-helpdesk'), 'django': v('django'), "
            "'gunicorn': v('gunicorn'), 'python': sys.version.split()[0]}))")
    out = subprocess.run([str(PYTHON), "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


# ------------------------------------------------------------------ the Django project

SETTINGS = '''\
"""Minimal Django project for django-helpdesk {version} (written by bench/peer_helpdesk.py)."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "bench-peer-secret-key-only-for-loopback-benchmarks")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# helpdesk's install docs: admin (its maintenance pages), sites (links in its emails),
# humanize (elapsed times); rest_framework is behind its DataTables JSON and API.
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
SITE_ID = 1
# Teams mode needs the optional pinax-teams extra; off, as the docs allow.
HELPDESK_TEAMS_MODE_ENABLED = False

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peer_site.urls"
TEMPLATES = [{{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {{"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]}},
}}]
WSGI_APPLICATION = "peer_site.wsgi.application"

# SQLite tuned as Munui's (WAL, synchronous=NORMAL) and one persistent connection per
# worker (as Munui's pool), so the database setup is not what the comparison measures.
DATABASES = {{"default": {{
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": os.environ.get("PEER_DB", str(BASE_DIR / "peer.sqlite3")),
    "CONN_MAX_AGE": 600,
    "OPTIONS": {{"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"}},
}}}}
AUTH_PASSWORD_VALIDATORS = []
LANGUAGE_CODE = "ko"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LOGIN_URL = "{prefix}/login/"
LOGIN_REDIRECT_URL = "{prefix}/"
# The new-ticket emails are rendered and built (locmem), not sent anywhere.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@peer.bench.munui.kr"
LOGGING = {{
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {{"stderr": {{"class": "logging.StreamHandler"}}}},
    "loggers": {{"django.request": {{"handlers": ["stderr"], "level": "ERROR"}}}},
}}
'''

URLS = '''\
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("helpdesk/", include("helpdesk.urls")),
    path("", RedirectView.as_view(url="/helpdesk/")),
]
'''

WSGI = '''\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
application = get_wsgi_application()
'''

MANAGE = '''\
#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
'''


def write_project() -> None:
    """bench/data/peer/site: peer_site/{settings,urls,wsgi}.py and manage.py (rewritten only if changed)."""
    files = {SITE / "manage.py": MANAGE, SITE / "peer_site" / "__init__.py": "",
             SITE / "peer_site" / "settings.py": SETTINGS.format(version=VERSION, prefix=PREFIX),
             SITE / "peer_site" / "urls.py": URLS, SITE / "peer_site" / "wsgi.py": WSGI}
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


def database_path(tickets: int) -> Path:
    return SITE / f"peer-{tickets}.sqlite3"


def ticket_count(db: Path) -> int | None:
    if not db.exists():
        return None
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0]
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()


def site_env(db: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTHON"))}
    env.update({"DJANGO_SETTINGS_MODULE": "peer_site.settings", "PEER_DB": str(db)})
    return env


def ensure_site(tickets: int) -> tuple[Path, float]:
    """The Django project and a database with ``tickets`` tickets; (its path, seconds spent seeding: 0 if reused)."""
    ensure_installed()
    write_project()
    db = database_path(tickets)
    if ticket_count(db) == tickets:
        return db, 0.0
    started = time.perf_counter()
    tmp = db.with_name(db.name + ".tmp")
    for stale in (db, tmp, *(Path(f"{p}{s}") for p in (db, tmp) for s in ("-wal", "-shm", "-journal"))):
        stale.unlink(missing_ok=True)
    print(f"peer: seeding {db.relative_to(benchlib.ROOT)} with {tickets:,} tickets", flush=True)
    subprocess.run([str(PYTHON), str(Path(__file__).resolve()), "_seed", "--tickets", str(tickets)],
                   env=site_env(tmp), cwd=str(SITE), check=True)
    tmp.rename(db)
    return db, time.perf_counter() - started


def facts(db: Path) -> dict:
    """What the peer database holds, and what the client opens (read with the bench's own sqlite3)."""
    conn = sqlite3.connect(db)
    try:
        one = lambda sql, *args: conn.execute(sql, args).fetchone()  # noqa: E731
        queue_id, queue_slug = one("SELECT id, slug FROM helpdesk_queue WHERE slug = ?", QUEUES[0][0])
        # the newest open ticket with the longest thread (the heavy one, as run.py opens on Munui)
        ticket_id, ticket_followups = one(
            "SELECT t.id, count(f.id) AS n FROM helpdesk_ticket t JOIN helpdesk_followup f ON f.ticket_id = t.id "
            "WHERE t.status IN (?, ?) GROUP BY t.id ORDER BY n DESC, t.id DESC LIMIT 1", OPEN, REOPENED)
        return {
            "tickets": one("SELECT count(*) FROM helpdesk_ticket")[0],
            "open": one("SELECT count(*) FROM helpdesk_ticket WHERE status IN (?, ?)", OPEN, REOPENED)[0],
            "followups": one("SELECT count(*) FROM helpdesk_followup")[0],
            "queue_id": queue_id, "queue_slug": queue_slug,
            "queue_open": one("SELECT count(*) FROM helpdesk_ticket WHERE queue_id = ? AND status IN (?, ?)",
                              queue_id, OPEN, REOPENED)[0],
            "ticket_id": ticket_id, "ticket_followups": ticket_followups,
            "ticket_comments": [row[0][:20] for row in conn.execute(
                "SELECT comment FROM helpdesk_followup WHERE ticket_id = ? ORDER BY date", (ticket_id,))],
            "ticket_attachments": one("SELECT count(*) FROM helpdesk_followupattachment a JOIN helpdesk_followup f "
                                      "ON f.id = a.followup_id WHERE f.ticket_id = ?", ticket_id)[0],
        }
    finally:
        conn.close()


def serving_copy(db: Path, dest: Path) -> Path:
    """A copy of the seeded database to serve (the create requests grow it), in WAL mode."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    for path in (dest, Path(f"{dest}-wal"), Path(f"{dest}-shm")):
        path.unlink(missing_ok=True)
    benchlib.copy_sqlite(db, dest)
    conn = sqlite3.connect(dest)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return dest


# ------------------------------------------------------------------ seeding (runs in the peer venv)

def _seed(tickets: int, seed: int = 20261126) -> None:
    """migrate, the email templates, staff, queues, then tickets and follow-ups with bulk_create."""
    import random
    from datetime import timedelta

    sys.path.insert(0, str(SITE))
    sys.path.insert(0, str(benchlib.BENCH_DIR))
    import django

    django.setup()
    import texts
    from django.contrib.auth import get_user_model
    from django.contrib.sites.models import Site
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from helpdesk.models import FollowUp, FollowUpAttachment, Queue, Ticket

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("loaddata", "emailtemplate.json", verbosity=0)  # step 8 of the install docs
    Site.objects.filter(id=1).update(domain="127.0.0.1", name="peer bench")
    User = get_user_model()
    agents = [User.objects.create_superuser(STAFF_USERNAME, STAFF_EMAIL, PASSWORD, first_name="김상담")]
    for n in range(2, AGENTS + 1):
        agents.append(User.objects.create_user(f"agent{n}", f"agent{n}@peer.bench.munui.kr", PASSWORD,
                                               is_staff=True, first_name=texts.AGENT_NAMES[n - 1]))
    queue_of = {}
    for slug, title, categories in QUEUES:
        queue = Queue.objects.create(title=title, slug=slug, email_address=f"{slug}@peer.bench.munui.kr",
                                     allow_public_submission=False, allow_email_submission=False)
        queue_of.update({category: queue for category in categories})
    print(f"  migrate, templates, staff, queues  {time.perf_counter() - started:5.1f} s", flush=True)

    # created/modified are auto_now(_add): generated tickets carry their own dates
    Ticket._meta.get_field("created").auto_now_add = False
    Ticket._meta.get_field("modified").auto_now = False
    rng = random.Random(seed)
    now = timezone.now()
    span = timedelta(days=365)
    moments = sorted(rng.random() for _ in range(tickets))
    categories, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    media = SITE / "media"
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    followup_id = 0
    batch = 2_000
    fill = lambda text: text.format(p=rng.choice(texts.PRODUCTS)[1], d=rng.randint(2, 9),  # noqa: E731
                                    n=rng.randint(100000, 999999))
    for first in range(0, tickets, batch):
        rows, followups, attachments = [], [], []
        for i in range(first, min(first + batch, tickets)):
            created = now - span + span * moments[i]
            age_days = (now - created).days
            heavy = i % HEAVY_EVERY == HEAVY_EVERY - 1
            if heavy:
                status = OPEN if age_days < HEAVY_OPEN_DAYS else CLOSED
            elif age_days < 3:
                status = rng.choices((OPEN, RESOLVED), (85, 15))[0]
            elif age_days < 14:
                status = rng.choices((OPEN, RESOLVED), (38, 62))[0]
            else:
                status = rng.choices((OPEN, RESOLVED, CLOSED), (4.5, 0.5, 95))[0]
            on_hold = status == OPEN and rng.random() < 0.2
            if status == OPEN and not on_hold and rng.random() < 0.1:
                status = REOPENED
            category = rng.choices(categories, weights)[0]
            agent = rng.choice(agents)
            assigned = agent if status in (RESOLVED, CLOSED) or rng.random() < 0.7 else None
            description = " ".join(s for s in (rng.choice(texts.OPENINGS), fill(rng.choice(texts.DETAILS[category])),
                                                rng.choice(texts.CLOSINGS)) if s)
            reply = fill(rng.choice(texts.AGENT_REPLIES[category]))
            ticket_id = i + 1
            submitter = f"customer{rng.randrange(1, CUSTOMERS + 1):05d}@peer.bench.munui.kr"
            # the thread: (title, comment, public, user, new status)
            if heavy:
                thread = [("Ticket Opened" if n == 0 else "Comment", fill(body), role != "note",
                           None if role == "customer" else agent, None)
                          for n, (role, body, _files) in enumerate(texts.HEAVY_THREAD)]
            else:
                if rng.random() < 0.15:
                    second = ("Comment", fill(rng.choice(texts.INTERNAL_NOTES)), False, agent, None)
                else:
                    second = ("Comment", reply, True, agent, None)
                if status == RESOLVED:
                    third = ("Resolved", rng.choice(texts.AGENT_FOLLOW_UPS), True, agent, RESOLVED)
                elif status == CLOSED:
                    third = ("Closed", rng.choice(texts.AGENT_FOLLOW_UPS), True, agent, CLOSED)
                elif status == REOPENED:
                    third = ("Reopened", rng.choice(texts.CUSTOMER_FOLLOW_UPS), True, None, REOPENED)
                else:
                    third = ("Comment", rng.choice(texts.CUSTOMER_FOLLOW_UPS), True, None, None)
                thread = [("Ticket Opened", description, True, None, None), second, third]
            moment = created
            for n, (title, comment, public, user, new_status) in enumerate(thread):
                if n:
                    moment += timedelta(minutes=rng.randint(10, 36 * 60 if not heavy else 12 * 60))
                followup_id += 1
                followups.append(FollowUp(id=followup_id, ticket_id=ticket_id, date=min(moment, now), title=title,
                                          comment=comment, public=public, user=user, new_status=new_status))
                for kind in (texts.HEAVY_THREAD[n][2] if heavy else ()):
                    name = texts.ATTACHMENT_NAMES[kind].format(i=len(attachments) % 2 + 1)
                    attachments.append((followup_id, name))
            row = Ticket(id=ticket_id, title=fill(rng.choice(texts.SUBJECTS[category])), queue=queue_of[category],
                         created=created, modified=min(moment, now), submitter_email=submitter,
                         assigned_to=assigned, status=status, on_hold=on_hold, description=description,
                         resolution=reply if status in (RESOLVED, CLOSED) else None,
                         priority=rng.choices((1, 2, 3, 4), (6, 16, 68, 10))[0])
            rows.append(row)
        files = []
        secret = {row.id: (row.queue.slug, row.secret_key) for row in rows}
        ticket_of = {f.id: f.ticket_id for f in followups}
        for fid, name in attachments:
            slug, key = secret[ticket_of[fid]]
            relative = f"helpdesk/attachments/{slug}-{ticket_of[fid]}-{key}/{fid}/{name}"
            data = f"bench attachment {name}\n".encode() * 64
            (media / relative).parent.mkdir(parents=True, exist_ok=True)
            (media / relative).write_bytes(data)
            mime = "application/pdf" if name.endswith(".pdf") else "image/png"
            files.append(FollowUpAttachment(followup_id=fid, file=relative, filename=name, mime_type=mime,
                                            size=len(data)))
        with transaction.atomic():
            Ticket.objects.bulk_create(rows, batch_size=500)
            FollowUp.objects.bulk_create(followups, batch_size=500)
            FollowUpAttachment.objects.bulk_create(files, batch_size=500)
        done = min(first + batch, tickets)
        if done % 10_000 == 0 or done == tickets:
            print(f"  {done:>9,} tickets  {followup_id:>9,} follow-ups  {time.perf_counter() - started:5.1f} s",
                  flush=True)
    cursor.execute("PRAGMA journal_mode=DELETE")  # one self-contained file to copy and rename
    connection.close()


# ------------------------------------------------------------------ the server

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PeerServer(benchlib.GunicornProcess):
    """gunicorn from the peer venv, N sync workers on 127.0.0.1, serving ``db``; start() waits until it answers."""

    def __init__(self, db: Path, log_path: Path, workers: int = 2, port: int | None = None):
        self.db, self.log_path, self.workers, self.port = db, log_path, workers, port
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout: float = 60.0) -> PeerServer:
        self.port = self.port or free_port()
        env = site_env(self.db)
        env["PEER_SECRET_KEY"] = os.urandom(24).hex()
        command = [str(GUNICORN), "--workers", str(self.workers), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", "--chdir", str(SITE), "--timeout", "60",
                   "--graceful-timeout", "5", "--log-level", "warning", "peer_site.wsgi:application"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # closed in stop()
        self.process = subprocess.Popen(command, env=env, cwd=str(SITE), stdout=self._log, stderr=subprocess.STDOUT)
        try:
            status = benchlib.wait_for_http(self.process, self.port, LOGIN_PATH, timeout)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            raise PeerError(f"peer server {exc}:\n{self.log_tail()}") from exc
        if status != 200:
            raise PeerError(f"peer server answered {status} on {LOGIN_PATH}:\n{self.log_tail()}")
        return self

    def stop(self) -> None:
        super().stop()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> PeerServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# ------------------------------------------------------------------ the signed-in client

@dataclass
class Targets:
    """The four endpoints, as found on the peer's own pages and checked once."""
    list_path: str
    queue_path: str
    ticket_path: str
    create_path: str
    create_token: str
    queue_id: int
    list_rows: int
    list_total: int
    queue_rows: int
    queue_total: int

    def create_request(self, i: int):
        """(method, path, body, headers, expected status) of staff form POST number ``i`` (multipart, as the page)."""
        fields = {"csrfmiddlewaretoken": self.create_token, "queue": str(self.queue_id),
                  "title": f"배송이 늦어요 환불 요청드립니다 ({i})",
                  "body": "주문한 상품이 예정일이 지나도 오지 않습니다. 배송 조회도 며칠째 그대로입니다. "
                          f"환불 요청드립니다. (요청 {i})",
                  "priority": "3", "due_date": "", "submitter_email": "customer00001@peer.bench.munui.kr",
                  "assigned_to": ""}
        body, content_type = benchlib.multipart(fields, [])
        return "POST", self.create_path, body, {"Content-Type": content_type}, 302


def _csrf(page: bytes, what: str) -> str:
    match = CSRF_INPUT_RE.search(page.decode("utf-8", "replace"))
    if not match:
        raise PeerError(f"{what}: no csrfmiddlewaretoken in the page")
    return match.group(1)


def sign_in(client) -> None:
    """GET the login page, POST the staff credentials with its csrfmiddlewaretoken; the session stays in ``client``."""
    status, page, _ = client.request("GET", LOGIN_PATH)
    if status != 200:
        raise PeerError(f"GET {LOGIN_PATH} answered {status}")
    form = urlencode({"csrfmiddlewaretoken": _csrf(page, LOGIN_PATH), "username": STAFF_USERNAME,
                      "password": PASSWORD, "next": f"{PREFIX}/"}).encode()
    status, body, _ = client.request("POST", LOGIN_PATH, form, {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302 or "sessionid" not in client.cookies:
        raise PeerError(f"POST {LOGIN_PATH} answered {status} without a session: {body[:300]!r}")


def _datatables(client, page_path: str) -> tuple[str, int, int]:
    """The DataTables URL the ticket list page at ``page_path`` calls, with the first page; (path, rows, total)."""
    status, page, _ = client.request("GET", page_path)
    match = DATATABLES_RE.search(page.decode("utf-8", "replace"))
    if status != 200 or not match:
        raise PeerError(f"GET {page_path} answered {status} without the DataTables URL")
    path = f"{match.group(1)}?{DATATABLES_QUERY}"
    status, body, _ = client.request("GET", path)
    if status != 200:
        raise PeerError(f"GET {path} answered {status}: {body[:300]!r}")
    data = json.loads(body)
    if not data.get("data"):
        raise PeerError(f"GET {path}: no rows in {body[:300]!r}")
    return path, len(data["data"]), data["recordsFiltered"]


def prepare(client, info: dict) -> Targets:
    """Sign in, find the endpoints on the peer's pages, and check that each answers with real content."""
    sign_in(client)
    list_path, list_rows, list_total = _datatables(client, f"{PREFIX}/tickets/")
    queue_path, queue_rows, queue_total = _datatables(
        client, f"{PREFIX}/tickets/?queue={info['queue_id']}&status={OPEN}&status={REOPENED}")
    if list_total != info["open"] or queue_total != info["queue_open"]:
        raise PeerError(f"the list JSON counts {list_total} / {queue_total} open tickets, "
                        f"the database {info['open']} / {info['queue_open']}")
    ticket_path = f"{PREFIX}/tickets/{info['ticket_id']}/"
    status, page, _ = client.request("GET", ticket_path)
    text = page.decode("utf-8", "replace")
    missing = [c for c in info["ticket_comments"] if c not in text]
    if status != 200 or missing:
        raise PeerError(f"GET {ticket_path} answered {status} without {len(missing)} of its follow-ups")
    create_path = f"{PREFIX}/tickets/submit/"
    status, page, _ = client.request("GET", create_path)
    if status != 200 or 'name="title"' not in page.decode("utf-8", "replace"):
        raise PeerError(f"GET {create_path} answered {status} without the staff form")
    targets = Targets(list_path, queue_path, ticket_path, create_path, _csrf(page, create_path), info["queue_id"],
                      list_rows, list_total, queue_rows, queue_total)
    method, path, body, headers, expect = targets.create_request(0)
    status, answer, _ = client.request(method, path, body, headers)
    if status != expect:
        raise PeerError(f"POST {create_path} answered {status}, expected {expect}: {answer[:500]!r}")
    return targets


# ------------------------------------------------------------------ command line

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("install", "site", "smoke", "_seed"))
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20, help="smoke: timed requests per endpoint")
    args = parser.parse_args(argv)
    if args.command == "_seed":
        _seed(args.tickets)
        return
    seconds = ensure_installed()
    print(f"peer: django-helpdesk {installed_version()} in {VENV}" + (f" (installed in {seconds:.0f} s)"
                                                                      if seconds else ""))
    if args.command == "install":
        return
    db, seconds = ensure_site(args.tickets)
    info = facts(db)
    shown = {k: v for k, v in info.items() if k != "ticket_comments"}
    print(f"peer: {db} ({f'seeded in {seconds:.0f} s' if seconds else 'reused'}): {shown}")
    if args.command == "site":
        return
    from run import Client, percentile  # the client run.py drives every server with

    copy = serving_copy(db, PEER_DIR / "run" / "peer.sqlite3")
    with PeerServer(copy, PEER_DIR / "run" / "peer-gunicorn.log") as server:
        client = Client(server.port)
        targets = prepare(client, info)
        print(f"peer: list {targets.list_rows} rows of {targets.list_total}; queue {targets.queue_rows} rows of "
              f"{targets.queue_total}; {targets.ticket_path}; create → 302")
        for name, make in (("list", lambda i: ("GET", targets.list_path, None, None, 200)),
                           ("queue", lambda i: ("GET", targets.queue_path, None, None, 200)),
                           ("ticket", lambda i: ("GET", targets.ticket_path, None, None, 200)),
                           ("create", targets.create_request)):
            times = []
            for i in range(args.requests):
                method, path, body, headers, expect = make(i + 1)
                status, data, elapsed = client.request(method, path, body, headers)
                if status != expect:
                    raise PeerError(f"{name}: {status} {data[:300]!r}")
                times.append(elapsed * 1000)
            print(f"  {name:7} p50 {percentile(times, 50):7.1f} ms  p95 {percentile(times, 95):7.1f} ms")
        client.close()


if __name__ == "__main__":
    main()
