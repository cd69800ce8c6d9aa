"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL.

``flask db upgrade`` must work on an empty database of either backend (a fresh install), the
migrated schema must match ``db.metadata`` (no forgotten revision: Alembic's autogenerate
comparison finds nothing), and the chain must go down to nothing and back up again.

PostgreSQL is required, not optional: production runs on it, so an unreachable server fails
this module instead of skipping it. The server comes from DATABASE_URL when that names
PostgreSQL, else postgresql://postgres@127.0.0.1:5432; a throwaway database is created and
dropped around each test.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from config import TestingConfig

DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _pg_server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not url.startswith("postgresql"):
        url = DEFAULT_PG_SERVER
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


@contextmanager
def empty_postgres_database():
    """A brand-new, empty PostgreSQL database; dropped afterwards. Fails if the server is down."""
    server = _pg_server_url()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"munui_migration_check_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any connection problem fails the check
        admin.dispose()
        pytest.fail(f"PostgreSQL is required for the migration check and is not usable at "
                    f"{make_url(server).render_as_string(hide_password=True)}: {exc}")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def app_on(url: str, tmp_path):
    """An app bound to ``url`` with its context pushed; its engine is disposed afterwards."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def flask_db(app, *args: str) -> None:
    """Run ``flask db …`` through the CLI, as an operator would, and insist it succeeded."""
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exception is None, f"flask db {' '.join(args)} raised {result.exception!r}\n{result.output}"
    assert result.exit_code == 0, result.output


def table_names() -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def schema_differences() -> list:
    """What Alembic's autogenerate would still want to change to reach ``db.metadata``."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "compare_server_default": True,
            "target_metadata": db.metadata,
        })
        return compare_metadata(context, db.metadata)


def assert_schema_matches_models() -> None:
    tables = table_names()
    missing = set(db.metadata.tables) - tables
    assert not missing, f"tables of the models that the migrations do not create: {sorted(missing)}"
    assert "alembic_version" in tables
    extra = tables - set(db.metadata.tables) - {"alembic_version"}
    assert not extra, f"tables the migrations create that no model describes: {sorted(extra)}"
    differences = schema_differences()
    assert differences == [], "the migrations and the models disagree (a revision is missing):\n" + \
        "\n".join(repr(d) for d in differences)


@pytest.fixture()
def sqlite_url(tmp_path) -> str:
    path = tmp_path / "fresh.sqlite3"
    assert not path.exists()
    return f"sqlite:///{path}"


def test_models_declare_tables():
    # The comparison below means nothing if the metadata is empty.
    assert {"users", "tickets", "messages", "attachments", "audit_events"} <= set(db.metadata.tables)


def test_upgrade_builds_every_table_on_empty_sqlite(sqlite_url, tmp_path):
    with app_on(sqlite_url, tmp_path) as app:
        assert table_names() == set()
        flask_db(app, "upgrade")
        assert_schema_matches_models()


def test_upgrade_builds_every_table_on_empty_postgresql(tmp_path):
    with empty_postgres_database() as url, app_on(url, tmp_path) as app:
        assert db.engine.dialect.name == "postgresql"
        assert table_names() == set()
        flask_db(app, "upgrade")
        assert_schema_matches_models()


def test_downgrade_to_base_and_upgrade_again_on_sqlite(sqlite_url, tmp_path):
    with app_on(sqlite_url, tmp_path) as app:
        flask_db(app, "upgrade")
        flask_db(app, "downgrade", "base")
        assert table_names() - {"alembic_version"} == set()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 0
        flask_db(app, "upgrade")
        assert_schema_matches_models()


def test_downgrade_to_base_and_upgrade_again_on_postgresql(tmp_path):
    with empty_postgres_database() as url, app_on(url, tmp_path) as app:
        flask_db(app, "upgrade")
        flask_db(app, "downgrade", "base")
        assert table_names() - {"alembic_version"} == set()
        flask_db(app, "upgrade")
        assert_schema_matches_models()


def test_migrated_schema_accepts_a_ticket_on_postgresql(tmp_path):
    """Beyond the shapes: the migrated PostgreSQL schema takes the app's real writes."""
    from datetime import UTC, datetime

    from app.seed.defaults import ensure_default_catalogue
    from app.services import unit_of_work
    from tests.factories import make_ticket, make_user, png_bytes, upload

    with empty_postgres_database() as url, app_on(url, tmp_path) as app:
        flask_db(app, "upgrade")
        ensure_default_catalogue()
        unit_of_work.commit()
        customer = make_user("customer")
        now = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
        ticket = make_ticket(customer, now=now, files=[upload(png_bytes(), "s.png")])
        assert ticket.number == "M-20261127-0001"
        assert make_ticket(customer, now=now).number == "M-20261127-0002"


def test_the_comparison_notices_drift_on_sqlite(sqlite_url, tmp_path):
    """A schema changed behind the models' back is reported (the check above is not blind)."""
    with app_on(sqlite_url, tmp_path) as app:
        flask_db(app, "upgrade")
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE users ADD COLUMN nickname VARCHAR(40)"))
            conn.execute(text("DROP INDEX ix_users_role"))
        found = {d[0] if isinstance(d, tuple) else d[0][0] for d in schema_differences()}
        assert {"remove_column", "add_index"} <= found


def test_the_comparison_notices_type_drift_on_postgresql(tmp_path):
    with empty_postgres_database() as url, app_on(url, tmp_path) as app:
        flask_db(app, "upgrade")
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE tickets ALTER COLUMN subject TYPE varchar(100)"))
            conn.execute(text("ALTER TABLE tickets ALTER COLUMN assignee_id SET NOT NULL"))
        found = {d[0][0] for d in schema_differences() if isinstance(d, list)}
        assert {"modify_type", "modify_nullable"} <= found


def test_sla_policies_seeded_before_english_names_get_them_on_both_databases(sqlite_url, tmp_path):
    """c3e4a5b6d703: a desk seeded before name_en shows its default policies in English afterwards;
    a policy an admin made keeps no English name (English then shows its Korean one)."""
    with empty_postgres_database() as pg_url:
        for url in (sqlite_url, pg_url):
            with app_on(url, tmp_path) as app:
                flask_db(app, "upgrade", "813da81b4ec3")
                with db.engine.begin() as conn:
                    conn.execute(text(
                        "INSERT INTO work_calendars (id, slug, name_ko, name_en, timezone, always_open, weekly, "
                        "korean_public_holidays) VALUES (1, 'business', '영업일', 'Business days', 'Asia/Seoul', "
                        ":f, '{}', :t)"), {"f": False, "t": True})
                    for i, name in enumerate(("긴급", "높음", "배송 문의 빠른 응답")):
                        conn.execute(text(
                            "INSERT INTO sla_policies (name, position, active, warn_percent, calendar_id) "
                            "VALUES (:name, :i, :t, 75, 1)"), {"name": name, "i": i, "t": True})
                flask_db(app, "upgrade")
                with db.engine.connect() as conn:
                    rows = dict(conn.execute(text("SELECT name, name_en FROM sla_policies")).all())
                assert rows == {"긴급": "Urgent", "높음": "High", "배송 문의 빠른 응답": None}, url
                flask_db(app, "downgrade", "813da81b4ec3")
