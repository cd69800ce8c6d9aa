"""Every worked case of policy.md §6.2, plus the worked examples of §3.1, §4 and §5.1.

Assertion contract (§3.2): the set of block/review/approval codes equals the listed set exactly;
the listed info codes are present (others may appear). Breakdown amounts are exact; deadlines,
approvals, required actions (listed ones present), suggestions and params as the case states.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.domain.policy.days import days_end, months_end, nth_business_day
from app.domain.policy.evaluate import (
    Attestations,
    Effect,
    Inspection,
    InspectionCondition,
    OrderStatus,
    PolicyConfig,
    PolicyInputError,
    RefundRecord,
    RefundStatus,
    RequestKind,
    SellerPolicy,
    allocate_coupon,
    decision_to_dict,
    evaluate,
)
from tests.domain.policy_builders import (
    CONFIG,
    HOLIDAYS_2026,
    cancel,
    kst,
    leg,
    order,
    refund,
    run,
    with_line,
)

# ---------------------------------------------------------------------------------------------- case table


@dataclass(frozen=True)
class Money:
    """``items − coupon + ship − claw − ret = value → legs`` of §6.1."""

    items: int
    coupon: int
    ship: int
    claw: int
    ret: int
    value: int
    legs: tuple[tuple[str, int], ...] | None = None  # None: one card_cancel leg of ``value``
    payable: int = 0
    points: int = 0
    revoked: int = 0

    def expected_legs(self) -> list[tuple[str, int]]:
        if self.legs is not None:
            return list(self.legs)
        return [("card_cancel", self.value)] if self.value else []


@dataclass(frozen=True)
class Case:
    id: str
    build: Any
    outcome: str
    codes: str
    money: Money | None
    expect: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # pytest ids
        return self.id


CASES: list[Case] = []


def case(case_id: str, outcome: str, codes: str, money: Money | None = None, **expect):
    """Register the decorated builder (returning ``(order, request)`` or ``(order, request, now)``)."""
    def register(build):
        CASES.append(Case(case_id, build, outcome, codes, money, expect))
        return build
    return register


def parse_codes(codes: str) -> tuple[set[str], set[str]]:
    """``"B: X; R: Y; I: Z, W"`` → (exact block/review/approval codes, info codes that must be present)."""
    exact: set[str] = set()
    info: set[str] = set()
    for part in filter(None, (p.strip() for p in codes.split(";"))):
        kind, _, names = part.partition(":")
        target = info if kind.strip() == "I" else exact
        target.update(n.strip() for n in names.split(",") if n.strip())
    return exact, info


# ---- §6.2, cancellations


@case("T01", "eligible", "I: CANCEL_IMMEDIATE, OUTBOUND_SHIPPING_REFUNDED", Money(12_000, 0, 3_000, 0, 0, 15_000),
      refund_due_by=date(2026, 3, 5),
      rules_fired=("CANCEL-PAID-IMMEDIATE", "SHIPPING-REFUND", "REFUND-METHOD", "TIMELINE-3-BUSINESS-DAYS"))
def _t01():
    o = order("OA", "paid")
    return o, cancel(o, at=kst(2026, 3, 2, 11))


@case("T02", "eligible", "I: CANCEL_NEEDS_SELLER_CONFIRMATION", Money(12_000, 0, 3_000, 0, 0, 15_000),
      actions=["seller_confirm_not_shipped"], refund_due_by=date(2026, 3, 6))
def _t02():
    o = order("OA", "preparing")
    return o, cancel(o, at=kst(2026, 3, 3, 9))


@case("T03", "ineligible", "B: CANCEL_AFTER_SHIPMENT", None,
      suggestion={"kind": "refund", "waive_return_shipping": False, "cancel_requested_before_shipment": False})
def _t03():
    o = order("OA", "shipped", shipped_at=kst(2026, 3, 3, 18))
    return o, cancel(o, at=kst(2026, 3, 4, 10), status_at_request="shipped")


@case("T05", "eligible", "I: CANCEL_IMMEDIATE", Money(14_000, 1_428, 0, 0, 0, 12_572))
def _t05():
    o = order("O3", "paid")
    return o, cancel(o, [("L3", 2)])


@case("T06", "eligible", "I: CANCEL_IMMEDIATE, FREE_SHIPPING_CLAWBACK", Money(25_000, 2_552, 0, 3_000, 0, 19_448),
      params={"FREE_SHIPPING_CLAWBACK": {"remaining": 24_000, "threshold": 30_000, "fee": 3_000}})
def _t06():
    o = order("O3", "paid")
    return o, cancel(o, [("L2", 1)])


@case("T07", "eligible", "I: CANCEL_IMMEDIATE", Money(7_000, 714, 0, 0, 0, 6_286))
def _t07():
    o = order("O3", "paid")
    return o, cancel(o, [("L3", 1)])


@case("T09", "eligible", "I: CANCEL_IMMEDIATE, COUPON_REISSUED", Money(49_000, 5_000, 0, 0, 0, 44_000),
      coupon_reissued=True)
def _t09():
    o = order("O3", "paid")
    return o, cancel(o, [("L1", 1), ("L2", 1), ("L3", 2)], at=kst(2026, 3, 3, 10))


@case("T10", "eligible", "I: COUPON_NOT_REISSUED_EXPIRED", Money(49_000, 5_000, 0, 0, 0, 44_000),
      coupon_reissued=False)
def _t10():
    o = order("O3", "paid")
    o = replace(o, order_coupon=replace(o.order_coupon, expires_at=kst(2026, 3, 1, 23, 59, 59)))
    return o, cancel(o, [("L1", 1), ("L2", 1), ("L3", 2)], at=kst(2026, 3, 3, 10))


@case("T11", "eligible", "I: CANCEL_IMMEDIATE, FREE_SHIPPING_CLAWBACK", Money(15_000, 0, 0, 3_000, 0, 12_000))
def _t11():
    o = order("OBP", "paid")
    return o, cancel(o, [("L2", 1)])


@case("T13", "eligible", "I: CANCEL_IMMEDIATE, OUTBOUND_SHIPPING_REFUNDED",
      Money(20_000, 0, 3_000, 0, 0, 23_000, legs=(("points_restore", 23_000),), points=23_000),
      refund_due_by=date(2026, 3, 5))
def _t13():
    o = order("OPT", "paid")
    return o, cancel(o)


@case("T14", "eligible", "I: CANCEL_IMMEDIATE, ZERO_AMOUNT_REFUND", Money(0, 0, 0, 0, 0, 0, legs=()))
def _t14():
    o = order("OG", "paid")
    return o, cancel(o, [("L2", 1)])


@case("T15", "eligible", "I: CANCEL_NEEDS_SELLER_CONFIRMATION, LATE_DELIVERY_SELLER_FAULT",
      Money(25_000, 2_552, 0, 0, 0, 22_448))
def _t15():
    o = order("O3", "preparing", promised_delivery_by=kst(2026, 3, 4, 23, 59, 59))
    return o, cancel(o, [("L2", 1)], at=kst(2026, 3, 5, 9), reason="late_delivery")


@case("T17", "eligible", "I: RETURN_SHIPPING_SELLER_PAID, OUTBOUND_SHIPPING_REFUNDED",
      Money(12_000, 0, 3_000, 0, 0, 15_000), withdrawal_last_day=None)
def _t17():
    o = order("OA", "delivered", shipped_at=kst(2026, 3, 3, 17), delivered_at=kst(2026, 3, 5, 12))
    return o, refund(o, at=kst(2026, 3, 5, 13), converted_from_cancel_at=kst(2026, 3, 3, 9))


@case("T18", "eligible", "I: STATE_CHANGED_BENIGN, CANCEL_NEEDS_SELLER_CONFIRMATION",
      Money(12_000, 0, 3_000, 0, 0, 15_000), refund_due_by=date(2026, 3, 5),
      params={"STATE_CHANGED_BENIGN": {"from": "paid", "to": "preparing"}})
def _t18():
    o = order("OA", "preparing")
    return o, cancel(o, status_at_request="paid")


@case("T19", "needs_review", "R: CUSTOM_MADE_PRODUCTION_MAY_HAVE_STARTED; I: CANCEL_NEEDS_SELLER_CONFIRMATION",
      Money(20_000, 0, 3_000, 0, 0, 23_000))
def _t19():
    o = with_line(order("OD", "preparing"), custom_made=True, custom_made_consent=True)
    return o, cancel(o)


@case("T21", "needs_review", "R: REASON_INCONSISTENT_WITH_STATE; I: CANCEL_IMMEDIATE",
      Money(12_000, 0, 3_000, 0, 0, 15_000))
def _t21():
    o = order("OA", "paid")
    return o, cancel(o, reason="defective")


# ---- §6.2, returns: fees and shipping


@case("T22", "eligible", "I: RETURN_SHIPPING_DEDUCTED, SUBJECT_TO_INSPECTION", Money(20_000, 0, 0, 0, 3_000, 17_000),
      withdrawal_last_day=date(2026, 3, 9), refund_due_by=None)
def _t22():
    o = order("OD")
    return o, refund(o, at=kst(2026, 3, 5, 10))


@case("T23", "eligible", "I: FREE_SHIPPING_CLAWBACK, RETURN_SHIPPING_DEDUCTED",
      Money(40_000, 0, 0, 3_000, 3_000, 34_000))
def _t23():
    o = order("OE")
    return o, refund(o)


@case("T25", "eligible", "I: RETURN_SHIPPING_DEDUCTED", Money(8_000, 0, 0, 0, 3_000, 5_000))
def _t25():
    o = order("OC")
    return o, refund(o, [("L3", 1)])


@case("T26", "eligible", "I: RETURN_SHIPPING_DEDUCTED", Money(5_000, 0, 0, 0, 3_000, 2_000))
def _t26():
    o = order("OT")
    return o, refund(o, [("L3", 1)])


@case("T27", "eligible", "I: RETURN_SHIPPING_DEDUCTED", Money(10_000, 0, 0, 0, 3_000, 7_000))
def _t27():
    o = order("OU")
    return o, refund(o, [("L1", 1)])


@case("T29", "eligible", "I: RETURN_SHIPPING_DEDUCTED", Money(4_000, 0, 0, 0, 3_000, 1_000))
def _t29():
    o = order("OPL")
    return o, refund(o, [("L3", 1)])


@case("T30", "eligible", "I: FREE_SHIPPING_CLAWBACK, RETURN_SHIPPING_DEDUCTED",
      Money(12_000, 0, 0, 3_000, 3_000, 6_000),
      params={"FREE_SHIPPING_CLAWBACK": {"remaining": 9_000, "threshold": 15_000}})
def _t30():
    o = order("OPL")
    return o, refund(o, [("L1", 1)])


@case("T31", "needs_review", "R: FEES_EXCEED_REFUND", Money(2_000, 0, 0, 3_000, 3_000, 0, legs=(), payable=4_000),
      actions=["collect_customer_payable", "inspect_on_return"], params={"FEES_EXCEED_REFUND": {"amount": 4_000}})
def _t31():
    o = order("OX")
    return o, refund(o, [("L2", 1)])


@case("T33", "eligible", "I: RETURN_SHIPPING_SELLER_PAID", Money(15_000, 0, 0, 0, 0, 15_000))
def _t33():
    o = order("OB")
    return o, refund(o, [("L2", 1)], reason="wrong_item", at=kst(2026, 3, 3, 10))


@case("T34", "eligible", "I: RETURN_SHIPPING_SELLER_PAID, OUTBOUND_SHIPPING_REFUNDED",
      Money(20_000, 0, 3_000, 0, 0, 23_000))
def _t34():
    o = order("OD")
    return o, refund(o, reason="damaged_in_transit", at=kst(2026, 3, 3, 10))


@case("T35", "eligible", "I: FREE_SHIPPING_CLAWBACK, RETURN_SHIPPING_DEDUCTED",
      Money(20_000, 0, 0, 3_000, 3_000, 14_000))
def _t35():
    o = order("OBP")
    return o, refund(o, [("L1", 1)])


@case("T37", "eligible", "I: SELLER_PENALTY_VOID, RETURN_SHIPPING_DEDUCTED", Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t37():
    o = order("OD", seller_policy=SellerPolicy(restocking_fee_krw=5_000))
    return o, refund(o)


@case("T38", "eligible", "I: PURCHASE_CONFIRMED_RIGHTS_KEPT, RETURN_SHIPPING_DEDUCTED",
      Money(20_000, 0, 0, 0, 3_000, 17_000, revoked=200))
def _t38():
    o = order("ODE", "purchase_confirmed", confirmed_at=kst(2026, 3, 3, 10))
    return o, refund(o, at=kst(2026, 3, 6, 10))


# ---- §6.2, returns: the 7-day window and day counting


@case("T39", "eligible", "I: RETURN_SHIPPING_DEDUCTED", Money(20_000, 0, 0, 0, 3_000, 17_000),
      withdrawal_last_day=date(2026, 3, 9))
def _t39():
    o = order("OD")
    return o, refund(o, at=kst(2026, 3, 9, 23, 59, 59))


@case("T41", "eligible", "I: RETURN_SHIPPING_DEDUCTED", Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t41():
    o = order("OD")
    return o, refund(o, at=datetime(2026, 3, 9, 14, 59, 59, tzinfo=UTC))


@case("T42", "ineligible", "B: REFUND_WINDOW_EXPIRED", None,
      params={"REFUND_WINDOW_EXPIRED": {"last_day": "2026-03-09", "days": 7}})
def _t42():
    o = order("OD")
    return o, refund(o, at=datetime(2026, 3, 9, 15, 0, 0, tzinfo=UTC))


@case("T43", "eligible", "I: RETURN_SHIPPING_DEDUCTED", Money(20_000, 0, 0, 0, 3_000, 17_000),
      withdrawal_last_day=date(2026, 3, 16))
def _t43():
    o = order("OD", delivered_at=kst(2026, 3, 7, 10))
    return o, refund(o, at=kst(2026, 3, 16, 20))


@case("T45", "eligible", "I: RETURN_SHIPPING_DEDUCTED", Money(20_000, 0, 0, 0, 3_000, 17_000),
      withdrawal_last_day=date(2026, 5, 26))
def _t45():
    o = order("OD", delivered_at=kst(2026, 5, 18, 10))
    return o, refund(o, at=kst(2026, 5, 26, 9))


@case("T46", "ineligible", "B: REFUND_WINDOW_EXPIRED", None, withdrawal_last_day=date(2026, 3, 9),
      params={"REFUND_WINDOW_EXPIRED": {"last_day": "2026-03-09"}})
def _t46():
    o = order("OD", delivered_at=kst(2026, 3, 3, 0, 0, 0))
    return o, refund(o, at=kst(2026, 3, 10, 10))


@case("T47", "eligible", "I: RETURN_SHIPPING_DEDUCTED", Money(20_000, 0, 0, 0, 3_000, 17_000),
      withdrawal_last_day=date(2026, 3, 10))
def _t47():
    o = order("OD", delivered_at=kst(2026, 3, 3, 0, 0, 1))
    return o, refund(o, at=kst(2026, 3, 10, 10))


@case("T49", "needs_review", "R: DELIVERY_DATE_UNKNOWN", Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t49():
    o = order("OD", delivered_at=None)
    return o, refund(o)


@case("T50", "needs_review", "R: REFUND_BEFORE_DELIVERY", Money(20_000, 0, 0, 0, 3_000, 17_000),
      actions=["arrange_delivery_refusal_or_pickup"])
def _t50():
    o = order("OD", "shipped")
    return o, refund(o)


# ---- §6.2, seller-fault returns: 3 months / 30 days (17(3))


@case("T51", "eligible", "I: RETURN_SHIPPING_SELLER_PAID, OUTBOUND_SHIPPING_REFUNDED",
      Money(20_000, 0, 3_000, 0, 0, 23_000), misdescribed_last_day=date(2026, 6, 2))
def _t51():
    o = order("OD")
    return o, refund(o, reason="defective", at=kst(2026, 3, 22, 10))


@case("T53", "needs_review", "R: MISDESCRIBED_3M_LAPSED_RECENT_DISCOVERY", Money(20_000, 0, 3_000, 0, 0, 23_000),
      misdescribed_last_day=date(2026, 6, 2),
      params={"MISDESCRIBED_3M_LAPSED_RECENT_DISCOVERY": {"last_day": "2026-06-02"}})
def _t53():
    o = order("OD")
    return o, refund(o, reason="misdescribed", at=kst(2026, 6, 10, 10), discovered_at=kst(2026, 6, 5, 12))


@case("T54", "needs_review", "R: DISCOVERY_DATE_VERIFY", Money(20_000, 0, 3_000, 0, 0, 23_000))
def _t54():
    o = order("OD")
    return o, refund(o, reason="misdescribed", at=kst(2026, 4, 11, 10), discovered_at=kst(2026, 4, 6, 12))


@case("T55", "needs_review", "R: DISCOVERY_DATE_REQUIRED", Money(20_000, 0, 3_000, 0, 0, 23_000))
def _t55():
    o = order("OD")
    return o, refund(o, reason="misdescribed", at=kst(2026, 4, 11, 10))


def _delivered_2025_11_29():
    return order("OD", paid_at=kst(2025, 11, 26, 10), preparing_at=kst(2025, 11, 26, 15),
                 shipped_at=kst(2025, 11, 27, 18), delivered_at=kst(2025, 11, 29, 10))


@case("T57", "needs_review", "R: DISCOVERY_DATE_VERIFY", Money(20_000, 0, 3_000, 0, 0, 23_000),
      misdescribed_last_day=date(2026, 3, 3))
def _t57():
    o = _delivered_2025_11_29()
    return o, refund(o, reason="misdescribed", at=kst(2026, 3, 3, 10), discovered_at=kst(2026, 2, 25, 12))


@case("T58", "needs_review", "R: MISDESCRIBED_3M_LAPSED_RECENT_DISCOVERY", Money(20_000, 0, 3_000, 0, 0, 23_000),
      misdescribed_last_day=date(2026, 3, 3))
def _t58():
    o = _delivered_2025_11_29()
    return o, refund(o, reason="misdescribed", at=kst(2026, 3, 4, 10), discovered_at=kst(2026, 2, 25, 12))


# ---- §6.2, exclusions (17(2)) and void seller terms


@case("T59", "eligible", "I: SALE_RESTRICTION_VOID, RETURN_SHIPPING_DEDUCTED", Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t59():
    o = with_line(order("OD", seller_policy=SellerPolicy(sale_items_non_returnable=True)), on_sale=True)
    return o, refund(o, at=kst(2026, 3, 7, 10))


@case("T61", "eligible", "I: RETURN_SHIPPING_SELLER_PAID, OUTBOUND_SHIPPING_REFUNDED",
      Money(20_000, 0, 3_000, 0, 0, 23_000))
def _t61():
    o = with_line(order("OD"), perishable=True)
    return o, refund(o, reason="damaged_in_transit", at=kst(2026, 3, 3, 10))


@case("T62", "eligible", "I: EXCLUSION_UNAVAILABLE_NO_NOTICE, RETURN_SHIPPING_DEDUCTED",
      Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t62():
    o = with_line(order("OD"), perishable=True, restriction_notice_given=False)
    return o, refund(o)


@case("T63", "needs_review", "R: EXCLUSION_NOTICE_UNKNOWN", Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t63():
    o = with_line(order("OD"), perishable=True, restriction_notice_given=None)
    return o, refund(o)


@case("T65", "eligible", "I: RETURN_SHIPPING_DEDUCTED", Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t65():
    o = with_line(order("OD"), reproducible_media=True)
    return o, refund(o, attestations=Attestations(packaging_intact=True))


@case("T66", "eligible", "I: PACKAGING_OPENED_FOR_INSPECTION_OK, RETURN_SHIPPING_DEDUCTED",
      Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t66():
    o = order("OD")
    return o, refund(o, attestations=Attestations(packaging_intact=False, opened_for_inspection_only=True,
                                                   unused=True))


@case("T67", "needs_review", "R: PACKAGING_OPENED_UNEXPLAINED", Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t67():
    o = order("OD")
    return o, refund(o, attestations=Attestations(packaging_intact=False, opened_for_inspection_only=None))


@case("T69", "needs_review", "R: HYGIENE_PACKAGING_OPENED; I: PACKAGING_OPENED_FOR_INSPECTION_OK",
      Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t69():
    o = with_line(order("OD"), hygiene=True, restriction_notice_given=True)
    return o, refund(o, attestations=Attestations(packaging_intact=False, opened_for_inspection_only=True,
                                                   unused=True))


@case("T70", "needs_review", "R: EXCL_USED_VALUE_DECREASE_CHECK", Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t70():
    o = order("OD")
    return o, refund(o, attestations=Attestations(unused=False))


@case("T71", "needs_review", "R: EXCL_USED_VALUE_DECREASE_CHECK; I: INSPECTION_CONTRADICTS_ATTESTATION",
      Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t71():
    o = order("OD")
    inspection = Inspection(condition=InspectionCondition.USED, inspected_at=kst(2026, 3, 7, 10), note="worn")
    return o, refund(o, attestations=Attestations(unused=True), return_inspection=inspection), kst(2026, 3, 7, 12)


@case("T73", "ineligible", "B: EXCL_CUSTOM_MADE", None)
def _t73():
    o = with_line(order("OD"), custom_made=True, custom_made_consent=True)
    return o, refund(o)


@case("T74", "needs_review", "R: CUSTOM_MADE_CONSENT_UNKNOWN", Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t74():
    o = with_line(order("OD"), custom_made=True, custom_made_consent=None)
    return o, refund(o)


# ---- §6.2, seller windows


@case("T75", "eligible", "I: SELLER_WINDOW_BELOW_STATUTORY_VOID, RETURN_SHIPPING_DEDUCTED",
      Money(20_000, 0, 0, 0, 3_000, 17_000), withdrawal_last_day=date(2026, 3, 9))
def _t75():
    o = order("OD", seller_policy=SellerPolicy(withdrawal_days=3))
    return o, refund(o, at=kst(2026, 3, 8, 10))


@case("T77", "ineligible", "B: REFUND_WINDOW_EXPIRED", None,
      params={"REFUND_WINDOW_EXPIRED": {"last_day": "2026-03-16", "days": 14}})
def _t77():
    o = order("OD", seller_policy=SellerPolicy(withdrawal_days=14))
    return o, refund(o, at=kst(2026, 3, 17, 0, 0, 0))


@case("T78", "ineligible", "B: REFUND_WINDOW_EXPIRED", None,
      params={"REFUND_WINDOW_EXPIRED": {"last_day": "2026-03-09", "days": 7}})
def _t78():
    policy = SellerPolicy(withdrawal_days=14, extension_excludes_sale_items=True)
    o = with_line(order("OD", seller_policy=policy), on_sale=True)
    return o, refund(o, at=kst(2026, 3, 14, 10))


# ---- §6.2, double refunds


def _record(request_id: str, lines, **amounts) -> RefundRecord:
    return RefundRecord(refund_id=f"RF-{request_id}", request_id=request_id, kind=RequestKind.REFUND,
                        status=RefundStatus.COMPLETED, lines=lines, executed_at=kst(2026, 3, 4, 10), **amounts)


@case("T79", "ineligible", "B: ALREADY_REFUNDED", None)
def _t79():
    history = [_record("RQ-0", [("L1", 1)], items_amount=20_000, return_shipping_fee=3_000, cash_refunded=17_000)]
    o = order("OD", refund_history=history)
    return o, refund(o, [("L1", 1)], request_id="RQ-2")


@case("T81", "ineligible", "B: DUPLICATE_REQUEST", None, params={"DUPLICATE_REQUEST": {"request_id": "RQ-9"}})
def _t81():
    history = [_record("RQ-9", [("L1", 1)], items_amount=20_000, return_shipping_fee=3_000, cash_refunded=17_000)]
    o = order("OD", refund_history=history)
    return o, refund(o, [("L1", 1)], request_id="RQ-9")


# ---- §6.2, reasons


@case("T82", "needs_review", "R: REASON_NEEDS_CLASSIFICATION", Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t82():
    o = order("OD")
    return o, refund(o, reason="other", at=kst(2026, 3, 5, 10))


@case("T83", "eligible", "I: LATE_DELIVERY_SELLER_FAULT, RETURN_SHIPPING_SELLER_PAID, OUTBOUND_SHIPPING_REFUNDED",
      Money(20_000, 0, 3_000, 0, 0, 23_000), withdrawal_last_day=date(2026, 3, 9))
def _t83():
    o = order("OD", promised_delivery_by=kst(2026, 2, 28, 23, 59, 59))
    return o, refund(o, reason="late_delivery", at=kst(2026, 3, 4, 10))


# ---- §6.2, four eyes


@case("T85", "eligible", "A: FOUR_EYES_REQUIRED; I: FREE_SHIPPING_CLAWBACK, RETURN_SHIPPING_DEDUCTED",
      Money(320_000, 0, 0, 3_000, 3_000, 314_000), approvals=2, actions=["second_approval"])
def _t85():
    o = order("OH")
    return o, refund(o)


@case("T86", "eligible", "I: CANCEL_IMMEDIATE", Money(299_999, 0, 0, 0, 0, 299_999), approvals=1)
def _t86():
    o = order("OK1", "paid")
    return o, cancel(o)


@case("T87", "eligible", "A: FOUR_EYES_REQUIRED", Money(300_000, 0, 0, 0, 0, 300_000), approvals=2,
      params={"FOUR_EYES_REQUIRED": {"amount": 300_000, "threshold": 300_000}})
def _t87():
    o = order("OK2", "paid")
    return o, cancel(o)


# ---- §6.2, payment methods and timeline


@case("T89", "eligible", "I: REFUND_ACCOUNT_REQUIRED",
      Money(12_000, 0, 3_000, 0, 0, 15_000, legs=(("account_refund", 15_000),)),
      actions=["collect_refund_account"])
def _t89():
    o = order("OAV", "paid")
    o = replace(o, customer=replace(o.customer, refund_account_on_file=False))
    return o, cancel(o)


@case("T90", "needs_review", "R: PAYMENT_SPLIT_UNSUPPORTED",
      Money(20_000, 0, 0, 0, 3_000, 17_000, legs=(("card_cancel", 13_000), ("easy_pay_cancel", 4_000))))
def _t90():
    o = order("OD", payments=[leg("card", 13_000), leg("easy_pay", 10_000, "E-1")])
    return o, refund(o)


@case("T91", "eligible", "I: CANCEL_IMMEDIATE", Money(12_000, 0, 3_000, 0, 0, 15_000),
      refund_due_by=date(2026, 2, 23))
def _t91():
    o = order("OA", "paid", paid_at=kst(2026, 2, 12, 10))
    return o, cancel(o, at=kst(2026, 2, 13, 15))


@case("T93", "eligible", "I: REFUND_OVERDUE", Money(20_000, 0, 0, 0, 3_000, 17_000), refund_due_by=date(2026, 3, 11),
      params={"REFUND_OVERDUE": {"days_late": 10, "delay_interest_krw": 69, "due": "2026-03-11"}})
def _t93():
    o = order("OD")
    return o, refund(o, at=kst(2026, 3, 5, 10), return_received_at=kst(2026, 3, 6, 10)), kst(2026, 3, 21, 10)


@case("T94", "eligible", "I: CUSTOM_MADE_NO_CONSENT_RETURN_ALLOWED, RETURN_SHIPPING_DEDUCTED",
      Money(20_000, 0, 0, 0, 3_000, 17_000))
def _t94():
    o = with_line(order("OD"), custom_made=True, custom_made_consent=False)
    return o, refund(o, at=kst(2026, 3, 5, 10))


@case("T95", "ineligible", "B: ORDER_ALREADY_CANCELLED", None)
def _t95():
    o = order("OA", "cancelled", cancelled_at=kst(2026, 3, 2, 15))
    return o, cancel(o, [("L1", 1)], at=kst(2026, 3, 2, 14), status_at_request="paid"), kst(2026, 3, 2, 16)


# ---- Cases whose numbers are missing from §6.2, reconstructed from their neighbours (not from the table)


@case("T16*", "ineligible", "B: CANCEL_SUPERSEDED_BY_SHIPMENT", None,
      suggestion={"kind": "refund", "waive_return_shipping": True, "cancel_requested_before_shipment": True})
def _t16():
    o = order("OA", "shipped", shipped_at=kst(2026, 3, 3, 17))
    return o, cancel(o, at=kst(2026, 3, 3, 9), status_at_request="paid"), kst(2026, 3, 3, 18)


@case("T64*", "ineligible", "B: EXCL_REPRODUCIBLE_OPENED", None)
def _t64():
    o = with_line(order("OD"), reproducible_media=True)
    return o, refund(o, attestations=Attestations(packaging_intact=False, opened_for_inspection_only=True))


@case("T76*", "eligible", "I: SELLER_WINDOW_EXTENDED, RETURN_SHIPPING_DEDUCTED", Money(20_000, 0, 0, 0, 3_000, 17_000),
      withdrawal_last_day=date(2026, 3, 16))
def _t76():
    o = order("OD", seller_policy=SellerPolicy(withdrawal_days=14))
    return o, refund(o, at=kst(2026, 3, 16, 23, 59, 59))


# ---------------------------------------------------------------------------------------------- the test


def _evaluate(c: Case):
    built = c.build()
    o, r = built[0], built[1]
    now = built[2] if len(built) == 3 else r.requested_at
    return evaluate(o, r, now, CONFIG)


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.id)
def test_worked_case(c: Case):
    d = _evaluate(c)
    exact, info = parse_codes(c.codes)
    assert d.outcome == c.outcome, [r.code for r in d.reasons]
    assert d.codes(Effect.BLOCK, Effect.REVIEW, Effect.APPROVAL) == exact
    assert info <= d.codes(Effect.INFO), f"missing info codes {info - d.codes(Effect.INFO)}"

    if c.money is None:
        assert d.breakdown is None
    else:
        b, m = d.breakdown, c.money
        assert (b.items_amount, b.coupon_share, b.shipping_refund, b.initial_shipping_clawback,
                b.return_shipping_fee, b.refund_value_total) == (m.items, m.coupon, m.ship, m.claw, m.ret, m.value)
        assert b.customer_payable == m.payable
        assert b.points_restored == m.points
        assert b.cash_refund_total == m.value - m.points
        assert b.points_earned_revoked == m.revoked
        assert [(str(x.channel), x.amount) for x in b.method] == m.expected_legs()

    e = c.expect
    assert d.approvals_required == e.get("approvals", 1)
    for name in ("withdrawal_last_day", "misdescribed_last_day", "refund_due_by"):
        if name in e:
            assert getattr(d.deadlines, name) == e[name], name
    if "coupon_reissued" in e:
        assert d.breakdown.coupon_reissued is e["coupon_reissued"]
    assert set(e.get("actions", ())) <= {str(a) for a in d.required_actions}
    if "suggestion" in e:
        assert decision_to_dict(d)["suggestion"] == e["suggestion"]
    if "rules_fired" in e:
        assert d.rules_fired == e["rules_fired"]
    for code, params in e.get("params", {}).items():
        found = [r.params for r in d.reasons if r.code == code]
        assert found, code
        assert {k: found[0].get(k) for k in params} == params


def test_every_numbered_case_of_the_table_is_here():
    ids = {c.id for c in CASES if not c.id.endswith("*")}
    assert len(ids) == len([c for c in CASES if not c.id.endswith("*")]) == 72


# ---------------------------------------------------------------------------------------------- other worked examples


def test_the_decision_example_of_section_3_1():
    """§3.1's JSON example: OA paid, cancelled 2026-03-05 10:00 (the example omits OUTBOUND_SHIPPING_REFUNDED)."""
    o = order("OA", "paid")
    d = decision_to_dict(run(o, cancel(o, at=kst(2026, 3, 5, 10), request_id="RQ-1")))
    assert [r["code"] for r in d["reasons"]] == ["CANCEL_IMMEDIATE", "OUTBOUND_SHIPPING_REFUNDED"]
    first = d["reasons"][0]
    assert first == {"code": "CANCEL_IMMEDIATE", "effect": "info", "rule_id": "CANCEL-PAID-IMMEDIATE",
                     "line_id": None, "params": {}, "message_ko": "결제완료 상태로 즉시 취소됩니다.",
                     "message_en": "The order is paid but not yet in preparation; it is cancelled immediately."}
    del d["reasons"]
    assert d == {
        "policy_version": "2026.1", "request_id": "RQ-1", "kind": "cancel",
        "evaluated_at": "2026-03-05T10:00:00+09:00", "outcome": "eligible",
        "rules_fired": ["CANCEL-PAID-IMMEDIATE", "SHIPPING-REFUND", "REFUND-METHOD", "TIMELINE-3-BUSINESS-DAYS"],
        "breakdown": {
            "lines": [{"line_id": "L1", "quantity": 1, "items_amount": 12000, "coupon_share": 0,
                       "points_earned_revoked": 0}],
            "items_amount": 12000, "coupon_share": 0, "shipping_refund": 3000, "initial_shipping_clawback": 0,
            "return_shipping_fee": 0, "refund_value_total": 15000, "customer_payable": 0,
            "cash_refund_total": 15000, "points_restored": 0, "points_earned_revoked": 0, "coupon_reissued": False,
            "method": [{"channel": "card_cancel", "amount": 15000, "approval_id": "A-1"}]},
        "deadlines": {"withdrawal_last_day": None, "misdescribed_last_day": None, "refund_due_by": "2026-03-10",
                      "refund_due_rule": "3 business days from the cancellation request (전자상거래법 18조)",
                      "customer_eta_business_days": [3, 7]},
        "approvals_required": 1, "required_actions": [], "suggestion": None,
    }
    json.dumps(d)  # plain JSON types only


def test_naive_datetime_is_an_input_error_t48():
    """T48 (missing from the table, named in §4.1): a naive datetime raises PolicyInputError."""
    o = order("OD")
    r = refund(o, at=datetime(2026, 3, 5, 10))
    with pytest.raises(PolicyInputError) as err:
        evaluate(o, r, kst(2026, 3, 5, 10), CONFIG)
    assert err.value.fields["request.requested_at"] == "naive_datetime"
    assert err.value.status == 422


def test_a_request_submitted_on_day_7_and_evaluated_on_day_9_is_on_time():
    """§4.5: the submission instant exercises the right, not the evaluation."""
    o = order("OD")
    d = run(o, refund(o, at=kst(2026, 3, 9, 22)), now=kst(2026, 3, 11, 10))
    assert d.outcome == "eligible"


@pytest.mark.parametrize(("received", "last_day"), [
    (kst(2026, 3, 2, 14), date(2026, 3, 9)),    # worked example, no roll
    (kst(2026, 3, 7, 10), date(2026, 3, 16)),   # Saturday roll
    (kst(2026, 5, 18, 10), date(2026, 5, 26)),  # substitute holiday
    (kst(2026, 3, 2, 0, 0), date(2026, 3, 9)),  # 157 단서: day 7 = 03-08 (Sun) → 03-09
    (datetime(2026, 3, 9, 15, 0, tzinfo=UTC), date(2026, 3, 16)),  # = 03-10 00:00 KST, so 03-10 is day 1
])
def test_seven_day_periods_of_section_4_3(received, last_day):
    assert days_end(received, 7, HOLIDAYS_2026) == last_day


@pytest.mark.parametrize(("received", "last_day"), [
    (kst(2026, 3, 2, 10), date(2026, 6, 2)),
    (kst(2026, 2, 28, 10), date(2026, 6, 1)),
    (kst(2026, 1, 30, 10), date(2026, 4, 30)),
    (kst(2025, 11, 29, 10), date(2026, 3, 3)),
])
def test_three_month_periods_of_section_4_4(received, last_day):
    assert months_end(received, 3, HOLIDAYS_2026) == last_day


@pytest.mark.parametrize(("trigger", "due"), [
    (kst(2026, 9, 23, 10), date(2026, 9, 30)),   # 추석 and a Sunday
    (kst(2026, 2, 13, 15), date(2026, 2, 23)),   # 설날
    (kst(2026, 3, 6, 10), date(2026, 3, 11)),    # T93
    (kst(2026, 3, 3, 0, 0), date(2026, 3, 5)),   # at midnight the day itself counts
])
def test_business_days_of_section_4_6(trigger, due):
    assert nth_business_day(trigger, 3, HOLIDAYS_2026) == due


def test_coupon_allocation_example_of_section_5_1():
    assert allocate_coupon(5000, [10_000, 25_000, 14_000]) == (1020, 2552, 1428)


def test_cancelling_the_second_unit_later_takes_the_rest_of_its_share():
    """§5.1: cancel one C (714), then the other C (1,428 − 714 = 714)."""
    o = order("O3", "paid")
    first = run(o, cancel(o, [("L3", 1)]))
    assert first.breakdown.coupon_share == 714
    history = [RefundRecord(refund_id="RF-1", request_id="RQ-1", kind=RequestKind.CANCEL,
                            status=RefundStatus.COMPLETED, lines=[("L3", 1)], items_amount=7000, coupon_share=714,
                            cash_refunded=6286)]
    o2 = replace(o, refund_history=history)
    second = run(o2, cancel(o2, [("L3", 1)], request_id="RQ-2"))
    assert second.breakdown.coupon_share == 714
    assert second.breakdown.refund_value_total == 6286


def test_reasons_follow_catalogue_then_line_order():
    o = with_line(with_line(order("OC"), "L1", perishable=True), "L3", perishable=True, restriction_notice_given=None)
    d = run(o, refund(o, [("L3", 1), ("L1", 1)], attestations=Attestations(unused=False)))
    codes = [(r.code, r.line_id) for r in d.reasons]
    assert codes.index(("EXCLUSION_NOTICE_UNKNOWN", "L3")) < codes.index(("EXCL_USED_VALUE_DECREASE_CHECK", "L1"))
    assert codes.index(("EXCL_USED_VALUE_DECREASE_CHECK", "L1")) < codes.index(("EXCL_PERISHABLE", "L1"))
    assert d.outcome == "ineligible"


def test_messages_are_filled_in_both_languages():
    o = order("OD", status=OrderStatus.DELIVERED)
    d = run(o, refund(o))
    deducted = next(r for r in d.reasons if r.code == "RETURN_SHIPPING_DEDUCTED")
    assert deducted.message_ko == "반품 배송비 3,000원이 차감됩니다."
    assert deducted.message_en == "A return shipping fee of 3,000 KRW is deducted."
    assert deducted.message("en-US") == deducted.message_en and deducted.message(None) == deducted.message_ko


# ---------------------------------------------------------------------------------------------- readings and guards


def test_every_message_template_fills_in_both_languages():
    from app.domain.policy.catalogue import REASONS, render

    params = {"request_id": "RQ-1", "line_id": "L1", "requested": 2, "remaining": 1, "requested_at": "2026-03-03",
              "from": "paid", "to": "preparing", "reason": "defective", "promised": "2026-03-04", "days": 7,
              "last_day": "2026-03-09", "seller_days": 3, "discovered": "2026-03-01", "fee": 3000,
              "threshold": 30_000, "remaining_gross": 1, "amount": 4000, "due": "2026-03-11", "days_late": 10,
              "delay_interest_krw": 69}
    params["remaining"] = 1
    for code in REASONS:
        ko, en = render(code, params)
        assert "{" not in ko + en and ko and en, code
    ko, en = render("STATE_CHANGED_BENIGN", {"from": "paid", "to": "preparing"})
    assert ko == "요청 이후 주문 상태가 결제완료에서 상품준비중(으)로 변경되었습니다."
    assert en == "The order status changed from paid to preparing after the request."
    assert render("REFUND_OVERDUE", {"due": "2026-03-11", "days_late": 10, "delay_interest_krw": 69})[1] == (
        "The refund is 10 days past its due date (2026-03-11); delay damages of 69 KRW apply.")


def test_unconditional_free_shipping_clawback_on_a_full_return():
    o = order("OU")
    d = run(o, refund(o))
    assert (d.breakdown.initial_shipping_clawback, d.breakdown.return_shipping_fee) == (3000, 3000)
    clawback = next(r for r in d.reasons if r.code == "FREE_SHIPPING_CLAWBACK")
    assert "3,000" in clawback.message_ko and "threshold" not in clawback.message_en


def test_an_unpaid_order_cancels_for_nothing():
    o = order("OA", "payment_pending")
    d = run(o, cancel(o))
    assert d.outcome == "eligible" and "CANCEL_IMMEDIATE" in d.codes()
    assert d.breakdown.refund_value_total == 0 and d.breakdown.items_amount == 0 and d.breakdown.method == ()
    assert d.deadlines.refund_due_by is None


def test_a_cancel_from_a_stale_page_after_shipment_is_not_superseded():
    """Reading: status_at_request 'paid' but submitted after shipped_at is an ordinary cancel after shipment."""
    o = order("OA", "shipped", shipped_at=kst(2026, 3, 3, 17))
    d = run(o, cancel(o, at=kst(2026, 3, 3, 20), status_at_request="paid"))
    assert d.codes(Effect.BLOCK) == {"CANCEL_AFTER_SHIPMENT"}
    assert d.suggestion.waive_return_shipping is False


def test_a_return_before_shipment_suggests_a_cancel():
    o = order("OA", "preparing")
    d = run(o, refund(o, at=kst(2026, 3, 3, 9)))
    assert d.codes(Effect.BLOCK) == {"REFUND_BEFORE_SHIPMENT"}
    assert decision_to_dict(d)["suggestion"] == {"kind": "cancel"}


@pytest.mark.parametrize(("lines", "now", "channels"), [
    (None, kst(2026, 3, 2, 11), [("mobile_cancel", 35_000)]),        # whole leg, same month
    (None, kst(2026, 4, 1, 9), [("account_refund", 35_000)]),        # next month
    ([("L2", 1)], kst(2026, 3, 2, 11), [("account_refund", 12_000)]),  # partial (B 15,000 − clawback 3,000)
])
def test_mobile_payments_are_cancelled_only_whole_and_in_their_month(lines, now, channels):
    o = order("OBM", "paid", paid_at=kst(2026, 3, 2, 10))
    d = run(o, cancel(o, lines, at=kst(2026, 3, 2, 11)), now=now)
    assert [(str(m.channel), m.amount) for m in d.breakdown.method] == channels
    assert ("MOBILE_PAYMENT_ACCOUNT_REFUND" in d.codes()) == (channels[0][0] == "account_refund")


def test_a_clawback_that_exceeded_its_refund_is_returned_only_as_far_as_it_was_deducted():
    """OX paid: cancel L2 (2,000) claws back 3,000, the customer owes 1,000; the full cancel then returns
    the 2,000 actually deducted, so the two refunds add up to total_payable."""
    o = order("OX", "paid")
    first = run(o, cancel(o, [("L2", 1)]))
    assert (first.breakdown.refund_value_total, first.breakdown.customer_payable) == (0, 1000)
    record = RefundRecord(refund_id="RF-1", request_id="RQ-1", kind=RequestKind.CANCEL, status=RefundStatus.COMPLETED,
                          lines=[("L2", 1)], items_amount=2000, initial_shipping_clawback=3000)
    o2 = replace(o, refund_history=[record])
    second = run(o2, cancel(o2, [("L1", 1)], request_id="RQ-2"))
    assert second.breakdown.shipping_refund == 2000
    assert first.breakdown.refund_value_total + second.breakdown.refund_value_total == o.total_payable == 31_000


def test_sale_lines_without_the_extension_are_reported_per_line():
    policy = SellerPolicy(withdrawal_days=14, extension_excludes_sale_items=True)
    o = with_line(order("OB", seller_policy=policy), "L2", on_sale=True)
    d = run(o, refund(o, at=kst(2026, 3, 12, 10)))
    expired = [(r.line_id, r.params["last_day"]) for r in d.reasons if r.code == "REFUND_WINDOW_EXPIRED"]
    assert expired == [("L2", "2026-03-09")]
    assert d.deadlines.withdrawal_last_day == date(2026, 3, 9)
    assert "SELLER_WINDOW_EXTENDED" in d.codes()


def test_a_pending_refund_holds_its_units():
    history = [RefundRecord(refund_id="RF-1", request_id="RQ-0", kind=RequestKind.REFUND, status=RefundStatus.PENDING,
                            lines=[("L1", 1)], items_amount=10_000, return_shipping_fee=3000, cash_refunded=7000)]
    o = order("OU", refund_history=history)
    d = run(o, refund(o, [("L1", 2)], request_id="RQ-1"))
    assert d.codes(Effect.BLOCK) == {"QUANTITY_EXCEEDS_REMAINING"}
    assert next(r for r in d.reasons if r.code == "QUANTITY_EXCEEDS_REMAINING").params == {"requested": 2,
                                                                                           "remaining": 1}


@pytest.mark.parametrize(("mutate", "field", "problem"), [
    (lambda o, r: (o, replace(r, requested_at=kst(2026, 3, 6))), "request.requested_at", "after_now"),
    (lambda o, r: (o, replace(r, lines=[("L9", 1)])), "request.lines[0].line_id", "unknown_line"),
    (lambda o, r: (o, replace(r, lines=[("L1", 0)])), "request.lines[0].quantity", "not_positive"),
    (lambda o, r: (o, replace(r, lines=[])), "request.lines", "empty"),
    (lambda o, r: (replace(o, payments=[leg("card", 22_000)]), r), "order.payments", "sum_mismatch"),
    (lambda o, r: (replace(o, lines=[replace(o.lines[0], unit_price=-1)]), r), "order.lines[0].unit_price",
     "negative"),
    (lambda o, r: (replace(o, lines=[replace(o.lines[0], unit_price=20_000.0)]), r), "order.lines[0].unit_price",
     "not_integer"),
    (lambda o, r: (replace(o, delivered_at=datetime(2026, 3, 2, 14)), r), "order.delivered_at", "naive_datetime"),
    (lambda o, r: (replace(o, refund_history=[_record("RQ-0", [("L1", 2)])]), r), "order.refund_history",
     "exceeds_quantity"),
    (lambda o, r: (replace(o, refund_history=[_record("RQ-0", [("L1", 1)], cash_refunded=30_000)]), r),
     "order.refund_history", "exceeds_payments"),
])
def test_malformed_input_gives_no_decision(mutate, field, problem):
    o, r = mutate(order("OD"), refund(order("OD")))
    with pytest.raises(PolicyInputError) as err:
        evaluate(o, r, kst(2026, 3, 5, 10), CONFIG)
    assert err.value.fields.get(field) == problem, err.value.fields


@pytest.mark.parametrize("change", [
    {"statutory_withdrawal_days": 6}, {"misdescribed_months": 2}, {"misdescribed_days_from_discovery": 29},
    {"refund_business_days": 4}, {"delay_interest_percent_per_year": 14}, {"timezone": "UTC"},
    {"statutory_withdrawal_days": 7.0},
])
def test_config_refuses_values_below_the_statute(change):
    with pytest.raises(ValueError):
        PolicyConfig(holidays=HOLIDAYS_2026, **change)


def test_a_longer_statutory_window_is_allowed():
    config = PolicyConfig(holidays=HOLIDAYS_2026, statutory_withdrawal_days=10)
    o = order("OD")
    d = evaluate(o, refund(o, at=kst(2026, 3, 12, 10)), kst(2026, 3, 12, 10), config)
    assert d.outcome == "eligible" and d.deadlines.withdrawal_last_day == date(2026, 3, 12)
