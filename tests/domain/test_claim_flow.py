"""The claim's life (app/domain/claim_flow.py): what an order allows, where a decided ticket goes,
what the customer reads, and the subject in the reader's language."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.claim_flow import (
    DecisionNotice,
    claim_kind_for,
    claim_kind_of,
    claim_subject,
    decision_message,
    discovered_at,
    return_arrived_message,
    shown_subject,
    ticket_status_after_decision,
    ticket_type_of,
)
from app.domain.ticket_flow import Status


@pytest.mark.parametrize(("status", "kind"), [
    ("payment_pending", "cancel"), ("paid", "cancel"), ("preparing", "cancel"), ("shipped", "refund"),
    ("delivered", "refund"), ("purchase_confirmed", "refund"), ("cancelled", None), ("odd", None)])
def test_what_an_order_allows(status, kind):
    assert claim_kind_for(status) == kind


@pytest.mark.parametrize(("kind", "approved", "back", "status"), [
    ("cancel", True, True, Status.SOLVED), ("cancel", False, True, Status.SOLVED),
    ("refund", True, False, Status.PENDING), ("refund", True, True, Status.SOLVED),
    ("refund", False, False, Status.SOLVED)])
def test_where_a_decided_ticket_goes(kind, approved, back, status):
    assert ticket_status_after_decision(kind=kind, approved=approved, goods_back=back) == status


def test_an_approval_tells_the_amount_and_the_timing_in_the_customers_language():
    notice = DecisionNotice(kind="cancel", approved=True, refund_value_total=30000, cash_refund_total=27000,
                            points_restored=3000, due_by=date(2026, 12, 7), timing="₩27,000은 …")
    ko = decision_message(notice, "ko")
    assert ko.startswith("요청하신 주문 취소 신청이 승인되었습니다.")
    assert "환불 금액: ₩30,000" in ko and "결제 수단으로 ₩27,000, 포인트 ₩3,000" in ko and "₩27,000은 …" in ko
    assert "환불 기한" not in ko  # the timing sentence says when, once
    en = decision_message(notice, "en")
    assert en.startswith("Your order cancellation request has been approved.") and "Refund: ₩30,000" in en


def test_an_approval_without_timing_names_the_due_day():
    notice = DecisionNotice(kind="cancel", approved=True, refund_value_total=15000, cash_refund_total=15000,
                            due_by=date(2026, 12, 7))
    assert "환불 기한: 2026년 12월 7일(월)까지" in decision_message(notice, "ko")


def test_an_approved_return_asks_for_the_parcel():
    notice = DecisionNotice(kind="refund", approved=True, refund_value_total=17000, cash_refund_total=17000,
                            goods_back=False)
    text = decision_message(notice, "ko")
    assert "상품을 보내 주세요." in text and "3영업일 안에 환불됩니다" in text


def test_a_denial_gives_the_reason_and_the_way_back():
    text = decision_message(DecisionNotice(kind="refund", approved=False, reason="사용 흔적이 있습니다."), "ko")
    assert text.startswith("요청하신 반품·환불 신청은 승인되지 않았습니다.")
    assert "사유: 사용 흔적이 있습니다." in text and "답글" in text
    assert "Reason: " in decision_message(DecisionNotice(kind="refund", approved=False, reason="x"), "en")


def test_a_returned_parcel_tells_the_refund_day():
    notice = DecisionNotice(kind="refund", approved=True, refund_value_total=17000, due_by=date(2026, 3, 11))
    assert "2026년 3월 11일(수)까지 ₩17,000을 환불해 드립니다." in return_arrived_message(notice, "ko")


def test_generated_subjects_follow_the_reader_written_ones_stay():
    stored = claim_subject("cancel", "20261120-000123")
    assert stored == "주문 20261120-000123 취소 신청"
    assert shown_subject(stored, "cancellation", "20261120-000123", "en") == "Cancellation of order 20261120-000123"
    english = claim_subject("refund", "N1", "en")
    assert shown_subject(english, "refund", "N1", "ko") == "주문 N1 반품·환불 신청"
    assert shown_subject("환불해 주세요", "refund", "N1", "en") == "환불해 주세요"
    assert shown_subject(stored, "inquiry", "20261120-000123", "en") == stored


# ------------------------------------------------------------------ the discovery date of a defect

NOON = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 12:00 KST


@pytest.mark.parametrize(("picked", "now", "expected"), [
    (None, NOON, None),
    ("  ", NOON, None),
    # A bare date is 12:00 KST that day (policy.md §6.1).
    ("2026-11-28", NOON, datetime(2026, 11, 28, 3, 0, tzinfo=UTC)),
    # Today before noon KST: never later than now.
    ("2026-12-02", datetime(2026, 12, 2, 0, 30, tzinfo=UTC), datetime(2026, 12, 2, 0, 30, tzinfo=UTC)),
    # 23:30 UTC on the 1st is already the 2nd in Korea: the 2nd is today, not the future.
    ("2026-12-02", datetime(2026, 12, 1, 23, 30, tzinfo=UTC), datetime(2026, 12, 1, 23, 30, tzinfo=UTC)),
])
def test_discovered_at_reads_a_picked_day_as_noon_in_korea(picked, now, expected):
    assert discovered_at(picked, now) == expected


@pytest.mark.parametrize("picked", ["2026-12-03", "어제", "2026-13-01"])
def test_discovered_at_refuses_a_future_or_unreadable_day(picked):
    with pytest.raises(ValueError):
        discovered_at(picked, NOON)


def test_a_claims_kind_and_its_tickets_type_are_one_fact_in_two_spellings():
    assert claim_kind_of("cancellation") == "cancel"
    assert claim_kind_of("refund") == "refund"
    assert claim_kind_of("inquiry") is None
    for kind in ("cancel", "refund"):
        assert claim_kind_of(ticket_type_of(kind)) == kind
