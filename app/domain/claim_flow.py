"""A cancellation or refund claim's life: its states, what an order's status allows, where the
ticket goes once the claim is decided, and what the customer is told in the thread.

open → (awaiting_second_approval →) approved, or → denied. A decision answers the customer: it is
a public message in the thread, and the ticket moves on — solved, or pending while the returned
parcel is on its way (the customer has to send it; the refund's 3 business days start when it
arrives).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from app.domain.ticket_flow import Status
from app.domain.vocabulary import SEOUL


class ClaimState(StrEnum):
    OPEN = "open"
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval"
    APPROVED = "approved"
    DENIED = "denied"


UNDECIDED = frozenset({ClaimState.OPEN, ClaimState.AWAITING_SECOND_APPROVAL})
DECIDED = frozenset({ClaimState.APPROVED, ClaimState.DENIED})

# Order statuses (policy.md §2.1) in which a customer may ask to cancel, or to return.
CANCELLABLE = frozenset({"payment_pending", "paid", "preparing"})
RETURNABLE = frozenset({"shipped", "delivered", "purchase_confirmed"})


# The two spellings of one fact: the ticket type (and category code) "cancellation" carries a
# claim of kind "cancel"; "refund" carries "refund". Both vocabularies are in the API.
KIND_BY_TICKET_TYPE = {"cancellation": "cancel", "refund": "refund"}
TICKET_TYPE_BY_KIND = {kind: ticket_type for ticket_type, kind in KIND_BY_TICKET_TYPE.items()}


def claim_kind_of(ticket_type: str) -> str | None:
    """The claim kind a ticket of this type (or category code) carries; None for other tickets."""
    return KIND_BY_TICKET_TYPE.get(ticket_type)


def ticket_type_of(kind: str) -> str:
    """The ticket type (and category code) of a claim of this kind."""
    return TICKET_TYPE_BY_KIND[kind]


def claim_kind_for(order_status: str) -> str | None:
    """What the customer may ask for an order in this status: ``cancel`` before shipment,
    ``refund`` (a return) after, None for a cancelled order."""
    if order_status in CANCELLABLE:
        return "cancel"
    if order_status in RETURNABLE:
        return "refund"
    return None


def ticket_status_after_decision(*, kind: str, approved: bool, goods_back: bool) -> Status:
    """Where the claim's ticket goes once decided: an approved return whose goods have not come
    back waits on the customer (pending, the SLA paused); everything else is solved."""
    if approved and kind == "refund" and not goods_back:
        return Status.PENDING
    return Status.SOLVED


_SUBJECTS = {"cancel": ("주문 {number} 취소 신청", "Cancellation of order {number}"),
             "refund": ("주문 {number} 반품·환불 신청", "Return and refund of order {number}")}


def claim_subject(kind: str, order_number: str, locale: str = "ko") -> str:
    """The subject the desk gives a claim's ticket. Stored in Korean (the desk's language) and shown
    in the reader's language (``shown_subject``)."""
    ko, en = _SUBJECTS.get(kind, _SUBJECTS["refund"])
    return (en if (locale or "ko").startswith("en") else ko).format(number=order_number)


def shown_subject(subject: str, ticket_type: str, order_number: str | None, locale: str) -> str:
    """A ticket's subject in the reader's language when it is one the desk generated for a claim
    (in either language); a subject the customer wrote is shown as written."""
    kind = claim_kind_of(ticket_type)
    if kind is None or not order_number:
        return subject
    generated = {claim_subject(kind, order_number, "ko"), claim_subject(kind, order_number, "en")}
    return claim_subject(kind, order_number, locale) if subject in generated else subject


@dataclass(frozen=True)
class DecisionNotice:
    """The facts the customer's message about a decision is written from (money in KRW)."""

    kind: str                     # cancel | refund
    approved: bool
    refund_value_total: int = 0
    cash_refund_total: int = 0
    points_restored: int = 0
    due_by: date | None = None
    goods_back: bool = True
    reason: str = ""              # a denial's reason, written by the agent
    timing: str = ""              # when the money arrives, from the refund's channels (one source)


_KIND = {"cancel": ("주문 취소", "order cancellation"), "refund": ("반품·환불", "return and refund")}
_WEEKDAYS_KO = "월화수목금토일"


def _won(amount: int, english: bool) -> str:
    return f"₩{amount:,}"  # as the pages and the refund-timing sentences write it


def _day(day: date, english: bool) -> str:
    if english:
        return day.strftime("%a %d %b %Y").replace(" 0", " ")
    return f"{day.year}년 {day.month}월 {day.day}일({_WEEKDAYS_KO[day.weekday()]})"


def decision_message(notice: DecisionNotice, locale: str) -> str:
    """The thread message that tells the customer the decision, in their language."""
    english = (locale or "ko").startswith("en")
    kind_ko, kind_en = _KIND.get(notice.kind, _KIND["refund"])
    if not notice.approved:
        lines = [f"We could not approve your {kind_en} request." if english
                 else f"요청하신 {kind_ko} 신청은 승인되지 않았습니다."]
        if notice.reason:
            lines += ["", f"Reason: {notice.reason}" if english else f"사유: {notice.reason}"]
        lines += ["", "If you need anything else, reply to this inquiry and we will look at it again." if english
                  else "다른 도움이 필요하시면 이 문의에 답글을 남겨 주세요. 다시 확인해 드리겠습니다."]
        return "\n".join(lines)
    lines = [f"Your {kind_en} request has been approved." if english else f"요청하신 {kind_ko} 신청이 승인되었습니다."]
    money = [f"Refund: {_won(notice.refund_value_total, english)}" if english
             else f"환불 금액: {_won(notice.refund_value_total, english)}"]
    if notice.points_restored and notice.cash_refund_total:
        money.append(f"  (to your payment method {_won(notice.cash_refund_total, english)}, "
                     f"points {_won(notice.points_restored, english)})" if english
                     else f"  (결제 수단으로 {_won(notice.cash_refund_total, english)}, "
                          f"포인트 {_won(notice.points_restored, english)})")
    elif notice.points_restored:
        money.append("  (restored as points)" if english else "  (포인트로 복원)")
    lines += [""] + money
    if not notice.goods_back:
        lines += ["", "Please send the item back." if english else "상품을 보내 주세요."]
        if not notice.timing:
            lines.append("The refund is made within 3 business days of the item reaching the seller." if english
                         else "반품 상품이 판매자에게 도착한 날부터 3영업일 안에 환불됩니다.")
    elif notice.due_by is not None and not notice.timing:
        lines.append(f"Refund by: {_day(notice.due_by, english)}" if english
                     else f"환불 기한: {_day(notice.due_by, english)}까지")
    if notice.timing:
        lines += ["", notice.timing]  # when and how the money arrives (app/domain/refund_timing.py)
    return "\n".join(lines)


def return_arrived_message(notice: DecisionNotice, locale: str) -> str:
    """What the customer reads when their returned parcel has reached the seller."""
    english = (locale or "ko").startswith("en")
    lines = ["Your returned item has reached the seller." if english
             else "보내 주신 반품 상품이 판매자에게 도착했습니다."]
    if notice.due_by is not None and not notice.timing:
        amount, day = _won(notice.refund_value_total, english), _day(notice.due_by, english)
        lines.append(f"We will refund {amount} by {day}." if english else f"{day}까지 {amount}을 환불해 드립니다.")
    if notice.timing:
        lines += ["", notice.timing]
    return "\n".join(lines)


def discovered_at(picked: str | None, now: datetime) -> datetime | None:
    """When the customer found the defect, from the date picked on the claim form (policy.md §6.1).

    A bare date means 12:00 KST that day, and a discovery today is never later than now. None
    when nothing was picked; ``ValueError`` when the text is not a date or the day is after today
    (in Korea), which the form shows as a field error.
    """
    if not picked or not picked.strip():
        return None
    day = date.fromisoformat(picked.strip())  # ValueError for anything but YYYY-MM-DD
    if day > now.astimezone(SEOUL).date():
        raise ValueError("discovered in the future")
    return min(datetime.combine(day, time(12), tzinfo=SEOUL), now)
