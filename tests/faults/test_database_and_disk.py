"""Faults with real parts: PostgreSQL unreachable for a while (through a proxy the test cuts), and a
full disk under the uploads (a real 256 kB tmpfs). After each: a clear answer while it lasts,
recovery without a restart, and the database, the files on disk and the outbox agree.

(Redis down during intake and a worker SIGKILLed mid-job are in tests/jobs/test_background_work.py.)
"""
from __future__ import annotations

import gc
import io
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import create_engine, func, select, text

from app import create_app
from app.extensions import db
from app.models import Attachment, OutboxEvent, Ticket
from app.seed.defaults import ensure_default_catalogue
from app.services import unit_of_work
from config import TestingConfig
from tests.factories import PASSWORD, make_user, png_bytes
from tests.faults.proxy import CuttableProxy
from tests.journeys.browser import Browser

PG = ("127.0.0.1", 5432)


def _files_on_disk(root: str) -> set[str]:
    return {p.name for p in Path(root).rglob("*") if p.is_file()}


def _reconnect() -> None:
    """The test's own session lost its connection with the cut: drop it (the pool replaces it)."""
    db.session().invalidate()
    db.session.remove()


def _agree(app) -> None:
    """Every attachment row has its file and every file its row; every outbox row was delivered."""
    rows = set(db.session.scalars(select(Attachment.stored_name)))
    assert rows == _files_on_disk(app.config["UPLOAD_DIR"])
    assert db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.delivered_at.is_(None))) == 0


def _file(person: Browser, subject: str, *, image: bytes | None = None):
    form = person.get("/inquiries/new").form(action="/inquiries/new")
    form.fill(category="product", subject=subject, body="재입고 일정이 궁금합니다.")
    if image is not None:
        form.attach("files", "screenshot.png", image)
    return form.submit()


@pytest.fixture()
def desk_behind_proxy(tmp_path):
    """A desk on its own PostgreSQL database, reached only through a proxy the test can cut."""
    name = f"munui_fault_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    proxy = CuttableProxy(PG).start()
    url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{name}"
    settings = {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp_path / "uploads"),
                "MAIL_FILE_DIR": str(tmp_path / "mail"),
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"connect_timeout": 3}}}
    app = create_app(TestingConfig, **settings)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        ensure_default_catalogue()
        unit_of_work.commit()
        served = create_app(TestingConfig, SECRET_KEY=app.config["SECRET_KEY"], **settings)
        yield app, served, proxy
        proxy.cut()
        try:
            db.session.remove()
        except Exception:  # noqa: BLE001 - the connection is cut on purpose
            pass
        db.engine.dispose()
        with served.app_context():
            db.engine.dispose()
    # connections the cut killed are closed here, not at some later test's garbage collection
    gc.collect()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_database_unreachable_for_a_while_then_back_without_a_restart(desk_behind_proxy):
    app, served, proxy = desk_behind_proxy
    customer = make_user("customer", name="김민지")
    person = Browser(served.test_client())
    person.sign_in(customer.email, PASSWORD)
    assert _file(person, "첫 문의", image=png_bytes()).path.startswith("/inquiries/M-")

    proxy.cut()
    page = person.get("/inquiries")
    assert page.status == 503
    assert "서비스를 잠시 사용할 수 없습니다" in page.text and "Traceback" not in page.html
    # a stale form posted now, and the API: a clear refusal, never a 500
    assert person.request("POST", "/inquiries/new", data={"subject": "x"}).status in (400, 503)
    api = served.test_client().get("/api/v1/categories", headers={"Authorization": "Bearer mn_x"})
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "unavailable"

    proxy.restore()
    page = person.get("/inquiries")
    assert page.status == 200 and "첫 문의" in page.text
    assert _file(person, "다시 된 문의", image=png_bytes()).path.startswith("/inquiries/M-")
    _reconnect()
    assert db.session.scalar(select(func.count(Ticket.id))) == 2
    _agree(app)


def test_database_drops_in_the_middle_of_filing_nothing_half_written(desk_behind_proxy):
    app, served, proxy = desk_behind_proxy
    customer = make_user("customer", name="김민지")
    person = Browser(served.test_client())
    person.sign_in(customer.email, PASSWORD)
    form = person.get("/inquiries/new").form(action="/inquiries/new")
    form.fill(category="product", subject="끊긴 문의", body="제출하는 순간 데이터베이스가 끊깁니다.")
    form.attach("files", "screenshot.png", png_bytes())
    proxy.cut()
    page = form.submit()
    assert page.status == 503 and "서비스를 잠시 사용할 수 없습니다" in page.text
    assert _files_on_disk(app.config["UPLOAD_DIR"]) == set()  # the upload of the failed request is gone
    proxy.restore()
    page = form.submit()  # the person presses the button again: one inquiry, not two
    assert page.path.startswith("/inquiries/M-"), page.text
    page = form.submit()
    _reconnect()
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    _agree(app)


@pytest.fixture()
def full_disk(tmp_path):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_disk_full_on_upload_refuses_clearly_and_leaves_nothing(app, web_app, full_disk):
    web_app.config["UPLOAD_DIR"] = app.config["UPLOAD_DIR"] = str(full_disk)
    customer = make_user("customer", name="김민지")
    person = Browser(web_app.test_client())
    person.sign_in(customer.email, PASSWORD)
    (full_disk / "filler").write_bytes(b"\0" * (236 * 1024))  # someone else's files fill the disk
    noisy = os.urandom(128 * 128 * 3)  # does not compress: a PNG too big for the space left
    image = Image.frombytes("RGB", (128, 128), noisy)
    out = io.BytesIO()
    image.save(out, format="PNG")
    page = _file(person, "큰 사진", image=out.getvalue())
    assert page.status == 503
    assert "지금은 파일을 저장할 수 없어 문의가 접수되지 않았습니다" in page.text
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    assert _files_on_disk(str(full_disk)) == {"filler"}

    (full_disk / "filler").unlink()  # space again: the same person succeeds
    page = _file(person, "큰 사진", image=out.getvalue())
    assert page.path.startswith("/inquiries/M-"), page.text
    db.session.expire_all()
    rows = set(db.session.scalars(select(Attachment.stored_name)))
    assert rows == _files_on_disk(str(full_disk))
