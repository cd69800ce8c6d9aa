"""Builders for the policy tests: the shared fixtures and defaults of policy.md §6.1.

* Config: ``PolicyConfig`` defaults with the 2026 holidays of §0.4 (without 07-17; 05-01 a business day).
* Orders: seller S1, base fee 3,000, empty seller policy, all category flags false,
  ``restriction_notice_given=True`` on every line, ``custom_made_consent=None``, no coupon, no history,
  ``refund_account_on_file=True``; delivered orders paid 02-26 10:00, shipped 02-27 18:00,
  delivered 03-02 14:00 KST.
* Requests: attestations all None, no inspection, ``status_at_request`` = the current status,
  ``now = requested_at``.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.domain.policy.evaluate import (
    Attestations,
    Customer,
    FreeReason,
    OrderCoupon,
    OrderLine,
    OrderSnapshot,
    OrderStatus,
    PaymentLeg,
    PaymentMethod,
    PolicyConfig,
    PolicyDecision,
    PolicyRequest,
    RefundRecord,
    RefundStatus,
    RequestKind,
    RequestReason,
    SellerPolicy,
    Shipping,
    evaluate,
)

KST = ZoneInfo("Asia/Seoul")


def kst(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=KST)


def _days(*pairs: tuple[int, int]) -> frozenset[date]:
    return frozenset(date(2026, m, d) for m, d in pairs)


# §0.4, as the fixture of §4.6: 07-17 left out, 05-01 not a holiday.
HOLIDAYS_2026 = _days((1, 1), (2, 16), (2, 17), (2, 18), (3, 1), (3, 2), (5, 5), (5, 24), (5, 25), (6, 3), (6, 6),
                      (8, 15), (8, 17), (9, 24), (9, 25), (9, 26), (10, 3), (10, 5), (10, 9), (12, 25))
CONFIG = PolicyConfig(holidays=HOLIDAYS_2026)

PAID_AT = kst(2026, 2, 26, 10)
PREPARING_AT = kst(2026, 2, 26, 15)
SHIPPED_AT = kst(2026, 2, 27, 18)
DELIVERED_AT = kst(2026, 3, 2, 14)
CONFIRMED_AT = kst(2026, 3, 3, 10)
CANCEL_AT = kst(2026, 3, 2, 11)   # default submission of a cancel (T01)
RETURN_AT = kst(2026, 3, 5, 10)   # default submission of a return (T22)


def line(line_id: str, unit_price: int, quantity: int = 1, name: str | None = None, **flags) -> OrderLine:
    flags.setdefault("restriction_notice_given", True)
    return OrderLine(line_id=line_id, sku=f"SKU-{line_id}", name=name or line_id, unit_price=unit_price,
                     quantity=quantity, **flags)


def paid_shipping(fee: int = 3000) -> Shipping:
    return Shipping(base_fee=fee, fee_charged=fee, free_reason=FreeReason.NONE)


def free_by_threshold(threshold: int = 30_000, plus: bool = False) -> Shipping:
    return Shipping(base_fee=3000, fee_charged=0, free_reason=FreeReason.THRESHOLD, free_threshold=threshold,
                    plus_member_at_order=plus)


def free_unconditional() -> Shipping:
    return Shipping(base_fee=3000, fee_charged=0, free_reason=FreeReason.UNCONDITIONAL)


def leg(method: str, amount: int, approval_id: str = "A-1") -> PaymentLeg:
    return PaymentLeg(method=PaymentMethod(method), amount=amount, approval_id=approval_id)


def coupon(amount: int = 5000, expires_at: datetime | None = None, reissuable: bool = True) -> OrderCoupon:
    return OrderCoupon(coupon_id="CP-1", amount=amount, expires_at=expires_at or kst(2026, 12, 31, 23, 59, 59),
                       reissuable=reissuable)


def _ab() -> list[OrderLine]:
    return [line("L1", 20_000, name="A"), line("L2", 15_000, name="B")]


# name -> (lines, shipping, payments, order coupon) of §6.1
FIXTURES = {
    "OA": lambda: ([line("L1", 12_000)], paid_shipping(), [leg("card", 15_000)], None),
    "O3": lambda: ([line("L1", 10_000, name="A"), line("L2", 25_000, name="B"), line("L3", 7_000, 2, name="C")],
                   free_by_threshold(), [leg("card", 44_000)], coupon(5000)),
    "OB": lambda: (_ab(), free_by_threshold(), [leg("card", 35_000)], None),
    "OBP": lambda: (_ab(), free_by_threshold(), [leg("points", 5_000, "P-1"), leg("card", 30_000)], None),
    "OBM": lambda: (_ab(), free_by_threshold(), [leg("mobile", 35_000, "M-1")], None),
    "OC": lambda: ([line("L1", 25_000), line("L2", 10_000), line("L3", 8_000)], free_by_threshold(),
                   [leg("card", 43_000)], None),
    "OD": lambda: ([line("L1", 20_000)], paid_shipping(), [leg("card", 23_000)], None),
    "ODE": lambda: ([line("L1", 20_000, earned_points=200)], paid_shipping(), [leg("card", 23_000)], None),
    "OE": lambda: ([line("L1", 40_000)], free_by_threshold(), [leg("card", 40_000)], None),
    "OPL": lambda: ([line("L1", 12_000), line("L2", 5_000), line("L3", 4_000)],
                    free_by_threshold(15_000, plus=True), [leg("card", 21_000)], None),
    "OPT": lambda: ([line("L1", 20_000)], paid_shipping(), [leg("points", 23_000, "P-1")], None),
    "OG": lambda: ([line("L1", 30_000), line("L2", 0, name="gift")], free_by_threshold(), [leg("card", 30_000)], None),
    "OH": lambda: ([line("L1", 320_000)], free_by_threshold(), [leg("card", 320_000)], None),
    "OK1": lambda: ([line("L1", 299_999)], free_by_threshold(), [leg("card", 299_999)], None),
    "OK2": lambda: ([line("L1", 300_000)], free_by_threshold(), [leg("card", 300_000)], None),
    "OX": lambda: ([line("L1", 29_000), line("L2", 2_000)], free_by_threshold(), [leg("card", 31_000)], None),
    "OU": lambda: ([line("L1", 10_000, 2)], free_unconditional(), [leg("card", 20_000)], None),
    "OT": lambda: ([line("L1", 20_000), line("L2", 10_000), line("L3", 5_000)], free_by_threshold(),
                   [leg("card", 35_000)], None),
    "OAV": lambda: ([line("L1", 12_000)], paid_shipping(), [leg("virtual_account", 15_000, "V-1")], None),
}

_AFTER = {  # status -> the timeline fields it implies
    OrderStatus.PAYMENT_PENDING: {},
    OrderStatus.PAID: {"paid_at": PAID_AT},
    OrderStatus.PREPARING: {"paid_at": PAID_AT, "preparing_at": PREPARING_AT},
    OrderStatus.SHIPPED: {"paid_at": PAID_AT, "preparing_at": PREPARING_AT, "shipped_at": SHIPPED_AT},
    OrderStatus.DELIVERED: {"paid_at": PAID_AT, "preparing_at": PREPARING_AT, "shipped_at": SHIPPED_AT,
                            "delivered_at": DELIVERED_AT},
    OrderStatus.PURCHASE_CONFIRMED: {"paid_at": PAID_AT, "preparing_at": PREPARING_AT, "shipped_at": SHIPPED_AT,
                                     "delivered_at": DELIVERED_AT, "confirmed_at": CONFIRMED_AT},
    OrderStatus.CANCELLED: {"paid_at": PAID_AT},
}


def order(fixture: str, status: str = OrderStatus.DELIVERED, *, lines=None, payments=None,
          **overrides) -> OrderSnapshot:
    """A §6.1 fixture in ``status`` with its default timeline; ``lines``/``payments``/fields override."""
    fixture_lines, shipping, fixture_payments, order_coupon = FIXTURES[fixture]()
    status = OrderStatus(status)
    fields = {
        "order_id": f"ORD-{fixture}", "seller_id": "S1", "status": status, "paid_at": None,
        "lines": lines if lines is not None else fixture_lines, "shipping": shipping,
        "payments": [] if status == OrderStatus.PAYMENT_PENDING else fixture_payments,
        "customer": Customer(customer_id="C1", refund_account_on_file=True), "order_coupon": order_coupon,
        "seller_policy": SellerPolicy(),
    }
    if payments is not None:
        fields["payments"] = payments
    fields.update(_AFTER[status])
    fields.update(overrides)
    return OrderSnapshot(**fields)


def with_line(o: OrderSnapshot, line_id: str = "L1", **flags) -> OrderSnapshot:
    """The order with one line's flags changed (e.g. ``perishable=True``)."""
    return replace(o, lines=[replace(x, **flags) if x.line_id == line_id else x for x in o.lines])


def all_units(o: OrderSnapshot) -> list[tuple[str, int]]:
    return [(x.line_id, x.quantity) for x in o.lines]


def request(o: OrderSnapshot, kind: str, lines=None, *, at: datetime, reason: str = RequestReason.CHANGE_OF_MIND,
            request_id: str = "RQ-1", status_at_request: str | None = None, attestations: Attestations | None = None,
            **fields) -> PolicyRequest:
    return PolicyRequest(
        request_id=request_id, kind=RequestKind(kind), lines=lines if lines is not None else all_units(o),
        reason=RequestReason(reason), requested_at=at,
        status_at_request=OrderStatus(status_at_request or o.status),
        attestations=attestations or Attestations(), **fields)


def cancel(o: OrderSnapshot, lines=None, *, at: datetime = CANCEL_AT, **fields) -> PolicyRequest:
    return request(o, RequestKind.CANCEL, lines, at=at, **fields)


def refund(o: OrderSnapshot, lines=None, *, at: datetime = RETURN_AT, **fields) -> PolicyRequest:
    return request(o, RequestKind.REFUND, lines, at=at, **fields)


def run(o: OrderSnapshot, r: PolicyRequest, now: datetime | None = None, config: PolicyConfig = CONFIG):
    """Evaluate with ``now = requested_at`` unless given."""
    return evaluate(o, r, now or r.requested_at, config)


def record_of(decision: PolicyDecision, r: PolicyRequest, status: str = RefundStatus.COMPLETED) -> RefundRecord:
    """The history entry the desk would keep after approving ``decision`` for ``r``."""
    b = decision.breakdown
    return RefundRecord(refund_id=f"RF-{r.request_id}", request_id=r.request_id, kind=r.kind,
                        status=RefundStatus(status), lines=r.lines, items_amount=b.items_amount,
                        coupon_share=b.coupon_share, shipping_refund=b.shipping_refund,
                        initial_shipping_clawback=b.initial_shipping_clawback,
                        return_shipping_fee=b.return_shipping_fee, cash_refunded=b.cash_refund_total,
                        points_restored=b.points_restored)


# The example body of ``PUT /orders/{number}`` in api.md, verbatim.
API_EXAMPLE = {
    "customer_email": "minji@example.com", "seller_id": "acme", "status": "preparing",
    "paid_at": "2026-03-02T10:00:00+09:00", "preparing_at": "2026-03-02T15:00:00+09:00",
    "shipped_at": None, "delivered_at": None, "promised_delivery_by": None,
    "lines": [{"line_id": "L1", "sku": "TS-01", "name": "반팔 티셔츠", "unit_price": 10000, "quantity": 1,
               "on_sale": False, "perishable": False, "reproducible_media": False, "hygiene": False,
               "custom_made": False, "custom_made_consent": None, "restriction_notice_given": True,
               "earned_points": 0}],
    "order_coupon": {"coupon_id": "C-1", "amount": 2000, "expires_at": "2026-12-31T23:59:59+09:00",
                     "reissuable": True},
    "shipping": {"base_fee": 3000, "fee_charged": 0, "free_reason": "threshold", "free_threshold": 30000,
                 "plus_member_at_order": False},
    "payments": [{"method": "card", "amount": 8000, "approval_id": "A-1"}],
    "seller_policy": {"withdrawal_days": None},
    "customer": {"refund_account_on_file": True},
}
