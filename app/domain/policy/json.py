"""The JSON forms of the policy inputs (api.md: the ``PUT /orders/{number}`` body, ticket requests).

``order_from_dict`` reads the order snapshot the shop pushes (the field names of policy.md §2.1,
lower-case enum values, ISO 8601 times with an offset, integer KRW, plus ``customer_email`` and
usually without ``refund_history``); ``request_from_dict`` reads a ``PolicyRequest`` (§2.2) and
``refund_record_from_dict`` one history entry. Anything malformed raises ``PolicyInputError``
(a ``DomainError``, status 422) whose ``fields`` name every problem, e.g.
``{"lines[0].unit_price": "negative", "payments": "sum_mismatch"}``. Structural problems (types,
missing fields, unknown enum values, naive times) are all reported together; the cross-field
rules of INPUT-VALID (sums, duplicates, history) are checked once the structure is sound.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from app.domain.policy.days import KST
from app.domain.policy.models import (
    Attestations,
    Customer,
    FreeReason,
    Inspection,
    InspectionCondition,
    OrderCoupon,
    OrderLine,
    OrderSnapshot,
    OrderStatus,
    PaymentLeg,
    PaymentMethod,
    PolicyInputError,
    PolicyRequest,
    RefundRecord,
    RefundStatus,
    RequestKind,
    RequestReason,
    SellerPolicy,
    Shipping,
)
from app.domain.policy.validation import validate_order, validate_request

__all__ = ["order_from_dict", "refund_record_from_dict", "request_from_dict"]

_MISSING = object()


class _Reader:
    """Reads typed values out of nested dicts, collecting ``{path: problem}`` instead of stopping."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    @staticmethod
    def path(prefix: str, key: str | int) -> str:
        if isinstance(key, int):
            return f"{prefix}[{key}]"
        return f"{prefix}.{key}" if prefix else key

    def _get(self, data: Mapping[str, Any], key: str, prefix: str, *, required: bool, nullable: bool) -> Any:
        value = data.get(key, _MISSING)
        if value is _MISSING or (value is None and not nullable):
            if required:
                self.errors[self.path(prefix, key)] = "required"
            return _MISSING  # an optional field left out (or null) takes its default
        return value

    def obj(self, value: Any, path: str) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.errors[path or "body"] = "not_object"
            return None
        return value

    def text(self, data, key, prefix, *, required=True, default="") -> str:
        value = self._get(data, key, prefix, required=required, nullable=False)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            self.errors[self.path(prefix, key)] = "not_string"
            return default
        return value

    def flag(self, data, key, prefix, *, required=False, default=False, nullable=False) -> bool | None:
        value = self._get(data, key, prefix, required=required, nullable=nullable)
        if value is _MISSING:
            return default
        if value is None:
            return None
        if type(value) is not bool:
            self.errors[self.path(prefix, key)] = "not_boolean"
            return default
        return value

    def integer(self, data, key, prefix, *, required=True, default=0, nullable=False, minimum=0) -> int | None:
        """Integer KRW or a count: not a float (even 1000.0), not a bool, at least ``minimum``."""
        value = self._get(data, key, prefix, required=required, nullable=nullable)
        if value is _MISSING:
            return default
        if value is None:
            return None
        path = self.path(prefix, key)
        if type(value) is not int:
            self.errors[path] = "not_integer"
            return default
        if value < minimum:
            self.errors[path] = "negative" if value < 0 else "not_positive"
            return default
        return value

    def enum(self, data, key, prefix, enum: type[StrEnum], *, required=True, default=None):
        value = self._get(data, key, prefix, required=required, nullable=False)
        if value is _MISSING:
            return default
        try:
            return enum(value)
        except ValueError:
            self.errors[self.path(prefix, key)] = "unknown_value"
            return default

    def when(self, data, key, prefix, *, required=False, bare_date_at_noon=False) -> datetime | None:
        """An ISO 8601 time with its offset (``Z`` accepted); naive times are refused."""
        value = self._get(data, key, prefix, required=required, nullable=not required)
        if value is _MISSING or value is None:
            return None
        path = self.path(prefix, key)
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, str):
            if bare_date_at_noon and len(value) == 10:
                try:  # policy.md §6.1: a bare discovery date means 12:00 KST that day
                    return datetime.combine(date.fromisoformat(value), time(12), tzinfo=KST)
                except ValueError:
                    pass
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                self.errors[path] = "invalid_datetime"
                return None
        else:
            self.errors[path] = "invalid_datetime"
            return None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.errors[path] = "naive_datetime"
            return None
        return parsed

    def items(self, data, key, prefix, *, required=True) -> list[tuple[str, Mapping[str, Any]]]:
        """A list of objects, as ``(path, object)`` pairs (bad entries are reported and skipped)."""
        value = self._get(data, key, prefix, required=required, nullable=False)
        if value is _MISSING:
            return []
        path = self.path(prefix, key)
        if not isinstance(value, list):
            self.errors[path] = "not_list"
            return []
        result = []
        for i, entry in enumerate(value):
            entry_path = self.path(path, i)
            if self.obj(entry, entry_path) is not None:
                result.append((entry_path, entry))
        return result

    def line_pairs(self, data, key, prefix) -> tuple[tuple[str, int], ...]:
        """``[{"line_id": "L1", "quantity": 1}, ...]`` as ``(("L1", 1), ...)``."""
        return tuple((self.text(entry, "line_id", p), self.integer(entry, "quantity", p, minimum=1))
                     for p, entry in self.items(data, key, prefix))

    def fail(self, code: str) -> None:
        if self.errors:
            raise PolicyInputError(self.errors, code=code)


# ---------------------------------------------------------------------------------------------- orders


def _order_line(r: _Reader, data: Mapping[str, Any], p: str) -> OrderLine:
    return OrderLine(
        line_id=r.text(data, "line_id", p), sku=r.text(data, "sku", p), name=r.text(data, "name", p),
        unit_price=r.integer(data, "unit_price", p), quantity=r.integer(data, "quantity", p, minimum=1),
        on_sale=r.flag(data, "on_sale", p), perishable=r.flag(data, "perishable", p),
        reproducible_media=r.flag(data, "reproducible_media", p), hygiene=r.flag(data, "hygiene", p),
        custom_made=r.flag(data, "custom_made", p),
        custom_made_consent=r.flag(data, "custom_made_consent", p, default=None, nullable=True),
        restriction_notice_given=r.flag(data, "restriction_notice_given", p, default=None, nullable=True),
        earned_points=r.integer(data, "earned_points", p, required=False))


def _coupon(r: _Reader, data: Mapping[str, Any]) -> OrderCoupon | None:
    value = data.get("order_coupon")
    if value is None:
        return None
    coupon = r.obj(value, "order_coupon")
    if coupon is None:
        return None
    p = "order_coupon"
    return OrderCoupon(coupon_id=r.text(coupon, "coupon_id", p), amount=r.integer(coupon, "amount", p, minimum=1),
                       expires_at=r.when(coupon, "expires_at", p, required=True),
                       reissuable=r.flag(coupon, "reissuable", p, required=True))


def _shipping(r: _Reader, data: Mapping[str, Any]) -> Shipping | None:
    if "shipping" not in data or data["shipping"] is None:
        r.errors["shipping"] = "required"
        return None
    shipping = r.obj(data["shipping"], "shipping")
    if shipping is None:
        return None
    p = "shipping"
    return Shipping(base_fee=r.integer(shipping, "base_fee", p), fee_charged=r.integer(shipping, "fee_charged", p),
                    free_reason=r.enum(shipping, "free_reason", p, FreeReason, default=FreeReason.NONE),
                    free_threshold=r.integer(shipping, "free_threshold", p, required=False, default=None,
                                             nullable=True),
                    plus_member_at_order=r.flag(shipping, "plus_member_at_order", p))


def _seller_policy(r: _Reader, data: Mapping[str, Any]) -> SellerPolicy:
    value = data.get("seller_policy")
    if value is None:
        return SellerPolicy()
    policy = r.obj(value, "seller_policy")
    if policy is None:
        return SellerPolicy()
    p = "seller_policy"
    return SellerPolicy(
        withdrawal_days=r.integer(policy, "withdrawal_days", p, required=False, default=None, nullable=True),
        extension_excludes_sale_items=r.flag(policy, "extension_excludes_sale_items", p),
        sale_items_non_returnable=r.flag(policy, "sale_items_non_returnable", p),
        return_fee_one_way=r.integer(policy, "return_fee_one_way", p, required=False, default=None, nullable=True),
        restocking_fee_krw=r.integer(policy, "restocking_fee_krw", p, required=False),
        customer_pays_return_on_defect=r.flag(policy, "customer_pays_return_on_defect", p))


def _customer(r: _Reader, data: Mapping[str, Any]) -> Customer | None:
    if data.get("customer") is None:
        r.errors["customer"] = "required"
        return None
    customer = r.obj(data["customer"], "customer")
    if customer is None:
        return None
    # api.md's body names the customer by customer_email (which the desk may strip before parsing)
    # and has no customer_id; no rule reads it, so it defaults to the e-mail, else "".
    email = r.text(data, "customer_email", "", required=False)
    customer_id = r.text(customer, "customer_id", "customer", required=False, default=email)
    return Customer(customer_id=customer_id,
                    refund_account_on_file=r.flag(customer, "refund_account_on_file", "customer", required=True))


def _record(r: _Reader, data: Mapping[str, Any], p: str) -> RefundRecord:
    amounts = {name: r.integer(data, name, p, required=False)
               for name in ("items_amount", "coupon_share", "shipping_refund", "initial_shipping_clawback",
                            "return_shipping_fee", "cash_refunded", "points_restored")}
    return RefundRecord(refund_id=r.text(data, "refund_id", p), request_id=r.text(data, "request_id", p),
                        kind=r.enum(data, "kind", p, RequestKind), status=r.enum(data, "status", p, RefundStatus),
                        lines=r.line_pairs(data, "lines", p), executed_at=r.when(data, "executed_at", p), **amounts)


def order_from_dict(data: Any, *, order_id: str | None = None) -> OrderSnapshot:
    """An ``OrderSnapshot`` from its JSON form; ``order_id`` (the order number of the URL) wins over the body's.

    Raises ``PolicyInputError`` (422, code ``invalid_order``) with field-level problems.
    """
    r = _Reader()
    if r.obj(data, "") is None:
        r.fail("invalid_order")
    number = order_id if order_id is not None else r.text(data, "order_id", "")
    order_fields = dict(
        order_id=number, seller_id=r.text(data, "seller_id", ""),
        status=r.enum(data, "status", "", OrderStatus),
        lines=tuple(_order_line(r, line, p) for p, line in r.items(data, "lines", "")),
        order_coupon=_coupon(r, data), shipping=_shipping(r, data),
        payments=tuple(PaymentLeg(method=r.enum(leg, "method", p, PaymentMethod),
                                  amount=r.integer(leg, "amount", p, minimum=1),
                                  approval_id=r.text(leg, "approval_id", p, required=False))
                       for p, leg in r.items(data, "payments", "")),
        seller_policy=_seller_policy(r, data),
        refund_history=tuple(_record(r, rec, p) for p, rec in r.items(data, "refund_history", "", required=False)),
        customer=_customer(r, data),
        **{name: r.when(data, name, "") for name in ("paid_at", "preparing_at", "shipped_at", "delivered_at",
                                                     "confirmed_at", "cancelled_at", "promised_delivery_by")},
    )
    r.fail("invalid_order")
    order = OrderSnapshot(**order_fields)
    r.errors.update(validate_order(order))
    r.fail("invalid_order")
    return order


def refund_record_from_dict(data: Any) -> RefundRecord:
    """One ``RefundRecord`` (history entry) from its JSON form."""
    r = _Reader()
    if r.obj(data, "") is None:
        r.fail("invalid_refund_record")
    record = _record(r, data, "")
    r.fail("invalid_refund_record")
    return record


def request_from_dict(data: Any, order: OrderSnapshot | None = None, *, request_id: str | None = None,
                      kind: RequestKind | str | None = None, requested_at: datetime | None = None,
                      status_at_request: OrderStatus | str | None = None) -> PolicyRequest:
    """A ``PolicyRequest`` from its JSON form.

    The desk fills ``request_id``, ``kind``, ``requested_at`` and ``status_at_request`` itself
    (api.md); given as keywords they win over the body. With ``order`` the lines are also checked
    against it (unknown or duplicate line ids). Raises ``PolicyInputError`` (422, ``invalid_request``).
    """
    r = _Reader()
    if r.obj(data, "") is None:
        r.fail("invalid_request")
    data = dict(data)
    for key, value in (("request_id", request_id), ("kind", kind), ("requested_at", requested_at),
                       ("status_at_request", status_at_request)):
        if value is not None:
            data[key] = value
    attestations = Attestations()
    if data.get("attestations") is not None and r.obj(data["attestations"], "attestations") is not None:
        a = data["attestations"]
        attestations = Attestations(**{name: r.flag(a, name, "attestations", default=None, nullable=True)
                                       for name in ("packaging_intact", "opened_for_inspection_only", "unused")})
    inspection = None
    if data.get("return_inspection") is not None and r.obj(data["return_inspection"], "return_inspection") is not None:
        i, p = data["return_inspection"], "return_inspection"
        inspection = Inspection(condition=r.enum(i, "condition", p, InspectionCondition),
                                inspected_at=r.when(i, "inspected_at", p, required=True),
                                note=r.text(i, "note", p, required=False))
    request = PolicyRequest(
        request_id=r.text(data, "request_id", ""), kind=r.enum(data, "kind", "", RequestKind),
        lines=r.line_pairs(data, "lines", ""), reason=r.enum(data, "reason", "", RequestReason),
        reason_text=r.text(data, "reason_text", "", required=False),
        requested_at=r.when(data, "requested_at", "", required=True),
        status_at_request=r.enum(data, "status_at_request", "", OrderStatus),
        discovered_at=r.when(data, "discovered_at", "", bare_date_at_noon=True),
        attestations=attestations, return_inspection=inspection,
        return_received_at=r.when(data, "return_received_at", ""),
        refund_executed_at=r.when(data, "refund_executed_at", ""),
        converted_from_cancel_at=r.when(data, "converted_from_cancel_at", ""))
    if not request.lines and "lines" not in r.errors:
        r.errors["lines"] = "empty"
    r.fail("invalid_request")
    if order is not None:
        r.errors.update(validate_request(request, order))
        r.fail("invalid_request")
    return request
