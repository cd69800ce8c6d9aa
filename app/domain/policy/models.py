"""Data model of the cancellation and refund policy (policy.md §2 input, §3 output).

Frozen dataclasses with slots; money is ``int`` KRW everywhere and every datetime must
be timezone-aware (checked by ``app.domain.policy.evaluate``, not by the constructors,
so that malformed input reaches INPUT-VALID and is reported field by field).
Sequences given as lists are stored as tuples so a snapshot cannot change under a rule.
The public names are re-exported by ``app.domain.policy.evaluate``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from app.domain.errors import DomainError

POLICY_VERSION = "2026.1"


# ---------------------------------------------------------------------------------------------- enums


class OrderStatus(StrEnum):
    PAYMENT_PENDING = "payment_pending"
    PAID = "paid"
    PREPARING = "preparing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    PURCHASE_CONFIRMED = "purchase_confirmed"
    CANCELLED = "cancelled"


# Statuses before the parcel leaves, and once it has left (cancel vs return routing).
PRE_SHIPMENT = frozenset({OrderStatus.PAYMENT_PENDING, OrderStatus.PAID, OrderStatus.PREPARING})
SHIPPED_STATES = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.PURCHASE_CONFIRMED})


class FreeReason(StrEnum):
    NONE = "none"
    THRESHOLD = "threshold"
    UNCONDITIONAL = "unconditional"


class PaymentMethod(StrEnum):
    CARD = "card"
    EASY_PAY = "easy_pay"
    BANK_TRANSFER = "bank_transfer"
    VIRTUAL_ACCOUNT = "virtual_account"
    MOBILE = "mobile"
    POINTS = "points"


class RequestKind(StrEnum):
    CANCEL = "cancel"
    REFUND = "refund"  # a return, then a refund (반품/환불)


class RefundStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"


class RequestReason(StrEnum):
    CHANGE_OF_MIND = "change_of_mind"
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    MISDESCRIBED = "misdescribed"
    LATE_DELIVERY = "late_delivery"
    OTHER = "other"


# Reasons routed through Art. 17(3) on a return (seller fault; 17(2) exclusions do not apply).
SELLER_FAULT_REASONS = frozenset({RequestReason.DEFECTIVE, RequestReason.WRONG_ITEM,
                                  RequestReason.DAMAGED_IN_TRANSIT, RequestReason.MISDESCRIBED})
# Reasons that need the goods in hand (REASON-STATE-MISMATCH on a cancel).
GOODS_IN_HAND_REASONS = frozenset({RequestReason.DEFECTIVE, RequestReason.WRONG_ITEM,
                                   RequestReason.DAMAGED_IN_TRANSIT})


class InspectionCondition(StrEnum):
    AS_NEW = "as_new"
    OPENED = "opened"
    USED = "used"
    DAMAGED_BY_CUSTOMER = "damaged_by_customer"


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_REVIEW = "needs_review"


class Effect(StrEnum):
    BLOCK = "block"
    REVIEW = "review"
    APPROVAL = "approval"
    INFO = "info"
    MONEY = "money"


class Channel(StrEnum):
    CARD_CANCEL = "card_cancel"
    EASY_PAY_CANCEL = "easy_pay_cancel"
    MOBILE_CANCEL = "mobile_cancel"
    ACCOUNT_REFUND = "account_refund"
    POINTS_RESTORE = "points_restore"


class RequiredAction(StrEnum):
    SELLER_CONFIRM_NOT_SHIPPED = "seller_confirm_not_shipped"
    INSPECT_ON_RETURN = "inspect_on_return"
    COLLECT_REFUND_ACCOUNT = "collect_refund_account"
    COLLECT_CUSTOMER_PAYABLE = "collect_customer_payable"
    SECOND_APPROVAL = "second_approval"
    ARRANGE_DELIVERY_REFUSAL_OR_PICKUP = "arrange_delivery_refusal_or_pickup"


# ---------------------------------------------------------------------------------------------- errors


class PolicyInputError(DomainError):
    """Malformed order, request or history (INPUT-VALID): no decision is made.

    ``fields`` maps a field path (``order.lines[0].unit_price``) to a short problem
    (``negative``, ``naive_datetime``, ``sum_mismatch`` …). HTTP class 422.
    """

    status = 422

    def __init__(self, fields: Mapping[str, str], *, code: str = "policy_input_invalid"):
        super().__init__(code, "주문 또는 요청 정보가 올바르지 않습니다.",
                         "The order or request data is invalid.", status=422, fields=dict(fields))


# ---------------------------------------------------------------------------------------------- input


def _tuple(obj: Any, name: str) -> None:
    """Store a list-valued field as a tuple (frozen dataclasses cannot be assigned normally)."""
    value = getattr(obj, name)
    if isinstance(value, list):
        object.__setattr__(obj, name, tuple(value))


def _line_pairs(obj: Any, name: str) -> None:
    """``[(line_id, quantity), ...]`` (lists or tuples) stored as a tuple of tuples."""
    value = getattr(obj, name)
    if isinstance(value, list | tuple):
        object.__setattr__(obj, name, tuple(tuple(p) if isinstance(p, list) else p for p in value))


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderLine:
    line_id: str
    sku: str
    name: str
    unit_price: int  # after item-level discounts; only the order coupon is allocated here
    quantity: int
    on_sale: bool = False
    perishable: bool = False
    reproducible_media: bool = False
    hygiene: bool = False
    custom_made: bool = False
    custom_made_consent: bool | None = None
    restriction_notice_given: bool | None = None  # Art. 17(6) measure; None = unknown
    earned_points: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCoupon:
    coupon_id: str
    amount: int
    expires_at: datetime
    reissuable: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Shipping:
    base_fee: int
    fee_charged: int
    free_reason: FreeReason = FreeReason.NONE
    free_threshold: int | None = None
    plus_member_at_order: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentLeg:
    method: PaymentMethod
    amount: int
    approval_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SellerPolicy:
    """As published at order time; seller-entered, so never trusted beyond the law."""

    withdrawal_days: int | None = None
    extension_excludes_sale_items: bool = False
    sale_items_non_returnable: bool = False
    return_fee_one_way: int | None = None
    restocking_fee_krw: int = 0
    customer_pays_return_on_defect: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundRecord:
    """An earlier cancel or return on the order, with the amounts actually decided then."""

    refund_id: str
    request_id: str
    kind: RequestKind
    status: RefundStatus
    lines: tuple[tuple[str, int], ...]
    items_amount: int = 0
    coupon_share: int = 0
    shipping_refund: int = 0
    initial_shipping_clawback: int = 0
    return_shipping_fee: int = 0
    cash_refunded: int = 0
    points_restored: int = 0
    executed_at: datetime | None = None

    def __post_init__(self):
        _line_pairs(self, "lines")

    @property
    def customer_payable(self) -> int:
        """What the customer owed on that decision (deductions beyond the refund), never negative."""
        raw = (self.items_amount - self.coupon_share + self.shipping_refund
               - self.initial_shipping_clawback - self.return_shipping_fee)
        return max(-raw, 0)

    @property
    def clawback_retained(self) -> int:
        """The part of the clawback actually deducted from that refund (the seller holds it).

        When deductions exceeded the refund, the shortfall (``customer_payable``) is settled
        outside the module and is taken from the clawback first: the return leg was a real cost.
        """
        return max(self.initial_shipping_clawback - self.customer_payable, 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer:
    customer_id: str
    refund_account_on_file: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderSnapshot:
    """One seller's shipment group (배송묶음): one parcel, one shipping fee (policy.md §2.1)."""

    order_id: str
    seller_id: str
    status: OrderStatus
    paid_at: datetime | None
    lines: tuple[OrderLine, ...]
    shipping: Shipping
    payments: tuple[PaymentLeg, ...]
    customer: Customer
    preparing_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None  # the legal receipt instant (공급받은 날)
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    promised_delivery_by: datetime | None = None
    order_coupon: OrderCoupon | None = None
    seller_policy: SellerPolicy = field(default_factory=SellerPolicy)
    refund_history: tuple[RefundRecord, ...] = ()

    def __post_init__(self):
        for name in ("lines", "payments", "refund_history"):
            _tuple(self, name)

    @property
    def gross(self) -> int:
        """Σ unit_price × quantity (before the order coupon)."""
        return sum(line.unit_price * line.quantity for line in self.lines)

    @property
    def total_payable(self) -> int:
        coupon = self.order_coupon.amount if self.order_coupon else 0
        return self.gross - coupon + self.shipping.fee_charged


@dataclass(frozen=True, slots=True, kw_only=True)
class Attestations:
    """Customer statements (not evidence); None = not stated."""

    packaging_intact: bool | None = None
    opened_for_inspection_only: bool | None = None
    unused: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Inspection:
    condition: InspectionCondition
    inspected_at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyRequest:
    """A cancel or return request (policy.md §2.2); ``lines`` is ``[(line_id, quantity), ...]``."""

    request_id: str
    kind: RequestKind
    lines: tuple[tuple[str, int], ...]
    reason: RequestReason
    requested_at: datetime
    status_at_request: OrderStatus
    reason_text: str = ""
    discovered_at: datetime | None = None
    attestations: Attestations = field(default_factory=Attestations)
    return_inspection: Inspection | None = None
    return_received_at: datetime | None = None
    refund_executed_at: datetime | None = None
    converted_from_cancel_at: datetime | None = None

    def __post_init__(self):
        _line_pairs(self, "lines")


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyConfig:
    """Statutory parameters and the holiday calendar (policy.md §2.3).

    Values less favourable to the consumer than the statute are refused: they are a
    legal decision, not a configuration tweak.
    """

    holidays: frozenset[date]
    statutory_withdrawal_days: int = 7
    misdescribed_months: int = 3
    misdescribed_days_from_discovery: int = 30
    refund_business_days: int = 3
    delay_interest_percent_per_year: int = 15
    four_eyes_threshold_krw: int = 300_000
    timezone: str = "Asia/Seoul"

    def __post_init__(self):
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if any(not isinstance(d, date) or isinstance(d, datetime) for d in self.holidays):
            raise ValueError("holidays must be dates")
        for name, value in (("statutory_withdrawal_days", self.statutory_withdrawal_days),
                            ("misdescribed_months", self.misdescribed_months),
                            ("misdescribed_days_from_discovery", self.misdescribed_days_from_discovery),
                            ("refund_business_days", self.refund_business_days),
                            ("delay_interest_percent_per_year", self.delay_interest_percent_per_year),
                            ("four_eyes_threshold_krw", self.four_eyes_threshold_krw)):
            if type(value) is not int:
                raise ValueError(f"{name} must be an integer")
        minimums = (("statutory_withdrawal_days", 7), ("misdescribed_months", 3),
                    ("misdescribed_days_from_discovery", 30), ("delay_interest_percent_per_year", 15))
        for name, minimum in minimums:
            if getattr(self, name) < minimum:
                raise ValueError(f"{name} below the statutory {minimum} is not allowed")
        # A longer refund deadline is the less favourable direction here.
        if not 1 <= self.refund_business_days <= 3:
            raise ValueError("refund_business_days must be between 1 and the statutory 3")
        if self.four_eyes_threshold_krw < 0:
            raise ValueError("four_eyes_threshold_krw must not be negative")
        if self.timezone != "Asia/Seoul":
            raise ValueError("timezone is fixed to Asia/Seoul")


# ---------------------------------------------------------------------------------------------- output


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionReason:
    """One finding as reported: code, effect, rule, the line it concerns, params and messages."""

    code: str
    effect: Effect
    rule_id: str
    line_id: str | None
    params: Mapping[str, Any]
    message_ko: str
    message_en: str

    def message(self, locale: str | None) -> str:
        return self.message_en if (locale or "ko").startswith("en") else self.message_ko


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakdownLine:
    line_id: str
    quantity: int
    items_amount: int
    coupon_share: int
    points_earned_revoked: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodLeg:
    channel: Channel
    amount: int
    approval_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Breakdown:
    lines: tuple[BreakdownLine, ...]
    items_amount: int
    coupon_share: int
    shipping_refund: int
    initial_shipping_clawback: int
    return_shipping_fee: int
    refund_value_total: int
    customer_payable: int
    cash_refund_total: int
    points_restored: int
    points_earned_revoked: int
    coupon_reissued: bool
    method: tuple[MethodLeg, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Deadlines:
    withdrawal_last_day: date | None = None
    misdescribed_last_day: date | None = None
    refund_due_by: date | None = None
    refund_due_rule: str | None = None
    customer_eta_business_days: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Suggestion:
    """What to file instead: ``cancel``, or ``refund`` with the two flags of §3.1."""

    kind: RequestKind
    waive_return_shipping: bool | None = None
    cancel_requested_before_shipment: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyDecision:
    policy_version: str
    request_id: str
    kind: RequestKind
    evaluated_at: datetime
    outcome: Outcome
    reasons: tuple[DecisionReason, ...]
    rules_fired: tuple[str, ...]
    breakdown: Breakdown | None
    deadlines: Deadlines
    approvals_required: int
    required_actions: tuple[RequiredAction, ...]
    suggestion: Suggestion | None

    def codes(self, *effects: Effect) -> set[str]:
        """The reason codes with one of ``effects`` (all codes when none is given)."""
        return {r.code for r in self.reasons if not effects or r.effect in effects}
