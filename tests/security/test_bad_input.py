"""Hostile bodies get a 4xx in the API's error shape and change nothing — never a 500.

Found by an outside probe: a 1,000-deep JSON body to every write endpoint, wrong types in a
claim (a list or an object as ``reason``, as the return condition) and a superscript digit as a
claim form's quantity.
"""
from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Claim, Order, Ticket
from app.services import unit_of_work
from app.services.accounts.users import create_integration
from tests.domain.policy_builders import API_EXAMPLE
from tests.factories import bearer, login, make_policy_order, make_user

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


def _order_body(email: str) -> dict:
    body = {k: v for k, v in copy.deepcopy(API_EXAMPLE).items() if k != "customer_email"}
    body.update(customer_email=email, paid_at="2026-11-20T10:00:00+09:00",
                preparing_at="2026-11-20T15:00:00+09:00",
                customer={"customer_id": "C1", "refund_account_on_file": True})
    return body


@pytest.fixture()
def desk(app, client):
    customer = make_user("customer", email="minji@example.com")
    agent = make_user("agent", queues=["orders"])
    token, _ = create_integration("shop", datetime.now(UTC))
    unit_of_work.commit()
    shop = {"Authorization": f"Bearer {token}"}
    assert client.put("/api/v1/orders/20261120-000123", json=_order_body(customer.email),
                      headers=shop).status_code in (200, 201)
    created = client.post("/api/v1/tickets", headers=bearer(customer), json={
        "category": "cancellation", "subject": "취소", "body": "취소해 주세요", "order_number": "20261120-000123",
        "lines": [{"line_id": "L1", "quantity": 1}], "reason": "change_of_mind"})
    assert created.status_code == 201, created.get_json()
    return {"customer": bearer(customer), "agent": bearer(agent), "shop": shop, "admin": bearer(make_user("admin")),
            "number": created.get_json()["number"], "customer_user": customer}


def _shape(response) -> dict:
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), response.get_data(as_text=True)[:300]
    assert isinstance(body["error"].get("code"), str) and isinstance(body["error"].get("message"), str)
    return body["error"]


def _counts():
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count(m.id))) for m in (Ticket, Claim, Order))


@pytest.mark.parametrize("payload", [DEEP, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize(("method", "path", "who"), [
    ("POST", "/api/v1/tickets", "customer"), ("PATCH", "/api/v1/tickets/{n}", "agent"),
    ("POST", "/api/v1/tickets/{n}/messages", "customer"), ("PUT", "/api/v1/orders/20261120-000999", "shop"),
    ("POST", "/api/v1/tickets/{n}/decision", "agent"), ("POST", "/api/v1/auth/tokens", None)])
def test_deeply_nested_json_is_a_400(client, desk, method, path, who, payload):
    before = _counts()
    headers = {"Content-Type": "application/json", **(desk[who] if who else {})}
    response = client.open(path.format(n=desk["number"]), method=method, data=payload, headers=headers)
    assert response.status_code == 400
    assert _shape(response)["code"] in ("json_too_deep", "malformed_json")
    assert _counts() == before


def test_nested_json_inside_a_multipart_lines_field_is_refused(client, desk):
    before = _counts()
    response = client.post("/api/v1/tickets", headers=desk["customer"], data={
        "category": "cancellation", "subject": "취소", "body": "취소", "order_number": "20261120-000123",
        "lines": DEEP, "reason": "change_of_mind"}, content_type="multipart/form-data")
    assert response.status_code == 422 and _shape(response)["fields"] == {"lines": "invalid"}
    assert _counts() == before


@pytest.mark.parametrize("reason", [["change_of_mind"], {"code": "change_of_mind"}, 3, True])
def test_a_claim_reason_of_the_wrong_type_is_a_422(client, desk, reason):
    before = _counts()
    response = client.post("/api/v1/tickets", headers=desk["customer"], json={
        "category": "cancellation", "subject": "취소", "body": "취소", "order_number": "20261120-000123",
        "lines": [{"line_id": "L1", "quantity": 1}], "reason": reason})
    assert response.status_code == 422 and _shape(response)["fields"]["reason"] == "invalid"
    assert _counts() == before


@pytest.mark.parametrize("reason_text", [["a"], {"a": 1}, 5])
def test_a_claim_reason_text_that_is_not_text_is_a_422(client, desk, reason_text):
    response = client.post("/api/v1/tickets", headers=desk["customer"], json={
        "category": "cancellation", "subject": "취소", "body": "취소", "order_number": "20261120-000123",
        "lines": [{"line_id": "L1", "quantity": 1}], "reason": "change_of_mind", "reason_text": reason_text})
    assert response.status_code == 422 and _shape(response)["fields"]["reason_text"] == "not_a_string"


@pytest.mark.parametrize("inspection", [
    {"condition": ["as_new"], "inspected_at": "2026-11-25T10:00:00+09:00"},
    {"condition": {"x": "as_new"}, "inspected_at": "2026-11-25T10:00:00+09:00"},
    {"condition": "as_new", "inspected_at": ["2026-11-25T10:00:00+09:00"]},
    {"condition": "as_new", "inspected_at": "2026-11-25T10:00:00+09:00", "note": {"x": 1}},
    ["as_new"], "as_new"])
def test_a_return_inspection_of_the_wrong_shape_is_a_422(client, app, inspection):
    customer = make_user("customer", email="refund@example.com")
    order = make_policy_order(customer, "delivered", [{"name": "반팔 티셔츠", "unit_price": 12000, "quantity": 1}])
    agent = make_user("agent", queues=["orders"])
    created = client.post("/api/v1/tickets", headers=bearer(customer), json={
        "category": "refund", "subject": "반품", "body": "반품", "order_number": order.number,
        "lines": [{"line_id": "L1", "quantity": 1}], "reason": "defective"})
    assert created.status_code == 201, created.get_json()
    number = created.get_json()["number"]
    for body in ({"return_inspection": inspection}, {"return_received_at": ["2026-11-25T10:00:00+09:00"]}):
        response = client.patch(f"/api/v1/tickets/{number}", headers=bearer(agent), json=body)
        assert response.status_code == 422, response.get_json()
        assert _shape(response)["fields"]
    assert db.session.scalar(select(Claim.return_inspection)) is None


@pytest.mark.parametrize("quantity", ["²", "١", "𝟏", "1.0", "-1", "1e3", "99999999999"])
def test_the_claim_forms_quantity_takes_ascii_digits_only(app, client, quantity):
    customer = make_user("customer")
    order = make_policy_order(customer, "preparing", [{"name": "반팔 티셔츠", "unit_price": 12000, "quantity": 2}])
    login(client, customer)
    for action in ("preview", "submit"):
        response = client.post_form(f"/orders/{order.number}/claim?kind=cancel", {
            "qty-L1": quantity, "reason": "change_of_mind", "action": action, "submission_key": "k"})
        assert response.status_code in (400, 422), response.status_code
        assert "수량" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
