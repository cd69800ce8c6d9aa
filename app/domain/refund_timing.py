"""What the customer should expect of a refund's timing, in Korean and English.

One source for every page and email (the customer's inquiry page, the agent's claim card,
the claim preview, the approval and the paid emails): the refund's legal due date
(``deadlines.refund_due_by``, TIMELINE-3-BUSINESS-DAYS of policy.md) and, per refund
channel, how long the payment provider may take to show it afterwards (the informational
"expected appearance" of the same rule: card/easy-pay/mobile 3–7 business days, account
transfer 1–3, points immediately; ``ETA_BUSINESS_DAYS``). The due date is when the money
leaves us; the provider's days come on top of it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.domain.policy.models import Channel
from app.domain.policy.money import ETA_BUSINESS_DAYS

# Statutory refund deadline in business days (PolicyConfig.refund_business_days).
DEFAULT_REFUND_BUSINESS_DAYS = 3

_WEEKDAYS_KO = "월화수목금토일"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# (Korean with its particle 로/으로, English) — the means the money goes back by.
_BY = {
    Channel.CARD_CANCEL: ("카드 결제 취소로", "by card cancellation"),
    Channel.EASY_PAY_CANCEL: ("간편결제 취소로", "by easy-pay cancellation"),
    Channel.MOBILE_CANCEL: ("휴대폰 결제 취소로", "by mobile-payment cancellation"),
    Channel.ACCOUNT_REFUND: ("계좌 입금으로", "by transfer to your bank account"),
}
# Who may take the extra days, and what the customer waits for.
_WHO = {
    Channel.CARD_CANCEL: ("카드사에 따라 취소 반영까지", "Depending on your card issuer, the cancellation"),
    Channel.EASY_PAY_CANCEL: ("결제사에 따라 취소 반영까지", "Depending on the payment service, the cancellation"),
    Channel.MOBILE_CANCEL: ("통신사에 따라 취소 반영까지", "Depending on your mobile carrier, the cancellation"),
    Channel.ACCOUNT_REFUND: ("은행에 따라 입금 확인까지", "Depending on your bank, the transfer"),
}


@dataclass(frozen=True)
class RefundTiming:
    """The expectation in both languages; ``text(locale)`` picks one."""

    ko: str
    en: str

    def text(self, locale: str | None) -> str:
        return self.en if (locale or "ko").startswith("en") else self.ko


def day_ko(day: date) -> str:
    """11월 30일(월)"""
    return f"{day.month}월 {day.day}일({_WEEKDAYS_KO[day.weekday()]})"


def day_en(day: date) -> str:
    """Mon, Nov 30"""
    return f"{_WEEKDAYS_EN[day.weekday()]}, {_MONTHS_EN[day.month - 1]} {day.day}"


def _won(amount: int) -> str:
    return f"₩{amount:,}"


def _channel(value) -> Channel | None:
    try:
        return Channel(str(value))
    except ValueError:
        return None


def _sentences(channel: Channel, amount: int, due_by: date | None, paid_on: date | None,
               business_days: int) -> tuple[str, str]:
    # "₩X" is read "X원", so the Korean particles are always 은/이.
    won = _won(amount)
    if channel == Channel.POINTS_RESTORE:
        if paid_on is not None:
            return (f"{won}이 {day_ko(paid_on)} 포인트로 복원되었습니다. 바로 사용하실 수 있습니다.",
                    f"{won} was restored to your points on {day_en(paid_on)}; you can use them right away.")
        if due_by is not None:
            return (f"{won}은 {day_ko(due_by)}까지 포인트로 복원되며, 복원되는 즉시 사용하실 수 있습니다.",
                    f"{won} will be restored to your points by {day_en(due_by)} and can be used right away.")
        return (f"{won}은 반품 상품이 판매자에게 도착한 날부터 {business_days}영업일 안에 포인트로 복원되며, "
                f"복원되는 즉시 사용하실 수 있습니다.",
                f"{won} will be restored to your points within {business_days} business days of the seller "
                f"receiving the returned item, and can be used right away.")
    by_ko, by_en = _BY[channel]
    who_ko, who_en = _WHO[channel]
    low, high = ETA_BUSINESS_DAYS[channel]
    if paid_on is not None:
        return (f"{won}은 {day_ko(paid_on)} {by_ko} 환불 처리되었습니다. {who_ko} 영업일 기준 {low}~{high}일이 "
                f"걸릴 수 있습니다.",
                f"{won} was refunded {by_en} on {day_en(paid_on)}. {who_en} can take {low}–{high} business "
                f"days to show.")
    more_ko = f"{who_ko} 영업일 기준 {low}~{high}일이 더 걸릴 수 있습니다."
    more_en = f"{who_en} can take {low}–{high} more business days to show."
    if due_by is not None:
        return (f"{won}은 {day_ko(due_by)}까지 {by_ko} 환불됩니다. {more_ko}",
                f"{won} will be refunded {by_en} by {day_en(due_by)}. {more_en}")
    return (f"{won}은 반품 상품이 판매자에게 도착한 날부터 {business_days}영업일 안에 {by_ko} 환불됩니다. {more_ko}",
            f"{won} will be refunded {by_en} within {business_days} business days of the seller receiving "
            f"the returned item. {more_en}")


def refund_timing(channels: Iterable[tuple[str, int]], due_by: date | None, *, paid_on: date | None = None,
                  business_days: int = DEFAULT_REFUND_BUSINESS_DAYS) -> RefundTiming | None:
    """What the customer should expect, one sentence pair per refund channel.

    ``channels`` are the breakdown's ``method`` legs as (channel, amount); ``due_by`` the
    refund's legal due date (KST), None while a returned parcel has not reached the seller;
    ``paid_on`` the KST day the refund was paid out, once it was. None when nothing is
    refunded (no leg with an amount).
    """
    ko: list[str] = []
    en: list[str] = []
    for value, amount in channels:
        channel = _channel(value)
        if channel is None or not amount or amount <= 0:
            continue
        sentence_ko, sentence_en = _sentences(channel, int(amount), due_by, paid_on, business_days)
        ko.append(sentence_ko)
        en.append(sentence_en)
    if not ko:
        return None
    return RefundTiming(ko=" ".join(ko), en=" ".join(en))
