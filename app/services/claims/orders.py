"""Orders as the desk knows them (read-only until the refunds issue adds the shop's push)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.domain import access
from app.domain.errors import DomainError, Forbidden, NotFound
from app.domain.vocabulary import Role
from app.extensions import db
from app.models import Order, OrderStatusChange, User

ORDER_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{2,39}")


def scoped_orders(actor: User):
    """SELECT of the orders ``actor`` may see: a customer's own, or every order for staff."""
    stmt = select(Order)
    scope = access.order_scope(actor.actor())
    if scope == access.ScopeKind.ALL:
        return stmt
    if scope == access.ScopeKind.OWN:
        return stmt.where(Order.customer_id == actor.id)
    return stmt.where(Order.id == -1)


def list_orders(actor: User, *, customer_email: str | None = None, page: int = 1,
                per_page: int = 25) -> tuple[list[Order], int]:
    """Newest first. Staff may narrow to one customer by email."""
    stmt = scoped_orders(actor)
    if customer_email and access.is_staff(actor.actor()):
        stmt = stmt.where(Order.customer_email == customer_email.strip().lower())
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(Order.ordered_at.desc(), Order.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total


def orders_of(customer: User, limit: int = 100) -> list[Order]:
    """The customer's own orders for the inquiry form, newest first."""
    return list(db.session.scalars(
        select(Order).where(Order.customer_id == customer.id)
        .order_by(Order.ordered_at.desc()).limit(limit)
    ))


def load_order_for(actor: User, number: str) -> Order:
    """The order by number if ``actor`` may see it; NotFound otherwise (never 403)."""
    order = db.session.scalar(select(Order).where(Order.number == (number or "").strip()))
    if order is None or not access.can_see_order(actor.actor(), customer_id=order.customer_id):
        raise NotFound("order")
    return order


def upsert_order(actor: User, number: str, data: object, now: datetime) -> tuple[Order, bool]:
    """Create or replace the shop's snapshot of an order (``PUT /orders/{number}``).

    The body is validated by the policy module's parser: a malformed snapshot is refused
    with field-level errors and the last good one stays. Returns (order, created).
    """
    from app.domain.policy.json import order_from_dict

    if not access.can_push_orders(actor.actor()):
        raise Forbidden("주문은 쇼핑몰 연동 계정만 등록할 수 있습니다.", "Only the shop's integration may push orders.")
    number = (number or "").strip()
    if not ORDER_NUMBER.fullmatch(number):
        raise DomainError("validation_failed", "주문번호 형식이 올바르지 않습니다.", "The order number is malformed.",
                          status=422, fields={"number": "invalid"})
    if not isinstance(data, dict):
        raise DomainError("malformed_json", "JSON 객체가 필요합니다.", "A JSON object is required.", status=400)
    email = data.get("customer_email")
    body = {k: v for k, v in data.items() if k != "customer_email"}
    body.setdefault("order_id", number)
    if body["order_id"] != number:
        raise DomainError("validation_failed", "본문의 주문번호가 주소와 다릅니다.",
                          "order_id in the body differs from the URL.", status=422, fields={"order_id": "mismatch"})
    if not isinstance(email, str) or "@" not in email:
        raise DomainError("validation_failed", "고객 이메일이 필요합니다.", "customer_email is required.",
                          status=422, fields={"customer_email": "required"})
    snapshot = order_from_dict(body)  # raises DomainError 422 with fields
    email = email.strip().lower()
    customer = db.session.scalar(select(User).where(User.email == email, User.role == Role.CUSTOMER))
    gross = sum(line.unit_price * line.quantity for line in snapshot.lines)
    total = gross - (snapshot.order_coupon.amount if snapshot.order_coupon else 0) + snapshot.shipping.fee_charged
    first = snapshot.lines[0].name
    summary = first + (f" 외 {len(snapshot.lines) - 1}건" if len(snapshot.lines) > 1 else "")
    ordered_at = snapshot.paid_at or now
    order = db.session.scalar(select(Order).where(Order.number == number))
    created = order is None
    if created:
        order = Order(number=number, created_at=now, version=0, status=str(snapshot.status))
        db.session.add(order)
    old_status = None if created else order.status
    order.customer_id = customer.id if customer else None
    order.customer_email = email
    order.seller_id = snapshot.seller_id
    order.total_amount = total
    order.item_summary = summary[:200]
    order.ordered_at = ordered_at
    order.snapshot = body
    order.updated_at = now
    order.version = (order.version or 0) + 1
    order.status = str(snapshot.status)
    db.session.flush()
    if old_status != order.status:
        db.session.add(OrderStatusChange(order_id=order.id, old_status=old_status, new_status=order.status,
                                         source="shop", at=now))
    return order, created


@dataclass(frozen=True)
class ShippingFacts:
    """What the order page and the agent's order card say about shipping, from the snapshot."""

    fee_charged: int
    base_fee: int
    free_reason: str            # none | threshold | unconditional (app/domain/policy/models.py FreeReason)
    free_threshold: int | None
    plus_member: bool
    coupon: int                 # the order coupon's amount (0 without one)
    shipped_at: datetime | None
    delivered_at: datetime | None
    promised_delivery_by: datetime | None

    @property
    def free(self) -> bool:
        return self.fee_charged == 0


def _snapshot_time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _amount(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def shipping_facts(order: Order) -> ShippingFacts:
    """The shipping fee charged (and why it was free) and the delivery times of an order's snapshot.

    Snapshots were validated when pushed, but older ones may lack a field: anything
    missing reads as zero or unknown rather than failing the page.
    """
    snap = order.snapshot or {}
    shipping = snap.get("shipping") if isinstance(snap.get("shipping"), dict) else {}
    coupon = snap.get("order_coupon") if isinstance(snap.get("order_coupon"), dict) else {}
    threshold = shipping.get("free_threshold")
    return ShippingFacts(
        fee_charged=_amount(shipping.get("fee_charged")), base_fee=_amount(shipping.get("base_fee")),
        free_reason=str(shipping.get("free_reason") or "none"),
        free_threshold=threshold if isinstance(threshold, int) and not isinstance(threshold, bool) else None,
        plus_member=shipping.get("plus_member_at_order") is True, coupon=_amount(coupon.get("amount")),
        shipped_at=_snapshot_time(snap.get("shipped_at")), delivered_at=_snapshot_time(snap.get("delivered_at")),
        promised_delivery_by=_snapshot_time(snap.get("promised_delivery_by")))
