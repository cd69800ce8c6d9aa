"""Flask extensions, created unbound and initialised in create_app."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def dialect_insert(entity):
    """INSERT for this database's dialect (PostgreSQL or SQLite), which has ON CONFLICT."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(entity)


def redis_is_configured() -> bool:
    """True in production mode (REDIS_URL set); the embedded default runs jobs in-process."""
    from flask import current_app

    return bool(current_app.config.get("REDIS_URL"))


def get_redis():
    """The app's Redis connection (one client per app; redis-py pools connections)."""
    from flask import current_app
    from redis import Redis

    client = current_app.extensions.get("munui_redis")
    if client is None:
        client = Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2,
                                socket_timeout=5)
        current_app.extensions["munui_redis"] = client
    return client
