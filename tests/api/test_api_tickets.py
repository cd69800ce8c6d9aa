"""/api/v1 as a client script uses it: tokens, categories, tickets, messages, changes."""
from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Attachment, Message, Ticket
from app.services import unit_of_work
from app.services.tickets.core import add_message, update_ticket
from tests.factories import PASSWORD, bearer, make_order, make_ticket, make_user, multipart, png_bytes, upload

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
TICKET_KEYS = {"number", "type", "category", "subject", "status", "priority", "queue", "assignee", "requester",
               "order_number", "created_at", "updated_at", "sla", "messages"}
MESSAGE_KEYS = {"id", "author", "body", "internal", "created_at", "attachments"}
ATTACHMENT_KEYS = {"id", "filename", "content_type", "size", "url"}


def assert_error(response, status: int, code: str | None = None, fields: set | None = None) -> dict:
    """The API's error body: {"error": {"code", "message", "fields"?}} and nothing else."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"} and {"code", "message"} <= set(error)
    assert isinstance(error["code"], str) and error["code"] == error["code"].lower()
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    if fields is not None:
        assert fields <= set(error.get("fields", {})), error
    return error


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None
    return parsed


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _files(root: str) -> list[str]:
    return [f for _d, _s, names in os.walk(root) for f in names]


# ------------------------------------------------------------------ tokens and me

def test_token_issue_and_use(app, client):
    user = make_user("customer", name="김민지", plus=True)
    response = client.post("/api/v1/auth/tokens", json={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    assert len(body["token"]) >= 32
    expires = _aware(body["expires_at"])
    assert expires > datetime.now(UTC) + timedelta(days=1)

    me = client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    data = me.get_json()
    assert {"id", "email", "name", "role", "membership"} <= set(data)
    assert (data["id"], data["email"], data["name"], data["role"], data["membership"]) == (
        user.id, user.email, "김민지", "customer", "plus")
    assert "password_hash" not in data and "password" not in data


@pytest.mark.parametrize("email,password", [("known", "wrong-password"), ("nobody@test.munui.kr", PASSWORD)])
def test_token_refused_for_wrong_credentials(app, client, email, password):
    user = make_user("customer")
    response = client.post("/api/v1/auth/tokens",
                           json={"email": user.email if email == "known" else email, "password": password})
    error = assert_error(response, 401, "invalid_credentials")
    assert error["message"] == "이메일 또는 비밀번호가 맞지 않습니다."


@pytest.mark.parametrize("body,fields", [
    ({}, {"email", "password"}), ({"email": "a@b.kr"}, {"password"}), ({"password": "x"}, {"email"}),
    ({"email": 12, "password": ["x"]}, {"email", "password"}),
])
def test_token_validation(app, client, body, fields):
    assert_error(client.post("/api/v1/auth/tokens", json=body), 422, "validation_failed", fields)


def test_token_requests_are_rate_limited(app, web_app, client):
    user = make_user("customer")
    limit = int(web_app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        assert client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "guess"}).status_code == 401
    blocked = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    error = assert_error(blocked, 429, "rate_limited")
    assert "잠시 후" in error["message"]
    blocked_en = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD},
                             headers={"Accept-Language": "en"})
    assert "Too many" in assert_error(blocked_en, 429)["message"]


# ------------------------------------------------------------------ categories

def test_categories_for_customers_and_sellers(app, client):
    customer, seller = make_user("customer"), make_user("seller")
    items = client.get("/api/v1/categories", headers=bearer(customer)).get_json()
    assert [c["code"] for c in items] == ["order", "delivery", "cancellation", "refund", "product", "membership",
                                          "other"]
    assert all(set(c) == {"code", "name", "ticket_type", "requires_order"} for c in items)
    by_code = {c["code"]: c for c in items}
    assert by_code["delivery"] == {"code": "delivery", "name": "배송", "ticket_type": "inquiry", "requires_order": True}
    assert by_code["refund"]["ticket_type"] == "refund" and by_code["cancellation"]["ticket_type"] == "cancellation"
    assert by_code["product"]["requires_order"] is False
    assert [c["code"] for c in client.get("/api/v1/categories", headers=bearer(seller)).get_json()] == ["seller"]
    english = client.get("/api/v1/categories", headers={**bearer(customer), "Accept-Language": "en"}).get_json()
    assert {c["code"]: c["name"] for c in english}["delivery"] == "Delivery"


# ------------------------------------------------------------------ create

def test_create_ticket_with_json(app, client):
    customer = make_user("customer", name="김민지")
    order = make_order(customer)
    response = client.post("/api/v1/tickets", headers=bearer(customer), json={
        "category": "delivery", "subject": "배송이 안 와요", "body": "5일째 그대로입니다.",
        "order_number": order.number})
    assert response.status_code == 201
    ticket = response.get_json()
    assert set(ticket) == TICKET_KEYS
    assert re.fullmatch(r"M-\d{8}-\d{4}", ticket["number"])
    assert (ticket["type"], ticket["category"], ticket["subject"], ticket["status"], ticket["priority"],
            ticket["queue"], ticket["assignee"], ticket["order_number"]) == (
        "inquiry", "delivery", "배송이 안 와요", "new", "normal", "orders", None, order.number)
    assert ticket["requester"] == {"id": customer.id, "name": "김민지"}
    assert _aware(ticket["created_at"]) == _aware(ticket["updated_at"])
    assert set(ticket["sla"]) == {"policy", "first_response_due_at", "next_reply_due_at", "resolution_due_at",
                                  "state", "paused", "first_response", "next_reply", "resolution"}
    # A normal-priority inquiry: the 보통 policy, first answer within 8 business hours.
    assert ticket["sla"]["policy"] == "보통" and ticket["sla"]["state"] == "ok"
    assert ticket["sla"]["paused"] is False and ticket["sla"]["next_reply_due_at"] is None
    assert _aware(ticket["sla"]["first_response_due_at"]) > _aware(ticket["created_at"])
    assert _aware(ticket["sla"]["resolution_due_at"]) > _aware(ticket["sla"]["first_response_due_at"])
    [message] = ticket["messages"]
    assert set(message) == MESSAGE_KEYS
    assert message["author"] == {"id": customer.id, "name": "김민지", "role": "customer"}
    assert (message["body"], message["internal"], message["attachments"]) == ("5일째 그대로입니다.", False, [])
    stored = db.session.scalars(db.select(Ticket)).one()
    assert stored.number == ticket["number"] and stored.requester_id == customer.id


def test_create_ticket_with_files(app, client):
    customer = make_user("customer")
    body, content_type = multipart({"category": "product", "subject": "사진 첨부", "body": "색이 달라요"}, [
        ("files", "화면.png", png_bytes(), "image/png"), ("files", "log.txt", b"error 502\n", "text/plain")])
    response = client.post("/api/v1/tickets", headers=bearer(customer), data=body, content_type=content_type)
    assert response.status_code == 201
    attachments = response.get_json()["messages"][0]["attachments"]
    assert [a["filename"] for a in attachments] == ["화면.png", "log.txt"]
    assert all(set(a) == ATTACHMENT_KEYS for a in attachments)
    assert [a["content_type"] for a in attachments] == ["image/png", "text/plain"]
    assert attachments[1]["size"] == len(b"error 502\n")
    assert attachments[0]["url"] == f"/api/v1/attachments/{attachments[0]['id']}"
    download = client.get(attachments[1]["url"], headers=bearer(customer))
    assert download.status_code == 200 and download.data == b"error 502\n"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "text/plain"


def _order_of_someone_else():
    return make_order(make_user("customer")).number


@pytest.mark.parametrize("body,field", [
    ({"subject": "s", "body": "b"}, "category"),
    ({"category": "nope", "subject": "s", "body": "b"}, "category"),
    ({"category": "product", "body": "b"}, "subject"),
    ({"category": "product", "subject": "   ", "body": "b"}, "subject"),
    ({"category": "product", "subject": "x" * 201, "body": "b"}, "subject"),
    ({"category": "product", "subject": "s"}, "body"),
    ({"category": "delivery", "subject": "s", "body": "b"}, "order_number"),
    ({"category": "delivery", "subject": "s", "body": "b", "order_number": "OTHER"}, "order_number"),
    ({"category": "seller", "subject": "s", "body": "b"}, "category"),
    ({"category": "product", "subject": 5, "body": "b"}, "subject"),
])
def test_create_validation(app, client, body, field):
    customer = make_user("customer")
    if body.get("order_number") == "OTHER":
        body = {**body, "order_number": _order_of_someone_else()}
    error = assert_error(client.post("/api/v1/tickets", headers=bearer(customer), json=body), 422,
                         fields={field})
    assert any("\uac00" <= ch <= "\ud7a3" for ch in error["message"])   # Korean by default
    english = assert_error(client.post("/api/v1/tickets", json=body,
                                       headers={**bearer(customer), "Accept-Language": "en"}), 422)
    assert english["message"].isascii()
    assert _count(Ticket) == 0


@pytest.mark.parametrize("raw,content_type", [
    (b"{not json", "application/json"), (b"[1, 2]", "application/json"), (b'"text"', "application/json"),
    (b"category=product", "application/x-www-form-urlencoded"), (b"\xff\xfe\x00", "application/json"),
    (b"", "application/json"), (b"subject: hi", "text/plain"),
])
def test_malformed_body_is_400(app, client, raw, content_type):
    customer = make_user("customer")
    response = client.post("/api/v1/tickets", headers=bearer(customer), data=raw, content_type=content_type)
    assert_error(response, 400, "malformed_json")
    assert _count(Ticket) == 0


BIG = b"\x89PNG\r\n\x1a\n" + b"\0" * (11 * 1024 * 1024)
HTML = b"<html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize("files,status,code", [
    ([("files", "big.png", BIG, "image/png")], 413, "file_too_large"),
    ([("files", "shot.png", HTML, "image/png")], 415, "unsupported_file_type"),
    ([("files", "shot.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml")], 415,
     "unsupported_file_type"),
    ([("files", "shot.jpg", png_bytes(), "image/jpeg")], 415, "unsupported_file_type"),
    ([("files", "../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "text/plain")], 422, "invalid_filename"),
    ([("files", f"{i}.png", png_bytes(), "image/png") for i in range(6)], 413, "too_many_files"),
])
def test_refused_files_store_nothing(app, client, files, status, code):
    customer = make_user("customer")
    body, content_type = multipart({"category": "product", "subject": "첨부", "body": "확인 부탁"}, files)
    response = client.post("/api/v1/tickets", headers=bearer(customer), data=body, content_type=content_type)
    assert_error(response, status, code, {"files"})
    assert (_count(Ticket), _count(Message), _count(Attachment)) == (0, 0, 0)
    assert _files(app.config["UPLOAD_DIR"]) == []


JUNK = [
    {"category": None, "subject": None, "body": None},
    {"category": ["product"], "subject": {"a": 1}, "body": True},
    {"category": "product", "subject": "s", "body": "b", "order_number": 123},
    {"category": "product", "subject": "\u0000", "body": "\u0000"},
    {"category": "product", "subject": "a\u0000b", "body": "b"},
    {"category": "x" * 10_000, "subject": "s" * 100_000, "body": "b" * 100_000},
    {"category": "product", "subject": "s", "body": "b", "requester_id": 1, "status": "closed", "queue": "orders"},
    {"category": "product", "subject": "\ud800", "body": "lone surrogate"},
]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_never_causes_a_500(app, client, junk):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(customer)
    calls = [
        ("POST", "/api/v1/tickets", customer), ("POST", f"/api/v1/tickets/{ticket.number}/messages", customer),
        ("PATCH", f"/api/v1/tickets/{ticket.number}", agent), ("POST", "/api/v1/auth/tokens", None),
    ]
    for method, url, user in calls:
        headers = bearer(user) if user else {}
        response = client.open(url, method=method, json=junk, headers=headers)
        assert response.status_code < 500, (method, url, response.get_data(as_text=True)[:300])
        if response.status_code >= 400:
            assert_error(response, response.status_code)
    # Mass assignment: extra fields were ignored, not obeyed.
    for row in db.session.scalars(db.select(Ticket).where(Ticket.id != ticket.id)):
        assert (row.requester_id, row.status) == (customer.id, "new")


@pytest.mark.parametrize("query", ["page=abc", "per_page=x", "page=99999999999999999999999", "assignee=abc",
                                   "assignee=99999999999999999999999", "q=%00", "status=%00", "page=-1&per_page=-5"])
def test_odd_list_queries_never_cause_a_500(app, client, query):
    customer = make_user("customer")
    make_ticket(customer)
    response = client.get(f"/api/v1/tickets?{query}", headers=bearer(customer))
    assert response.status_code < 500
    if response.status_code >= 400:
        assert_error(response, response.status_code)


# ------------------------------------------------------------------ list

def test_list_filters_and_pagination(app, client):
    customer = make_user("customer")
    other = make_user("customer")
    agent = make_user("agent", name="김상담", queues=["orders", "general"])
    colleague = make_user("agent", queues=["orders"])
    order = make_order(customer)

    def ticket(subject, **kwargs):
        status, assignee = kwargs.pop("status", None), kwargs.pop("assignee", None)
        t = make_ticket(kwargs.pop("requester", customer), subject=subject, now=NOW, **kwargs)
        if assignee:
            update_ticket(assignee, t, assignee_id=assignee.id, now=NOW)
        if status:
            update_ticket(agent, t, status=status, now=NOW)
        unit_of_work.commit()
        return t.number

    numbers = {
        "delivery": ticket("배송 LF-A", category="delivery", order=order, assignee=agent),
        "refund": ticket("환불 LF-B", category="refund", assignee=colleague, status="pending"),
        "product": ticket("상품 LF-C", status="solved"),
        "membership": ticket("회원 LF-D", category="membership"),
        "others": ticket("남의 문의 LF-E", requester=other),
    }

    def numbers_for(query, user=agent):
        response = client.get(f"/api/v1/tickets?{query}", headers=bearer(user))
        assert response.status_code == 200, response.get_json()
        return {t["number"] for t in response.get_json()["items"]}

    mine = {numbers[k] for k in ("delivery", "refund", "product", "membership")}
    assert numbers_for("", customer) == mine                  # customers see only theirs
    assert numbers_for("status=pending") == {numbers["refund"]}
    assert numbers_for("status=pending,solved") == {numbers["refund"], numbers["product"]}
    assert numbers_for("category=membership") == {numbers["membership"]}
    assert numbers_for("queue=orders") == {numbers["delivery"], numbers["refund"]}
    assert numbers_for("assignee=me") == {numbers["delivery"]}
    assert numbers_for("assignee=none") == {numbers["product"], numbers["membership"], numbers["others"]}
    assert numbers_for(f"assignee={colleague.id}") == {numbers["refund"]}
    assert numbers_for("type=refund") == {numbers["refund"]}
    assert numbers_for(f"order_number={order.number}") == {numbers["delivery"]}
    assert numbers_for("q=LF-C") == {numbers["product"]}
    assert numbers_for(f"q={numbers['membership']}") == {numbers["membership"]}
    assert numbers_for("q=100%") == set()
    assert numbers_for("status=solved", customer) == {numbers["product"]}
    assert numbers_for("q=LF-E", customer) == set()

    page = client.get("/api/v1/tickets?per_page=2&page=2", headers=bearer(agent)).get_json()
    assert (page["page"], page["per_page"], page["total"], len(page["items"])) == (2, 2, 5, 2)
    assert set(page["items"][0]) == TICKET_KEYS - {"messages"}
    capped = client.get("/api/v1/tickets?per_page=1000", headers=bearer(agent)).get_json()
    assert capped["per_page"] == 100 and capped["total"] == 5
    beyond = client.get("/api/v1/tickets?page=9", headers=bearer(agent)).get_json()
    assert beyond["items"] == [] and beyond["total"] == 5


# ------------------------------------------------------------------ show, messages, patch

def test_show_hides_internal_notes_from_the_customer(app, client):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(customer, now=NOW)
    add_message(agent, ticket, body="공개 답변입니다.", internal=False, files=[], now=NOW)
    add_message(agent, ticket, body="NOTE-API-55 내부 메모", internal=True,
                files=[upload(png_bytes(), "note.png")], now=NOW)
    unit_of_work.commit()

    as_customer = client.get(f"/api/v1/tickets/{ticket.number}", headers=bearer(customer))
    assert as_customer.status_code == 200
    body = as_customer.get_json()
    assert [m["body"] for m in body["messages"]] == [body["messages"][0]["body"], "공개 답변입니다."]
    assert "NOTE-API-55" not in as_customer.get_data(as_text=True)
    assert "note.png" not in as_customer.get_data(as_text=True)

    as_agent = client.get(f"/api/v1/tickets/{ticket.number}", headers=bearer(agent)).get_json()
    note = as_agent["messages"][-1]
    assert (note["body"], note["internal"]) == ("NOTE-API-55 내부 메모", True)
    assert note["author"]["role"] == "agent"
    attachment_id = note["attachments"][0]["id"]
    assert_error(client.get(f"/api/v1/attachments/{attachment_id}", headers=bearer(customer)), 404, "not_found")
    assert client.get(f"/api/v1/attachments/{attachment_id}", headers=bearer(agent)).status_code == 200


def test_post_messages(app, client):
    customer = make_user("customer")
    agent = make_user("agent", name="김상담", queues=["general"])
    ticket = make_ticket(customer, now=NOW)

    refused = client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=bearer(customer),
                          json={"body": "내부로 남겨 주세요", "internal": True})
    assert_error(refused, 403, "forbidden")
    assert _count(Message) == 1

    reply = client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=bearer(customer),
                        json={"body": "추가 문의입니다."})
    assert reply.status_code == 201
    assert set(reply.get_json()) == MESSAGE_KEYS
    assert reply.get_json()["internal"] is False

    note = client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=bearer(agent),
                       json={"body": "내부 확인 필요", "internal": True})
    assert note.status_code == 201 and note.get_json()["internal"] is True
    assert "내부 확인 필요" not in client.get(f"/api/v1/tickets/{ticket.number}",
                                            headers=bearer(customer)).get_data(as_text=True)

    body, content_type = multipart({"body": "스크린샷 첨부", "internal": "false"},
                                   [("files", "shot.png", png_bytes(), "image/png")])
    answer = client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=bearer(agent), data=body,
                         content_type=content_type)
    assert answer.status_code == 201
    assert answer.get_json()["attachments"][0]["filename"] == "shot.png"
    shown = client.get(f"/api/v1/tickets/{ticket.number}", headers=bearer(customer)).get_json()
    assert shown["status"] == "open"
    assert shown["messages"][-1]["author"] == {"id": agent.id, "name": "김상담", "role": "agent"}

    assert_error(client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=bearer(customer),
                             json={"body": ""}), 422, "validation_failed", {"body"})
    assert_error(client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=bearer(agent),
                             json={"body": "x", "internal": "maybe?"}), 422)


def test_patch_by_customer_and_agent(app, client):
    customer = make_user("customer")
    agent = make_user("agent", name="김상담", queues=["orders", "general"])
    colleague = make_user("agent", name="이동료", queues=["orders"])
    ticket = make_ticket(customer, now=NOW)
    url = f"/api/v1/tickets/{ticket.number}"

    for body in ({"priority": "urgent"}, {"status": "open"}, {"assignee_id": agent.id}, {"queue": "orders"}):
        assert_error(client.patch(url, headers=bearer(customer), json=body), 403, "forbidden")
    assert_error(client.patch(url, headers=bearer(customer), json={"requester_id": 1}), 422, "validation_failed",
                 {"requester_id"})

    changed = client.patch(url, headers=bearer(agent), json={"status": "pending", "priority": "high",
                                                             "queue": "orders", "assignee_id": colleague.id})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["status"], body["priority"], body["queue"]) == ("pending", "high", "orders")
    assert body["assignee"] == {"id": colleague.id, "name": "이동료"}
    unassigned = client.patch(url, headers=bearer(agent), json={"assignee_id": None}).get_json()
    assert unassigned["assignee"] is None

    for bad in ({"status": "closed"}, {"status": "nope"}, {"priority": "highest"}, {"queue": "nope"},
                {"assignee_id": 999999}, {"colour": "red"}):
        assert_error(client.patch(url, headers=bearer(agent), json=bad), 422, fields=set(bad))

    solved = client.patch(url, headers=bearer(customer), json={"status": "solved"})
    assert solved.status_code == 200 and solved.get_json()["status"] == "solved"

    stored = db.session.get(Ticket, ticket.id)
    stored.status = "closed"
    unit_of_work.commit()
    assert_error(client.patch(url, headers=bearer(agent), json={"priority": "low"}), 409, "ticket_closed")
    assert_error(client.patch(url, headers=bearer(customer), json={"status": "solved"}), 409, "ticket_closed")
    assert_error(client.post(f"{url}/messages", headers=bearer(customer), json={"body": "다시요"}), 409,
                 "ticket_closed")
    closed_en = client.post(f"{url}/messages", headers={**bearer(customer), "Accept-Language": "en"},
                            json={"body": "again"})
    assert "closed" in assert_error(closed_en, 409)["message"]


@pytest.mark.parametrize("value", [True, "3", 2.5, [1]])
def test_patch_assignee_must_be_an_id_or_null(app, client, value):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(customer)
    response = client.patch(f"/api/v1/tickets/{ticket.number}", headers=bearer(agent),
                            json={"assignee_id": value})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"assignee_id": "not_an_id"}


# ------------------------------------------------------------------ the SLA's targets

def test_a_met_first_response_is_visible_per_target(app, client):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(customer)  # now: the API reads the real clock
    before = client.get(f"/api/v1/tickets/{ticket.number}", headers=bearer(customer)).get_json()["sla"]
    assert before["first_response"]["state"] in ("ok", "at_risk")
    assert before["first_response"]["met_at"] is None and before["first_response"]["breached_at"] is None
    assert before["resolution"]["state"] in ("ok", "at_risk")
    assert before["next_reply"] is None  # no customer reply after a first response yet

    client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=bearer(agent), json={"body": "확인했습니다."})
    after = client.get(f"/api/v1/tickets/{ticket.number}", headers=bearer(customer)).get_json()["sla"]
    first = after["first_response"]
    assert first["state"] == "met" and first["met_at"] is not None and first["breached_at"] is None
    assert _aware(first["met_at"]) <= _aware(first["due_at"])
    assert after["resolution"]["state"] in ("ok", "at_risk") and after["resolution"]["met_at"] is None
    # The list answers the same, per ticket.
    listed = client.get("/api/v1/tickets", headers=bearer(agent)).get_json()["items"]
    assert [t["sla"]["first_response"]["state"] for t in listed if t["number"] == ticket.number] == ["met"]

    # The customer writes again: the next-reply target of that cycle starts running.
    client.post(f"/api/v1/tickets/{ticket.number}/messages", headers=bearer(customer), json={"body": "언제요?"})
    again = client.get(f"/api/v1/tickets/{ticket.number}", headers=bearer(customer)).get_json()["sla"]
    assert again["next_reply"]["state"] in ("ok", "at_risk") and again["next_reply"]["due_at"] is not None
    assert again["first_response"]["state"] == "met"


def test_a_target_past_due_reads_breached_at_its_due_time(app, client):
    customer = make_user("customer")
    ticket = make_ticket(customer, now=datetime.now(UTC) - timedelta(days=30))
    sla = client.get(f"/api/v1/tickets/{ticket.number}", headers=bearer(customer)).get_json()["sla"]
    first = sla["first_response"]
    assert first["state"] == "breached" and first["breached_at"] == first["due_at"] and first["met_at"] is None
