"""Accounts (app/services/accounts/users.py): creation rules, password storage, sessions, API tokens."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain.errors import DomainError
from app.extensions import db
from app.models import ApiToken, User
from app.services import unit_of_work
from app.services.accounts.sessions import end_session, start_session
from app.services.accounts.users import (
    authenticate,
    change_password,
    create_integration,
    create_user,
    issue_token,
    load_user_for_session,
    sign_up_customer,
    user_for_token,
)
from config import Config, ProductionConfig
from tests.factories import make_user

PASSWORD = "correct-horse-42"


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    unit_of_work.rollback()
    return caught.value


def user_count() -> int:
    return len(db.session.scalars(select(User.id)).all())


# ---------------------------------------------------------------- creating accounts

def test_create_user_normalises_email_and_stores_queues(app, now):
    user = create_user("  Minji.Kim@Example.COM ", role="agent", password=PASSWORD, name="김민지",
                       queue_slugs=["orders", "general"], now=now)
    unit_of_work.commit()
    assert user.email == "minji.kim@example.com"
    assert user.name == "김민지"
    assert sorted(q.slug for q in user.queues) == ["general", "orders"]
    assert user.active and user.session_version == 1 and user.created_at == now
    assert user.membership == "basic"


def test_create_user_plus_member_and_default_name(app, now):
    user = create_user("plus@example.com", role="customer", password=PASSWORD, plus=True, now=now)
    assert user.is_plus
    assert user.name == "plus"


@pytest.mark.parametrize("email", ["", "not-an-email", "kim@", "@example.com", "kim@example",
                                   "kim @example.com", "kim@@example.com", "kim@example.c"])
def test_bad_email_refused(app, now, email):
    before = user_count()
    error = refused(create_user, email, role="customer", password=PASSWORD, now=now)
    assert error.status == 422
    assert error.fields == {"email": "invalid"}
    assert user_count() == before


@pytest.mark.parametrize("second", ["minji@example.com", "MINJI@example.com", " Minji@Example.Com "])
def test_duplicate_email_is_409_whatever_the_case(app, now, second):
    create_user("minji@example.com", role="customer", password=PASSWORD, now=now)
    unit_of_work.commit()
    error = refused(create_user, second, role="agent", password=PASSWORD, now=now)
    assert error.status == 409
    assert error.code == "email_taken"
    assert error.fields == {"email": "taken"}
    assert user_count() == 1


def test_duplicate_of_a_mixed_case_stored_email_is_409(app, now):
    # Rows written before normalisation (or by hand) still block the same address.
    make_user(email="Legacy.User@Example.com")
    error = refused(create_user, "legacy.user@example.com", role="customer", password=PASSWORD, now=now)
    assert error.status == 409


@pytest.mark.parametrize(("password", "problem"), [
    ("", "too_short"), ("1234567", "too_short"), ("x" * 129, "too_long"),
])
def test_password_length_rules(app, now, password, problem):
    error = refused(create_user, "kim@example.com", role="customer", password=password, now=now)
    assert error.status == 422
    assert error.fields == {"password": problem}
    assert user_count() == 0


@pytest.mark.parametrize("password", ["12345678", "x" * 128, "한글비밀번호입니다"])
def test_password_at_the_limits_is_accepted(app, now, password):
    user = create_user("kim@example.com", role="customer", password=password, now=now)
    unit_of_work.commit()
    assert authenticate("kim@example.com", password) == user


def test_unknown_queue_refused(app, now):
    error = refused(create_user, "agent@example.com", role="agent", password=PASSWORD,
                    queue_slugs=["orders", "vip"], now=now)
    assert error.status == 422
    assert error.fields == {"queue": "unknown"}
    assert "vip" in error.message("en") and "vip" in error.message("ko")
    assert user_count() == 0


def test_unknown_role_refused(app, now):
    error = refused(create_user, "x@example.com", role="superuser", password=PASSWORD, now=now)
    assert error.fields == {"role": "invalid"}
    assert user_count() == 0


def test_sign_up_requires_a_name(app, now):
    error = refused(sign_up_customer, "kim@example.com", PASSWORD, "  ", now)
    assert error.fields == {"name": "required"}
    user = sign_up_customer("kim@example.com", PASSWORD, " 김민지 ", now)
    assert (user.role, user.name) == ("customer", "김민지")


# ---------------------------------------------------------------- passwords

def test_password_is_stored_hashed_with_scrypt(app, now):
    # The suite runs on a cheap hash (TestingConfig); every other config, production included, uses scrypt.
    assert Config.PASSWORD_HASH_METHOD == ProductionConfig.PASSWORD_HASH_METHOD == "scrypt"
    app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD
    user = create_user("kim@example.com", role="customer", password=PASSWORD, now=now)
    unit_of_work.commit()
    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored != PASSWORD and PASSWORD not in stored
    assert stored.startswith("scrypt:")
    # Same password, different salt: equal passwords do not show up as equal hashes.
    twin = create_user("twin@example.com", role="customer", password=PASSWORD, now=now)
    assert twin.password_hash != stored
    assert authenticate("kim@example.com", PASSWORD) is not None


def test_authenticate(app, now):
    user = create_user("kim@example.com", role="customer", password=PASSWORD, now=now)
    unit_of_work.commit()
    assert authenticate("kim@example.com", PASSWORD) == user
    assert authenticate("  KIM@Example.com ", PASSWORD) == user
    assert authenticate("kim@example.com", PASSWORD.upper()) is None
    assert authenticate("kim@example.com", "") is None
    assert authenticate("nobody@example.com", PASSWORD) is None
    assert authenticate("kim@example.com", PASSWORD + "x" * 200) is None


def test_deactivated_user_cannot_sign_in(app, now):
    user = create_user("kim@example.com", role="customer", password=PASSWORD, now=now)
    user.active = False
    unit_of_work.commit()
    assert authenticate("kim@example.com", PASSWORD) is None


AGE = timedelta(days=14)


def _signed_in(user, now) -> str:
    token = start_session(user, now, max_age=AGE)
    unit_of_work.commit()
    return token


def _load(session_id, token, now):
    return load_user_for_session(session_id, token, now, max_age=AGE)


def test_a_session_of_a_deactivated_user_is_refused_even_with_the_current_version(app, now):
    """Flask-Login would keep an inactive user signed in; the loader refuses them itself."""
    user = create_user("kim@example.com", role="agent", password=PASSWORD, now=now)
    unit_of_work.commit()
    session_id, token = user.get_id(), _signed_in(user, now)
    assert _load(session_id, token, now) == user
    user.active = False
    unit_of_work.commit()
    assert _load(session_id, token, now) is None


def test_a_session_is_live_only_while_the_server_keeps_it(app, now):
    """A copy of the cookie is worth nothing once the session ended, or past its age."""
    user = create_user("kim@example.com", role="customer", password=PASSWORD, now=now)
    unit_of_work.commit()
    token = _signed_in(user, now)
    other = _signed_in(user, now)
    assert _load(user.get_id(), token, now) == user
    assert _load(user.get_id(), None, now) is None
    assert _load(user.get_id(), "made-up", now) is None
    assert _load(user.get_id(), token, now + AGE + timedelta(seconds=1)) is None
    end_session(token)
    unit_of_work.commit()
    assert _load(user.get_id(), token, now) is None
    assert _load(user.get_id(), other, now) == user  # the other browser is still signed in
    stranger = make_user("customer")
    assert _load(stranger.get_id(), other, now) is None  # a session id is good for its own user only


def test_integration_accounts_cannot_sign_in_with_a_password(app, now):
    _token, user = create_integration("Shop", now)
    user.set_password(PASSWORD)
    unit_of_work.commit()
    assert authenticate(user.email, PASSWORD) is None
    assert _load(f"{user.id}:{user.session_version}", _signed_in(user, now), now) is None


def test_change_password_ends_old_sessions(app, now):
    user = create_user("kim@example.com", role="customer", password=PASSWORD, now=now)
    unit_of_work.commit()
    old_session = user.get_id()
    here, elsewhere = _signed_in(user, now), _signed_in(user, now)
    assert _load(old_session, elsewhere, now) == user

    change_password(user, PASSWORD, "new-password-99", now=now, keep_session=here)
    unit_of_work.commit()

    assert _load(old_session, elsewhere, now) is None
    assert _load(user.get_id(), elsewhere, now) is None  # the other browser is signed out
    assert _load(user.get_id(), here, now) == user  # the one that changed it stays
    assert user.get_id() != old_session
    assert authenticate("kim@example.com", "new-password-99") == user
    assert authenticate("kim@example.com", PASSWORD) is None


def test_change_password_revokes_the_accounts_api_tokens(app, now):
    user = create_user("kim@example.com", role="agent", password=PASSWORD, now=now)
    other = make_user("agent")
    token, _row = issue_token(user, name="cli", now=now, hours=1)
    kept, _row = issue_token(other, name="cli", now=now, hours=1)
    unit_of_work.commit()
    assert change_password(user, PASSWORD, "new-password-99", now=now) == 1
    unit_of_work.commit()
    assert user_for_token(token, now) is None
    assert user_for_token(kept, now) == other   # only this account's tokens


def test_change_password_needs_the_current_one(app, now):
    user = create_user("kim@example.com", role="customer", password=PASSWORD, now=now)
    unit_of_work.commit()
    session_id, token = user.get_id(), _signed_in(user, now)
    error = refused(change_password, user, "wrong-password", "new-password-99", now=now)
    assert error.fields == {"current_password": "wrong"}
    assert _load(session_id, token, now) == user
    assert authenticate("kim@example.com", PASSWORD) == user


def test_change_password_checks_the_new_one(app, now):
    user = create_user("kim@example.com", role="customer", password=PASSWORD, now=now)
    unit_of_work.commit()
    error = refused(change_password, user, PASSWORD, "short", now=now)
    assert error.fields == {"password": "too_short"}
    assert authenticate("kim@example.com", PASSWORD) == user


@pytest.mark.parametrize("session_id", ["", "abc", "1", "1:x", "x:1", "1:2:3", "999999:1"])
def test_malformed_or_unknown_session_ids(app, now, session_id):
    user = make_user()
    assert _load(session_id, _signed_in(user, now), now) is None


# ---------------------------------------------------------------- API tokens

def test_issue_token_stores_only_its_sha256(app, now):
    user = make_user()
    token, row = issue_token(user, name="cli", now=now, hours=24)
    unit_of_work.commit()
    stored = db.session.scalars(select(ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (stored.token_hash, stored.name)
    assert stored.expires_at == now + timedelta(hours=24)
    assert len(token) >= 40


def test_tokens_are_unique(app, now):
    user = make_user()
    tokens = {issue_token(user, name="t", now=now, hours=1)[0] for _ in range(5)}
    assert len(tokens) == 5


def test_user_for_token_until_expiry(app, now):
    user = make_user()
    token, _row = issue_token(user, name="cli", now=now, hours=1)
    unit_of_work.commit()
    assert user_for_token(token, now) == user
    assert user_for_token(token, now + timedelta(minutes=59, seconds=59)) == user
    assert user_for_token(token, now + timedelta(hours=1)) is None
    assert user_for_token(token, now + timedelta(days=30)) is None


@pytest.mark.parametrize("token", ["", "mn_unknown", "x" * 500])
def test_unknown_tokens_are_rejected(app, now, token):
    user = make_user()
    issue_token(user, name="cli", now=now, hours=1)
    unit_of_work.commit()
    assert user_for_token(token, now) is None


def test_token_of_a_deactivated_user_is_rejected(app, now):
    user = make_user()
    token, _row = issue_token(user, name="cli", now=now, hours=1)
    user.active = False
    unit_of_work.commit()
    assert user_for_token(token, now) is None


def test_integration_token_never_expires(app, now):
    token, user = create_integration("Shop Main!", now)
    unit_of_work.commit()
    assert user.role == "integration"
    assert user.email == "shop-main@integrations.munui.invalid"
    assert user_for_token(token, now + timedelta(days=3650)) == user
    # A second token for the same shop reuses the account.
    token2, again = create_integration("Shop Main!", now)
    assert again.id == user.id and token2 != token


def test_emails_are_stored_lower_case_so_sign_in_matches_any_case(app):
    user = make_user("customer", email="Kim.MinJi@Example.COM")
    assert user.email == "kim.minji@example.com"
    assert authenticate("KIM.minji@example.com", PASSWORD) is not None
