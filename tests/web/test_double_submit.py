"""A double-click or a retried request files one inquiry, not two."""
from __future__ import annotations

from app.extensions import db
from app.models import Ticket
from tests.factories import bearer, login, make_user


def _count() -> int:
    return db.session.scalar(db.select(db.func.count(Ticket.id)))


def test_resubmitted_form_returns_the_first_ticket(app, client):
    customer = make_user("customer")
    login(client, customer)
    form = {"category": "product", "subject": "재입고 문의", "body": "언제 들어오나요?",
            "submission_key": "3f1c0a9e5b7d4e2f8a6c1b0d9e8f7a6b"}
    first = client.post_form("/inquiries/new", form)
    second = client.post_form("/inquiries/new", form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count() == 1


def test_api_idempotency_key_replays_the_ticket(app, client):
    customer = make_user("customer")
    headers = {**bearer(customer), "Idempotency-Key": "order-sync-42"}
    body = {"category": "other", "subject": "영수증 발급", "body": "현금영수증이 필요합니다."}
    first = client.post("/api/v1/tickets", json=body, headers=headers)
    again = client.post("/api/v1/tickets", json=body, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["number"] == first.get_json()["number"]
    assert _count() == 1
    # Another customer's identical key is theirs alone.
    other = make_user("customer")
    third = client.post("/api/v1/tickets", json=body, headers={**bearer(other), "Idempotency-Key": "order-sync-42"})
    assert third.status_code == 201
    assert _count() == 2
