"""Cancellations and refunds: the rule catalogue of ``shared/design/policy.md`` as a pure function.

``evaluate(order, request, now, config) -> PolicyDecision`` takes an order snapshot (one seller's
shipment group), a cancel or return request, the evaluation instant and the statutory config with
its holiday calendar, and returns:

* ``outcome``: ``ineligible`` if any finding blocks, else ``needs_review`` if any needs a human,
  else ``eligible`` (``approval`` findings only raise ``approvals_required``);
* ``reasons``: every finding with its code, effect, rule, line, params and Korean/English message,
  in catalogue order then request-line order (§3.2), and ``rules_fired``;
* ``breakdown``: the exact integer-KRW refund (items, coupon share, shipping refund, free-shipping
  clawback, return fee, cash first then points, payment legs) unless the outcome is ``ineligible``;
* ``deadlines`` (withdrawal and 3-month last days, the refund due date in business days),
  ``approvals_required``, ``required_actions`` and a ``suggestion`` (file a return / a cancel instead).

Every rule runs even after a block, so an agent sees all reasons; the money, timeline and approval
rules (§1.4–1.5) need a breakdown and so run only when nothing blocks. Malformed input raises
``PolicyInputError`` (INPUT-VALID) and yields no decision. Nothing here reads a clock: time is ``now``.

Layout (app/domain/policy/): the data model is in ``models``, the reason catalogue in ``catalogue``, day
counting in ``days`` and the money formulas in ``money``; this module holds the
rules (guards and routing, windows, exclusions, money, timeline and approval), ``evaluate`` and
``decision_to_dict``. All public names are importable from here.

Readings chosen where policy.md leaves room (each is also noted at the rule):
* A request whose ``request_id`` is already in the history is a duplicate only (its own record
  does not also make its lines "already refunded").
* A cancel whose ``status_at_request`` was before shipment counts as filed before shipment only
  if it was also submitted before ``order.shipped_at`` (when known); otherwise it is an ordinary
  cancel after shipment.
* ``required_actions`` are listed sorted and only when the outcome is not ``ineligible``.
* A request that blocks gets no breakdown, so the money, timeline and approval rules do not run
  for it (their findings describe a refund that will not happen).
* ``deadlines.withdrawal_last_day`` is set whenever the 7-day window is computed, late or not; when
  sale lines get a shorter window than the rest, each late line is reported and the earliest last
  day is shown. ``refund_due_by`` is null when nothing is refunded (unpaid order, zero value).
* A return converted from a cancel filed before shipment skips the windows, as §2.2 says, but
  not the 17(2) exclusions: the goods still come back after supply.
* Exclusions (§1.3) apply to 17(1)-route returns, ``late_delivery`` included (§1.0: "17(1)
  window and exclusions"); an inspection, when present, replaces the attestations: ``opened``
  raises the packaging question, ``used`` only the REFUND-EXCL-USED one.
* ``late_delivery`` is judged by ``delivered_at`` when known, else by ``requested_at``.
* SALE_RESTRICTION_VOID and SELLER_PENALTY_VOID are reported on any return where the seller term
  is set; a custom-made cancel in PREPARING with consent unknown gives no finding (§1.3 names
  only consent True).
* The outbound shipping "held by the seller" (§5.3 ``collected``) counts an earlier clawback only
  as far as it was actually deducted from that refund (``RefundRecord.clawback_retained``): a
  customer payable is settled outside the module. Then a sequence of cancels refunds exactly
  ``total_payable`` and cash refunded never exceeds cash paid (§6.3.1), as the literal formula
  would not when a clawback exceeded its refund.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.domain.policy.catalogue import REASONS, RULE_INDEX, RULE_ORDER, render
from app.domain.policy.days import days_end, kst_date, kst_iso, months_end, nth_business_day
from app.domain.policy.models import (
    GOODS_IN_HAND_REASONS,
    POLICY_VERSION,
    PRE_SHIPMENT,
    SELLER_FAULT_REASONS,
    SHIPPED_STATES,
    Attestations,
    Breakdown,
    BreakdownLine,
    Channel,
    Customer,
    Deadlines,
    DecisionReason,
    Effect,
    FreeReason,
    Inspection,
    InspectionCondition,
    MethodLeg,
    OrderCoupon,
    OrderLine,
    OrderSnapshot,
    OrderStatus,
    Outcome,
    PaymentLeg,
    PaymentMethod,
    PolicyConfig,
    PolicyDecision,
    PolicyInputError,
    PolicyRequest,
    RefundRecord,
    RefundStatus,
    RequestKind,
    RequestReason,
    RequiredAction,
    SellerPolicy,
    Shipping,
    Suggestion,
)
from app.domain.policy.money import (
    ETA_BUSINESS_DAYS,
    allocate_coupon,
    allocate_to_legs,
    channel_for,
    delay_interest,
    shipping_amounts,
    slice_of,
    split_cash_first,
)
from app.domain.policy.validation import validate_inputs, validate_order, validate_request

__all__ = [
    "POLICY_VERSION", "RULE_ORDER", "REASONS",
    "Attestations", "Breakdown", "BreakdownLine", "Channel", "Customer", "Deadlines", "DecisionReason",
    "Effect", "FreeReason", "Inspection", "InspectionCondition", "MethodLeg", "OrderCoupon", "OrderLine",
    "OrderSnapshot", "OrderStatus", "Outcome", "PaymentLeg", "PaymentMethod", "PolicyConfig", "PolicyDecision",
    "PolicyInputError", "PolicyRequest", "RefundRecord", "RefundStatus", "RequestKind", "RequestReason",
    "RequiredAction", "SellerPolicy", "Shipping", "Suggestion",
    "allocate_coupon", "decision_to_dict", "evaluate", "validate_order", "validate_request",
]


# ---------------------------------------------------------------------------------------------- plumbing


@dataclass(frozen=True, slots=True)
class _Finding:
    code: str
    params: Mapping[str, Any]
    line_id: str | None
    position: int  # request-line position, -1 for order-level findings

    @property
    def rule_id(self) -> str:
        return REASONS[self.code].rule_id

    @property
    def effect(self) -> Effect:
        return REASONS[self.code].effect


@dataclass(slots=True)
class _Collector:
    """What the rules report: findings, actions, a suggestion, deadlines and silent money rules."""

    findings: list[_Finding] = field(default_factory=list)
    actions: set[RequiredAction] = field(default_factory=set)
    fired: set[str] = field(default_factory=set)  # rules that set a breakdown value without a finding
    suggestion: Suggestion | None = None
    withdrawal_last_day: date | None = None
    misdescribed_last_day: date | None = None

    def add(self, code: str, params: Mapping[str, Any] | None = None, line: _Line | None = None) -> None:
        self.findings.append(_Finding(code, dict(params or {}), line.line.line_id if line else None,
                                      line.position if line else -1))

    def has(self, effect: Effect) -> bool:
        return any(f.effect == effect for f in self.findings)


@dataclass(frozen=True, slots=True)
class _Line:
    position: int
    line: OrderLine
    quantity: int  # units in this request
    prev: int      # units held by earlier requests (pending or completed)


@dataclass(frozen=True, slots=True)
class _Context:
    """The inputs plus the facts several rules share, derived once."""

    order: OrderSnapshot
    request: PolicyRequest
    now: datetime
    config: PolicyConfig
    lines: tuple[_Line, ...]
    duplicate: bool
    late_substantiated: bool | None  # None unless the reason is late_delivery

    @property
    def status(self) -> OrderStatus:
        return OrderStatus(self.order.status)

    @property
    def is_cancel(self) -> bool:
        return self.request.kind == RequestKind.CANCEL

    @property
    def is_return(self) -> bool:
        """A return of an order that has left the seller (anything else is mis-routed or cancelled)."""
        return self.request.kind == RequestKind.REFUND and self.status in SHIPPED_STATES

    @property
    def converted(self) -> bool:
        """A return replacing a cancel that was filed before the parcel left (§2.2)."""
        at, shipped = self.request.converted_from_cancel_at, self.order.shipped_at
        return self.request.kind == RequestKind.REFUND and at is not None and shipped is not None and at < shipped

    @property
    def seller_route(self) -> bool:
        """Art. 17(3) (3 months / 30 days; 17(2) exclusions do not apply).

        On a cancel only ``misdescribed`` counts: defective, wrong item and damaged in transit
        cannot apply before receipt (REASON-STATE-MISMATCH), so such cancels are priced as
        customer-fault cancels (T21).
        """
        if self.is_cancel:
            return self.request.reason == RequestReason.MISDESCRIBED
        return self.request.reason in SELLER_FAULT_REASONS

    @property
    def seller_fault(self) -> bool:
        """Fault class for fees: 17(3) reasons, or a substantiated late delivery."""
        return self.seller_route or bool(self.late_substantiated)


def _context(order: OrderSnapshot, request: PolicyRequest, now: datetime, config: PolicyConfig) -> _Context:
    by_id = {line.line_id: line for line in order.lines}
    # Reading: the history record of this very request (a duplicate) does not hold units against it.
    held: dict[str, int] = {}
    for record in order.refund_history:
        if record.request_id == request.request_id:
            continue
        for line_id, quantity in record.lines:
            held[line_id] = held.get(line_id, 0) + quantity
    lines = tuple(_Line(i, by_id[line_id], quantity, held.get(line_id, 0))
                  for i, (line_id, quantity) in enumerate(request.lines))
    late = None
    if request.reason == RequestReason.LATE_DELIVERY:
        promised = order.promised_delivery_by
        judged_at = order.delivered_at or request.requested_at
        late = promised is not None and judged_at > promised
    duplicate = any(r.request_id == request.request_id for r in order.refund_history)
    return _Context(order, request, now, config, lines, duplicate, late)


# ---------------------------------------------------------------------------------------------- §1.1 guards


def _guards_and_routing(ctx: _Context, out: _Collector) -> None:
    _double_refund_guard(ctx, out)
    if ctx.status == OrderStatus.CANCELLED:
        out.add("ORDER_ALREADY_CANCELLED")
    elif ctx.is_cancel:
        _route_cancel(ctx, out)
    else:
        _route_return(ctx, out)
    _state_changed(ctx, out)
    _reason_rules(ctx, out)


def _double_refund_guard(ctx: _Context, out: _Collector) -> None:
    """DOUBLE-REFUND-GUARD: duplicate request id, nothing left, more than is left."""
    if ctx.duplicate:
        out.add("DUPLICATE_REQUEST", {"request_id": ctx.request.request_id})
    for item in ctx.lines:
        remaining = item.line.quantity - item.prev
        if remaining <= 0:
            out.add("ALREADY_REFUNDED", {"line_id": item.line.line_id}, item)
        elif item.quantity > remaining:
            out.add("QUANTITY_EXCEEDS_REMAINING", {"requested": item.quantity, "remaining": remaining}, item)


def _cancel_filed_before_shipment(ctx: _Context) -> bool:
    # Reading: status_at_request says what the customer saw; when shipped_at is known, the request
    # must also have been submitted before it (a stale page after shipment is not a prior cancel).
    shipped_at = ctx.order.shipped_at
    return (ctx.request.status_at_request in PRE_SHIPMENT
            and (shipped_at is None or ctx.request.requested_at < shipped_at))


def _route_cancel(ctx: _Context, out: _Collector) -> None:
    """CANCEL-PAID-IMMEDIATE, CANCEL-PREPARING, CANCEL-AFTER-SHIPMENT→REFUND, STATE-CHANGED (a)."""
    if ctx.status in (OrderStatus.PAYMENT_PENDING, OrderStatus.PAID):
        out.add("CANCEL_IMMEDIATE")
    elif ctx.status == OrderStatus.PREPARING:
        out.add("CANCEL_NEEDS_SELLER_CONFIRMATION")
        out.actions.add(RequiredAction.SELLER_CONFIRM_NOT_SHIPPED)
    elif _cancel_filed_before_shipment(ctx):
        out.add("CANCEL_SUPERSEDED_BY_SHIPMENT", {"requested_at": kst_iso(ctx.request.requested_at)})
        out.suggestion = Suggestion(kind=RequestKind.REFUND, waive_return_shipping=True,
                                    cancel_requested_before_shipment=True)
    else:
        out.add("CANCEL_AFTER_SHIPMENT")
        out.suggestion = Suggestion(kind=RequestKind.REFUND, waive_return_shipping=False,
                                    cancel_requested_before_shipment=False)


def _route_return(ctx: _Context, out: _Collector) -> None:
    """REFUND-REQUIRES-SHIPMENT, REFUND-IN-TRANSIT, REFUND-DELIVERY-DATE-UNKNOWN, PURCHASE-CONFIRMED."""
    status, delivered_at = ctx.status, ctx.order.delivered_at
    if status in PRE_SHIPMENT:
        out.add("REFUND_BEFORE_SHIPMENT")
        out.suggestion = Suggestion(kind=RequestKind.CANCEL)
    elif status == OrderStatus.SHIPPED and delivered_at is None:
        out.add("REFUND_BEFORE_DELIVERY")
        out.actions.add(RequiredAction.ARRANGE_DELIVERY_REFUSAL_OR_PICKUP)
    elif status in (OrderStatus.DELIVERED, OrderStatus.PURCHASE_CONFIRMED) and delivered_at is None:
        out.add("DELIVERY_DATE_UNKNOWN")
    if status == OrderStatus.PURCHASE_CONFIRMED:
        out.add("PURCHASE_CONFIRMED_RIGHTS_KEPT")


def _state_changed(ctx: _Context, out: _Collector) -> None:
    """STATE-CHANGED-SINCE-REQUEST (b): a change that does not alter the routing is only reported."""
    before, now = ctx.request.status_at_request, ctx.status
    if before == now or now == OrderStatus.CANCELLED:
        return  # (c) is ORDER-CANCELLED
    if ctx.is_cancel and now in SHIPPED_STATES and _cancel_filed_before_shipment(ctx):
        return  # (a), reported by _route_cancel
    out.add("STATE_CHANGED_BENIGN", {"from": str(before), "to": str(now)})


def _reason_rules(ctx: _Context, out: _Collector) -> None:
    """REASON-OTHER, REASON-STATE-MISMATCH, LATE-DELIVERY-SUBSTANTIATION."""
    reason = ctx.request.reason
    if reason == RequestReason.OTHER:
        out.add("REASON_NEEDS_CLASSIFICATION")
    if ctx.is_cancel and reason in GOODS_IN_HAND_REASONS:
        out.add("REASON_INCONSISTENT_WITH_STATE", {"reason": str(reason)})
    if ctx.late_substantiated:
        out.add("LATE_DELIVERY_SELLER_FAULT", {"promised": kst_date(ctx.order.promised_delivery_by).isoformat()})
    elif ctx.late_substantiated is False:
        out.add("LATE_DELIVERY_UNSUBSTANTIATED")


# ---------------------------------------------------------------------------------------------- §1.2 windows


def _windows(ctx: _Context, out: _Collector) -> None:
    """The withdrawal windows of a return. Cancels have none; nor has a return converted from a
    cancel filed before shipment (the right was exercised before supply)."""
    if not ctx.is_return or ctx.converted or ctx.order.delivered_at is None:
        return
    if ctx.seller_route:
        _misdescribed_window(ctx, out)
    else:
        _withdrawal_window(ctx, out)


def _window_days(ctx: _Context, line: OrderLine) -> int:
    """SELLER-OVERRIDE-FLOOR: max(7, seller days); sale lines get 7 if the extension excludes them."""
    statutory = ctx.config.statutory_withdrawal_days
    policy = ctx.order.seller_policy
    if policy.withdrawal_days is None or (policy.extension_excludes_sale_items and line.on_sale):
        return statutory
    return max(statutory, policy.withdrawal_days)


def _withdrawal_window(ctx: _Context, out: _Collector) -> None:
    """REFUND-WINDOW-7D and SELLER-OVERRIDE-FLOOR (17(1) route, including late delivery)."""
    statutory, holidays = ctx.config.statutory_withdrawal_days, ctx.config.holidays
    seller_days = ctx.order.seller_policy.withdrawal_days
    days = {item.position: _window_days(ctx, item.line) for item in ctx.lines}
    if seller_days is not None and seller_days < statutory:
        out.add("SELLER_WINDOW_BELOW_STATUTORY_VOID", {"seller_days": seller_days})
    if any(n > statutory for n in days.values()):
        out.add("SELLER_WINDOW_EXTENDED", {"days": seller_days})
    last_days = {pos: days_end(ctx.order.delivered_at, n, holidays) for pos, n in days.items()}
    out.withdrawal_last_day = min(last_days.values())
    exercised = kst_date(ctx.request.requested_at)  # §4.5: submission, not evaluation, counts
    if len(set(days.values())) == 1:
        # One window for the whole request: one order-level finding.
        n, last_day = next(iter(days.values())), out.withdrawal_last_day
        if exercised > last_day:
            out.add("REFUND_WINDOW_EXPIRED", {"days": n, "last_day": last_day.isoformat()})
        return
    for item in ctx.lines:  # different windows per line (sale items without the extension)
        last_day = last_days[item.position]
        if exercised > last_day:
            out.add("REFUND_WINDOW_EXPIRED", {"days": days[item.position], "last_day": last_day.isoformat()}, item)


def _misdescribed_window(ctx: _Context, out: _Collector) -> None:
    """REFUND-MISDESCRIBED-3M-30D: both the 3 months from receipt and the 30 days must hold (17(3))."""
    config, delivered_at = ctx.config, ctx.order.delivered_at
    holidays = config.holidays
    e3 = months_end(delivered_at, config.misdescribed_months, holidays)
    e30r = days_end(delivered_at, config.misdescribed_days_from_discovery, holidays)
    out.misdescribed_last_day = e3
    q = kst_date(ctx.request.requested_at)
    discovered = ctx.request.discovered_at
    if discovered is not None and discovered < delivered_at:
        discovered = delivered_at  # nobody discovers a problem before receipt
    e30d = days_end(discovered, config.misdescribed_days_from_discovery, holidays) if discovered else None
    if q <= e3:
        if q <= e30r:
            return
        if e30d is None:
            out.add("DISCOVERY_DATE_REQUIRED")
        elif q <= e30d:
            out.add("DISCOVERY_DATE_VERIFY")
        else:
            out.add("MISDESCRIBED_30D_FROM_DISCOVERY_EXPIRED", {"discovered": kst_date(discovered).isoformat()})
    elif e30d is not None and q <= e30d:
        out.add("MISDESCRIBED_3M_LAPSED_RECENT_DISCOVERY", {"last_day": e3.isoformat()})
    else:
        out.add("MISDESCRIBED_PERIOD_EXPIRED")


# ---------------------------------------------------------------------------------------------- §1.3 exclusions


@dataclass(frozen=True, slots=True)
class _Condition:
    """The goods' condition as the rules see it: the inspection when there is one, else attestations."""

    packaging_opened: bool   # opened or damaged packaging (the 17(2)1 question)
    media_opened: bool       # for reproducible media: opened, or used
    used: bool
    damaged_by_customer: bool
    contradicted: bool       # the inspection contradicts what the customer stated


_INSPECTED = {  # condition -> (packaging intact, unused) as the inspection states them
    InspectionCondition.AS_NEW: (True, True),
    InspectionCondition.OPENED: (False, True),
    InspectionCondition.USED: (False, False),
    InspectionCondition.DAMAGED_BY_CUSTOMER: (False, None),
}


def _condition(request: PolicyRequest) -> _Condition:
    att, inspection = request.attestations, request.return_inspection
    if inspection is None:
        opened = att.packaging_intact is False
        return _Condition(opened, opened, att.unused is False, False, False)
    condition = InspectionCondition(inspection.condition)
    intact, unused = _INSPECTED[condition]
    contradicted = ((att.packaging_intact is not None and att.packaging_intact != intact)
                    or (att.unused is not None and unused is not None and att.unused != unused))
    # "used" is handled by REFUND-EXCL-USED; only "opened" raises the packaging question.
    return _Condition(packaging_opened=condition == InspectionCondition.OPENED,
                      media_opened=condition in (InspectionCondition.OPENED, InspectionCondition.USED),
                      used=condition == InspectionCondition.USED,
                      damaged_by_customer=condition == InspectionCondition.DAMAGED_BY_CUSTOMER,
                      contradicted=contradicted)


def _exclusions(ctx: _Context, out: _Collector) -> None:
    """§1.3: 17(2) exclusions per line for 17(1)-route returns, custom-made cancels, void seller terms."""
    policy = ctx.order.seller_policy
    customer_route_return = ctx.is_return and not ctx.seller_route
    if customer_route_return:
        condition = _condition(ctx.request)
        for item in ctx.lines:
            _consumer_damage(ctx, item, condition, out)
            _notice_gated_exclusions(item, condition, out)
            _custom_made_return(item, out)
        if ctx.request.return_inspection is None:
            out.add("SUBJECT_TO_INSPECTION")
            out.actions.add(RequiredAction.INSPECT_ON_RETURN)
        elif condition.contradicted:
            out.add("INSPECTION_CONTRADICTS_ATTESTATION")
    if ctx.is_cancel and ctx.status == OrderStatus.PREPARING and not ctx.seller_route:
        for item in ctx.lines:
            if item.line.custom_made and item.line.custom_made_consent is True:
                out.add("CUSTOM_MADE_PRODUCTION_MAY_HAVE_STARTED", line=item)
    if ctx.is_return and policy.sale_items_non_returnable:
        for item in ctx.lines:
            if item.line.on_sale:
                out.add("SALE_RESTRICTION_VOID", line=item)
    if ctx.is_return and (policy.restocking_fee_krw > 0
                          or (policy.customer_pays_return_on_defect and ctx.seller_fault)):
        out.add("SELLER_PENALTY_VOID")


def _consumer_damage(ctx: _Context, item: _Line, condition: _Condition, out: _Collector) -> None:
    """REFUND-EXCL-CONSUMER-DAMAGE (17(2)1 and its 단서); the notice does not matter here."""
    if condition.damaged_by_customer:
        out.add("EXCL_CONSUMER_DAMAGE", line=item)
    elif condition.packaging_opened and not item.line.reproducible_media:
        if ctx.request.attestations.opened_for_inspection_only is True:
            out.add("PACKAGING_OPENED_FOR_INSPECTION_OK", line=item)
        else:
            out.add("PACKAGING_OPENED_UNEXPLAINED", line=item)


def _notice_gated_exclusions(item: _Line, condition: _Condition, out: _Collector) -> None:
    """REFUND-EXCL-USED, -TIME-PERISHABLE, -REPRODUCIBLE-PACKAGING under EXCL-NOTICE-PROVISO.

    17(2) items 2–4 can be invoked only if the restriction was displayed (notice True); without
    notice the exclusion is unavailable (info), and an unknown notice goes to a human (review).
    """
    line = item.line
    candidates: list[str] = []
    if condition.used:
        candidates.append("EXCL_USED_HYGIENE" if line.hygiene else "EXCL_USED_VALUE_DECREASE_CHECK")
    elif line.hygiene and condition.packaging_opened:
        candidates.append("HYGIENE_PACKAGING_OPENED")
    if line.perishable:
        candidates.append("EXCL_PERISHABLE")
    if line.reproducible_media and condition.media_opened:
        candidates.append("EXCL_REPRODUCIBLE_OPENED")
    if not candidates:
        return
    if line.restriction_notice_given is True:
        for code in candidates:
            out.add(code, line=item)
    elif line.restriction_notice_given is False:
        out.add("EXCLUSION_UNAVAILABLE_NO_NOTICE", line=item)
    else:
        out.add("EXCLUSION_NOTICE_UNKNOWN", line=item)


def _custom_made_return(item: _Line, out: _Collector) -> None:
    """REFUND-EXCL-CUSTOM-MADE on a return: consent decides (시행령 21)."""
    line = item.line
    if not line.custom_made:
        return
    if line.custom_made_consent is True:
        out.add("EXCL_CUSTOM_MADE", line=item)
    elif line.custom_made_consent is False:
        out.add("CUSTOM_MADE_NO_CONSENT_RETURN_ALLOWED", line=item)
    else:
        out.add("CUSTOM_MADE_CONSENT_UNKNOWN", line=item)


# ---------------------------------------------------------------------------------------------- §1.4 money


def _money(ctx: _Context, out: _Collector) -> Breakdown:
    """COUPON-PRORATION … REFUND-METHOD: the breakdown of §5 and the findings it implies."""
    order, request = ctx.order, ctx.request
    unpaid = ctx.status == OrderStatus.PAYMENT_PENDING
    shares = dict(zip((line.line_id for line in order.lines),
                      allocate_coupon(order.order_coupon.amount if order.order_coupon else 0,
                                      [line.unit_price * line.quantity for line in order.lines]), strict=True))
    rows = []
    for item in ctx.lines:
        line, k, prev = item.line, item.quantity, item.prev
        items = 0 if unpaid else line.unit_price * k
        coupon = 0 if unpaid else slice_of(shares[line.line_id], prev, k, line.quantity)
        revoked = slice_of(line.earned_points, prev, k, line.quantity)
        rows.append(BreakdownLine(line_id=line.line_id, quantity=k, items_amount=items, coupon_share=coupon,
                                  points_earned_revoked=revoked))
        if line.unit_price == 0:
            out.add("ZERO_AMOUNT_REFUND", line=item)

    # §5.2 what remains after this request
    gone: dict[str, int] = {}  # units refunded or pending before, plus this request's
    for line_id, quantity in [p for r in order.refund_history for p in r.lines] + list(request.lines):
        gone[line_id] = gone.get(line_id, 0) + quantity
    remaining = {line.line_id: line.quantity - gone.get(line.line_id, 0) for line in order.lines}
    rem_units = sum(remaining.values())
    rem_gross = sum(line.unit_price * remaining[line.line_id] for line in order.lines)

    # §5.3 shipping
    history = order.refund_history
    one_way = order.seller_policy.return_fee_one_way
    ship = shipping_amounts(
        shipping=order.shipping, one_way=order.shipping.base_fee if one_way is None else one_way,
        priced_as_cancel=ctx.is_cancel or ctx.converted, seller_fault=ctx.seller_fault,
        rem_units=rem_units, rem_gross=rem_gross,
        prior_clawback=sum(r.initial_shipping_clawback for r in history),
        prior_clawback_retained=sum(r.clawback_retained for r in history),
        prior_shipping_refund=sum(r.shipping_refund for r in history))
    shipping_refund, clawback, return_fee = (0, 0, 0) if unpaid else (  # §5: unpaid, so every amount is 0
        ship.shipping_refund, ship.initial_shipping_clawback, ship.return_shipping_fee)

    # §5.4 value and payer
    items_amount = sum(r.items_amount for r in rows)
    coupon_share = sum(r.coupon_share for r in rows)
    raw = items_amount - coupon_share + shipping_refund - clawback - return_fee
    value, payable = max(raw, 0), max(-raw, 0)

    # §5.5 cash first, then points
    cash_legs = [p for p in order.payments if p.method != PaymentMethod.POINTS]
    point_legs = [p for p in order.payments if p.method == PaymentMethod.POINTS]
    prior_cash = sum(r.cash_refunded for r in history)
    prior_points = sum(r.points_restored for r in history)
    points_left = sum(p.amount for p in point_legs) - prior_points
    cash, points = split_cash_first(value, sum(p.amount for p in cash_legs) - prior_cash)
    if points > points_left:  # only a history that INPUT-VALID could not see through gets here
        raise PolicyInputError({"order.refund_history": "exceeds_payments"})

    _money_findings(ctx, out, shipping_refund=shipping_refund, clawback=clawback, return_fee=return_fee,
                    rem_gross=rem_gross, payable=payable)
    coupon_reissued = _coupon_restore(ctx, out, rem_units)
    if coupon_share:
        out.fired.add("COUPON-PRORATION")
    if points:
        out.fired.add("POINTS-RESTORE")
    revoked_total = sum(r.points_earned_revoked for r in rows)
    if revoked_total:
        out.fired.add("POINTS-EARNED-REVOKE")
    legs = _method(ctx, out, cash_legs, point_legs, cash, points, prior_cash, prior_points)
    return Breakdown(lines=tuple(rows), items_amount=items_amount, coupon_share=coupon_share,
                     shipping_refund=shipping_refund, initial_shipping_clawback=clawback,
                     return_shipping_fee=return_fee, refund_value_total=value, customer_payable=payable,
                     cash_refund_total=cash, points_restored=points, points_earned_revoked=revoked_total,
                     coupon_reissued=coupon_reissued, method=legs)


def _money_findings(ctx: _Context, out: _Collector, *, shipping_refund: int, clawback: int, return_fee: int,
                    rem_gross: int, payable: int) -> None:
    """FEE-RETURN-SHIPPING, FEE-FREE-SHIPPING-RECALC, SHIPPING-REFUND, FEES-EXCEED-REFUND."""
    shipping = ctx.order.shipping
    if ctx.request.kind == RequestKind.REFUND:
        if return_fee:
            out.add("RETURN_SHIPPING_DEDUCTED", {"fee": return_fee})
        elif ctx.seller_fault or ctx.converted:
            out.add("RETURN_SHIPPING_SELLER_PAID")
    if clawback:
        out.add("FREE_SHIPPING_CLAWBACK", {"remaining": rem_gross, "threshold": shipping.free_threshold,
                                           "fee": clawback, "free_reason": str(shipping.free_reason)})
    if shipping_refund:
        out.add("OUTBOUND_SHIPPING_REFUNDED", {"fee": shipping_refund})
    if payable:
        out.add("FEES_EXCEED_REFUND", {"amount": payable})
        out.actions.add(RequiredAction.COLLECT_CUSTOMER_PAYABLE)


def _coupon_restore(ctx: _Context, out: _Collector, rem_units: int) -> bool:
    """COUPON-RESTORE: only when nothing remains, the coupon is reissuable and not expired at ``now``."""
    coupon = ctx.order.order_coupon
    if coupon is None or rem_units != 0 or not coupon.reissuable:
        return False
    if coupon.expires_at > ctx.now:
        out.add("COUPON_REISSUED")
        return True
    out.add("COUPON_NOT_REISSUED_EXPIRED")
    return False


def _method(ctx: _Context, out: _Collector, cash_legs: list[PaymentLeg], point_legs: list[PaymentLeg],
            cash: int, points: int, prior_cash: int, prior_points: int) -> tuple[MethodLeg, ...]:
    """REFUND-METHOD: back to the original means; several cash legs need an agent.

    Readings: with several cash legs the legs shown are a proposal (filled in payment order) and
    the review is raised only when cash is refunded at all. A mobile leg is cancelled as such only
    when this request returns the whole leg and ``now`` is in the KST month of ``paid_at``
    (the PG refuses partial and cross-month cancels); otherwise it goes to a bank account.
    """
    paid_at = ctx.order.paid_at
    same_month = paid_at is not None and kst_date(paid_at).replace(day=1) == kst_date(ctx.now).replace(day=1)
    shares = allocate_to_legs(cash_legs, cash, prior_cash) + allocate_to_legs(point_legs, points, prior_points)
    legs = tuple(MethodLeg(channel=channel_for(s, same_month_as_payment=same_month), amount=s.amount,
                           approval_id=s.leg.approval_id) for s in shares)
    if legs:
        out.fired.add("REFUND-METHOD")
    if len(cash_legs) > 1 and cash > 0:
        out.add("PAYMENT_SPLIT_UNSUPPORTED")
    if any(s.leg.method == PaymentMethod.MOBILE and leg.channel == Channel.ACCOUNT_REFUND
           for s, leg in zip(shares, legs, strict=True)):
        out.add("MOBILE_PAYMENT_ACCOUNT_REFUND")
    if any(leg.channel == Channel.ACCOUNT_REFUND for leg in legs) and not ctx.order.customer.refund_account_on_file:
        out.add("REFUND_ACCOUNT_REQUIRED")
        out.actions.add(RequiredAction.COLLECT_REFUND_ACCOUNT)
    return legs


# ---------------------------------------------------------------------------------------------- §1.5 timeline


def _timeline(ctx: _Context, out: _Collector, breakdown: Breakdown | None) -> tuple[date | None, str | None]:
    """TIMELINE-3-BUSINESS-DAYS and TIMELINE-DELAY-INTEREST: (refund_due_by, the rule in words)."""
    if breakdown is None:
        return None, None
    n = ctx.config.refund_business_days
    if ctx.status == OrderStatus.PAYMENT_PENDING:
        return None, "nothing was paid, so nothing is refunded"
    if breakdown.refund_value_total == 0:
        return None, "nothing to refund"
    if ctx.is_cancel:
        trigger, rule = ctx.request.requested_at, f"{n} business days from the cancellation request (전자상거래법 18조)"
    else:
        trigger = ctx.request.return_received_at
        rule = f"{n} business days from the seller's receipt of the returned goods (전자상거래법 18조)"
        if trigger is None:
            return None, rule + "; the returned goods have not been received yet"
    due = nth_business_day(trigger, n, ctx.config.holidays)
    out.fired.add("TIMELINE-3-BUSINESS-DAYS")
    today = kst_date(ctx.now)
    if ctx.request.refund_executed_at is None and today > due:
        days_late = (today - due).days
        interest = delay_interest(breakdown.refund_value_total, ctx.config.delay_interest_percent_per_year,
                                  days_late)
        out.add("REFUND_OVERDUE", {"due": due.isoformat(), "days_late": days_late, "delay_interest_krw": interest})
    return due, rule


def _approval(ctx: _Context, out: _Collector, breakdown: Breakdown | None) -> int:
    """APPROVAL-FOUR-EYES-THRESHOLD: this request's refund value (cash + points) against the threshold."""
    threshold = ctx.config.four_eyes_threshold_krw
    if breakdown is None or breakdown.refund_value_total < threshold:
        return 1
    out.add("FOUR_EYES_REQUIRED", {"amount": breakdown.refund_value_total, "threshold": threshold})
    out.actions.add(RequiredAction.SECOND_APPROVAL)
    return 2


def _eta(breakdown: Breakdown | None) -> tuple[int, int] | None:
    if breakdown is None or not breakdown.method:
        return None
    ranges = [ETA_BUSINESS_DAYS[leg.channel] for leg in breakdown.method]
    return min(lo for lo, _ in ranges), max(hi for _, hi in ranges)


# ---------------------------------------------------------------------------------------------- entry point


def evaluate(order: OrderSnapshot, request: PolicyRequest, now: datetime, config: PolicyConfig) -> PolicyDecision:
    """Decide a cancel or return request against the rule catalogue of policy.md.

    ``now`` (aware) is the evaluation instant: it decides current-status routing, coupon expiry
    and overdue interest, never the withdrawal window (the submission ``requested_at`` does).
    Raises ``PolicyInputError`` (422, with field paths) for malformed input.
    """
    errors = validate_inputs(order, request, now)
    if errors:
        raise PolicyInputError(errors)
    ctx = _context(order, request, now, config)
    out = _Collector()
    _guards_and_routing(ctx, out)
    _windows(ctx, out)
    _exclusions(ctx, out)
    breakdown = None if out.has(Effect.BLOCK) else _money(ctx, out)
    refund_due_by, due_rule = _timeline(ctx, out, breakdown)
    approvals = _approval(ctx, out, breakdown)

    if out.has(Effect.BLOCK):
        outcome = Outcome.INELIGIBLE
    elif out.has(Effect.REVIEW):
        outcome = Outcome.NEEDS_REVIEW
    else:
        outcome = Outcome.ELIGIBLE
    findings = sorted(out.findings, key=lambda f: (RULE_INDEX[f.rule_id], f.position))
    reasons = tuple(_reason(f) for f in findings)
    fired = {f.rule_id for f in findings} | out.fired
    actions = () if outcome == Outcome.INELIGIBLE else tuple(sorted(out.actions))
    return PolicyDecision(
        policy_version=POLICY_VERSION, request_id=request.request_id, kind=RequestKind(request.kind),
        evaluated_at=now, outcome=outcome, reasons=reasons,
        rules_fired=tuple(sorted(fired, key=RULE_INDEX.__getitem__)), breakdown=breakdown,
        deadlines=Deadlines(withdrawal_last_day=out.withdrawal_last_day,
                            misdescribed_last_day=out.misdescribed_last_day, refund_due_by=refund_due_by,
                            refund_due_rule=due_rule, customer_eta_business_days=_eta(breakdown)),
        approvals_required=approvals, required_actions=actions, suggestion=out.suggestion)


def _reason(finding: _Finding) -> DecisionReason:
    message_ko, message_en = render(finding.code, finding.params)
    return DecisionReason(code=finding.code, effect=finding.effect, rule_id=finding.rule_id,
                          line_id=finding.line_id, params=finding.params, message_ko=message_ko,
                          message_en=message_en)


# ---------------------------------------------------------------------------------------------- JSON form


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def decision_to_dict(decision: PolicyDecision) -> dict[str, Any]:
    """The JSON form of §3.1: plain types only, ISO dates (KST), the same dict for the same decision."""
    b = decision.breakdown
    d = decision.deadlines
    s = decision.suggestion
    suggestion = None
    if s is not None:
        suggestion = {"kind": str(s.kind)}
        if s.kind == RequestKind.REFUND:
            suggestion["waive_return_shipping"] = bool(s.waive_return_shipping)
            suggestion["cancel_requested_before_shipment"] = bool(s.cancel_requested_before_shipment)
    return {
        "policy_version": decision.policy_version,
        "request_id": decision.request_id,
        "kind": str(decision.kind),
        "evaluated_at": kst_iso(decision.evaluated_at),
        "outcome": str(decision.outcome),
        "reasons": [{"code": r.code, "effect": str(r.effect), "rule_id": r.rule_id, "line_id": r.line_id,
                     "params": dict(r.params), "message_ko": r.message_ko, "message_en": r.message_en}
                    for r in decision.reasons],
        "rules_fired": list(decision.rules_fired),
        "breakdown": None if b is None else {
            "lines": [{"line_id": x.line_id, "quantity": x.quantity, "items_amount": x.items_amount,
                       "coupon_share": x.coupon_share, "points_earned_revoked": x.points_earned_revoked}
                      for x in b.lines],
            "items_amount": b.items_amount,
            "coupon_share": b.coupon_share,
            "shipping_refund": b.shipping_refund,
            "initial_shipping_clawback": b.initial_shipping_clawback,
            "return_shipping_fee": b.return_shipping_fee,
            "refund_value_total": b.refund_value_total,
            "customer_payable": b.customer_payable,
            "cash_refund_total": b.cash_refund_total,
            "points_restored": b.points_restored,
            "points_earned_revoked": b.points_earned_revoked,
            "coupon_reissued": b.coupon_reissued,
            "method": [{"channel": str(m.channel), "amount": m.amount, "approval_id": m.approval_id}
                       for m in b.method],
        },
        "deadlines": {
            "withdrawal_last_day": _day(d.withdrawal_last_day),
            "misdescribed_last_day": _day(d.misdescribed_last_day),
            "refund_due_by": _day(d.refund_due_by),
            "refund_due_rule": d.refund_due_rule,
            "customer_eta_business_days": list(d.customer_eta_business_days)
            if d.customer_eta_business_days else None,
        },
        "approvals_required": decision.approvals_required,
        "required_actions": [str(a) for a in decision.required_actions],
        "suggestion": suggestion,
    }
