"""/api/v1 access: tokens, roles, someone else's objects (404, never 403), orders,
languages, and one error format everywhere."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Message, Ticket
from app.services import unit_of_work
from app.services.accounts.users import issue_token
from app.services.tickets.core import add_message
from tests.api.test_api_tickets import assert_error
from tests.factories import api_token, bearer, make_order, make_ticket, make_user, png_bytes, upload

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@pytest.fixture()
def world(app):
    owner = make_user("customer", name="김민지", commit=False)
    other = make_user("customer", name="이준호", commit=False)
    agent = make_user("agent", name="김상담", queues=["orders"], commit=False)
    outsider = make_user("agent", name="박일반", queues=["general"], commit=False)
    seller = make_user("seller", commit=False)
    order = make_order(owner, commit=False)
    ticket = make_ticket(owner, category="delivery", order=order, subject="API-SECRET-9981 배송",
                         files=[upload(png_bytes(), "shot.png")], now=NOW, commit=False)
    unit_of_work.commit()
    attachment = ticket.messages[0].attachments[0]
    return {"owner": owner, "other": other, "agent": agent, "outsider": outsider, "seller": seller,
            "order": order, "ticket": ticket, "attachment_id": attachment.id,
            "tokens": {k: api_token(u) for k, u in (("owner", owner), ("other", other), ("agent", agent),
                                                    ("outsider", outsider), ("seller", seller))}}


def _headers(world, who, **extra):
    return {"Authorization": f"Bearer {world['tokens'][who]}", **extra}


# ------------------------------------------------------------------ tokens

PROTECTED = [("GET", "/api/v1/me"), ("GET", "/api/v1/categories"), ("GET", "/api/v1/tickets"),
             ("POST", "/api/v1/tickets"), ("GET", "/api/v1/tickets/{ticket}"),
             ("POST", "/api/v1/tickets/{ticket}/messages"), ("PATCH", "/api/v1/tickets/{ticket}"),
             ("GET", "/api/v1/attachments/{attachment}"), ("GET", "/api/v1/orders"),
             ("GET", "/api/v1/orders/{order}")]


@pytest.mark.parametrize("auth", ["none", "garbage", "expired", "basic", "deactivated", "empty_bearer"])
def test_401_without_a_valid_token(app, client, world, auth):
    owner = world["owner"]
    if auth == "expired":
        token, _row = issue_token(owner, name="old", now=datetime.now(UTC) - timedelta(hours=2), hours=1)
        unit_of_work.commit()
        headers = bearer(token)
    elif auth == "deactivated":
        headers = _headers(world, "owner")
        owner.active = False
        unit_of_work.commit()
    else:
        headers = {"none": {}, "garbage": {"Authorization": "Bearer mn_not-a-real-token"},
                   "basic": {"Authorization": f"Basic {world['tokens']['owner']}"},
                   "empty_bearer": {"Authorization": "Bearer "}}[auth]
    before = (db.session.scalar(db.select(db.func.count(Message.id))), world["ticket"].status)
    for method, url in PROTECTED:
        url = url.format(ticket=world["ticket"].number, attachment=world["attachment_id"],
                         order=world["order"].number)
        response = client.open(url, method=method, headers=headers, json={"body": "x", "status": "solved"})
        error = assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "API-SECRET-9981" not in response.get_data(as_text=True)
        assert error["message"] == "인증 토큰이 없거나 올바르지 않습니다."
    db.session.expire_all()
    assert (db.session.scalar(db.select(db.func.count(Message.id))),
            db.session.get(Ticket, world["ticket"].id).status) == before


def test_web_session_cookie_is_not_an_api_credential(app, client, world):
    from tests.factories import login

    login(client, world["owner"])
    assert client.get("/inquiries").status_code == 200
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")


def test_integration_token_holders_cannot_sign_in_to_pages(app, client):
    from app.services.accounts.users import create_integration

    token, user = create_integration("shop", NOW)
    unit_of_work.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["role"] == "integration"
    assert_error(client.get("/api/v1/tickets", headers=bearer(token)), 403, "forbidden")


# ------------------------------------------------------------------ someone else's objects

def test_another_customer_gets_404_for_everything_of_the_owner(app, client, world):
    ticket = world["ticket"]
    headers = _headers(world, "other")
    messages_before = db.session.scalar(db.select(db.func.count(Message.id)))
    calls = [
        ("GET", f"/api/v1/tickets/{ticket.number}", None),
        ("POST", f"/api/v1/tickets/{ticket.number}/messages", {"body": "제 것인가요?"}),
        ("PATCH", f"/api/v1/tickets/{ticket.number}", {"status": "solved"}),
        ("GET", f"/api/v1/attachments/{world['attachment_id']}", None),
        ("GET", f"/api/v1/orders/{world['order'].number}", None),
    ]
    for method, url, body in calls:
        response = client.open(url, method=method, headers=headers, json=body)
        assert_error(response, 404, "not_found")
        assert "API-SECRET-9981" not in response.get_data(as_text=True)
        # Indistinguishable from an object that does not exist at all.
        missing = client.open(url.replace(ticket.number, "M-20260101-9999").replace(
            world["order"].number, "19990101-000000").replace(f"/{world['attachment_id']}", "/999999"),
            method=method, headers=headers, json=body)
        assert missing.get_json() == response.get_json()
    listing = client.get("/api/v1/tickets", headers=headers).get_json()
    assert listing["items"] == [] and listing["total"] == 0
    assert client.get(f"/api/v1/tickets?q={ticket.number}", headers=headers).get_json()["total"] == 0
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Message.id))) == messages_before
    assert db.session.get(Ticket, ticket.id).status == "new"


def test_seller_sees_only_what_they_filed(app, client, world):
    headers = _headers(world, "seller")
    assert_error(client.get(f"/api/v1/tickets/{world['ticket'].number}", headers=headers), 404)
    assert_error(client.get(f"/api/v1/attachments/{world['attachment_id']}", headers=headers), 404)
    assert client.get("/api/v1/tickets", headers=headers).get_json()["total"] == 0
    assert_error(client.get("/api/v1/orders", headers=headers), 403, "forbidden")
    created = client.post("/api/v1/tickets", headers=headers,
                          json={"category": "seller", "subject": "정산 문의", "body": "정산일이 언제인가요?"})
    assert created.status_code == 201 and created.get_json()["queue"] == "general"


def test_agent_of_another_queue_gets_404(app, client, world):
    ticket = world["ticket"]
    headers = _headers(world, "outsider")
    for method, url, body in (("GET", f"/api/v1/tickets/{ticket.number}", None),
                              ("POST", f"/api/v1/tickets/{ticket.number}/messages", {"body": "x"}),
                              ("PATCH", f"/api/v1/tickets/{ticket.number}", {"priority": "urgent"}),
                              ("GET", f"/api/v1/attachments/{world['attachment_id']}", None)):
        assert_error(client.open(url, method=method, headers=headers, json=body), 404, "not_found")
    assert client.get("/api/v1/tickets", headers=headers).get_json()["total"] == 0
    assert client.get(f"/api/v1/tickets/{ticket.number}", headers=_headers(world, "agent")).status_code == 200
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).priority == "normal"


def test_agents_cannot_file_inquiries(app, client, world):
    response = client.post("/api/v1/tickets", headers=_headers(world, "agent"),
                           json={"category": "product", "subject": "s", "body": "b"})
    assert_error(response, 403, "forbidden")


def test_attachment_download_headers(app, client, world):
    response = client.get(f"/api/v1/attachments/{world['attachment_id']}", headers=_headers(world, "owner"))
    assert response.status_code == 200
    assert response.mimetype == "image/png" and response.data.startswith(b"\x89PNG")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "shot.png" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_internal_note_attachment_is_404_for_the_owner(app, client, world):
    add_message(world["agent"], world["ticket"], body="메모", internal=True,
                files=[upload(png_bytes(), "memo.png")], now=NOW)
    unit_of_work.commit()
    memo = [m for m in db.session.scalars(db.select(Message)) if m.internal][0].attachments[0]
    assert_error(client.get(f"/api/v1/attachments/{memo.id}", headers=_headers(world, "owner")), 404)
    assert client.get(f"/api/v1/attachments/{memo.id}", headers=_headers(world, "agent")).status_code == 200


# ------------------------------------------------------------------ orders

def test_orders_of_the_customer(app, client, world):
    owner = world["owner"]
    older = make_order(owner)          # factory orders get later times as they are made
    newest = make_order(owner)
    make_order(world["other"])
    response = client.get("/api/v1/orders", headers=_headers(world, "owner"))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert [o["number"] for o in body["items"]] == [newest.number, older.number, world["order"].number]
    assert body["total"] == 3
    first = body["items"][0]
    assert {"number", "customer_email", "status", "total_amount", "lines"} <= set(first)
    assert first["customer_email"] == owner.email and isinstance(first["total_amount"], int)
    assert "refund_history" not in first

    one = client.get(f"/api/v1/orders/{older.number}", headers=_headers(world, "owner"))
    assert one.status_code == 200 and one.get_json()["number"] == older.number
    assert client.get(f"/api/v1/orders/{older.number}", headers=_headers(world, "agent")).status_code == 200
    assert_error(client.get(f"/api/v1/orders/{older.number}", headers=_headers(world, "other")), 404, "not_found")
    others = client.get("/api/v1/orders", headers=_headers(world, "other")).get_json()
    assert [o["customer_email"] for o in others["items"]] == [world["other"].email]
    paged = client.get("/api/v1/orders?per_page=1&page=2", headers=_headers(world, "owner")).get_json()
    assert [o["number"] for o in paged["items"]] == [older.number] and paged["total"] == 3


# ------------------------------------------------------------------ language and format

def test_english_error_messages(app, client, world):
    en = {"Accept-Language": "en"}
    assert assert_error(client.get("/api/v1/me", headers=en), 401)["message"] == \
        "The bearer token is missing or invalid."
    not_found = client.get("/api/v1/tickets/M-20260101-9999", headers=_headers(world, "owner", **en))
    assert assert_error(not_found, 404)["message"] == "The requested item was not found."
    invalid = client.post("/api/v1/tickets", headers=_headers(world, "owner", **en), json={"category": "product"})
    assert assert_error(invalid, 422)["message"].isascii()
    korean = client.get("/api/v1/tickets/M-20260101-9999", headers=_headers(world, "owner"))
    assert assert_error(korean, 404)["message"] == "요청하신 항목을 찾을 수 없습니다."


@pytest.mark.parametrize("method,url,status,code", [
    ("GET", "/api/v1/nope", 404, "not_found"),
    ("GET", "/api/v1/tickets/M-20260101-9999/nope", 404, "not_found"),
    ("DELETE", "/api/v1/tickets", 405, "method_not_allowed"),
    ("PUT", "/api/v1/tickets/{ticket}", 405, "method_not_allowed"),
    ("GET", "/api/v1/auth/tokens", 405, "method_not_allowed"),
    ("GET", "/api/v1/attachments/abc", 404, "not_found"),
    ("GET", "/api/v1/attachments/99999999999999999999", None, None),
])
def test_error_format_everywhere(app, client, world, method, url, status, code):
    response = client.open(url.format(ticket=world["ticket"].number), method=method,
                           headers=_headers(world, "owner"))
    if status is None:   # any refusal, as long as it is one and in the API's format
        assert 400 <= response.status_code < 500
        assert_error(response, response.status_code)
    else:
        assert_error(response, status, code)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
