"""INPUT-VALID (policy.md §1.1): field-level checks of an order snapshot, a request and its history.

Each function returns ``{field path: problem}`` (empty when the input is fine); ``evaluate``
raises ``PolicyInputError`` with them, prefixed ``order.`` / ``request.``. Problems are short
stable words: ``required``, ``not_integer``, ``negative``, ``not_positive``, ``naive_datetime``,
``unknown_value``, ``empty``, ``duplicate``, ``unknown_line``, ``sum_mismatch`` …
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from app.domain.policy.models import (
    FreeReason,
    InspectionCondition,
    OrderSnapshot,
    OrderStatus,
    PaymentMethod,
    PolicyRequest,
    RefundStatus,
    RequestKind,
    RequestReason,
)

Errors = dict[str, str]


def check_int(errors: Errors, path: str, value: object, *, minimum: int = 0) -> bool:
    """An ``int`` (not a bool, not a float) of at least ``minimum``; money uses ``minimum`` 0 or 1."""
    if type(value) is not int:
        errors[path] = "not_integer"
        return False
    if value < minimum:
        errors[path] = "negative" if value < 0 else "not_positive"
        return False
    return True


def check_time(errors: Errors, path: str, value: object, *, required: bool = False) -> bool:
    """An aware datetime (or None when not required)."""
    if value is None:
        if required:
            errors[path] = "required"
        return not required
    if not isinstance(value, datetime):
        errors[path] = "not_datetime"
        return False
    if value.tzinfo is None or value.utcoffset() is None:
        errors[path] = "naive_datetime"
        return False
    return True


def check_enum(errors: Errors, path: str, value: object, enum: type[StrEnum]) -> bool:
    try:
        enum(value)
    except ValueError:
        errors[path] = "unknown_value"
        return False
    return True


def validate_order(order: OrderSnapshot) -> Errors:
    """Problems of an order snapshot (paths relative to the order)."""
    errors: Errors = {}
    status_ok = check_enum(errors, "status", order.status, OrderStatus)
    unpaid_allowed = status_ok and OrderStatus(order.status) in (OrderStatus.PAYMENT_PENDING, OrderStatus.CANCELLED)
    check_time(errors, "paid_at", order.paid_at, required=status_ok and not unpaid_allowed)
    for name in ("preparing_at", "shipped_at", "delivered_at", "confirmed_at", "cancelled_at",
                 "promised_delivery_by"):
        check_time(errors, name, getattr(order, name))
    money_ok = _validate_lines(errors, order)
    coupon = order.order_coupon
    if coupon is not None:
        money_ok &= check_int(errors, "order_coupon.amount", coupon.amount, minimum=1)
        check_time(errors, "order_coupon.expires_at", coupon.expires_at, required=True)
    money_ok &= _validate_shipping(errors, order)
    money_ok &= _validate_payments(errors, order)
    policy = order.seller_policy
    if policy.withdrawal_days is not None:
        check_int(errors, "seller_policy.withdrawal_days", policy.withdrawal_days)
    if policy.return_fee_one_way is not None:
        check_int(errors, "seller_policy.return_fee_one_way", policy.return_fee_one_way)
    check_int(errors, "seller_policy.restocking_fee_krw", policy.restocking_fee_krw)
    if money_ok and coupon is not None and coupon.amount > order.gross:
        errors["order_coupon.amount"] = "exceeds_order_gross"
    if money_ok and status_ok:
        if OrderStatus(order.status) == OrderStatus.PAYMENT_PENDING or (order.paid_at is None and unpaid_allowed):
            if order.payments:
                errors["payments"] = "must_be_empty"
        elif sum(p.amount for p in order.payments) != order.total_payable:
            errors["payments"] = "sum_mismatch"
    if money_ok and "lines" not in errors:
        _validate_history(errors, order)
    return errors


def _validate_lines(errors: Errors, order: OrderSnapshot) -> bool:
    if not order.lines:
        errors["lines"] = "empty"
        return False
    ok = True
    seen: set[str] = set()
    for i, line in enumerate(order.lines):
        if line.line_id in seen:
            errors[f"lines[{i}].line_id"] = "duplicate"
            ok = False
        seen.add(line.line_id)
        ok &= check_int(errors, f"lines[{i}].unit_price", line.unit_price)
        ok &= check_int(errors, f"lines[{i}].quantity", line.quantity, minimum=1)
        ok &= check_int(errors, f"lines[{i}].earned_points", line.earned_points)
    return ok


def _validate_shipping(errors: Errors, order: OrderSnapshot) -> bool:
    shipping = order.shipping
    ok = check_int(errors, "shipping.base_fee", shipping.base_fee)
    ok &= check_int(errors, "shipping.fee_charged", shipping.fee_charged)
    if check_enum(errors, "shipping.free_reason", shipping.free_reason, FreeReason):
        if shipping.free_threshold is None and FreeReason(shipping.free_reason) == FreeReason.THRESHOLD:
            errors["shipping.free_threshold"] = "required"
    if shipping.free_threshold is not None:
        ok &= check_int(errors, "shipping.free_threshold", shipping.free_threshold)
    return ok


def _validate_payments(errors: Errors, order: OrderSnapshot) -> bool:
    ok = True
    for i, leg in enumerate(order.payments):
        check_enum(errors, f"payments[{i}].method", leg.method, PaymentMethod)
        ok &= check_int(errors, f"payments[{i}].amount", leg.amount, minimum=1)
    return ok


def _validate_history(errors: Errors, order: OrderSnapshot) -> None:
    """Each record well-formed; together they never refund more than was ordered or paid."""
    quantities = {line.line_id: line.quantity for line in order.lines}
    units: dict[str, int] = {}
    amounts_ok = True
    for i, record in enumerate(order.refund_history):
        path = f"refund_history[{i}]"
        check_enum(errors, f"{path}.kind", record.kind, RequestKind)
        check_enum(errors, f"{path}.status", record.status, RefundStatus)
        check_time(errors, f"{path}.executed_at", record.executed_at)
        if not record.lines:
            errors[f"{path}.lines"] = "empty"
        for j, pair in enumerate(record.lines):
            line_id, quantity = pair
            if line_id not in quantities:
                errors[f"{path}.lines[{j}].line_id"] = "unknown_line"
            elif check_int(errors, f"{path}.lines[{j}].quantity", quantity, minimum=1):
                units[line_id] = units.get(line_id, 0) + quantity
        for name in ("items_amount", "coupon_share", "shipping_refund", "initial_shipping_clawback",
                     "return_shipping_fee", "cash_refunded", "points_restored"):
            amounts_ok &= check_int(errors, f"{path}.{name}", getattr(record, name))
    if any(units[line_id] > quantities[line_id] for line_id in units):
        errors["refund_history"] = "exceeds_quantity"
    if not amounts_ok or "refund_history" in errors:
        return
    history = order.refund_history
    cash_paid = sum(p.amount for p in order.payments if p.method != PaymentMethod.POINTS)
    points_used = sum(p.amount for p in order.payments if p.method == PaymentMethod.POINTS)
    coupon = order.order_coupon.amount if order.order_coupon else 0
    if (sum(r.cash_refunded for r in history) > cash_paid
            or sum(r.points_restored for r in history) > points_used
            or sum(r.shipping_refund for r in history)
            > order.shipping.fee_charged + sum(r.clawback_retained for r in history)
            or sum(r.coupon_share for r in history) > coupon):
        errors["refund_history"] = "exceeds_payments"


def validate_request(request: PolicyRequest, order: OrderSnapshot) -> Errors:
    """Problems of a request against its order (paths relative to the request)."""
    errors: Errors = {}
    check_enum(errors, "kind", request.kind, RequestKind)
    check_enum(errors, "reason", request.reason, RequestReason)
    check_enum(errors, "status_at_request", request.status_at_request, OrderStatus)
    check_time(errors, "requested_at", request.requested_at, required=True)
    for name in ("discovered_at", "return_received_at", "refund_executed_at", "converted_from_cancel_at"):
        check_time(errors, name, getattr(request, name))
    if request.return_inspection is not None:
        check_enum(errors, "return_inspection.condition", request.return_inspection.condition,
                   InspectionCondition)
        check_time(errors, "return_inspection.inspected_at", request.return_inspection.inspected_at, required=True)
    if not request.lines:
        errors["lines"] = "empty"
    known = {line.line_id for line in order.lines}
    seen: set[str] = set()
    for i, pair in enumerate(request.lines):
        if not isinstance(pair, tuple) or len(pair) != 2:
            errors[f"lines[{i}]"] = "invalid"
            continue
        line_id, quantity = pair
        if line_id not in known:
            errors[f"lines[{i}].line_id"] = "unknown_line"
        elif line_id in seen:
            errors[f"lines[{i}].line_id"] = "duplicate"
        seen.add(line_id)
        check_int(errors, f"lines[{i}].quantity", quantity, minimum=1)
    return errors


def validate_inputs(order: OrderSnapshot, request: PolicyRequest, now: datetime) -> Errors:
    """Everything INPUT-VALID checks before ``evaluate`` decides, with ``order.``/``request.`` paths."""
    errors = {f"order.{k}": v for k, v in validate_order(order).items()}
    errors.update({f"request.{k}": v for k, v in validate_request(request, order).items()})
    if check_time(errors, "now", now, required=True) and "request.requested_at" not in errors:
        if request.requested_at > now:
            errors["request.requested_at"] = "after_now"
    return errors
