"""Orders pushed by the shop, cancellation/refund tickets, and decisions that happen exactly once."""
from __future__ import annotations

import copy
import threading
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Claim, Order, OrderStatusChange, Refund, Ticket
from app.services import unit_of_work
from app.services.accounts.users import create_integration
from tests.domain.policy_builders import API_EXAMPLE
from tests.factories import bearer, make_user

# api.md's example order, paid and prepared in November, with a low free-shipping threshold.
ORDER = {**{k: v for k, v in copy.deepcopy(API_EXAMPLE).items() if k != "customer_email"},
         "paid_at": "2026-11-20T10:00:00+09:00", "preparing_at": "2026-11-20T15:00:00+09:00",
         "customer": {"customer_id": "C100", "refund_account_on_file": True}}
ORDER["shipping"]["free_threshold"] = 5000


@pytest.fixture()
def shop(app):
    token, _user = create_integration("shop", datetime.now(UTC))
    unit_of_work.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def customer(app):
    return make_user("customer", name="김민지", email="minji@example.com")


def push(client, shop, number, **changes):
    body = copy.deepcopy(ORDER)
    body.update(changes)
    body["customer_email"] = "minji@example.com"
    return client.put(f"/api/v1/orders/{number}", json=body, headers=shop)


def claim(client, customer, number, kind="cancel", quantity=1, reason="change_of_mind"):
    category = "cancellation" if kind == "cancel" else "refund"
    response = client.post("/api/v1/tickets", headers=bearer(customer), json={
        "category": category, "subject": "주문 취소 요청", "body": "마음이 바뀌었습니다.", "order_number": number,
        "lines": [{"line_id": "L1", "quantity": quantity}], "reason": reason})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["number"]


def test_shop_pushes_orders_with_history_and_validation(client, shop, customer):
    created = push(client, shop, "20261120-000123")
    assert created.status_code == 201
    assert created.get_json()["status"] == "preparing" and created.get_json()["total_amount"] == 8000
    assert client.get("/api/v1/orders/20261120-000123", headers=bearer(customer)).status_code == 200
    assert push(client, shop, "20261120-000123", status="shipped",
                shipped_at="2026-11-21T09:00:00+09:00").status_code == 200
    order = db.session.scalars(select(Order)).one()
    history = db.session.scalars(select(OrderStatusChange).where(OrderStatusChange.order_id == order.id)
                                 .order_by(OrderStatusChange.id)).all()
    assert [(h.old_status, h.new_status) for h in history] == [(None, "preparing"), ("preparing", "shipped")]

    bad = push(client, shop, "20261120-000123", payments=[{"method": "card", "amount": 9000, "approval_id": "A"}],
               paid_at="2026-11-20T10:00:00", status="lost")
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert "status" in fields and "paid_at" in fields
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "shipped"  # the last good snapshot stays
    negative = push(client, shop, "20261120-000124",
                    lines=[{**ORDER["lines"][0], "unit_price": -10000}])
    assert negative.status_code == 422 and "lines[0].unit_price" in negative.get_json()["error"]["fields"]
    assert client.put("/api/v1/orders/20261120-000125", json=ORDER, headers=bearer(customer)).status_code == 403
    assert client.put("/api/v1/orders/20261120-000125", json=ORDER).status_code == 401


def test_cancel_of_a_preparing_order_is_approved_once(client, shop, customer):
    push(client, shop, "20261120-000123")
    number = claim(client, customer, "20261120-000123")
    seen = client.get(f"/api/v1/tickets/{number}/decision", headers=bearer(customer)).get_json()
    assert seen["evaluation"]["outcome"] == "eligible"
    assert seen["evaluation"]["breakdown"]["cash_refund_total"] == 8000
    assert "evaluation_digest" not in seen  # staff only

    agent = make_user("agent", queues=["orders"])
    token = bearer(agent)
    first = client.post(f"/api/v1/tickets/{number}/decision", headers=token, json={"action": "approve"})
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["request"]["state"] == "approved" and body["refund"]["refund_value_total"] == 8000
    again = client.post(f"/api/v1/tickets/{number}/decision", headers=token, json={"action": "approve"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_decided"
    assert db.session.scalar(select(func.count(Refund.id))) == 1
    assert db.session.scalars(select(Order)).one().status == "cancelled"
    # The customer is told, with the amount (embedded mode writes the email as a file).
    mails = [message_from_bytes(p.read_bytes(), policy=default)
             for p in Path(client.application.config["MAIL_FILE_DIR"]).glob("*.eml")]
    approved = [m for m in mails if "승인되었습니다" in str(m["Subject"])]
    assert len(approved) == 1
    assert "8,000원" in approved[0].get_body(("plain",)).get_content()


def test_shipped_order_cannot_be_cancelled_and_says_what_to_do(client, shop, customer):
    push(client, shop, "20261120-000123", status="shipped", shipped_at="2026-11-21T09:00:00+09:00")
    refused = client.post("/api/v1/tickets", headers=bearer(customer), json={
        "category": "cancellation", "subject": "주문 취소 요청", "body": "마음이 바뀌었습니다.",
        "order_number": "20261120-000123", "lines": [{"line_id": "L1", "quantity": 1}], "reason": "change_of_mind"})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["error"]["code"] == "claim_ineligible" and body["error"]["fields"] == {"claim": "ineligible"}
    assert "이미 발송된 주문은 취소할 수 없습니다" in body["error"]["message"]
    assert body["evaluation"]["outcome"] == "ineligible"
    assert body["evaluation"]["suggestion"]["kind"] == "refund"
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    assert db.session.scalar(select(func.count(Claim.id))) == 0


def test_a_claim_that_became_ineligible_cannot_be_approved(client, shop, customer):
    push(client, shop, "20261120-000123")
    number = claim(client, customer, "20261120-000123")
    # The shop ships the order before an agent decides.
    push(client, shop, "20261120-000123", status="shipped", shipped_at="2026-11-21T09:00:00+09:00")
    evaluation = client.get(f"/api/v1/tickets/{number}/decision", headers=bearer(customer)).get_json()["evaluation"]
    assert evaluation["outcome"] == "ineligible"
    assert evaluation["suggestion"]["kind"] == "refund"
    agent = make_user("agent", queues=["orders"])
    refused = client.post(f"/api/v1/tickets/{number}/decision", headers=bearer(agent), json={"action": "approve"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_eligible"
    assert refused.get_json()["evaluation"]["outcome"] == "ineligible"
    assert db.session.scalar(select(func.count(Refund.id))) == 0


def test_decision_on_a_stale_evaluation_is_refused_with_the_new_one(client, shop, customer):
    push(client, shop, "20261120-000123")
    number = claim(client, customer, "20261120-000123")
    agent = make_user("agent", queues=["orders"])
    digest = client.get(f"/api/v1/tickets/{number}/decision", headers=bearer(agent)).get_json()["evaluation_digest"]
    # Meanwhile the shop ships the order.
    push(client, shop, "20261120-000123", status="shipped", shipped_at="2026-11-21T09:00:00+09:00")
    stale = client.post(f"/api/v1/tickets/{number}/decision", headers=bearer(agent),
                        json={"action": "approve", "evaluation_digest": digest})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "decision_changed"
    assert db.session.scalar(select(func.count(Refund.id))) == 0


def test_large_refund_needs_a_leads_second_approval(client, shop, customer):
    big = [{**ORDER["lines"][0], "unit_price": 400000}]
    push(client, shop, "20261120-000123", lines=big, order_coupon=None,
         payments=[{"method": "card", "amount": 400000, "approval_id": "A-9"}])
    number = claim(client, customer, "20261120-000123")
    agent = make_user("agent", queues=["orders"])
    other_agent = make_user("agent", queues=["orders"])
    lead = make_user("lead")
    first = client.post(f"/api/v1/tickets/{number}/decision", headers=bearer(agent), json={"action": "approve"})
    assert first.get_json()["request"]["state"] == "awaiting_second_approval"
    assert first.get_json()["refund"] is None
    for who in (agent, other_agent):
        assert client.post(f"/api/v1/tickets/{number}/decision", headers=bearer(who),
                           json={"action": "approve"}).status_code == 403
    done = client.post(f"/api/v1/tickets/{number}/decision", headers=bearer(lead), json={"action": "approve"})
    assert done.status_code == 200 and done.get_json()["refund"]["refund_value_total"] == 400000
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.approved_by_id, refund.second_approved_by_id) == (agent.id, lead.id)


def test_deny_needs_a_reason_and_customers_cannot_decide(client, shop, customer):
    push(client, shop, "20261120-000123")
    number = claim(client, customer, "20261120-000123")
    agent = make_user("agent", queues=["orders"])
    assert client.post(f"/api/v1/tickets/{number}/decision", headers=bearer(customer),
                       json={"action": "approve"}).status_code == 403
    outsider = make_user("agent", queues=["general"])
    assert client.post(f"/api/v1/tickets/{number}/decision", headers=bearer(outsider),
                       json={"action": "approve"}).status_code == 404
    no_reason = client.post(f"/api/v1/tickets/{number}/decision", headers=bearer(agent), json={"action": "deny"})
    assert no_reason.status_code == 422 and no_reason.get_json()["error"]["fields"] == {"note": "required"}
    denied = client.post(f"/api/v1/tickets/{number}/decision", headers=bearer(agent),
                         json={"action": "deny", "note": "판매자 확인 결과 이미 출고되었습니다."})
    assert denied.status_code == 200 and denied.get_json()["request"]["state"] == "denied"
    assert db.session.scalars(select(Claim)).one().state == "denied"


@pytest.mark.parametrize("round_", range(15))
def test_simultaneous_approvals_make_one_refund(web_app, client, shop, customer, round_):
    """Real concurrent requests (one thread each, own app context and connection)."""
    push(client, shop, "20261120-000123")
    number = claim(client, customer, "20261120-000123")
    agents = [make_user("agent", queues=["orders"]) for _ in range(4)]
    headers = [bearer(a) for a in agents]
    barrier = threading.Barrier(len(agents))
    statuses: list[int] = []

    def approve(h):
        local = web_app.test_client()
        barrier.wait()
        statuses.append(local.post(f"/api/v1/tickets/{number}/decision", headers=h,
                                   json={"action": "approve"}).status_code)

    threads = [threading.Thread(target=approve, args=(h,)) for h in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200, 409, 409, 409]
    assert db.session.scalar(select(func.count(Refund.id))) == 1


def test_request_on_an_unreadable_order_can_be_denied_but_not_approved(client, customer):
    from tests.factories import make_order

    order = make_order(customer)  # a bare snapshot the policy module cannot read
    number = claim(client, customer, order.number)
    agent = make_user("agent", queues=["orders"])
    approve = client.post(f"/api/v1/tickets/{number}/decision", headers=bearer(agent), json={"action": "approve"})
    assert approve.status_code == 422
    deny = client.post(f"/api/v1/tickets/{number}/decision", headers=bearer(agent),
                       json={"action": "deny", "note": "주문 정보를 확인할 수 없습니다."})
    assert deny.status_code == 200 and deny.get_json()["request"]["state"] == "denied"
    assert deny.get_json()["evaluation"] is None


def test_agent_records_the_return_and_the_decision_uses_it(client, shop, customer):
    push(client, shop, "20261120-000123", status="delivered", shipped_at="2026-11-21T09:00:00+09:00",
         delivered_at="2026-11-24T15:00:00+09:00")
    number = claim(client, customer, "20261120-000123", kind="refund", reason="defective")
    agent = make_user("agent", queues=["orders"])
    before = client.get(f"/api/v1/tickets/{number}/decision", headers=bearer(agent)).get_json()["evaluation"]
    assert before["deadlines"]["refund_due_by"] is None  # the parcel is not back yet
    bad = client.patch(f"/api/v1/tickets/{number}", headers=bearer(agent),
                       json={"return_received_at": "2026-11-25T10:00:00"})
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"] == {"return_received_at": "invalid"}
    ok = client.patch(f"/api/v1/tickets/{number}", headers=bearer(agent), json={
        "return_received_at": "2026-11-25T10:00:00+09:00",
        "return_inspection": {"condition": "as_new", "inspected_at": "2026-11-25T11:00:00+09:00"}})
    assert ok.status_code == 200
    after = client.get(f"/api/v1/tickets/{number}/decision", headers=bearer(agent)).get_json()["evaluation"]
    assert after["deadlines"]["refund_due_by"] == "2026-11-30"  # 3 business days from Wed 11-25
    assert client.patch(f"/api/v1/tickets/{number}", headers=bearer(customer),
                        json={"return_received_at": "2026-11-25T10:00:00+09:00"}).status_code == 403
