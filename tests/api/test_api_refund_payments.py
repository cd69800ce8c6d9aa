"""The shop confirms refund payments: POST /api/v1/refunds/{id}/paid and GET /api/v1/refunds/{id}.

Once paid, a refund stays paid with its first confirmation: a replay answers the same record,
a different reference is a conflict, and two confirmations at once record one payment.
"""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Notification, OutboxEvent, Refund
from app.services import unit_of_work
from app.services.accounts.users import create_integration
from tests.factories import bearer, make_user
from tests.refund_setup import approved_refund


@pytest.fixture()
def shop(app):
    token, _user = create_integration("shop", datetime.now(UTC))
    unit_of_work.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def customer(app):
    return make_user("customer", name="김민지", email="minji@example.com")


@pytest.fixture()
def refund(customer):
    return approved_refund(customer)


def _paid_events(refund_id: int) -> int:
    db.session.expire_all()
    return sum(1 for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "refund_paid"))
               if e.detail.get("refund_id") == refund_id)


def _customer_paid_notices(customer) -> int:
    return db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.kind == "notify")
                             .where(OutboxEvent.payload["kind"].as_string() == "refund_paid",
                                    OutboxEvent.payload["user_id"].as_integer() == customer.id)) or 0


def test_the_shop_confirms_a_payment_and_a_replay_changes_nothing(client, shop, customer, refund):
    paid_at = (datetime.now(UTC) - timedelta(minutes=3)).astimezone().replace(microsecond=0)
    body = {"paid_at": paid_at.isoformat(), "reference": "PG-20261127-0001", "note": "정산 배치 11/27"}
    first = client.post(f"/api/v1/refunds/{refund.id}/paid", headers=shop, json=body)
    assert first.status_code == 200, first.get_json()
    data = first.get_json()
    assert data["id"] == refund.id and data["status"] == "completed"
    assert data["paid_reference"] == "PG-20261127-0001" and data["paid_via"] == "shop"
    assert datetime.fromisoformat(data["paid_at"].replace("Z", "+00:00")) == paid_at
    assert data["refund_value_total"] == 27000 and "Idempotent-Replayed" not in first.headers

    stored = db.session.get(Refund, refund.id)
    assert stored.status == "completed" and stored.executed_at == paid_at
    assert stored.paid_note == "정산 배치 11/27" and stored.paid_by.name == "shop"
    assert _paid_events(refund.id) == 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "refund_paid")).one()
    assert event.detail["reference"] == "PG-20261127-0001" and event.detail["note"] == "정산 배치 11/27"
    assert event.actor.name == "shop"

    # The customer is told in-app and by email, with the amount, the method and the date.
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == customer.id, Notification.kind == "refund_paid")) == 1
    mails = [message_from_bytes(p.read_bytes(), policy=default)
             for p in Path(client.application.config["MAIL_FILE_DIR"]).glob("*.eml")]
    paid_mail = [m for m in mails if "환불이 지급되었습니다" in str(m["Subject"])]
    assert len(paid_mail) == 1
    text = paid_mail[0].get_body(("plain",)).get_content()
    assert "27,000원" in text and "카드 결제 취소" in text
    assert paid_at.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d") in text

    # The same confirmation again (a retry), or one without a body: 200, the same record, nothing new.
    for again_body in (body, None, {"reference": "PG-20261127-0001"}):
        kwargs = {"json": again_body} if again_body is not None else {}
        again = client.post(f"/api/v1/refunds/{refund.id}/paid", headers=shop, **kwargs)
        assert again.status_code == 200, again.get_json()
        assert again.get_json() == data
        assert again.headers["Idempotent-Replayed"] == "true"
    assert _paid_events(refund.id) == 1
    assert _customer_paid_notices(customer) == 1

    # A different reference is a different payment: refused, nothing changes.
    other = client.post(f"/api/v1/refunds/{refund.id}/paid", headers=shop, json={"reference": "PG-OTHER-9"})
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "already_paid"
    assert db.session.get(Refund, refund.id).paid_reference == "PG-20261127-0001"


def test_no_body_means_paid_now(client, shop, refund):
    before = datetime.now(UTC)
    response = client.post(f"/api/v1/refunds/{refund.id}/paid", headers=shop)
    assert response.status_code == 200, response.get_json()
    stored = db.session.get(Refund, refund.id)
    assert stored.status == "completed" and stored.paid_reference is None
    assert before - timedelta(seconds=1) <= stored.executed_at <= datetime.now(UTC)


def test_an_admin_may_confirm_but_customers_and_agents_may_not(client, customer, refund):
    agent = make_user("agent", queues=["orders"])
    for who in (customer, agent, make_user("lead")):
        refused = client.post(f"/api/v1/refunds/{refund.id}/paid", headers=bearer(who), json={})
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert db.session.get(Refund, refund.id).status == "pending"
    ok = client.post(f"/api/v1/refunds/{refund.id}/paid", headers=bearer(make_user("admin")),
                     json={"reference": "입금-11/27"})
    assert ok.status_code == 200 and ok.get_json()["paid_reference"] == "입금-11/27"
    assert client.post(f"/api/v1/refunds/{refund.id}/paid", json={}).status_code == 401


def test_an_unknown_refund_is_404(client, shop, refund):
    missing = client.post(f"/api/v1/refunds/{refund.id + 1000}/paid", headers=shop, json={})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/refunds/{refund.id + 1000}", headers=shop).status_code == 404


@pytest.mark.parametrize(("body", "field", "problem"), [
    ({"paid_at": 20261127}, "paid_at", "not_a_string"),
    ({"paid_at": "2026-11-27 10:00"}, "paid_at", "invalid"),  # no offset
    ({"paid_at": "어제"}, "paid_at", "invalid"),
    ({"reference": 12345}, "reference", "not_a_string"),
    ({"reference": ["PG-1"]}, "reference", "not_a_string"),
    ({"reference": "P" * 101}, "reference", "too_long"),
    ({"note": {"text": "메모"}}, "note", "not_a_string"),
    ({"paid_at": "FUTURE"}, "paid_at", "in_future"),
    ({"paid_at": "BEFORE_APPROVAL"}, "paid_at", "before_approval"),
])
def test_bad_input_is_422_with_the_field_and_changes_nothing(client, shop, refund, body, field, problem):
    if body.get("paid_at") == "FUTURE":
        body = {"paid_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}
    elif body.get("paid_at") == "BEFORE_APPROVAL":
        body = {"paid_at": (refund.created_at - timedelta(minutes=1)).astimezone().isoformat()}
    response = client.post(f"/api/v1/refunds/{refund.id}/paid", headers=shop, json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and error["fields"] == {field: problem} and error["message"]
    stored = db.session.get(Refund, refund.id)
    assert stored.status == "pending" and stored.executed_at is None
    assert _paid_events(refund.id) == 0


def test_a_body_that_is_not_an_object_is_400(client, shop, refund):
    for raw in ("[1, 2]", "{", '"paid"'):
        response = client.post(f"/api/v1/refunds/{refund.id}/paid", headers=shop, data=raw,
                               content_type="application/json")
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_json"
    assert db.session.get(Refund, refund.id).status == "pending"


def test_who_sees_a_refund(client, shop, customer, refund):
    mine = client.get(f"/api/v1/refunds/{refund.id}", headers=bearer(customer))
    assert mine.status_code == 200 and mine.get_json()["status"] == "pending"
    assert "paid_note" not in mine.get_json()  # staff and the shop only
    assert client.get(f"/api/v1/refunds/{refund.id}", headers=shop).get_json()["paid_note"] is None
    for who in (make_user("agent", queues=["orders"]), make_user("lead"), make_user("admin")):
        assert client.get(f"/api/v1/refunds/{refund.id}", headers=bearer(who)).status_code == 200
    for who in (make_user("customer"), make_user("agent", queues=["general"])):
        assert client.get(f"/api/v1/refunds/{refund.id}", headers=bearer(who)).status_code == 404


def test_the_decision_carries_the_refund_id_and_its_payment(client, shop, customer, refund):
    number = refund.request.ticket.number
    before = client.get(f"/api/v1/tickets/{number}/decision", headers=bearer(customer)).get_json()["refund"]
    assert before["id"] == refund.id and before["status"] == "pending" and before["paid_at"] is None
    client.post(f"/api/v1/refunds/{refund.id}/paid", headers=shop, json={"reference": "PG-1"})
    after = client.get(f"/api/v1/tickets/{number}/decision", headers=bearer(customer)).get_json()["refund"]
    assert after["status"] == "completed" and after["paid_reference"] == "PG-1" and after["paid_via"] == "shop"
    assert after["paid_at"] is not None


@pytest.mark.parametrize("round_", range(8))
def test_simultaneous_confirmations_record_one_payment(web_app, client, shop, customer, round_):
    """Real concurrent requests (one thread each, own app context and connection): the same
    confirmation four times, and two different references at the same moment."""
    refund_id = approved_refund(customer).id
    admin = bearer(make_user("admin"))
    calls = [(shop, "PG-A"), (shop, "PG-A"), (admin, "PG-A"), (shop, "PG-B")]
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, int]] = []

    def confirm(headers, reference):
        local = web_app.test_client()
        barrier.wait()
        response = local.post(f"/api/v1/refunds/{refund_id}/paid", headers=headers, json={"reference": reference})
        results.append((reference, response.status_code))

    threads = [threading.Thread(target=confirm, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 4
    db.session.expire_all()
    stored = db.session.get(Refund, refund_id)
    assert stored.status == "completed"
    winner = stored.paid_reference
    # Every call naming the recorded reference succeeds (one records it, the rest replay); the other is 409.
    assert sorted(status for ref, status in results if ref == winner) == [200] * sum(
        1 for ref, _s in results if ref == winner)
    assert all(status == 409 for ref, status in results if ref != winner)
    assert _paid_events(refund_id) == 1
    assert _customer_paid_notices(customer) == 1


def test_responses_conform_to_the_openapi_document(client, shop, customer, refund):
    from app.api.spec import openapi_document
    from tests.api.test_openapi import _conforms, _ref_of

    document = openapi_document()
    got = client.get(f"/api/v1/refunds/{refund.id}", headers=bearer(customer))
    _conforms(document, _ref_of(document, "/refunds/{refund_id}", "get", "200"), got.get_json(), "get")
    paid = client.post(f"/api/v1/refunds/{refund.id}/paid", headers=shop, json={"reference": "PG-1"})
    _conforms(document, _ref_of(document, "/refunds/{refund_id}/paid", "post", "200"), paid.get_json(), "paid")
    for response, status in ((client.post(f"/api/v1/refunds/{refund.id}/paid", headers=shop,
                                          json={"reference": "PG-2"}), "409"),
                             (client.post(f"/api/v1/refunds/{refund.id}/paid", headers=shop,
                                          json={"note": 1}), "422"),
                             (client.post(f"/api/v1/refunds/{refund.id}/paid", headers=bearer(customer)), "403")):
        assert str(response.status_code) == status
        _conforms(document, _ref_of(document, "/refunds/{refund_id}/paid", "post", status), response.get_json())


@pytest.mark.parametrize("refund_id", [2**31 - 1, 2**31, 2**63 - 2, 2**63])
def test_an_id_beyond_what_the_database_holds_is_404_on_every_database(client, shop, refund, refund_id):
    # Ids are 32-bit on PostgreSQL: a larger one must be "not found", never the database's "bad value".
    for response in (client.get(f"/api/v1/refunds/{refund_id}", headers=shop),
                     client.post(f"/api/v1/refunds/{refund_id}/paid", headers=shop, json={})):
        assert response.status_code == 404, response.get_data(as_text=True)
        assert response.get_json()["error"]["code"] == "not_found"
    admin = bearer(make_user("admin"))
    assert client.get(f"/api/v1/attachments/{refund_id}", headers=admin).status_code == 404
