"""비밀번호 찾기: a customer who forgot their password gets a link by email, sets a new one
through the real forms and is signed in; the link, the old password, the other browser's
session and the API token from before all stop working. An unknown address gets the
same page and no email; an old link is refused with a way to ask for a new one."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import User
from app.services.accounts import password_reset
from tests.factories import PASSWORD, make_user
from tests.journeys.browser import links_in, mail_to

NEW_PASSWORD = "brand-new-secret-7"
SENT = "입력하신 주소로 가입된 계정이 있으면 비밀번호 재설정 링크를 보냈습니다"


def _ask_for_reset(person, email: str):
    page = person.get("/login").click("비밀번호 찾기")
    assert page.path == "/password/forgot"
    return page.form(action="/password/forgot").fill(email=email).submit()


def _reset_link(mail_dir, address: str) -> str:
    emails = mail_to(mail_dir, address)
    assert len(emails) == 1, emails
    assert "비밀번호 재설정" in emails[0]
    links = [link for link in links_in(emails[0]) if "/password/reset/" in link]
    assert links, emails[0]
    return links[0]


def test_forgotten_password_is_reset_from_the_email_and_everything_old_stops_working(app, browser, mail_dir):
    customer = make_user("customer", name="김민지", email="minji@test.munui.kr")
    # Before: the same person is signed in on another device and has an API token.
    laptop = browser()
    assert laptop.sign_in("minji@test.munui.kr", PASSWORD).path == "/inquiries"
    minted = laptop.client.post("/api/v1/auth/tokens", json={"email": "minji@test.munui.kr", "password": PASSWORD})
    assert minted.status_code == 201
    token = minted.get_json()["token"]
    assert laptop.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    phone = browser()
    page = _ask_for_reset(phone, "Minji@Test.munui.kr")
    assert page.status == 200 and SENT in page.text
    link = _reset_link(mail_dir, "minji@test.munui.kr")
    # The token is not stored anywhere: the outbox row carries no link.
    assert link.rsplit("/", 1)[1] not in str(db.session.execute(db.text("SELECT payload FROM outbox_events")).all())

    page = phone.get(link)
    assert page.status == 200 and "새 비밀번호" in page.text
    page = page.form(action="/password/reset/").fill(new_password=NEW_PASSWORD, confirm=NEW_PASSWORD).submit()
    assert page.status == 200, page.text
    assert page.path == "/inquiries" and "김민지" in page.text and "로그아웃" in page.text
    assert any("API 토큰도 모두 폐기되었습니다" in f for f in page.flashes())

    # The old password no longer works; the new one does.
    refused = browser().sign_in("minji@test.munui.kr", PASSWORD)
    assert refused.path == "/login" and "이메일 또는 비밀번호가 맞지 않습니다." in refused.text
    assert browser().sign_in("minji@test.munui.kr", NEW_PASSWORD).path == "/inquiries"
    # The link is single-use.
    again = browser().get(link)
    assert again.status == 400 and "이미 사용했거나 올바르지 않은" in again.text
    assert not again.has_form(action="/password/reset/")
    assert again.link("새 재설정 링크 요청하기").endswith("/password/forgot")
    # The laptop's session ended, and its API token is refused.
    assert laptop.get("/inquiries").path == "/login"
    assert laptop.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    db.session.expire_all()
    assert db.session.get(User, customer.id).check_password(NEW_PASSWORD)


def test_an_unknown_address_gets_the_identical_page_and_no_email(app, browser, mail_dir):
    make_user("customer", email="known@test.munui.kr")
    known = _ask_for_reset(browser(), "known@test.munui.kr")
    unknown = _ask_for_reset(browser(), "nobody@test.munui.kr")
    assert (unknown.status, unknown.path, unknown.text) == (known.status, known.path, known.text)
    assert SENT in unknown.text
    assert mail_to(mail_dir, "nobody@test.munui.kr") == []
    assert len(mail_to(mail_dir, "known@test.munui.kr")) == 1


def test_a_deactivated_account_gets_the_same_page_and_no_email(app, browser, mail_dir):
    leaver = make_user("agent", email="leaver@test.munui.kr")
    leaver.active = False
    db.session.commit()
    page = _ask_for_reset(browser(), "leaver@test.munui.kr")
    assert SENT in page.text
    assert mail_to(mail_dir, "leaver@test.munui.kr") == []


def test_asking_again_at_once_sends_no_second_email(app, browser, mail_dir):
    make_user("customer", email="target@test.munui.kr")
    for _ in range(3):
        assert SENT in _ask_for_reset(browser(), "target@test.munui.kr").text
    assert len(mail_to(mail_dir, "target@test.munui.kr")) == 1


def test_an_expired_link_is_refused_and_offers_a_new_one(app, browser):
    user = make_user("customer", email="late@test.munui.kr")
    asked = datetime.now(UTC) - timedelta(minutes=31)
    link = f"/password/reset/{password_reset.token_for(user, asked)}"
    person = browser()
    page = person.get(link)
    assert page.status == 400 and "유효 시간이 지났습니다" in page.text
    assert not page.has_form(action="/password/reset/")
    page = page.click("새 재설정 링크 요청하기")
    assert page.path == "/password/forgot" and page.has_form(action="/password/forgot")
    # A link asked for 29 minutes ago still works.
    fresh = person.get(f"/password/reset/{password_reset.token_for(user, datetime.now(UTC) - timedelta(minutes=29))}")
    assert fresh.status == 200 and fresh.has_form(action="/password/reset/")


def test_a_forged_link_is_refused(app, browser):
    user = make_user("customer")
    token = password_reset.token_for(user, datetime.now(UTC))
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for link in (f"/password/reset/{forged}", "/password/reset/not-a-token", "/password/reset/" + "x" * 500):
        page = browser().get(link)
        assert page.status == 400 and "올바르지 않은" in page.text, link


def test_the_reset_form_checks_the_new_password_and_keeps_the_link(app, browser):
    make_user("customer", email="typo@test.munui.kr")
    user = db.session.scalars(db.select(User).where(User.email == "typo@test.munui.kr")).one()
    link = f"/password/reset/{password_reset.token_for(user, datetime.now(UTC))}"
    page = browser().get(link)
    page = page.form(action="/password/reset/").fill(new_password="short", confirm="other").submit()
    assert page.status == 400
    errors = " ".join(page.errors())
    assert "8자 이상" in errors and "비밀번호가 일치하지 않습니다." in errors
    # Nothing changed: the old password still works, and the link is still good.
    assert browser().sign_in("typo@test.munui.kr", PASSWORD).path == "/inquiries"
    assert browser().get(link).has_form(action="/password/reset/")


def test_changing_the_password_also_revokes_api_tokens(app, browser):
    make_user("agent", email="agent@test.munui.kr", queues=["orders"])
    person = browser()
    person.sign_in("agent@test.munui.kr", PASSWORD)
    minted = person.client.post("/api/v1/auth/tokens", json={"email": "agent@test.munui.kr", "password": PASSWORD})
    token = minted.get_json()["token"]
    page = person.get("/account/password")
    assert "API 토큰도 모두 폐기됩니다" in page.text
    page = page.form(action="/account/password").fill(
        current_password=PASSWORD, new_password=NEW_PASSWORD, confirm=NEW_PASSWORD).submit()
    assert any("API 토큰도 모두 폐기되었습니다" in f for f in page.flashes()), page.text
    assert person.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert person.get("/desk").status == 200   # this browser stays signed in


def test_the_reset_email_in_english_for_an_english_account(app, browser, mail_dir):
    user = make_user("customer", email="jane@test.munui.kr")
    user.locale = "en"
    db.session.commit()
    _ask_for_reset(browser(), "jane@test.munui.kr")
    (email,) = mail_to(mail_dir, "jane@test.munui.kr")
    assert "Reset your password" in email and "30 minutes" in email
