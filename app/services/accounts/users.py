"""Accounts: sign-up, staff creation, passwords and API tokens.

Who may sign in is ``access.can_sign_in`` (active, not an integration), asked at the
password check, by the session loader on every request and — through ``active`` —
by the token check, so a deactivated account is shut out everywhere at once.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash

from app.domain import access
from app.domain.errors import DomainError, invalid
from app.domain.vocabulary import Membership, Role
from app.extensions import db
from app.models import ApiToken, SupportQueue, User
from app.models.user import hash_password

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
PASSWORD_MIN = 8
# Hashing an unbounded password is a denial-of-service lever.
PASSWORD_MAX = 128
# One dummy per hash method, so an unknown email costs what a real check costs.
_dummy_hashes: dict[str, str] = {}


def _spend_password_check(password: str) -> None:
    """Hash against a dummy when the email is unknown, so timing does not tell."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = hash_password("munui-timing-equaliser")
    check_password_hash(_dummy_hashes[method], password)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_rules(password: str) -> None:
    if len(password or "") < PASSWORD_MIN:
        raise invalid({"password": "too_short"}, f"비밀번호는 {PASSWORD_MIN}자 이상이어야 합니다.",
                      f"The password must be at least {PASSWORD_MIN} characters.")
    if len(password) > PASSWORD_MAX:
        raise invalid({"password": "too_long"}, f"비밀번호는 {PASSWORD_MAX}자까지 쓸 수 있습니다.",
                      f"The password may be at most {PASSWORD_MAX} characters.")


def create_user(email: str, *, role: str, password: str | None, name: str | None = None,
                plus: bool = False, queue_slugs: list[str] | None = None, now: datetime) -> User:
    """Create an account of any role; refuses duplicates, bad emails and unknown queues."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise invalid({"email": "invalid"}, "이메일 주소가 올바르지 않습니다.", "The email address is invalid.")
    try:
        role = Role(role)
    except ValueError:
        raise invalid({"role": "invalid"}, "알 수 없는 역할입니다.", "Unknown role.") from None
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise DomainError("email_taken", "이미 가입된 이메일입니다.", "This email is already registered.",
                          status=409, fields={"email": "taken"})
    if password is not None:
        check_password_rules(password)
    queues = []
    for slug in queue_slugs or []:
        queue = db.session.scalar(select(SupportQueue).where(SupportQueue.slug == slug))
        if queue is None:
            raise invalid({"queue": "unknown"}, f"알 수 없는 큐입니다: {slug}", f"Unknown queue: {slug}")
        queues.append(queue)
    user = User(email=email, name=(name or email.split("@")[0]).strip()[:100], role=role,
                membership=Membership.PLUS if plus else Membership.BASIC, active=True,
                session_version=1, created_at=now)
    if password is not None:
        user.set_password(password)
    user.queues = queues
    db.session.add(user)
    db.session.flush()
    return user


def sign_up_customer(email: str, password: str, name: str, now: datetime) -> User:
    """A customer creates their own account."""
    name = (name or "").strip()
    if not name:
        raise invalid({"name": "required"}, "이름을 입력해 주세요.", "Please enter your name.")
    return create_user(email, role=Role.CUSTOMER, password=password, name=name, now=now)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    if len(password or "") > PASSWORD_MAX:
        return None
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not access.can_sign_in(role=user.role, active=user.active):
        _spend_password_check(password or "")
        return None
    return user if user.check_password(password or "") else None


def change_password(user: User, current: str, new: str, *, now: datetime, keep_session: str | None = None) -> int:
    """Change a password after checking the current one.

    Other sessions are signed out and the account's API tokens revoked (a password
    is changed because it may be known to someone else); returns how many tokens went.
    """
    from app.services.accounts.sessions import end_other_sessions
    from app.services.audit import record_account_event

    if not user.check_password(current or ""):
        raise invalid({"current_password": "wrong"}, "현재 비밀번호가 맞지 않습니다.",
                      "The current password is wrong.")
    check_password_rules(new)
    user.set_password(new)
    user.session_version += 1
    end_other_sessions(user, keep=keep_session)  # the browser that changed it stays signed in
    revoked = revoke_tokens(user)
    record_account_event(user, user, "password_changed", now, detail={"tokens_revoked": revoked})
    return revoked


def load_user_for_session(session_id: str, token: str | None, now: datetime, *,
                          max_age: timedelta) -> User | None:
    """Flask-Login's loader: ``id:version`` of the user, and the server-side session ``token`` the
    cookie carries — so logout ends copies of the cookie, and a password change old sessions."""
    from app.services.accounts.sessions import session_user

    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = session_user(user_id, token, now, max_age=max_age)
    # A deactivated account's sessions end on their next request (Flask-Login itself
    # would keep an inactive user signed in).
    if user is None or user.session_version != version or not access.can_sign_in(
            role=user.role, active=user.active):
        return None
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, *, name: str, now: datetime, hours: int | None) -> tuple[str, ApiToken]:
    """A new bearer token for ``user``; only its hash is kept. ``hours=None`` never expires."""
    token = "mn_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_hash_token(token), name=name[:100], created_at=now,
                   expires_at=now + timedelta(hours=hours) if hours else None)
    db.session.add(row)
    db.session.flush()
    return token, row


def revoke_tokens(user: User) -> int:
    """Delete every API token of ``user`` (deactivation, password change or reset); how many."""
    result = db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


def user_for_token(token: str, now: datetime) -> User | None:
    """The active user a bearer token belongs to, if it is known and not expired."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    if not row.user.active:
        return None
    return row.user


def create_integration(name: str, now: datetime) -> tuple[str, User]:
    """An integration account (the shop) with a long-lived token."""
    slug = re.sub(r"[^a-z0-9-]+", "-", (name or "").strip().lower()).strip("-")
    if not slug:
        raise invalid({"name": "required"}, "이름을 입력해 주세요.", "Please give a name.")
    email = f"{slug}@integrations.munui.invalid"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name.strip()[:100], role=Role.INTEGRATION,
                    membership=Membership.BASIC, active=True, session_version=1, created_at=now)
        db.session.add(user)
        db.session.flush()
    token, _ = issue_token(user, name=name, now=now, hours=None)
    return token, user
