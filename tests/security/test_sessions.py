"""Sessions end on the server: a copy of the cookie taken before logout, a password change or reset,
or deactivation signs nobody in afterwards. Sign-in starts a new session (no fixation)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.extensions import db
from app.models import UserSession
from tests.factories import PASSWORD, bearer, make_user
from tests.journeys.browser import Browser, links_in, mail_to


def _copy(web_app, browser: Browser) -> Browser:
    """An attacker's browser holding a copy of ``browser``'s session cookie."""
    thief = Browser(web_app.test_client())
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    thief.client.set_cookie("session", cookie.value)
    return thief


def _signed_in(browser: Browser) -> bool:
    page = browser.get("/inquiries")
    return page.path == "/inquiries"


def test_a_copied_cookie_stops_working_after_logout(app, web_app):
    customer = make_user("customer", name="김민지")
    browser = Browser(web_app.test_client())
    browser.sign_in(customer.email, PASSWORD)
    thief = _copy(web_app, browser)
    assert _signed_in(thief)  # the copy works while the session lives

    browser.get("/inquiries").form(action="/logout").submit()
    assert not _signed_in(browser)
    assert not _signed_in(thief)
    assert thief.get("/inquiries").path == "/login"
    assert db.session.scalar(select(func.count(UserSession.id))) == 0


def test_logout_ends_only_that_browser(app, web_app):
    customer = make_user("customer")
    phone, laptop = Browser(web_app.test_client()), Browser(web_app.test_client())
    phone.sign_in(customer.email, PASSWORD)
    laptop.sign_in(customer.email, PASSWORD)
    phone.get("/inquiries").form(action="/logout").submit()
    assert not _signed_in(phone) and _signed_in(laptop)


def test_a_password_change_ends_copies_and_other_browsers_but_not_this_one(app, web_app):
    customer = make_user("customer")
    browser, other = Browser(web_app.test_client()), Browser(web_app.test_client())
    browser.sign_in(customer.email, PASSWORD)
    other.sign_in(customer.email, PASSWORD)
    thief = _copy(web_app, other)
    token = bearer(customer)
    page = browser.get("/account/password").form(action="/account/password").fill(
        current_password=PASSWORD, new_password="a-new-password-1", confirm="a-new-password-1").submit()
    assert "비밀번호를 변경했습니다" in page.text
    assert _signed_in(browser)
    assert not _signed_in(other) and not _signed_in(thief)
    assert web_app.test_client().get("/api/v1/me", headers=token).status_code == 401


def test_a_reset_ends_every_session_including_copies(app, web_app, mail_dir):
    customer = make_user("customer", email="minji@example.com")
    browser = Browser(web_app.test_client())
    browser.sign_in(customer.email, PASSWORD)
    thief = _copy(web_app, browser)
    visitor = Browser(web_app.test_client())
    visitor.get("/password/forgot").form(action="/password/forgot").fill(email="minji@example.com").submit()
    link = next(urlsplit(u).path for m in mail_to(mail_dir, "minji@example.com") for u in links_in(m)
                if "/password/reset/" in u)
    page = visitor.get(link).form(action="/password/reset/").fill(
        new_password="a-new-password-1", confirm="a-new-password-1").submit()
    assert "비밀번호를 재설정했습니다" in page.text and page.path == "/inquiries", (page.path, page.history)
    assert _signed_in(visitor)
    assert not _signed_in(browser) and not _signed_in(thief)
    assert page.status == 200


def test_deactivation_ends_copies_too(app, web_app):
    admin = make_user("admin")
    agent = make_user("agent", queues=["orders"])
    desk = Browser(web_app.test_client())
    desk.sign_in(agent.email, PASSWORD)
    thief = _copy(web_app, desk)
    assert thief.get("/desk").path == "/desk"
    office = Browser(web_app.test_client())
    office.sign_in(admin.email, PASSWORD)
    office.get(f"/admin/users/{agent.id}").form(action=f"/admin/users/{agent.id}/deactivate").submit()
    assert thief.get("/desk").path == "/login"
    assert db.session.scalar(select(func.count(UserSession.id)).where(UserSession.user_id == agent.id)) == 0


def test_sign_in_starts_a_new_session_and_keeps_nothing_of_the_old(app, web_app):
    customer = make_user("customer")
    browser = Browser(web_app.test_client())
    browser.get("/login")
    before = browser.client.get_cookie("session").value
    browser.sign_in(customer.email, PASSWORD)
    after = browser.client.get_cookie("session").value
    assert before != after
    # a session planted before sign-in (fixation) is not the one signed in
    planted = Browser(web_app.test_client())
    planted.client.set_cookie("session", before)
    assert not _signed_in(planted)


def test_sign_in_and_reset_say_the_same_for_known_and_unknown_addresses(app, web_app):
    make_user("customer", email="known@example.com")
    known = Browser(web_app.test_client()).get("/login").form(action="/login").fill(
        email="known@example.com", password="wrong-password-1").submit()
    unknown = Browser(web_app.test_client()).get("/login").form(action="/login").fill(
        email="nobody@example.com", password="wrong-password-1").submit()
    assert known.status == unknown.status == 400
    assert known.errors() == unknown.errors()
    sent = [Browser(web_app.test_client()).get("/password/forgot").form(action="/password/forgot")
            .fill(email=email).submit() for email in ("known@example.com", "nobody@example.com")]
    strip = re.compile(r'name="csrf[-_]token"[^>]*>')
    assert strip.sub("", sent[0].html) == strip.sub("", sent[1].html)
