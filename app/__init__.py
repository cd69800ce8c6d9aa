"""Munui: the 1:1 inquiry desk. ``create_app`` builds the Flask application."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from app.domain.errors import MAX_ROW_ID
from app.extensions import babel, csrf, db, limiter, login_manager, migrate

BASE_DIR = Path(__file__).resolve().parent.parent


def _secret_key(app: Flask) -> str:
    """SECRET_KEY from the environment; the embedded default keeps one under instance/."""
    if app.config.get("ENV_NAME") == "production":
        raise RuntimeError("SECRET_KEY must be set in the environment in production")
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def select_locale() -> str:
    """The user's saved language, then a cookie, then the browser's; Korean by default."""
    from sqlalchemy.exc import OperationalError

    languages = ("ko", "en")
    try:
        user_locale = getattr(current_user, "locale", None) if current_user else None
    except OperationalError:
        # The database is down: the page (an error page) is still rendered, for a visitor.
        from app.web.errors import forget_user_for_this_request

        forget_user_for_this_request()
        user_locale = None
    if user_locale in languages:
        return user_locale
    cookie = request.cookies.get("lang")
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages, default="ko") or "ko"


def create_app(config: str | type | None = None, **overrides) -> Flask:
    """Build the app from a config name ('default', 'testing', 'production'), class, or env."""
    from config import CONFIGS, INSTANCE_DIR

    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=False,
                template_folder=str(BASE_DIR / "templates"), static_folder=str(BASE_DIR / "static"))
    if config is None:
        config = os.environ.get("MUNUI_CONFIG", "default")
    config_obj = CONFIGS[config] if isinstance(config, str) else config
    app.config.from_object(config_obj)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(BASE_DIR / "translations")
    app.config["RATELIMIT_ENABLED"] = app.config.get("RATELIMIT_ENABLED", True)
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(os.path.dirname(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]) or ".",
                    exist_ok=True)

    _check_search_backend(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Seoul")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    from app import models  # noqa: F401  (registers the tables)
    from app.web.sign_in import load_signed_in_user

    login_manager.user_loader(load_signed_in_user)

    with app.app_context():
        from app import database
        database.configure(db.engine)

    # Every <int:…> in a route is a row id: one bound for all of them, so an id the database
    # cannot hold (32-bit on PostgreSQL) is an unmatched URL, a 404, before any query.
    app.url_map.converters["int"] = RowIdConverter

    from app.api import bp as api_bp
    from app.web.admin import bp as admin_bp
    from app.web.attachments import bp as attachments_bp
    from app.web.auth import bp as auth_bp
    from app.web.customer import bp as customer_bp
    from app.web.desk.canned import bp as canned_bp
    from app.web.desk.queues import bp as queues_bp
    from app.web.desk.reports import bp as desk_reports_bp
    from app.web.desk.search import bp as desk_search_bp
    from app.web.desk.tickets import bp as tickets_bp
    from app.web.notifications import bp as notifications_bp
    from app.web.orders import bp as orders_bp
    from app.web.satisfaction import bp as satisfaction_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(customer_bp)
    app.register_blueprint(queues_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(canned_bp)
    app.register_blueprint(desk_search_bp)
    app.register_blueprint(desk_reports_bp)
    app.register_blueprint(attachments_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(satisfaction_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never cookies

    from app.web import errors, filters, security_headers

    errors.register(app)
    errors.register_database_errors(app)
    security_headers.register(app)
    filters.register(app)

    from app.cli import register as register_cli

    register_cli(app)

    from app.jobs import email, notify, search, sla  # noqa: F401  (registers the outbox handlers)
    from app.jobs.dispatch import hand_over
    from app.services import outbox

    outbox.set_hand_over(hand_over)  # the services defer; the jobs layer carries events out

    if app.config.get("EMBEDDED_TICKER") and not app.config.get("REDIS_URL"):
        from app.jobs.embedded import start_ticker

        start_ticker(app)
    return app


def _check_search_backend(app: Flask) -> None:
    """Refuse to start with a search backend that cannot work here (not a 503 on the first search)."""
    from app.services.search import BACKENDS

    name = (app.config.get("SEARCH_BACKEND") or "whoosh").strip().lower()
    if name not in BACKENDS:
        raise RuntimeError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
    if name == "postgres" and not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise RuntimeError("SEARCH_BACKEND=postgres searches in PostgreSQL: DATABASE_URL must name a "
                           "PostgreSQL database (or leave SEARCH_BACKEND at whoosh)")


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in a route: a row id from 1 to ``MAX_ROW_ID``."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ROW_ID,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
