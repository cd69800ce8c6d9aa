"""Browser-facing safety: CSRF, no writes on GET, headers, cookies, redirects, brute
force, sessions after a password change, escaping, and error pages."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import event

from app import create_app
from app.extensions import db
from app.models import Notification, Ticket, User
from app.services import unit_of_work
from app.services.tickets.core import add_message
from tests.factories import PASSWORD, english, login, make_order, make_ticket, make_user, sign_in

WRITE_VERBS = ("INSERT", "UPDATE", "DELETE")
CSRF_MESSAGE = "보안 확인이 만료되었습니다"


@contextmanager
def db_writes(web_app):
    """Every INSERT, UPDATE and DELETE the served app sends while the block runs."""
    with web_app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip().split(None, 1)[0].upper() in WRITE_VERBS:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _world():
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    customer = make_user("customer", name="김민지", commit=False)
    agent = make_user("agent", name="김상담", queues=["orders"], commit=False)
    admin = make_user("admin", name="관리자", commit=False)
    order = make_order(customer, commit=False)
    ticket = make_ticket(customer, category="delivery", order=order, now=now, commit=False)
    add_message(agent, ticket, body="확인해 보겠습니다.", internal=False, files=[], now=now)
    unit_of_work.commit()
    notification = db.session.scalars(db.select(Notification).where(Notification.user_id == customer.id)).first()
    return {"customer": customer, "agent": agent, "admin": admin, "order": order, "ticket": ticket,
            "notification": notification}


# ------------------------------------------------------------------ CSRF

# (url, who posts it, form data without the token)
CSRF_FORMS = {
    "login": ("/login", None, {"email": "someone@test.munui.kr", "password": PASSWORD}),
    "signup": ("/signup", None, {"name": "새 고객", "email": "new@test.munui.kr", "password": "long-enough-1",
                                 "confirm": "long-enough-1"}),
    "logout": ("/logout", "customer", {}),
    "password": ("/account/password", "customer", {"current_password": PASSWORD,
                                                   "new_password": "another-pass-9", "confirm": "another-pass-9"}),
    "language": ("/language", "customer", {"lang": "en"}),
    "new_inquiry": ("/inquiries/new", "customer", {"category": "product", "subject": "csrf", "body": "csrf"}),
    "reply": ("/inquiries/{ticket}/reply", "customer", {"body": "forged reply"}),
    "solve": ("/inquiries/{ticket}/solve", "customer", {}),
    "desk_message": ("/desk/tickets/{ticket}/messages", "agent", {"body": "forged answer"}),
    "desk_update": ("/desk/tickets/{ticket}/update", "agent",
                    {"status": "solved", "priority": "urgent", "assignee_id": "", "queue": "general"}),
    "assign_me": ("/desk/tickets/{ticket}/assign-me", "agent", {}),
    "notification_open": ("/notifications/{notification}/open", "customer", {}),
    "notifications_read_all": ("/notifications/read-all", "customer", {}),
    "admin_users": ("/admin/users", "admin", {"email": "forged@test.munui.kr", "name": "x", "role": "admin",
                                              "password": "long-enough-1"}),
    "admin_category": ("/admin/categories/product", "admin",
                       {"product-name_ko": "위조", "product-name_en": "Forged", "product-queue": "general",
                        "product-active": "y"}),
    "admin_edit_staff": ("/admin/users/{agent}", "admin", {"name": "위조", "role": "admin"}),
    "admin_deactivate": ("/admin/users/{agent}/deactivate", "admin", {}),
    "admin_password_reset": ("/admin/users/{agent}/password-reset", "admin", {}),
    # A forged request would mail a reset link to the victim's address.
    "forgot_password": ("/password/forgot", None, {"email": "customer@test.munui.kr"}),
}


@pytest.mark.parametrize("form,token", [(form, "missing") for form in CSRF_FORMS] + [
    (form, "from_another_session") for form in ("logout", "password", "reply", "desk_update", "admin_users")])
def test_post_without_a_valid_csrf_token_is_refused(app, web_app, make_client, form, token):
    world = _world()
    url, who, data = CSRF_FORMS[form]
    url = url.format(ticket=world["ticket"].number, notification=world["notification"].id,
                     agent=world["agent"].id)
    victim = make_client()
    if who:
        sign_in(victim, world[who])
    victim.get("/help")  # the victim's session has its own token
    data = dict(data)
    if token == "from_another_session":
        data["csrf_token"] = make_client().csrf_token()
    with db_writes(web_app) as writes:
        response = victim.post(url, data=data)
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert writes == []
    if who:  # still signed in: a forged logout did not log anyone out either
        assert victim.get("/notifications").status_code == 200
    assert "lang=" not in " ".join(response.headers.getlist("Set-Cookie"))


def _rules(web_app, method):
    return [r for r in web_app.url_map.iter_rules()
            if method in r.methods and r.endpoint != "static" and not r.rule.startswith("/api/")]


def _url(rule, world) -> str:
    values = {}
    for arg in rule.arguments:
        if arg == "number":
            values[arg] = world["order"].number if rule.rule.startswith("/orders") else world["ticket"].number
        elif arg == "attachment_id":
            values[arg] = 1
        elif arg == "notification_id":
            values[arg] = world["notification"].id
        elif arg == "code":
            values[arg] = "product"
        else:
            values[arg] = 1
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_every_other_form_refuses_a_post_without_token(app, web_app, make_client):
    """Walks the URL map, so a form added later is covered too."""
    world = _world()
    clients = {who: make_client() for who in ("customer", "agent", "admin")}
    for who, browser in clients.items():
        sign_in(browser, world[who])
    for rule in _rules(web_app, "POST"):
        url = _url(rule, world)
        for who, browser in clients.items():
            with db_writes(web_app) as writes:
                response = browser.post(url, data={})
            assert response.status_code == 400, (url, who)
            assert writes == [], (url, who)


def test_get_never_changes_anything(app, web_app, make_client):
    world = _world()
    browsers = {"anonymous": make_client()}
    for who in ("customer", "agent", "admin"):
        browsers[who] = make_client()
        sign_in(browsers[who], world[who])
    for rule in _rules(web_app, "GET"):
        url = _url(rule, world)
        for who, browser in browsers.items():
            with db_writes(web_app) as writes:
                response = browser.get(url)
            assert response.status_code < 500, (url, who)
            assert writes == [], (url, who, writes)


def test_state_changing_routes_do_not_answer_get(app, web_app, make_client):
    world = _world()
    browser = make_client()
    sign_in(browser, world["customer"])
    post_only = [r for r in _rules(web_app, "POST") if "GET" not in r.methods]
    assert {"/logout", "/language", "/inquiries/<number>/solve"} <= {r.rule for r in post_only}
    for rule in post_only:
        with db_writes(web_app) as writes:
            response = browser.get(_url(rule, world))
        assert response.status_code == 405, rule.rule
        assert writes == []
    # GET /logout did not log out; method overrides are not honoured either.
    assert browser.get("/inquiries").status_code == 200
    with db_writes(web_app) as writes:
        response = browser.get(f"/inquiries/{world['ticket'].number}/solve?_method=POST",
                               headers={"X-HTTP-Method-Override": "POST"})
    assert response.status_code == 405 and writes == []


# ------------------------------------------------------------------ headers and cookies

def _assert_page_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("who,path", [
    (None, "/help"), (None, "/login"), (None, "/no-such-page"), ("customer", "/inquiries/{ticket}"),
    ("customer", "/inquiries"), ("agent", "/desk"), ("agent", "/desk/tickets/{ticket}"),
    ("customer", "/desk"), (None, "/api/v1/me"),
])
def test_security_headers_on_pages(app, make_client, who, path):
    world = _world()
    browser = make_client()
    if who:
        sign_in(browser, world[who])
    response = browser.get(path.format(ticket=world["ticket"].number))
    _assert_page_headers(response)


def _set_cookie(response, name: str) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    assert cookies, response.headers.getlist("Set-Cookie")
    return cookies[-1]


def test_session_cookie_is_httponly_and_lax(app, client):
    user = make_user("customer")
    response = login(client, user)
    assert response.status_code == 302
    cookie = _set_cookie(response, "session")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.fixture()
def production_app(app, database_url, tmp_path):
    served = create_app("production", SECRET_KEY="a-production-secret-of-enough-length-0123456789",
                        SQLALCHEMY_DATABASE_URI=database_url, UPLOAD_DIR=str(tmp_path / "prod-uploads"))
    yield served
    with served.app_context():
        db.engine.dispose()


def test_production_config_is_secure(app, production_app):
    assert production_app.debug is False
    assert production_app.config["DEBUG"] is False
    assert production_app.config["TESTING"] is False
    assert production_app.config["SESSION_COOKIE_SECURE"] is True

    user = make_user("customer")
    browser = production_app.test_client()
    base = "https://desk.example"
    page = browser.get("/login", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = browser.post("/login", base_url=base, headers={"Referer": f"{base}/login"},
                            data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    cookie = _set_cookie(response, "session")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    # No debugger, no console, and errors without a traceback.
    assert browser.get("/console", base_url=base).status_code == 404


def test_production_refuses_to_start_without_a_secret_key(app, database_url, tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY="", SQLALCHEMY_DATABASE_URI=database_url,
                   UPLOAD_DIR=str(tmp_path / "no-key"))


# ------------------------------------------------------------------ redirects

@pytest.mark.parametrize("target", [
    "https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "https:evil.example", " //evil.example", "/\t/evil.example", "%2F%2Fevil.example",
])
def test_login_next_never_leaves_the_site(app, client, target):
    user = make_user("customer")
    page = client.get("/login?next=" + quote(target, safe="")).get_data(as_text=True)
    assert 'name="next"' in page
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).netloc in ("", "localhost")
    assert not location.lower().startswith("javascript")
    assert location == "/inquiries"


def test_login_next_to_a_local_page_is_honoured(app, client):
    user = make_user("customer")
    page = client.get("/login?next=%2Forders%3Fpage%3D1").get_data(as_text=True)
    assert 'value="/orders?page=1"' in page
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD, "next": "/orders?page=1"})
    assert response.headers["Location"] == "/orders?page=1"


def test_anonymous_visit_comes_back_after_login(app, client):
    user = make_user("customer")
    bounced = client.get("/inquiries/new")
    assert bounced.status_code == 302
    assert urlsplit(bounced.headers["Location"]).path == "/login"
    response = client.post_form("/login", {"email": user.email, "password": PASSWORD, "next": "/inquiries/new"})
    assert response.headers["Location"] == "/inquiries/new"


def test_language_switch_next_stays_on_the_site(app, client):
    response = client.post_form("/language", {"lang": "en", "next": "//evil.example/x"})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).netloc in ("", "localhost")


# ------------------------------------------------------------------ sign-in

def test_wrong_password_is_refused_in_korean_without_saying_which(app, client):
    user = make_user("customer")
    wrong = client.post_form("/login", {"email": user.email, "password": "not-the-password"})
    unknown = client.post_form("/login", {"email": "nobody@test.munui.kr", "password": "not-the-password"})
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "이메일 또는 비밀번호가 맞지 않습니다." in response.get_data(as_text=True)
    assert client.get("/inquiries").status_code == 302
    english_text = english("이메일 또는 비밀번호가 맞지 않습니다.")
    if english_text:
        en = client.post_form("/login", {"email": user.email, "password": "nope-nope"},
                              headers={"Accept-Language": "en"})
        assert english_text in en.get_data(as_text=True)


def test_login_is_rate_limited(app, web_app, client):
    user = make_user("customer")
    limit = int(web_app.config["LOGIN_RATE_LIMIT"].split()[0])
    token = client.csrf_token()
    for _ in range(limit):
        response = client.post("/login", data={"csrf_token": token, "email": user.email, "password": "guess"})
        assert response.status_code == 400
    blocked = client.post("/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "요청이 너무 많습니다" in blocked.get_data(as_text=True)
    assert client.get("/inquiries").status_code == 302  # the right password did not get in either
    blocked_en = client.post("/login", headers={"Accept-Language": "en"},
                             data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert blocked_en.status_code == 429
    assert "Too many attempts" in blocked_en.get_data(as_text=True)


def test_password_change_signs_out_other_sessions(app, make_client):
    user = make_user("customer")
    laptop, phone = make_client(), make_client()
    login(laptop, user)
    login(phone, user)
    assert phone.get("/inquiries").status_code == 200

    response = laptop.post_form("/account/password", {"current_password": PASSWORD,
                                                      "new_password": "brand-new-pass-7",
                                                      "confirm": "brand-new-pass-7"})
    assert response.status_code == 302
    assert laptop.get("/inquiries").status_code == 200   # this session stays
    bounced = phone.get("/inquiries")                    # the other one is over
    assert bounced.status_code == 302 and urlsplit(bounced.headers["Location"]).path == "/login"

    assert login(make_client(), user).status_code == 400
    assert login(make_client(), user, "brand-new-pass-7").status_code == 302


def test_wrong_current_password_changes_nothing(app, client):
    user = make_user("customer")
    login(client, user)
    response = client.post_form("/account/password", {"current_password": "wrong-one-1",
                                                      "new_password": "brand-new-pass-7",
                                                      "confirm": "brand-new-pass-7"})
    assert response.status_code == 400
    assert "현재 비밀번호가 맞지 않습니다." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == 1


def test_logout_ends_the_session(app, client):
    user = make_user("customer")
    login(client, user)
    assert client.post_form("/logout").status_code == 302
    assert client.get("/inquiries").status_code == 302


# ------------------------------------------------------------------ XSS

PAYLOADS = ('<script>alert("subject")</script>', '"><img src=x onerror=alert(1)>', "{{7*7}}")


def test_markup_in_subject_and_body_is_shown_as_text(app, make_client):
    customer = make_user("customer", name='<b onmouseover="alert(1)">민지</b>')
    agent = make_user("agent", queues=["general"])
    subject = " ".join(PAYLOADS)
    body = "</textarea><script>alert('body')</script> " + PAYLOADS[1]
    browser = make_client()
    login(browser, customer)
    response = browser.post_form("/inquiries/new", {"category": "product", "subject": subject, "body": body})
    assert response.status_code == 302
    ticket = db.session.scalars(db.select(Ticket)).one()
    desk = make_client()
    login(desk, agent)

    pages = {
        "queue": desk.get("/desk?view=open").get_data(as_text=True),
        "desk_ticket": desk.get(f"/desk/tickets/{ticket.number}").get_data(as_text=True),
        "customer_ticket": browser.get(f"/inquiries/{ticket.number}").get_data(as_text=True),
        "customer_list": browser.get("/inquiries").get_data(as_text=True),
        "notifications": browser.get("/notifications").get_data(as_text=True),
    }
    for name, page in pages.items():
        assert "<script>alert" not in page, name
        assert "<img src=x" not in page, name
        assert "onmouseover=" not in page.replace(str(escape(customer.name)), ""), name
        assert str(escape(PAYLOADS[0])) in page, name
        assert "{{7*7}}" in page, name   # no template injection either
    for name in ("desk_ticket", "customer_ticket"):
        assert str(escape("</textarea><script>alert('body')</script>")) in pages[name]
    assert str(escape(customer.name)) in pages["queue"]


# ------------------------------------------------------------------ error pages

def test_unexpected_error_shows_no_traceback(app, make_client, monkeypatch):
    world = _world()

    def explode(*args, **kwargs):
        raise RuntimeError("boom: SECRET_KEY=hunter2 sqlalchemy")

    monkeypatch.setattr("app.web.customer.routes.list_tickets", explode)
    browser = make_client()
    sign_in(browser, world["customer"])
    response = browser.get("/inquiries")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "일시적인 오류가 발생했습니다" in page
    assert re.search(r"요청 번호: [0-9a-f]{12}", page)
    for leak in ("Traceback", "RuntimeError", "hunter2", "sqlalchemy", "boom"):
        assert leak not in page
    _assert_page_headers(response)


def test_unexpected_error_in_production_shows_no_traceback(app, production_app, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom: SECRET_KEY=hunter2")

    monkeypatch.setattr("app.web.customer.routes.render_template", explode)
    response = production_app.test_client().get("/help", base_url="https://desk.example")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "일시적인 오류가 발생했습니다" in page
    assert "Traceback" not in page and "hunter2" not in page and "RuntimeError" not in page
