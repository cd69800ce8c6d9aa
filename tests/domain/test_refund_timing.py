"""The one refund-timing text: the policy's due date and, per channel, the provider's business days."""
from __future__ import annotations

from datetime import date

from app.domain.policy.money import ETA_BUSINESS_DAYS
from app.domain.refund_timing import day_en, day_ko, refund_timing

DUE = date(2026, 11, 30)  # a Monday
PAID = date(2026, 11, 27)  # a Friday


def test_card_refund_by_its_due_date_plus_the_card_issuers_days():
    timing = refund_timing([("card_cancel", 17000)], DUE)
    assert timing.ko == ("₩17,000은 11월 30일(월)까지 카드 결제 취소로 환불됩니다. "
                         "카드사에 따라 취소 반영까지 영업일 기준 3~7일이 더 걸릴 수 있습니다.")
    assert timing.en == ("₩17,000 will be refunded by card cancellation by Mon, Nov 30. Depending on your "
                         "card issuer, the cancellation can take 3–7 more business days to show.")
    assert timing.text("ko") == timing.ko and timing.text("en") == timing.en and timing.text(None) == timing.ko


def test_each_channel_says_its_own_days_from_the_policy():
    account = refund_timing([("account_refund", 15000)], DUE)
    assert "계좌 입금으로 환불됩니다" in account.ko and "은행에 따라 입금 확인까지 영업일 기준 1~3일" in account.ko
    assert "bank account" in account.en and "1–3 more business days" in account.en
    easy = refund_timing([("easy_pay_cancel", 9000)], DUE)
    assert "간편결제 취소로" in easy.ko and "영업일 기준 3~7일" in easy.ko
    mobile = refund_timing([("mobile_cancel", 9000)], DUE)
    assert "휴대폰 결제 취소로" in mobile.ko and "통신사에 따라" in mobile.ko
    points = refund_timing([("points_restore", 5000)], DUE)
    assert points.ko == "₩5,000은 11월 30일(월)까지 포인트로 복원되며, 복원되는 즉시 사용하실 수 있습니다."
    assert "영업일" not in points.ko and "right away" in points.en
    # The numbers are the policy's (policy.md TIMELINE-3-BUSINESS-DAYS, expected appearance).
    assert ETA_BUSINESS_DAYS["card_cancel"] == (3, 7) and ETA_BUSINESS_DAYS["account_refund"] == (1, 3)


def test_cash_and_points_get_a_sentence_each_and_empty_legs_none():
    timing = refund_timing([("card_cancel", 12000), ("points_restore", 3000), ("card_cancel", 0)], DUE)
    assert timing.ko.startswith("₩12,000은 11월 30일(월)까지 카드 결제 취소로 환불됩니다.")
    assert timing.ko.endswith("₩3,000은 11월 30일(월)까지 포인트로 복원되며, 복원되는 즉시 사용하실 수 있습니다.")
    assert timing.ko.count("₩") == 2
    assert refund_timing([], DUE) is None
    assert refund_timing([("card_cancel", 0)], DUE) is None
    assert refund_timing([("unknown_channel", 1000)], DUE) is None


def test_a_return_not_yet_received_counts_from_its_arrival():
    timing = refund_timing([("card_cancel", 56000)], None)
    assert timing.ko == ("₩56,000은 반품 상품이 판매자에게 도착한 날부터 3영업일 안에 카드 결제 취소로 환불됩니다. "
                         "카드사에 따라 취소 반영까지 영업일 기준 3~7일이 더 걸릴 수 있습니다.")
    assert "within 3 business days of the seller receiving the returned item" in timing.en
    assert "5영업일" in refund_timing([("card_cancel", 1000)], None, business_days=5).ko


def test_once_paid_it_says_the_day_it_was_paid():
    timing = refund_timing([("card_cancel", 17000)], DUE, paid_on=PAID)
    assert timing.ko == ("₩17,000은 11월 27일(금) 카드 결제 취소로 환불 처리되었습니다. "
                         "카드사에 따라 취소 반영까지 영업일 기준 3~7일이 걸릴 수 있습니다.")
    assert timing.en.startswith("₩17,000 was refunded by card cancellation on Fri, Nov 27.")
    assert "까지" not in timing.ko.split(".")[0]
    points = refund_timing([("points_restore", 5000)], DUE, paid_on=PAID)
    assert points.ko == "₩5,000이 11월 27일(금) 포인트로 복원되었습니다. 바로 사용하실 수 있습니다."


def test_days_are_written_with_their_weekday():
    assert day_ko(date(2026, 2, 23)) == "2월 23일(월)"
    assert day_en(date(2026, 2, 23)) == "Mon, Feb 23"
    assert day_ko(date(2026, 12, 27)) == "12월 27일(일)"
