"""Property tests of the policy (Hypothesis): §3.1 invariants 1–7 and §6.3 properties 1–6.

Splitting a refund is compared on the net money to the customer, ``refund_value_total −
customer_payable``: when deductions exceed a refund the customer owes the difference, so a split
whose first part clears the deductions can refund more in ``refund_value_total`` alone while
costing the customer more overall. Without payables the plain refund values are compared too.
"""
from __future__ import annotations

import json
from dataclasses import fields, is_dataclass, replace
from datetime import datetime, timedelta, timezone

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.domain.policy.evaluate import (
    Attestations,
    Customer,
    Effect,
    FreeReason,
    Inspection,
    InspectionCondition,
    OrderCoupon,
    OrderLine,
    OrderSnapshot,
    OrderStatus,
    Outcome,
    PaymentLeg,
    PaymentMethod,
    PolicyDecision,
    PolicyRequest,
    RequestKind,
    RequestReason,
    SellerPolicy,
    Shipping,
    allocate_coupon,
    decision_to_dict,
    evaluate,
    validate_order,
)
from app.domain.policy.models import PRE_SHIPMENT
from tests.domain.policy_builders import CONFIG, kst, record_of

SETTINGS = settings(max_examples=150, deadline=None)
PAID_AT = kst(2026, 2, 26, 10)
SHIPPED_AT = kst(2026, 2, 27, 18)
DELIVERED_AT = kst(2026, 3, 2, 14)

# ---------------------------------------------------------------------------------------------- strategies

prices = st.one_of(st.just(0), st.integers(10, 800).map(lambda x: x * 100))
tri = st.sampled_from([True, False, None])


@st.composite
def order_lines(draw, flags: bool = False) -> list[OrderLine]:
    count = draw(st.integers(1, 4))
    result = []
    for i in range(count):
        extra = {}
        if flags:
            extra = dict(on_sale=draw(st.booleans()), perishable=draw(st.booleans()),
                         reproducible_media=draw(st.booleans()), hygiene=draw(st.booleans()),
                         custom_made=draw(st.booleans()), custom_made_consent=draw(tri),
                         restriction_notice_given=draw(tri))
        else:
            extra = dict(restriction_notice_given=True)
        result.append(OrderLine(line_id=f"L{i + 1}", sku=f"S{i}", name=f"item {i}", unit_price=draw(prices),
                                quantity=draw(st.integers(1, 3)), earned_points=draw(st.integers(0, 500)), **extra))
    return result


@st.composite
def orders(draw, status: OrderStatus | None = None, flags: bool = False) -> OrderSnapshot:
    lines = draw(order_lines(flags))
    gross = sum(x.unit_price * x.quantity for x in lines)
    coupon = None
    if gross >= 200 and draw(st.booleans()):
        coupon = OrderCoupon(coupon_id="CP", amount=draw(st.integers(1, gross // 2)),
                             expires_at=draw(st.sampled_from([kst(2026, 3, 1), kst(2026, 12, 31)])),
                             reissuable=draw(st.booleans()))
    kind = draw(st.sampled_from(["paid", "threshold", "unconditional"]))
    if kind == "paid":
        fee = draw(st.sampled_from([0, 2500, 3000, 5000]))
        shipping = Shipping(base_fee=fee, fee_charged=fee)
    else:
        shipping = Shipping(base_fee=3000, fee_charged=0, free_reason=FreeReason(kind),
                            free_threshold=draw(st.sampled_from([15_000, 30_000, 50_000])) if kind == "threshold"
                            else None)
    total = gross - (coupon.amount if coupon else 0) + shipping.fee_charged
    status = status or draw(st.sampled_from(list(OrderStatus)))
    payments = [] if status == OrderStatus.PAYMENT_PENDING else draw(payment_legs(total))
    times = {"paid_at": None if status == OrderStatus.PAYMENT_PENDING else PAID_AT}
    if status in (OrderStatus.PREPARING, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.PURCHASE_CONFIRMED):
        times["preparing_at"] = kst(2026, 2, 26, 15)
    if status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.PURCHASE_CONFIRMED):
        times["shipped_at"] = SHIPPED_AT
    if status in (OrderStatus.DELIVERED, OrderStatus.PURCHASE_CONFIRMED):
        times["delivered_at"] = draw(st.sampled_from([DELIVERED_AT, DELIVERED_AT, None]) if flags
                                     else st.just(DELIVERED_AT))
    if status == OrderStatus.CANCELLED:
        times["cancelled_at"] = kst(2026, 2, 27, 9)
    policy = SellerPolicy()
    if flags:
        policy = SellerPolicy(withdrawal_days=draw(st.sampled_from([None, 3, 7, 14])),
                              extension_excludes_sale_items=draw(st.booleans()),
                              sale_items_non_returnable=draw(st.booleans()),
                              return_fee_one_way=draw(st.sampled_from([None, 0, 2500, 6000])),
                              restocking_fee_krw=draw(st.sampled_from([0, 5000])),
                              customer_pays_return_on_defect=draw(st.booleans()))
    promised = draw(st.sampled_from([None, kst(2026, 2, 28, 23, 59, 59), kst(2026, 3, 20)])) if flags else None
    customer = Customer(customer_id="C", refund_account_on_file=draw(st.booleans()))
    return OrderSnapshot(order_id="O", seller_id="S1", status=status, lines=lines, shipping=shipping,
                         payments=payments, customer=customer, order_coupon=coupon, seller_policy=policy,
                         promised_delivery_by=promised, **times)


@st.composite
def payment_legs(draw, total: int) -> list[PaymentLeg]:
    if total == 0:
        return []
    mix = draw(st.sampled_from(["card", "points", "points+card", "two_cash", "virtual_account", "mobile"]))
    if mix in ("card", "virtual_account", "mobile", "points"):
        return [PaymentLeg(method=PaymentMethod(mix), amount=total, approval_id="A")]
    if total < 2:
        return [PaymentLeg(method=PaymentMethod.CARD, amount=total, approval_id="A")]
    first = draw(st.integers(1, total - 1))
    if mix == "points+card":
        return [PaymentLeg(method=PaymentMethod.POINTS, amount=first, approval_id="P"),
                PaymentLeg(method=PaymentMethod.CARD, amount=total - first, approval_id="A")]
    return [PaymentLeg(method=PaymentMethod.CARD, amount=first, approval_id="A"),
            PaymentLeg(method=PaymentMethod.EASY_PAY, amount=total - first, approval_id="E")]


def units(order: OrderSnapshot) -> list[str]:
    """One entry per unit of the order, e.g. ["L1", "L1", "L2"]."""
    return [x.line_id for x in order.lines for _ in range(x.quantity)]


def as_lines(unit_ids: list[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for line_id in unit_ids:
        counts[line_id] = counts.get(line_id, 0) + 1
    return sorted(counts.items())


@st.composite
def partitions(draw, items: list[str], max_parts: int = 4) -> list[list[str]]:
    """``items`` shuffled and cut into 1..max_parts non-empty requests."""
    shuffled = draw(st.permutations(items))
    count = draw(st.integers(1, min(max_parts, len(items))))
    cuts = sorted(draw(st.sets(st.integers(1, len(items) - 1), min_size=count - 1, max_size=count - 1))
                  if count > 1 else [])
    bounds = [0, *cuts, len(items)]
    return [list(shuffled[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def make_request(order: OrderSnapshot, kind: RequestKind, lines, reason: RequestReason, at: datetime,
                 request_id: str = "RQ-1", **extra) -> PolicyRequest:
    extra.setdefault("status_at_request", order.status)
    return PolicyRequest(request_id=request_id, kind=kind, lines=lines, reason=reason, requested_at=at, **extra)


RETURN_REASONS = st.sampled_from([RequestReason.CHANGE_OF_MIND, RequestReason.DEFECTIVE, RequestReason.WRONG_ITEM,
                                  RequestReason.DAMAGED_IN_TRANSIT, RequestReason.LATE_DELIVERY])


@st.composite
def single_requests(draw):
    """Any valid order (all statuses, flags, seller terms) and any valid request on it."""
    order = draw(orders(flags=True))
    usual_kind = RequestKind.CANCEL if order.status in PRE_SHIPMENT else RequestKind.REFUND
    kind = draw(st.sampled_from([usual_kind, usual_kind, usual_kind, RequestKind.CANCEL, RequestKind.REFUND]))
    all_units = units(order)
    if draw(st.integers(0, 4)):  # mostly units the order has; sometimes more than it has
        picked = draw(st.lists(st.sampled_from(range(len(all_units))), min_size=1, unique=True))
        chosen = [all_units[i] for i in picked]
    else:
        chosen = draw(st.lists(st.sampled_from(all_units), min_size=1, max_size=6))
    reason = draw(st.sampled_from(list(RequestReason)))
    at = kst(2026, 3, 2, 15) + timedelta(hours=draw(st.integers(0, 24 * 120)))
    inspection = None
    if draw(st.booleans()):
        inspection = Inspection(condition=draw(st.sampled_from(list(InspectionCondition))), inspected_at=at)
    request = make_request(
        order, kind, as_lines(chosen), reason, at,
        status_at_request=draw(st.sampled_from([order.status] * 3 + list(OrderStatus))),
        discovered_at=draw(st.sampled_from([None, kst(2026, 3, 1, 12), at - timedelta(days=3)])),
        attestations=Attestations(packaging_intact=draw(tri), opened_for_inspection_only=draw(tri), unused=draw(tri)),
        return_inspection=inspection,
        return_received_at=draw(st.sampled_from([None, at + timedelta(days=2)])),
        converted_from_cancel_at=draw(st.sampled_from([None, kst(2026, 2, 27, 9)])))
    now = at + timedelta(hours=draw(st.integers(0, 24 * 30)))
    return order, request, now


# ---------------------------------------------------------------------------------------------- invariants


def amounts(d: PolicyDecision) -> list[object]:
    b = d.breakdown
    if b is None:
        return []
    values = [b.items_amount, b.coupon_share, b.shipping_refund, b.initial_shipping_clawback, b.return_shipping_fee,
              b.refund_value_total, b.customer_payable, b.cash_refund_total, b.points_restored,
              b.points_earned_revoked]
    values += [v for x in b.lines for v in (x.quantity, x.items_amount, x.coupon_share, x.points_earned_revoked)]
    values += [m.amount for m in b.method]
    values += [r.params[k] for r in d.reasons for k in r.params if k in ("fee", "amount", "delay_interest_krw")]
    return values


def check_decision_invariants(d: PolicyDecision) -> None:
    """§3.1 invariants 1, 2, 3, 5 and 7 (6 is checked on its own)."""
    b = d.breakdown
    if b is not None:
        raw = b.items_amount - b.coupon_share + b.shipping_refund - b.initial_shipping_clawback - b.return_shipping_fee
        assert b.refund_value_total == max(raw, 0) and b.customer_payable == max(-raw, 0)            # 1
        assert b.refund_value_total == b.cash_refund_total + b.points_restored == sum(m.amount for m in b.method)  # 2
        assert all(m.amount > 0 for m in b.method)
        assert b.items_amount == sum(x.items_amount for x in b.lines)                                 # 3
        assert b.coupon_share == sum(x.coupon_share for x in b.lines)
        assert b.points_earned_revoked == sum(x.points_earned_revoked for x in b.lines)
    blocked = any(r.effect == Effect.BLOCK for r in d.reasons)
    assert (d.outcome == Outcome.INELIGIBLE) == blocked                                              # 5
    assert (b is None) == (d.outcome == Outcome.INELIGIBLE)
    if d.outcome != Outcome.INELIGIBLE:
        reviewed = any(r.effect == Effect.REVIEW for r in d.reasons)
        assert (d.outcome == Outcome.NEEDS_REVIEW) == reviewed
    for value in amounts(d):                                                                          # 7
        assert type(value) is int and value >= 0
    assert d.approvals_required == (2 if any(r.code == "FOUR_EYES_REQUIRED" for r in d.reasons) else 1)


def serialise(d: PolicyDecision) -> bytes:
    return json.dumps(decision_to_dict(d), sort_keys=True, ensure_ascii=False).encode()


# ---------------------------------------------------------------------------------------------- properties


@SETTINGS
@given(single_requests())
def test_any_request_keeps_the_decision_invariants(case):
    order, request, now = case
    check_decision_invariants(evaluate(order, request, now, CONFIG))


@SETTINGS
@given(single_requests())
def test_evaluation_is_deterministic(case):
    """§6.3.5 / §3.1.6: the same input serialises to the same bytes."""
    order, request, now = case
    first, second = evaluate(order, request, now, CONFIG), evaluate(order, request, now, CONFIG)
    assert first == second
    assert serialise(first) == serialise(second)


def shifted(value, tz):
    """``value`` with every datetime inside re-expressed in ``tz`` (the same instants)."""
    if isinstance(value, datetime):
        return value.astimezone(tz)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: shifted(getattr(value, f.name), tz) for f in fields(value) if f.init})
    if isinstance(value, tuple):
        return tuple(shifted(v, tz) for v in value)
    return value


@SETTINGS
@given(single_requests(), st.integers(-12 * 4, 14 * 4))
def test_the_same_instants_in_any_offset_give_the_same_decision(case, quarter_hours):
    """§6.3.4: time-zone invariance."""
    order, request, now = case
    tz = timezone(timedelta(minutes=15 * quarter_hours))
    moved = evaluate(shifted(order, tz), shifted(request, tz), now.astimezone(tz), CONFIG)
    assert serialise(moved) == serialise(evaluate(order, request, now, CONFIG))


@SETTINGS
@given(orders(status=OrderStatus.DELIVERED, flags=True), st.integers(0, 24 * 40), st.integers(1, 24 * 40),
       st.sampled_from([RequestReason.CHANGE_OF_MIND, RequestReason.OTHER, RequestReason.LATE_DELIVERY]))
def test_an_expired_window_stays_expired(order, hours, later, reason):
    """§6.3.3: customer-fault returns are monotone in time once REFUND_WINDOW_EXPIRED."""
    assume(order.delivered_at is not None)
    t1 = order.delivered_at + timedelta(hours=hours)
    t2 = t1 + timedelta(hours=later)
    lines = [(x.line_id, 1) for x in order.lines]
    first = evaluate(order, make_request(order, RequestKind.REFUND, lines, reason, t1), t1, CONFIG)
    second = evaluate(order, make_request(order, RequestKind.REFUND, lines, reason, t2), t2, CONFIG)
    if "REFUND_WINDOW_EXPIRED" in first.codes():
        assert "REFUND_WINDOW_EXPIRED" in second.codes() and second.outcome == Outcome.INELIGIBLE


@SETTINGS
@given(st.integers(1, 200_000), st.lists(st.integers(0, 500_000), min_size=1, max_size=8))
def test_coupon_allocation_bounds(amount, grosses):
    """§6.3.2: 0 ≤ share ≤ D, Σ = D, and every line but the biggest is within 1 of its exact share."""
    total = sum(grosses)
    assume(total >= amount)
    shares = allocate_coupon(amount, grosses)
    assert sum(shares) == amount
    biggest = max(range(len(grosses)), key=lambda i: (grosses[i], -i))
    for i, (share, gross) in enumerate(zip(shares, grosses, strict=True)):
        assert 0 <= share <= amount
        if i != biggest:
            assert abs(share * total - amount * gross) < total  # |share − D·g/G| < 1, in integers


def run_sequence(order: OrderSnapshot, parts: list[list[str]], kind: RequestKind, reasons: list[RequestReason],
                 start: datetime):
    """Evaluate the requests one after the other, each approved decision kept as history."""
    decisions = []
    for i, (part, reason) in enumerate(zip(parts, reasons, strict=True)):
        at = start + timedelta(hours=i)
        request = make_request(order, kind, as_lines(part), reason, at, request_id=f"RQ-{i}")
        decision = evaluate(order, request, at, CONFIG)
        assert decision.outcome != Outcome.INELIGIBLE, [r.code for r in decision.reasons]
        check_decision_invariants(decision)
        decisions.append(decision)
        order = replace(order, refund_history=[*order.refund_history, record_of(decision, request)])
    return order, decisions


@st.composite
def sequences(draw):
    kind = draw(st.sampled_from(list(RequestKind)))
    status = OrderStatus.PAID if kind == RequestKind.CANCEL else OrderStatus.DELIVERED
    order = draw(orders(status=status))
    parts = draw(partitions(units(order)))
    reasons = [RequestReason.CHANGE_OF_MIND if kind == RequestKind.CANCEL else draw(RETURN_REASONS) for _ in parts]
    return order, parts, kind, reasons


@SETTINGS
@given(sequences())
def test_a_sequence_that_empties_the_order_never_refunds_more_than_was_paid(seq):
    """§6.3.1 and §3.1.4: coupon shares add up to the allocation; cash ≤ cash paid; points ≤ points used;
    an all-cancel sequence returns exactly total_payable."""
    order, parts, kind, reasons = seq
    final, decisions = run_sequence(order, parts, kind, reasons, kst(2026, 3, 5, 10))
    shares = dict(zip([x.line_id for x in order.lines],
                      allocate_coupon(order.order_coupon.amount if order.order_coupon else 0,
                                      [x.unit_price * x.quantity for x in order.lines]), strict=True))
    for line in order.lines:
        refunded = [y for d in decisions for y in d.breakdown.lines if y.line_id == line.line_id]
        assert sum(y.coupon_share for y in refunded) == shares[line.line_id]
        assert sum(y.points_earned_revoked for y in refunded) == line.earned_points
    assert sum(d.breakdown.coupon_share for d in decisions) == (order.order_coupon.amount if order.order_coupon else 0)

    cash_paid = sum(p.amount for p in order.payments if p.method != PaymentMethod.POINTS)
    points_used = sum(p.amount for p in order.payments if p.method == PaymentMethod.POINTS)
    assert sum(d.breakdown.cash_refund_total for d in decisions) <= cash_paid
    assert sum(d.breakdown.points_restored for d in decisions) <= points_used
    assert sum(d.breakdown.refund_value_total for d in decisions) <= order.total_payable
    if kind == RequestKind.CANCEL:
        # A full cancel returns everything, including any earlier clawback (as far as it was deducted).
        assert sum(d.breakdown.refund_value_total for d in decisions) == order.total_payable
        assert sum(d.breakdown.cash_refund_total for d in decisions) == cash_paid
        assert sum(d.breakdown.points_restored for d in decisions) == points_used
    # The history the desk keeps is accepted as consistent by INPUT-VALID.
    assert validate_order(final) == {}


@SETTINGS
@given(sequences(), st.data())
def test_a_refund_never_exceeds_what_was_paid_for_its_items(seq, data):
    """Each request: the items part is at most their price less their coupon share, and the shipping
    refunded is at most the outbound shipping the seller still holds."""
    order, parts, kind, reasons = seq
    history_parts = parts[: data.draw(st.integers(0, len(parts) - 1))]
    order, _ = run_sequence(order, history_parts, kind, reasons[: len(history_parts)], kst(2026, 3, 5, 10))
    part = parts[len(history_parts)]
    at = kst(2026, 3, 6, 10)
    d = evaluate(order, make_request(order, kind, as_lines(part), reasons[len(history_parts)], at, "RQ-X"), at, CONFIG)
    b = d.breakdown
    prices = {x.line_id: x.unit_price for x in order.lines}
    assert b.items_amount == sum(prices[line_id] for line_id in part)
    assert 0 <= b.coupon_share <= b.items_amount
    held = (order.shipping.fee_charged + sum(r.clawback_retained for r in order.refund_history)
            - sum(r.shipping_refund for r in order.refund_history))
    assert 0 <= b.shipping_refund <= held
    assert b.refund_value_total - b.shipping_refund <= b.items_amount - b.coupon_share
    assert b.refund_value_total <= b.items_amount - b.coupon_share + b.shipping_refund


@st.composite
def splits(draw):
    kind = draw(st.sampled_from(list(RequestKind)))
    status = OrderStatus.PAID if kind == RequestKind.CANCEL else OrderStatus.DELIVERED
    order = draw(orders(status=status))
    all_units = units(order)
    assume(len(all_units) >= 2)
    chosen = draw(st.lists(st.sampled_from(range(len(all_units))), min_size=2, max_size=len(all_units),
                           unique=True))
    cut = draw(st.integers(1, len(chosen) - 1))
    reason = RequestReason.CHANGE_OF_MIND if kind == RequestKind.CANCEL else draw(RETURN_REASONS)
    picked = [all_units[i] for i in chosen]
    return order, kind, reason, picked[:cut], picked[cut:]


@SETTINGS
@given(splits())
def test_two_partial_refunds_never_pay_more_than_one_full_refund(case):
    order, kind, reason, first, second = case
    at = kst(2026, 3, 5, 10)
    whole = evaluate(order, make_request(order, kind, as_lines(first + second), reason, at), at, CONFIG)
    _, parts = run_sequence(order, [first, second], kind, [reason, reason], at)
    net = [d.breakdown.refund_value_total - d.breakdown.customer_payable for d in parts]
    assert sum(net) <= whole.breakdown.refund_value_total - whole.breakdown.customer_payable
    if all(d.breakdown.customer_payable == 0 for d in [whole, *parts]):
        assert sum(d.breakdown.refund_value_total for d in parts) <= whole.breakdown.refund_value_total
