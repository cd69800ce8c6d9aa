"""Signing a browser in and out: a server-side session behind Flask's signed cookie."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user

from app.services import unit_of_work
from app.services.accounts.sessions import end_session as end_server_session
from app.services.accounts.sessions import start_session
from app.services.accounts.users import load_user_for_session
from app.web.clock import utcnow

SESSION_KEY = "sid"  # the server-side session id in Flask's signed cookie (app/services/accounts/sessions.py)


def _max_age() -> timedelta:
    return timedelta(days=current_app.config["SESSION_MAX_DAYS"])


def load_signed_in_user(user_id: str):
    """Flask-Login's user loader: the cookie's user, if its server-side session is live."""
    return load_user_for_session(user_id, session.get(SESSION_KEY), utcnow(), max_age=_max_age())


def begin_session(user) -> None:
    """Sign ``user`` in on this browser with a new session (a fresh cookie, a new server-side id)."""
    session.clear()  # no fixation: nothing of the session before sign-in survives
    token = start_session(user, utcnow(), max_age=_max_age())
    unit_of_work.commit()
    login_user(user)
    session[SESSION_KEY] = token


def end_session() -> None:
    """Sign this browser out, on the server too: a copy of the cookie stops working."""
    end_server_session(session.get(SESSION_KEY))
    unit_of_work.commit()
    logout_user()
    session.clear()
