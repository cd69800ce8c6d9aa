"""Shared fixtures: a real app on a real database (SQLite by default, PostgreSQL when
DATABASE_URL says so), a client that carries CSRF tokens like a browser, factories."""
from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

# Each pytest-xdist worker (gw0, gw1, …) gets its own instance directory.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
_INSTANCE = os.environ.get("MUNUI_INSTANCE_DIR", "/tmp/munui-test-instance")
os.environ["MUNUI_INSTANCE_DIR"] = f"{_INSTANCE}-{_XDIST_WORKER}" if _XDIST_WORKER else _INSTANCE

from app import create_app  # noqa: E402
from app.extensions import db, limiter  # noqa: E402
from app.seed.defaults import ensure_default_catalogue  # noqa: E402
from app.services import unit_of_work  # noqa: E402
from config import TestingConfig, sqlalchemy_url  # noqa: E402

PG_URL = os.environ.get("DATABASE_URL", "")
USING_PG = PG_URL.startswith(("postgresql", "postgres"))
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def _pg_admin(url):
    from sqlalchemy.engine import make_url

    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """One database for the run, built by the real migrations (alembic upgrade head).

    On PostgreSQL each run gets its own database (the name in DATABASE_URL plus the
    process id), so parallel runs on one server never trample each other; it is
    dropped at the end.
    """
    pg_name = None
    if USING_PG:
        from sqlalchemy.engine import make_url

        base = make_url(sqlalchemy_url(PG_URL))
        pg_name = f"{base.database}_{os.getpid()}"
        url = base.set(database=pg_name).render_as_string(hide_password=False)
        admin = _pg_admin(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}"'))
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        admin.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'munui-test.sqlite3'}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url,
                     UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads-migrate")))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    yield url
    if pg_name:
        admin = _pg_admin(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        admin.dispose()


def _reset(app) -> None:
    """Empty every table (children first) and restart the ids at 1.

    DELETE, not TRUNCATE, on PostgreSQL too: a test leaves a few rows, and TRUNCATE's new
    files per table cost ~0.2 s per test where DELETE costs a few ms.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        if db.engine.dialect.name == "postgresql":
            # (SQLite's rowids restart by themselves in an empty table.)
            conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"))


# The settings a test may point at its own directories; everything else is the session's.
_PER_TEST_DIRS = ("UPLOAD_DIR", "MAIL_FILE_DIR", "SEARCH_INDEX_DIR")


@pytest.fixture(scope="session")
def _desk_apps(database_url, tmp_path_factory):
    """The two apps of the run, built once: the test body's and the one serving the clients.

    Flask reuses an active app context of the *same* app for requests, which would share
    ``g`` and the database session between the test body and the requests; a separate
    served app gives every request its own context, as in production. Each test gets them
    with its own directories and a config restored afterwards (see ``app``).
    """
    root = tmp_path_factory.mktemp("desk")
    settings = {"SQLALCHEMY_DATABASE_URI": database_url, **{k: str(root / k.lower()) for k in _PER_TEST_DIRS}}
    body = create_app(TestingConfig, **settings)
    served = create_app(TestingConfig, **settings)
    yield body, served
    for one in (body, served):
        with one.app_context():
            db.engine.dispose()


@pytest.fixture()
def app(_desk_apps, tmp_path):
    """The app whose context the test body runs in (factories, direct service calls).

    The database is emptied and the default catalogue seeded before each test; the
    test's files (uploads, mail, search index) live under its own ``tmp_path``.
    """
    body, served = _desk_apps
    saved = [dict(one.config) for one in (body, served)]
    dirs = {"UPLOAD_DIR": tmp_path / "uploads", "MAIL_FILE_DIR": tmp_path / "mail",
            "SEARCH_INDEX_DIR": tmp_path / "search-index"}
    dirs["UPLOAD_DIR"].mkdir()
    for one in (body, served):
        one.config.update({k: str(v) for k, v in dirs.items()})
    limiter.reset()
    try:
        with body.app_context():
            _reset(body)
            ensure_default_catalogue()
            unit_of_work.commit()
            yield body
            db.session.remove()
    finally:
        for one, config in zip((body, served), saved, strict=True):
            one.config.clear()
            one.config.update(config)
            # A test that pointed an app at its own Redis leaves no client behind.
            one.extensions.pop("munui_redis", None)


@pytest.fixture()
def web_app(app, _desk_apps):
    """The app that serves the test clients: same database, files and config as ``app``."""
    return _desk_apps[1]


class BrowserClient:
    """A test client that, like a browser, posts forms with the CSRF token of its session."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        return getattr(self.client, name)

    def open(self, *args, **kwargs):
        # buffered: read file downloads fully and close them, as a browser would.
        kwargs.setdefault("buffered", True)
        response = self.client.open(*args, **kwargs)
        # The request committed in its own session: let the test body see fresh rows.
        db.session.expire_all()
        return response

    def get(self, *args, **kwargs):
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args, **kwargs):
        return self.open(*args, method="POST", **kwargs)

    def patch(self, *args, **kwargs):
        return self.open(*args, method="PATCH", **kwargs)

    def csrf_token(self) -> str:
        page = self.get("/help")
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


@pytest.fixture()
def client(web_app):
    return BrowserClient(web_app.test_client())


@pytest.fixture()
def make_client(web_app):
    """Several independent browsers (one per user) in one test."""
    return lambda: BrowserClient(web_app.test_client())


@pytest.fixture()
def runner(web_app):
    return web_app.test_cli_runner()


@pytest.fixture()
def now() -> datetime:
    return datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@pytest.fixture()
def unique() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture()
def browser(web_app):
    """A new person's browser that uses only the pages' own forms (tests/journeys/browser.py)."""
    from tests.journeys.browser import Browser

    return lambda: Browser(web_app.test_client())


@pytest.fixture()
def mail_dir(app):
    """Where the embedded mail default writes the .eml files."""
    return app.config["MAIL_FILE_DIR"]


@pytest.fixture()
def live_server(web_app):
    """The desk on http://127.0.0.1:<port>, served by werkzeug in a thread for this test."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, web_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
