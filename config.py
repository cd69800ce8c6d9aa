"""Configuration from the environment, with embedded defaults under instance/.

Every setting a deployment may change is read from an environment variable of
the same name; with none set, Munui runs on SQLite, local files and in-process
jobs under ``instance/``.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("MUNUI_INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _database_url(default: str) -> str:
    return sqlalchemy_url(os.environ.get("DATABASE_URL", default))


def sqlalchemy_url(url: str) -> str:
    """postgres:// and postgresql:// URLs name the psycopg 3 driver we ship."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    ENV_NAME = "default"
    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # filled from instance/ in create_app
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'munui.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    REDIS_URL = os.environ.get("REDIS_URL") or None
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "search-index"))
    # whoosh (embedded, files under SEARCH_INDEX_DIR) or postgres (in the database; many machines).
    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh")
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "Munui 고객센터 <help@munui.local>")
    # With no MAIL_SERVER, emails are written here as .eml files for the demo.
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail"))
    # Links in emails point here.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    # Embedded default: run periodic jobs (relay, auto-close) in a thread of the web process.
    EMBEDDED_TICKER = _bool("EMBEDDED_TICKER", False)
    # Outbox jobs one worker's job runs together (app/jobs/queue_mates.py); 1 runs each alone.
    JOB_BATCH_SIZE = max(1, _int("JOB_BATCH_SIZE", 50))
    # Seconds between a failing job's attempts; after the last, RQ's failed registry.
    JOB_RETRY_INTERVALS = tuple(int(x) for x in os.environ.get("JOB_RETRY_INTERVALS", "5,30,120,600").split(","))
    # Refunds at or above this many won need a lead's second approval.
    FOUR_EYES_THRESHOLD_KRW = _int("FOUR_EYES_THRESHOLD_KRW", 300_000)
    # A satisfaction survey link (만족도) works this many days after the solve it asks about.
    CSAT_LINK_DAYS = _int("CSAT_LINK_DAYS", 14)
    # Solved tickets close by themselves after this many days.
    AUTO_CLOSE_DAYS = _int("AUTO_CLOSE_DAYS", 7)

    # Uploads: per-file size, files per message; the request cap leaves room for forms.
    MAX_UPLOAD_BYTES = _int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
    MAX_UPLOAD_FILES = _int("MAX_UPLOAD_FILES", 5)
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 64 * 1024 * 1024)

    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    API_TOKEN_HOURS = _int("API_TOKEN_HOURS", 24 * 30)
    # A signed-in browser session ends after this many days even if nobody signs out.
    SESSION_MAX_DAYS = _int("SESSION_MAX_DAYS", 14)
    # Werkzeug's scrypt: a current memory-hard algorithm (about 0.15 s a hash on this machine).
    PASSWORD_HASH_METHOD = "scrypt"
    # A password-reset link works once, for this many minutes after it was asked for.
    PASSWORD_RESET_MINUTES = _int("PASSWORD_RESET_MINUTES", 30)
    # At most one reset email per account in this many seconds (nobody can mail-bomb a customer).
    PASSWORD_RESET_INTERVAL_SECONDS = _int("PASSWORD_RESET_INTERVAL_SECONDS", 120)

    BABEL_DEFAULT_LOCALE = "ko"
    BABEL_DEFAULT_TIMEZONE = "Asia/Seoul"
    LANGUAGES = ("ko", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    DEBUG = False
    TESTING = False
    # Sent only by the production config (it runs behind TLS); see ProductionConfig.
    HSTS_SECONDS = 0


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    # CSRF stays ON in tests: the suite proves every form carries a token.
    WTF_CSRF_ENABLED = True
    SECRET_KEY = "testing-secret-key-not-for-production"
    RATELIMIT_STORAGE_URI = "memory://"
    # Tests sign in thousands of times; a cheap hash keeps that from being most of the suite's
    # time. Sign-in still checks a real salted hash; one test keeps the production method.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    ENV_NAME = "production"
    DEBUG = False
    # Secure unless explicitly turned off (e.g. a benchmark over plain http on loopback).
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Strict-Transport-Security on every answer (two years); 0 turns it off (plain-http benchmarks).
    HSTS_SECONDS = _int("HSTS_SECONDS", 63_072_000)


CONFIGS = {"default": Config, "testing": TestingConfig, "production": ProductionConfig}
