"""An approved, not yet paid refund made the way the desk makes one: the customer files a
cancellation (services, with a parsed claim) and an agent approves it with ``decide``."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Refund, User
from app.services import unit_of_work
from app.services.claims.intake import create_ticket
from app.services.claims.refunds import decide, parse_claim
from tests.factories import make_policy_order, make_user

LINES = [{"name": "반팔 티셔츠", "unit_price": 12000, "quantity": 2}]


def approved_refund(customer: User, *, requested_days_ago: float = 10, agent: User | None = None,
                    payment_method: str = "card", lines: list[dict] | None = None,
                    shipping_fee: int = 3000) -> Refund:
    """A full cancel of a paid order, requested ``requested_days_ago`` and approved an hour later.

    Requested ten days ago (default), its legal due date (3 business days later) has passed,
    so it is on /desk/refunds/overdue; requested just now, it is not due yet.
    """
    now = datetime.now(UTC)
    requested = now - timedelta(days=requested_days_ago)
    order = make_policy_order(customer, "paid", lines or LINES, shipping_fee=shipping_fee,
                              payment_method=payment_method, paid_at=requested - timedelta(hours=2))
    claim = parse_claim({"lines": [{"line_id": "L1", "quantity": (lines or LINES)[0]["quantity"]}],
                         "reason": "change_of_mind"}, kind="cancel")
    ticket = create_ticket(customer, category_code="cancellation", subject=f"주문 {order.number} 취소 신청",
                           body="마음이 바뀌었습니다.", order_number=order.number, files=[], now=requested,
                           claim=claim)
    unit_of_work.commit()
    agent = agent or make_user("agent", name="김상담", queues=["orders"])
    result = decide(agent, ticket, action="approve", note=None, now=min(requested + timedelta(hours=1), now))
    unit_of_work.commit()
    assert result.refund is not None, "the claim was not approved"
    return db.session.get(Refund, result.refund.id)
