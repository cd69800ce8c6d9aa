"""Signed-in browsers kept on the server: started at sign-in, checked on every request, ended by
logout, a password change or reset, and deactivation (app/models/user.py ``UserSession``)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete

from app.extensions import db
from app.models import User, UserSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, now: datetime, *, max_age: timedelta) -> str:
    """A new signed-in session for ``user``; returns the id the cookie carries (only its hash is kept).
    The account's sessions older than ``max_age`` are cleared out on the way."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.created_at < now - max_age))
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token), created_at=now))
    db.session.flush()
    return token


def end_session(token: str | None) -> None:
    """Logout: this browser's session ends, and any copy of its cookie with it."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))


def end_other_sessions(user: User, keep: str | None = None) -> int:
    """Every session of the account but ``keep`` (the browser that asked) ends; returns how many."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        stmt = stmt.where(UserSession.token_hash != _hash(keep))
    return db.session.execute(stmt).rowcount or 0


def session_user(user_id: int, token: str | None, now: datetime, *, max_age: timedelta) -> User | None:
    """The user of a live session: the id must be one the desk handed out to this user, not ended
    and not older than ``max_age``. One query (the user and the session row together)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        db.select(User).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.token_hash == _hash(token),
               UserSession.created_at >= now - max_age))
