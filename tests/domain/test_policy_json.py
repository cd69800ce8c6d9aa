"""The JSON forms of the policy inputs: api.md's order body parses; bad input is a 422 naming the field."""
from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from app.domain.errors import DomainError
from app.domain.policy.evaluate import (
    FreeReason,
    InspectionCondition,
    OrderStatus,
    PaymentMethod,
    PolicyInputError,
    RefundStatus,
    RequestKind,
    RequestReason,
    evaluate,
)
from app.domain.policy.json import order_from_dict, refund_record_from_dict, request_from_dict
from tests.domain.policy_builders import API_EXAMPLE, CONFIG, kst


def body(**changes):
    data = copy.deepcopy(API_EXAMPLE)
    data.update(changes)
    return data


def problems(data, **kwargs) -> dict[str, str]:
    with pytest.raises(PolicyInputError) as err:
        order_from_dict(data, order_id=kwargs.pop("order_id", "20260302-000001"), **kwargs)
    assert isinstance(err.value, DomainError)
    assert err.value.status == 422 and err.value.code == "invalid_order"
    return err.value.fields


# ---------------------------------------------------------------------------------------------- orders


def test_the_api_example_parses():
    order = order_from_dict(API_EXAMPLE, order_id="20260302-000001")
    assert order.order_id == "20260302-000001"
    assert order.status == OrderStatus.PREPARING and isinstance(order.status, OrderStatus)
    assert order.paid_at == kst(2026, 3, 2, 10)
    assert order.shipped_at is None and order.confirmed_at is None
    assert order.lines[0].name == "반팔 티셔츠" and order.lines[0].restriction_notice_given is True
    assert order.lines[0].custom_made_consent is None
    assert order.order_coupon.amount == 2000 and order.order_coupon.reissuable is True
    assert order.shipping.free_reason == FreeReason.THRESHOLD and order.shipping.free_threshold == 30000
    assert order.payments[0].method == PaymentMethod.CARD and order.total_payable == 8000
    assert order.seller_policy.withdrawal_days is None and order.refund_history == ()
    assert order.customer.customer_id == "minji@example.com" and order.customer.refund_account_on_file is True


def test_the_parsed_example_can_be_evaluated():
    order = order_from_dict(API_EXAMPLE, order_id="20260302-000001")
    request = request_from_dict({"lines": [{"line_id": "L1", "quantity": 1}], "reason": "change_of_mind"}, order,
                                request_id="RQ-1", kind="cancel", requested_at=kst(2026, 3, 3, 9),
                                status_at_request=order.status)
    decision = evaluate(order, request, kst(2026, 3, 3, 9), CONFIG)
    assert decision.outcome == "eligible"
    assert decision.breakdown.refund_value_total == 8000  # 10,000 − coupon 2,000, free shipping


def test_the_example_without_customer_email_parses():
    """The desk may strip customer_email (it is not part of OrderSnapshot) before parsing."""
    data = body(order_id="N-1")
    del data["customer_email"]
    order = order_from_dict(data)
    assert order.customer.customer_id == "" and order.customer.refund_account_on_file is True
    assert order_from_dict(body(customer={"customer_id": "C-9", "refund_account_on_file": False}),
                           order_id="N").customer.customer_id == "C-9"


def test_order_id_may_come_from_the_body_and_utc_times_are_fine():
    order = order_from_dict(body(order_id="N-1", paid_at="2026-03-02T01:00:00Z"))
    assert order.order_id == "N-1"
    assert order.paid_at == datetime(2026, 3, 2, 1, tzinfo=UTC)


def test_history_in_the_body_is_read():
    history = [{"refund_id": "RF-1", "request_id": "RQ-0", "kind": "cancel", "status": "completed",
                "lines": [{"line_id": "L1", "quantity": 1}], "items_amount": 10000, "coupon_share": 2000,
                "cash_refunded": 8000, "executed_at": "2026-03-03T10:00:00+09:00"}]
    order = order_from_dict(body(refund_history=history), order_id="N")
    record = order.refund_history[0]
    assert record.lines == (("L1", 1),) and record.status == RefundStatus.COMPLETED
    assert record.cash_refunded == 8000 and record.shipping_refund == 0


@pytest.mark.parametrize(("change", "field", "problem"), [
    # payments that do not add up (INPUT-VALID)
    ({"payments": [{"method": "card", "amount": 9000, "approval_id": "A-1"}]}, "payments", "sum_mismatch"),
    ({"status": "payment_pending"}, "payments", "must_be_empty"),
    # unknown enum values (lower-case only)
    ({"status": "PAID"}, "status", "unknown_value"),
    ({"status": "refunded"}, "status", "unknown_value"),
    ({"payments": [{"method": "crypto", "amount": 8000}]}, "payments[0].method", "unknown_value"),
    # naive or broken times
    ({"paid_at": "2026-03-02T10:00:00"}, "paid_at", "naive_datetime"),
    ({"delivered_at": "yesterday"}, "delivered_at", "invalid_datetime"),
    ({"preparing_at": 1700000000}, "preparing_at", "invalid_datetime"),
    # missing required fields
    ({"seller_id": None}, "seller_id", "required"),
    ({"shipping": None}, "shipping", "required"),
    ({"customer": {}}, "customer.refund_account_on_file", "required"),
    ({"paid_at": None}, "paid_at", "required"),
    ({"shipping": {"base_fee": 3000, "fee_charged": 0, "free_reason": "threshold", "free_threshold": None}},
     "shipping.free_threshold", "required"),
    # lines
    ({"lines": []}, "lines", "empty"),
    ({"lines": "L1"}, "lines", "not_list"),
    ({"lines": ["L1"]}, "lines[0]", "not_object"),
    # coupon beyond the merchandise
    ({"order_coupon": {"coupon_id": "C", "amount": 20000, "expires_at": "2026-12-31T00:00:00Z", "reissuable": True},
      "payments": [{"method": "card", "amount": 1, "approval_id": "A"}]}, "order_coupon.amount", "exceeds_order_gross"),
    # flags must be booleans
    ({"customer": {"refund_account_on_file": "yes"}}, "customer.refund_account_on_file", "not_boolean"),
])
def test_bad_orders_name_the_field(change, field, problem):
    assert problems(body(**change))[field] == problem


@pytest.mark.parametrize(("value", "problem"), [
    (-1, "negative"), (10000.0, "not_integer"), (True, "not_integer"), ("10000", "not_integer"), (None, "required"),
])
def test_money_must_be_a_non_negative_integer(value, problem):
    data = body()
    data["lines"][0]["unit_price"] = value
    assert problems(data)["lines[0].unit_price"] == problem


@pytest.mark.parametrize(("path", "value", "problem"), [
    (("payments", 0, "amount"), 0, "not_positive"),
    (("payments", 0, "amount"), 8000.5, "not_integer"),
    (("shipping", "fee_charged"), -3000, "negative"),
    (("shipping", "base_fee"), False, "not_integer"),
    (("order_coupon", "amount"), 0, "not_positive"),
    (("lines", 0, "quantity"), 0, "not_positive"),
    (("lines", 0, "earned_points"), -5, "negative"),
    (("seller_policy", "restocking_fee_krw"), -1, "negative"),
])
def test_each_amount_is_checked_where_it_is(path, value, problem):
    data = body()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    name = ".".join(str(p) for p in path).replace(".0", "[0]")
    assert problems(data)[name] == problem


def test_duplicate_line_ids_are_refused():
    data = body()
    data["lines"].append(dict(data["lines"][0]))
    data["payments"][0]["amount"] = 18000
    assert problems(data)["lines[1].line_id"] == "duplicate"


def test_missing_line_fields_are_each_named():
    data = body()
    data["lines"][0] = {"line_id": "L1"}
    fields = problems(data)
    assert {fields[f"lines[0].{name}"] for name in ("sku", "name", "unit_price", "quantity")} == {"required"}


def test_several_problems_are_reported_together():
    data = body(status="SHIPPED", paid_at="2026-03-02T10:00:00")
    data["lines"][0]["unit_price"] = -10
    assert problems(data) == {"status": "unknown_value", "paid_at": "naive_datetime",
                              "lines[0].unit_price": "negative"}


def test_order_id_is_required_somewhere():
    with pytest.raises(PolicyInputError) as err:
        order_from_dict(body())
    assert err.value.fields == {"order_id": "required"}


def test_a_body_that_is_not_an_object():
    with pytest.raises(PolicyInputError) as err:
        order_from_dict([API_EXAMPLE], order_id="N")
    assert err.value.fields == {"body": "not_object"}


def test_a_history_that_refunds_more_than_was_paid_is_refused():
    history = [{"refund_id": "RF-1", "request_id": "RQ-0", "kind": "cancel", "status": "completed",
                "lines": [{"line_id": "L1", "quantity": 1}], "items_amount": 10000, "cash_refunded": 9000}]
    assert problems(body(refund_history=history))["refund_history"] == "exceeds_payments"
    history[0]["lines"] = [{"line_id": "L1", "quantity": 2}]
    assert problems(body(refund_history=history))["refund_history"] == "exceeds_quantity"
    history[0]["lines"] = [{"line_id": "L9", "quantity": 1}]
    assert problems(body(refund_history=history))["refund_history[0].lines[0].line_id"] == "unknown_line"


# ---------------------------------------------------------------------------------------------- requests


REQUEST = {"request_id": "RQ-7", "kind": "refund", "lines": [{"line_id": "L1", "quantity": 1}],
           "reason": "misdescribed", "requested_at": "2026-04-11T01:00:00Z", "status_at_request": "delivered",
           "discovered_at": "2026-04-06", "attestations": {"packaging_intact": True, "unused": None},
           "return_inspection": {"condition": "opened", "inspected_at": "2026-04-14T10:00:00+09:00"}}


def request_problems(data, order=None, **kwargs) -> dict[str, str]:
    with pytest.raises(PolicyInputError) as err:
        request_from_dict(data, order, **kwargs)
    assert err.value.status == 422 and err.value.code == "invalid_request"
    return err.value.fields


def test_a_request_parses():
    r = request_from_dict(REQUEST)
    assert r.kind == RequestKind.REFUND and r.reason == RequestReason.MISDESCRIBED
    assert r.lines == (("L1", 1),)
    assert r.requested_at == kst(2026, 4, 11, 10)
    assert r.discovered_at == kst(2026, 4, 6, 12)  # a bare date is 12:00 KST (§6.1)
    assert r.attestations.packaging_intact is True and r.attestations.unused is None
    assert r.return_inspection.condition == InspectionCondition.OPENED
    assert r.status_at_request == OrderStatus.DELIVERED and r.return_received_at is None


def test_the_desk_fields_win_over_the_body():
    r = request_from_dict(REQUEST, request_id="RQ-desk", kind=RequestKind.CANCEL, requested_at=kst(2026, 4, 12, 9),
                          status_at_request="paid")
    assert (r.request_id, r.kind, r.requested_at, r.status_at_request) == (
        "RQ-desk", RequestKind.CANCEL, kst(2026, 4, 12, 9), OrderStatus.PAID)


@pytest.mark.parametrize(("change", "field", "problem"), [
    ({"reason": "changed_my_mind"}, "reason", "unknown_value"),
    ({"kind": "exchange"}, "kind", "unknown_value"),
    ({"requested_at": "2026-04-11T10:00:00"}, "requested_at", "naive_datetime"),
    ({"requested_at": None}, "requested_at", "required"),
    ({"lines": []}, "lines", "empty"),
    ({"lines": [{"line_id": "L1", "quantity": 0}]}, "lines[0].quantity", "not_positive"),
    ({"lines": [{"line_id": "L1", "quantity": 1.0}]}, "lines[0].quantity", "not_integer"),
    ({"lines": [{"quantity": 1}]}, "lines[0].line_id", "required"),
    ({"attestations": {"unused": "no"}}, "attestations.unused", "not_boolean"),
    ({"return_inspection": {"condition": "broken"}}, "return_inspection.condition", "unknown_value"),
    ({"return_inspection": {"condition": "used"}}, "return_inspection.inspected_at", "required"),
    ({"discovered_at": "2026-04-06T12:00:00"}, "discovered_at", "naive_datetime"),
    ({"status_at_request": "Delivered"}, "status_at_request", "unknown_value"),
])
def test_bad_requests_name_the_field(change, field, problem):
    data = {**REQUEST, **change}
    assert request_problems(data)[field] == problem


def test_request_lines_are_checked_against_the_order():
    order = order_from_dict(API_EXAMPLE, order_id="N")
    data = {**REQUEST, "lines": [{"line_id": "L9", "quantity": 1}, {"line_id": "L1", "quantity": 1},
                                 {"line_id": "L1", "quantity": 1}]}
    assert request_problems(data, order) == {"lines[0].line_id": "unknown_line", "lines[2].line_id": "duplicate"}


def test_a_refund_record_parses_and_is_validated():
    record = refund_record_from_dict({"refund_id": "RF-1", "request_id": "RQ-1", "kind": "refund",
                                      "status": "pending", "lines": [{"line_id": "L1", "quantity": 2}],
                                      "cash_refunded": 5000})
    assert record.status == RefundStatus.PENDING and record.lines == (("L1", 2),) and record.executed_at is None
    with pytest.raises(PolicyInputError) as err:
        refund_record_from_dict({"refund_id": "RF-1", "request_id": "RQ-1", "kind": "refund", "status": "done",
                                 "lines": [], "cash_refunded": -1})
    assert err.value.fields == {"status": "unknown_value", "cash_refunded": "negative"}
