"""비밀번호 찾기 (app/services/accounts/password_reset.py): the signed link, its single use and expiry,
the per-account email interval, who gets no email, and what a reset ends."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.errors import DomainError
from app.extensions import db
from app.jobs.dispatch import process_event
from app.models import ApiToken, AuditEvent, OutboxEvent, SentEmail, User
from app.services import unit_of_work
from app.services.accounts import password_reset
from app.services.accounts.password_reset import (
    ResetLinkInvalid,
    request_reset,
    reset_password,
    token_for,
    user_for_token,
)
from app.services.accounts.sessions import start_session
from app.services.accounts.users import authenticate, create_integration, issue_token, load_user_for_session
from tests.factories import PASSWORD, make_user
from tests.journeys.browser import links_in, mail_to

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
NEW = "a-new-password-8"


def _reset_emails() -> list[OutboxEvent]:
    return [e for e in db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
            if e.kind == "email" and e.payload.get("template") == "password_reset"]


def _refused(token: str, now: datetime) -> str:
    with pytest.raises(ResetLinkInvalid) as caught:
        user_for_token(token, now)
    return caught.value.reason


def test_a_link_is_good_for_thirty_minutes(app):
    user = make_user()
    token = token_for(user, NOW)
    assert user_for_token(token, NOW) == user
    assert user_for_token(token, NOW + timedelta(minutes=30)) == user
    assert _refused(token, NOW + timedelta(minutes=30, seconds=1)) == "expired"


def test_the_window_is_configurable(app):
    app.config["PASSWORD_RESET_MINUTES"] = 5
    token = token_for(make_user(), NOW)
    assert _refused(token, NOW + timedelta(minutes=6)) == "expired"


def test_forged_tampered_and_future_links_are_refused(app):
    user = make_user()
    token = token_for(user, NOW)
    assert _refused(token[:-2] + ("xy" if not token.endswith("xy") else "zz"), NOW) == "invalid"
    assert _refused("", NOW) == "invalid" and _refused("a" * 1000, NOW) == "invalid"
    # Signed with another secret (another installation): refused.
    secret = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-secret"
    other = token_for(user, NOW)
    app.config["SECRET_KEY"] = secret
    assert _refused(other, NOW) == "invalid"
    assert _refused(token_for(user, NOW + timedelta(hours=1)), NOW) == "used"


def test_a_reset_kills_the_link_every_session_and_every_api_token(app):
    user = make_user("agent", queues=["orders"])
    session_id = user.get_id()
    browser = start_session(user, NOW, max_age=timedelta(days=14))
    issue_token(user, name="cli", now=NOW, hours=1)
    unit_of_work.commit()
    token = token_for(user, NOW)

    reset_password(token, NEW, NOW + timedelta(minutes=1))
    unit_of_work.commit()

    assert authenticate(user.email, NEW) == user and authenticate(user.email, PASSWORD) is None
    assert load_user_for_session(session_id, browser, NOW + timedelta(minutes=1), max_age=timedelta(days=14)) is None
    assert load_user_for_session(user.get_id(), browser, NOW + timedelta(minutes=1),
                                 max_age=timedelta(days=14)) is None  # the session row is gone too
    assert db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all() == []
    assert _refused(token, NOW + timedelta(minutes=2)) == "used"
    with pytest.raises(ResetLinkInvalid):
        reset_password(token, "yet-another-pw-9", NOW + timedelta(minutes=2))
    unit_of_work.rollback()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_user_id == user.id)).one()
    assert (event.action, event.actor_id, event.detail) == ("password_reset", user.id, {"tokens_revoked": 1})


def test_a_password_change_elsewhere_also_kills_an_unused_link(app):
    user = make_user()
    token = token_for(user, NOW)
    user.set_password("changed-meanwhile-1")
    unit_of_work.commit()
    assert _refused(token, NOW) == "used"


def test_a_short_new_password_changes_nothing(app):
    user = make_user()
    token = token_for(user, NOW)
    with pytest.raises(DomainError) as caught:
        reset_password(token, "short", NOW)
    unit_of_work.rollback()
    assert caught.value.fields == {"password": "too_short"}
    assert user_for_token(token, NOW) == user and authenticate(user.email, PASSWORD) == user


def test_a_request_records_an_email_without_the_token(app):
    user = make_user(email="kim@test.munui.kr")
    request_reset("  KIM@test.munui.kr ", NOW)
    unit_of_work.commit()
    (event,) = _reset_emails()
    assert event.payload == {"user_id": user.id, "template": "password_reset", "data": {}}
    assert db.session.get(User, user.id).password_reset_sent_at == NOW


@pytest.mark.parametrize("who", ["unknown", "inactive", "integration"])
def test_no_email_for_unknown_inactive_or_integration_accounts(app, who):
    if who == "inactive":
        user = make_user(email="gone@test.munui.kr")
        user.active = False
        unit_of_work.commit()
        email = user.email
    elif who == "integration":
        _token, user = create_integration("Shop", NOW)
        unit_of_work.commit()
        email = user.email
    else:
        email = "nobody@test.munui.kr"
    request_reset(email, NOW)
    unit_of_work.commit()
    assert _reset_emails() == []


def test_at_most_one_email_per_account_per_interval(app):
    user = make_user()
    for seconds in (0, 30, 119):
        request_reset(user.email, NOW + timedelta(seconds=seconds))
        unit_of_work.commit()
    assert len(_reset_emails()) == 1
    request_reset(user.email, NOW + timedelta(seconds=121))
    unit_of_work.commit()
    assert len(_reset_emails()) == 2
    # Another account is not held up by this one.
    request_reset(make_user().email, NOW + timedelta(seconds=122))
    unit_of_work.commit()
    assert len(_reset_emails()) == 3


def test_the_email_job_signs_the_link_at_send_time_issued_at_the_request(app):
    user = make_user(email="kim@test.munui.kr")
    request_reset(user.email, datetime.now(UTC))
    unit_of_work.commit()          # embedded: the job runs at once and writes the .eml
    (event,) = _reset_emails()
    assert event.delivered_at is not None
    (email,) = mail_to(app.config["MAIL_FILE_DIR"], user.email)
    (link,) = [link for link in links_in(email) if "/password/reset/" in link]
    assert link.startswith(app.config["PUBLIC_URL"].rstrip("/") + "/password/reset/")
    token = link.rsplit("/", 1)[1]
    assert token == token_for(user, event.created_at)
    assert user_for_token(token, datetime.now(UTC)) == user
    assert db.session.scalars(select(SentEmail)).one().subject == "[Munui] 비밀번호 재설정 안내"


def test_a_reset_email_whose_link_would_already_be_dead_is_not_sent(app):
    """The relay may hand over an old event (workers were down): a dead link helps nobody."""
    user = make_user()
    event = OutboxEvent(kind="email", queue="email", created_at=datetime.now(UTC) - timedelta(minutes=45),
                        payload={"user_id": user.id, "template": "password_reset", "data": {}}, attempts=0)
    db.session.add(event)
    unit_of_work.commit()
    process_event(event.id)
    assert db.session.scalars(select(SentEmail)).all() == []
    assert db.session.get(OutboxEvent, event.id).delivered_at is not None


def test_compose_needs_a_link_or_a_ticket(app):
    from app.services.mail import compose

    with pytest.raises(LookupError):
        compose("password_reset", outbox_id=1, to="a@b.kr", to_name="a", locale="ko", data={})
    email = compose("password_reset", outbox_id=1, to="a@b.kr", to_name="a", locale="en",
                    data={"minutes": 30}, link="https://help.example/password/reset/abc")
    assert "https://help.example/password/reset/abc" in email.text and "Reset my password" in email.html
    assert password_reset.TEMPLATE == "password_reset"
