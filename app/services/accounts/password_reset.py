"""비밀번호 찾기: a reset link by email, good once, for a short time.

Nothing secret is stored. Asking for a reset records an outbox email with no token
in it; the email job signs a token (itsdangerous, ``SECRET_KEY`` with its own salt)
over the account id, the moment it was asked for (the outbox event's ``created_at``)
and a fingerprint of the account's current password hash and session version. The
reset page checks the signature, the age (``PASSWORD_RESET_MINUTES``) and the
fingerprint. A reset changes the hash and the session version, so the link works
once, every other session of the account ends, and so do its API tokens.

The request form answers the same whether or not the address has an account: the
same query runs either way, and an unknown address spends a comparable conditional
UPDATE that matches nothing. At most one email per account goes out every
``PASSWORD_RESET_INTERVAL_SECONDS`` (a conditional UPDATE of
``users.password_reset_sent_at``, so two requests at once still send one).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import or_, select, update

from app.domain import access
from app.domain.errors import DomainError
from app.extensions import db
from app.models import User
from app.models.user import hash_password
from app.services.accounts.sessions import end_other_sessions
from app.services.accounts.users import check_password_rules, normalise_email, revoke_tokens
from app.services.audit import record_account_event
from app.services.outbox import defer

log = logging.getLogger(__name__)

SALT = "munui.password-reset.v1"
TEMPLATE = "password_reset"
TOKEN_MAX = 400
# A link "from the future" beyond this is forged or from a badly wrong clock.
CLOCK_SKEW = timedelta(minutes=2)


class ResetLinkInvalid(DomainError):
    """The link is forged, already used, for an account that can no longer sign in, or too old."""

    status = 400

    def __init__(self, reason: str):
        if reason == "expired":
            ko, en = ("비밀번호 재설정 링크의 유효 시간이 지났습니다.",
                      "This password reset link has expired.")
        else:
            ko, en = ("이미 사용했거나 올바르지 않은 비밀번호 재설정 링크입니다.",
                      "This password reset link has already been used or is not valid.")
        super().__init__("reset_link_invalid", ko, en, fields={"token": reason})
        self.reason = reason


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def fingerprint(user: User) -> str:
    """Changes whenever the password or the session version does (so a used link dies)."""
    secret = current_app.config["SECRET_KEY"].encode()
    material = f"{user.id}:{user.password_hash or ''}:{user.session_version}".encode()
    return hmac.new(secret, material, hashlib.sha256).hexdigest()[:32]


def token_for(user: User, issued_at: datetime) -> str:
    """The signed token of a reset asked for at ``issued_at`` (whole seconds)."""
    return _serializer().dumps({"u": user.id, "t": int(issued_at.timestamp()), "f": fingerprint(user)})


def reset_link(user: User, issued_at: datetime) -> str:
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return f"{base}/password/reset/{token_for(user, issued_at)}"


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])


def _interval() -> timedelta:
    return timedelta(seconds=current_app.config["PASSWORD_RESET_INTERVAL_SECONDS"])


def link_still_good(issued_at: datetime, now: datetime) -> bool:
    """The email job's check: a link asked for longer ago than the window is not worth sending."""
    return now - issued_at <= _window()


def _claim_send(user_id: int, now: datetime) -> bool:
    """Take this account's reset-email slot unless one went out within the interval."""
    cutoff = now - _interval()
    result = db.session.execute(
        update(User)
        .where(User.id == user_id,
               or_(User.password_reset_sent_at.is_(None), User.password_reset_sent_at <= cutoff))
        .values(password_reset_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def request_reset(email: str, now: datetime) -> None:
    """Someone typed ``email`` on 비밀번호 찾기: email a link if it is an account that may sign in.

    Says nothing either way (the page answers the same), and sends at most one email
    per account per interval.
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not access.can_reset_password(role=user.role, active=user.active):
        _claim_send(-1, now)   # the same kind of write as a real request, matching nothing
        return
    if _claim_send(user.id, now):
        defer("email", {"user_id": user.id, "template": TEMPLATE, "data": {}}, now, queue="email")
    else:
        log.info("password reset for account %s asked again within the interval; no email", user.id)


def send_reset_link(actor: User, user: User, now: datetime) -> None:
    """An admin sends a staff member the reset email (the same link as 비밀번호 찾기)."""
    if not access.can_reset_password(role=user.role, active=user.active):
        raise DomainError("not_resettable", "비활성 계정에는 비밀번호 재설정 링크를 보낼 수 없습니다.",
                          "A deactivated account cannot be sent a password reset link.", status=409)
    if not _claim_send(user.id, now):
        seconds = current_app.config["PASSWORD_RESET_INTERVAL_SECONDS"]
        raise DomainError("reset_too_soon",
                          f"방금 재설정 링크를 보냈습니다. {seconds // 60 or 1}분 뒤에 다시 보낼 수 있습니다.",
                          f"A reset link was just sent. You can send another in {seconds // 60 or 1} minute(s).",
                          status=429)
    defer("email", {"user_id": user.id, "template": TEMPLATE, "data": {}}, now, queue="email")
    record_account_event(user, actor, "password_reset_sent", now)


def user_for_token(token: str, now: datetime) -> User:
    """The account a reset link is good for now; ``ResetLinkInvalid`` otherwise."""
    if not token or len(token) > TOKEN_MAX:
        raise ResetLinkInvalid("invalid")
    try:
        data = _serializer().loads(token)
        user_id, issued_ts, mark = int(data["u"]), int(data["t"]), str(data["f"])
    except (BadData, KeyError, TypeError, ValueError):
        raise ResetLinkInvalid("invalid") from None
    issued_at = datetime.fromtimestamp(issued_ts, UTC)
    user = db.session.get(User, user_id)
    if user is None or not access.can_reset_password(role=user.role, active=user.active):
        raise ResetLinkInvalid("invalid")
    if not hmac.compare_digest(mark, fingerprint(user)) or issued_at > now + CLOCK_SKEW:
        raise ResetLinkInvalid("used")
    if now - issued_at > _window():
        raise ResetLinkInvalid("expired")
    return user


def reset_password(token: str, new_password: str, now: datetime) -> User:
    """Set a new password through a reset link.

    The link dies (the hash and session version change), every session of the account
    ends and its API tokens are revoked. The change is a conditional UPDATE on the
    hash and version the link was checked against, so two submissions of one link
    at once set one password.
    """
    user = user_for_token(token, now)
    check_password_rules(new_password)
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, User.session_version == user.session_version,
               User.password_hash.is_not_distinct_from(user.password_hash))
        .values(password_hash=hash_password(new_password),
                session_version=user.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ResetLinkInvalid("used")
    db.session.refresh(user)
    revoked = revoke_tokens(user)
    end_other_sessions(user)
    record_account_event(user, user, "password_reset", now, detail={"tokens_revoked": revoked})
    return user
