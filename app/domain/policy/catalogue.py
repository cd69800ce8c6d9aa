"""Rule ids in catalogue order and the reason-code catalogue of policy.md §3.2.

Reasons are reported in the order of ``RULE_ORDER`` (the order of the tables in §1),
then the order of the request lines. Messages are templates filled from a finding's
params; the Korean text is what an agent can paste to a customer.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.policy.models import Effect

RULE_ORDER: tuple[str, ...] = (
    # §1.1 guards and routing
    "INPUT-VALID", "DOUBLE-REFUND-GUARD", "ORDER-CANCELLED", "CANCEL-PAID-IMMEDIATE", "CANCEL-PREPARING",
    "CANCEL-AFTER-SHIPMENT→REFUND", "STATE-CHANGED-SINCE-REQUEST", "REFUND-REQUIRES-SHIPMENT",
    "REFUND-IN-TRANSIT", "REFUND-DELIVERY-DATE-UNKNOWN", "PURCHASE-CONFIRMED-NO-WAIVER", "REASON-OTHER",
    "REASON-STATE-MISMATCH", "LATE-DELIVERY-SUBSTANTIATION",
    # §1.2 windows
    "REFUND-WINDOW-7D", "SELLER-OVERRIDE-FLOOR", "REFUND-MISDESCRIBED-3M-30D",
    # §1.3 statutory exclusions
    "EXCL-NOTICE-PROVISO", "REFUND-EXCL-CONSUMER-DAMAGE", "REFUND-EXCL-USED", "REFUND-EXCL-TIME-PERISHABLE",
    "REFUND-EXCL-REPRODUCIBLE-PACKAGING", "REFUND-EXCL-CUSTOM-MADE", "REFUND-SALE-RESTRICTED",
    "SELLER-PENALTY-VOID", "INSPECTION-PENDING",
    # §1.4 money
    "COUPON-PRORATION", "COUPON-RESTORE", "FEE-RETURN-SHIPPING", "FEE-FREE-SHIPPING-RECALC", "SHIPPING-REFUND",
    "FEES-EXCEED-REFUND", "POINTS-RESTORE", "POINTS-EARNED-REVOKE", "ZERO-AMOUNT", "REFUND-METHOD",
    # §1.5 timeline and approval
    "TIMELINE-3-BUSINESS-DAYS", "TIMELINE-DELAY-INTEREST", "APPROVAL-FOUR-EYES-THRESHOLD",
)
RULE_INDEX = {rule: i for i, rule in enumerate(RULE_ORDER)}


@dataclass(frozen=True, slots=True)
class ReasonSpec:
    effect: Effect
    rule_id: str
    message_ko: str
    message_en: str


_B, _R, _A, _I = Effect.BLOCK, Effect.REVIEW, Effect.APPROVAL, Effect.INFO

REASONS: dict[str, ReasonSpec] = {
    "DUPLICATE_REQUEST": ReasonSpec(
        _B, "DOUBLE-REFUND-GUARD", "이미 처리된 요청입니다(요청번호 {request_id}).",
        "This request ({request_id}) has already been processed."),
    "ALREADY_REFUNDED": ReasonSpec(
        _B, "DOUBLE-REFUND-GUARD", "해당 상품({line_id})은 이미 취소·환불되었습니다.",
        "Item {line_id} has already been cancelled or refunded."),
    "QUANTITY_EXCEEDS_REMAINING": ReasonSpec(
        _B, "DOUBLE-REFUND-GUARD", "요청 수량({requested})이 환불 가능 수량({remaining})을 초과합니다.",
        "Requested quantity {requested} exceeds the refundable quantity {remaining}."),
    "ORDER_ALREADY_CANCELLED": ReasonSpec(
        _B, "ORDER-CANCELLED", "이미 취소된 주문입니다.", "The order is already cancelled."),
    "CANCEL_IMMEDIATE": ReasonSpec(
        _I, "CANCEL-PAID-IMMEDIATE", "결제완료 상태로 즉시 취소됩니다.",
        "The order is paid but not yet in preparation; it is cancelled immediately."),
    "CANCEL_NEEDS_SELLER_CONFIRMATION": ReasonSpec(
        _I, "CANCEL-PREPARING", "상품준비중이므로 판매자의 미발송 확인 후 취소됩니다.",
        "The order is being prepared; it is cancelled once the seller confirms it has not shipped."),
    "CANCEL_AFTER_SHIPMENT": ReasonSpec(
        _B, "CANCEL-AFTER-SHIPMENT→REFUND",
        "이미 발송된 주문은 취소할 수 없습니다. 상품 수령 후 반품(환불)을 신청해 주세요.",
        "The order has shipped and can no longer be cancelled. Please request a return after delivery."),
    "CANCEL_SUPERSEDED_BY_SHIPMENT": ReasonSpec(
        _B, "STATE-CHANGED-SINCE-REQUEST",
        "취소 요청({requested_at}) 이후 상품이 발송되었습니다. 반품으로 전환하며 반품 배송비는 판매자가 부담합니다.",
        "The item shipped after your cancellation request ({requested_at}). We will convert it to a return; "
        "the seller pays return shipping."),
    "STATE_CHANGED_BENIGN": ReasonSpec(
        _I, "STATE-CHANGED-SINCE-REQUEST", "요청 이후 주문 상태가 {from}에서 {to}(으)로 변경되었습니다.",
        "The order status changed from {from} to {to} after the request."),
    "REFUND_BEFORE_SHIPMENT": ReasonSpec(
        _B, "REFUND-REQUIRES-SHIPMENT", "아직 발송 전인 주문입니다. 반품이 아닌 주문취소를 신청해 주세요.",
        "The order has not shipped yet; please request a cancellation instead of a return."),
    "REFUND_BEFORE_DELIVERY": ReasonSpec(
        _R, "REFUND-IN-TRANSIT", "배송 중인 상품입니다. 수취거부 또는 수령 후 회수로 진행해야 합니다.",
        "The item is in transit; arrange refusal of delivery or pickup after delivery."),
    "DELIVERY_DATE_UNKNOWN": ReasonSpec(
        _R, "REFUND-DELIVERY-DATE-UNKNOWN", "배송완료일을 확인할 수 없어 청약철회 기간을 계산할 수 없습니다.",
        "The delivery date is unknown, so the withdrawal period cannot be computed."),
    "PURCHASE_CONFIRMED_RIGHTS_KEPT": ReasonSpec(
        _I, "PURCHASE-CONFIRMED-NO-WAIVER", "구매확정 후에도 법정 청약철회 권리는 유지됩니다.",
        "Confirming the purchase does not waive statutory withdrawal rights."),
    "REASON_NEEDS_CLASSIFICATION": ReasonSpec(
        _R, "REASON-OTHER", "기타 사유는 상담원이 사유를 분류해야 합니다.",
        "\"Other\" reasons must be classified by an agent."),
    "REASON_INCONSISTENT_WITH_STATE": ReasonSpec(
        _R, "REASON-STATE-MISMATCH", "상품을 받기 전에는 '{reason}' 사유를 적용할 수 없습니다.",
        "The reason '{reason}' cannot apply before the goods are received."),
    "LATE_DELIVERY_SELLER_FAULT": ReasonSpec(
        _I, "LATE-DELIVERY-SUBSTANTIATION", "약속된 도착일({promised})을 지나 판매자 귀책으로 처리합니다.",
        "The promised delivery date ({promised}) was missed; treated as the seller's fault."),
    "LATE_DELIVERY_UNSUBSTANTIATED": ReasonSpec(
        _R, "LATE-DELIVERY-SUBSTANTIATION", "배송지연을 확인할 수 없어 상담원 확인이 필요합니다.",
        "The delivery delay cannot be verified; an agent must check it."),
    "REFUND_WINDOW_EXPIRED": ReasonSpec(
        _B, "REFUND-WINDOW-7D", "단순변심 반품 기간(수령 후 {days}일, {last_day}까지)이 지났습니다.",
        "The change-of-mind return period ({days} days after delivery, until {last_day}) has passed."),
    "SELLER_WINDOW_BELOW_STATUTORY_VOID": ReasonSpec(
        _I, "SELLER-OVERRIDE-FLOOR", "판매자 반품기간({seller_days}일)은 법정 기간보다 짧아 무효이며 7일이 적용됩니다.",
        "The seller's {seller_days}-day return period is shorter than the statutory 7 days and is void; "
        "7 days apply."),
    "SELLER_WINDOW_EXTENDED": ReasonSpec(
        _I, "SELLER-OVERRIDE-FLOOR", "판매자가 정한 {days}일의 반품기간이 적용됩니다.",
        "The seller's longer {days}-day return period applies."),
    "DISCOVERY_DATE_VERIFY": ReasonSpec(
        _R, "REFUND-MISDESCRIBED-3M-30D", "수령 후 30일이 지나 하자·상이 사실을 알게 된 시점의 확인이 필요합니다.",
        "More than 30 days after delivery: when the problem was (or could have been) discovered must be verified."),
    "MISDESCRIBED_30D_FROM_DISCOVERY_EXPIRED": ReasonSpec(
        _B, "REFUND-MISDESCRIBED-3M-30D", "문제를 안 날({discovered})부터 30일이 지나 청약철회가 불가합니다.",
        "More than 30 days have passed since the problem was discovered ({discovered}); "
        "withdrawal is no longer possible."),
    "DISCOVERY_DATE_REQUIRED": ReasonSpec(
        _R, "REFUND-MISDESCRIBED-3M-30D", "수령 후 30일이 지나 문제를 안 날짜 확인이 필요합니다.",
        "More than 30 days after delivery: the discovery date is required."),
    "MISDESCRIBED_3M_LAPSED_RECENT_DISCOVERY": ReasonSpec(
        _R, "REFUND-MISDESCRIBED-3M-30D",
        "수령 후 3개월({last_day})이 지나 법정 청약철회는 불가하나, 최근 발견된 하자이므로 "
        "품질보증(A/S·교환·환불) 검토가 필요합니다.",
        "The 3-month statutory period (until {last_day}) has passed, but the problem was found recently; "
        "review warranty remedies (repair, exchange, refund)."),
    "MISDESCRIBED_PERIOD_EXPIRED": ReasonSpec(
        _B, "REFUND-MISDESCRIBED-3M-30D",
        "표시·광고와 다른 상품의 청약철회 기간(수령 후 3개월, 안 날부터 30일)이 지났습니다. "
        "품질보증 절차를 안내해 주세요.",
        "The withdrawal period for goods not as described (3 months from delivery, 30 days from discovery) "
        "has passed; offer the warranty process."),
    "EXCLUSION_UNAVAILABLE_NO_NOTICE": ReasonSpec(
        _I, "EXCL-NOTICE-PROVISO", "판매자가 청약철회 제한 사실을 고지하지 않아 제한 사유를 적용할 수 없습니다.",
        "The seller did not display the restriction, so the exclusion cannot be applied."),
    "EXCLUSION_NOTICE_UNKNOWN": ReasonSpec(
        _R, "EXCL-NOTICE-PROVISO", "청약철회 제한 고지 여부를 상품 페이지에서 확인해 주세요.",
        "Check the product page for whether the return restriction was displayed."),
    "EXCL_CONSUMER_DAMAGE": ReasonSpec(
        _B, "REFUND-EXCL-CONSUMER-DAMAGE", "고객 책임으로 상품이 훼손되어 반품이 불가합니다.",
        "The item was damaged through the customer's fault and cannot be returned."),
    "PACKAGING_OPENED_FOR_INSPECTION_OK": ReasonSpec(
        _I, "REFUND-EXCL-CONSUMER-DAMAGE", "내용 확인을 위한 포장 개봉은 반품 제한 사유가 아닙니다.",
        "Opening the packaging to check the contents does not prevent a return."),
    "PACKAGING_OPENED_UNEXPLAINED": ReasonSpec(
        _R, "REFUND-EXCL-CONSUMER-DAMAGE", "포장 훼손 사유 확인이 필요합니다.",
        "Why the packaging was opened or damaged must be checked."),
    "EXCL_USED_HYGIENE": ReasonSpec(
        _B, "REFUND-EXCL-USED", "사용한 위생·화장품류는 가치가 현저히 감소하여 반품이 불가합니다.",
        "Used hygiene or cosmetic items have lost significant value and cannot be returned."),
    "EXCL_USED_VALUE_DECREASE_CHECK": ReasonSpec(
        _R, "REFUND-EXCL-USED", "사용 흔적이 있어 가치 감소 여부 확인이 필요합니다.",
        "The item shows use; whether its value decreased significantly must be checked."),
    "HYGIENE_PACKAGING_OPENED": ReasonSpec(
        _R, "REFUND-EXCL-USED", "위생상품의 포장이 개봉되어 확인이 필요합니다.",
        "A hygiene item's packaging was opened; it must be checked."),
    "EXCL_PERISHABLE": ReasonSpec(
        _B, "REFUND-EXCL-TIME-PERISHABLE", "신선·부패성 상품은 단순변심 반품이 불가합니다.",
        "Perishable goods cannot be returned for change of mind."),
    "EXCL_REPRODUCIBLE_OPENED": ReasonSpec(
        _B, "REFUND-EXCL-REPRODUCIBLE-PACKAGING",
        "복제 가능한 상품(음반·영상·소프트웨어 등)의 포장을 개봉하여 반품이 불가합니다.",
        "Reproducible goods (music, video, software) with opened packaging cannot be returned."),
    "EXCL_CUSTOM_MADE": ReasonSpec(
        _B, "REFUND-EXCL-CUSTOM-MADE", "사전 고지·동의를 받은 주문제작 상품은 단순변심 반품이 불가합니다.",
        "Made-to-order goods sold with prior notice and consent cannot be returned for change of mind."),
    "CUSTOM_MADE_NO_CONSENT_RETURN_ALLOWED": ReasonSpec(
        _I, "REFUND-EXCL-CUSTOM-MADE", "주문제작 상품이나 사전 동의를 받지 않아 반품할 수 있습니다.",
        "A made-to-order item, but no prior consent was obtained, so it may be returned."),
    "CUSTOM_MADE_CONSENT_UNKNOWN": ReasonSpec(
        _R, "REFUND-EXCL-CUSTOM-MADE", "주문제작 상품의 사전 동의 여부 확인이 필요합니다.",
        "Whether prior consent was obtained for the made-to-order item must be checked."),
    "CUSTOM_MADE_PRODUCTION_MAY_HAVE_STARTED": ReasonSpec(
        _R, "REFUND-EXCL-CUSTOM-MADE", "주문제작이 시작되었는지 판매자 확인이 필요합니다.",
        "The seller must confirm whether production has started."),
    "SALE_RESTRICTION_VOID": ReasonSpec(
        _I, "REFUND-SALE-RESTRICTED", "할인상품도 법정 청약철회 대상이며 '할인상품 반품불가' 조건은 적용되지 않습니다.",
        "Sale items keep the statutory withdrawal right; a 'no returns on sale items' term does not apply."),
    "SELLER_PENALTY_VOID": ReasonSpec(
        _I, "SELLER-PENALTY-VOID", "반품 수수료 등 위약금 성격의 비용은 청구할 수 없습니다.",
        "Penalty-type charges such as restocking fees cannot be charged."),
    "SUBJECT_TO_INSPECTION": ReasonSpec(
        _I, "INSPECTION-PENDING", "반품 상품 도착 후 검수 결과에 따라 최종 확정됩니다.",
        "Final once the returned item has been inspected."),
    "INSPECTION_CONTRADICTS_ATTESTATION": ReasonSpec(
        _I, "INSPECTION-PENDING", "검수 결과가 고객 신고 내용과 다릅니다.",
        "The inspection result contradicts the customer's statement."),
    "RETURN_SHIPPING_DEDUCTED": ReasonSpec(
        _I, "FEE-RETURN-SHIPPING", "반품 배송비 {fee}원이 차감됩니다.",
        "A return shipping fee of {fee} KRW is deducted."),
    "RETURN_SHIPPING_SELLER_PAID": ReasonSpec(
        _I, "FEE-RETURN-SHIPPING", "반품 배송비는 판매자가 부담합니다.", "The seller pays return shipping."),
    "FREE_SHIPPING_CLAWBACK": ReasonSpec(
        _I, "FEE-FREE-SHIPPING-RECALC",
        "남은 주문금액({remaining}원)이 무료배송 기준({threshold}원) 미만이 되어 최초 배송비 {fee}원이 차감됩니다.",
        "The remaining order amount ({remaining} KRW) is below the free-shipping threshold ({threshold} KRW), "
        "so the initial shipping fee of {fee} KRW is deducted."),
    "OUTBOUND_SHIPPING_REFUNDED": ReasonSpec(
        _I, "SHIPPING-REFUND", "결제하신 배송비 {fee}원도 환불됩니다.",
        "The shipping fee you paid ({fee} KRW) is also refunded."),
    "FEES_EXCEED_REFUND": ReasonSpec(
        _R, "FEES-EXCEED-REFUND", "차감 비용이 환불금액보다 많아 {amount}원을 고객이 부담해야 합니다.",
        "Deductions exceed the refund; the customer owes {amount} KRW."),
    "ZERO_AMOUNT_REFUND": ReasonSpec(
        _I, "ZERO-AMOUNT", "환불할 결제금액이 없는 상품입니다.", "There is no paid amount to refund for this item."),
    "COUPON_REISSUED": ReasonSpec(
        _I, "COUPON-RESTORE", "사용하신 쿠폰이 재발급됩니다.", "The coupon used is reissued."),
    "COUPON_NOT_REISSUED_EXPIRED": ReasonSpec(
        _I, "COUPON-RESTORE", "쿠폰 유효기간이 지나 재발급되지 않습니다.",
        "The coupon has expired and is not reissued."),
    "PAYMENT_SPLIT_UNSUPPORTED": ReasonSpec(
        _R, "REFUND-METHOD", "복수 결제수단 환불은 상담원 처리가 필요합니다.",
        "Refunds split across several cash payment methods need an agent."),
    "REFUND_ACCOUNT_REQUIRED": ReasonSpec(
        _I, "REFUND-METHOD", "환불받을 계좌 정보가 필요합니다.", "A refund bank account is needed."),
    "MOBILE_PAYMENT_ACCOUNT_REFUND": ReasonSpec(
        _I, "REFUND-METHOD", "휴대폰 결제는 부분·익월 취소가 불가하여 계좌로 환불됩니다.",
        "Mobile payments cannot be partly or cross-month cancelled; refunded to a bank account."),
    "REFUND_OVERDUE": ReasonSpec(
        _I, "TIMELINE-DELAY-INTEREST", "환불 기한({due})이 {days_late}일 지나 지연배상금 {interest}원이 발생했습니다.",
        "The refund is {days_late} days past its due date ({due}); delay damages of {interest} KRW apply."),
    "FOUR_EYES_REQUIRED": ReasonSpec(
        _A, "APPROVAL-FOUR-EYES-THRESHOLD", "환불액 {amount}원이 기준({threshold}원) 이상이므로 2차 승인이 필요합니다.",
        "The refund of {amount} KRW is at or above {threshold} KRW and needs a second approver."),
}

# FREE_SHIPPING_CLAWBACK for unconditional free shipping has no threshold to quote (§3.2 has only the
# threshold wording); this variant is used when the finding's params carry ``"free_reason": "unconditional"``.
_UNCONDITIONAL_CLAWBACK = (
    "무료배송 상품을 모두 반품하여 최초 배송비 {fee}원이 차감됩니다.",
    "All items of a free-shipping order are returned, so the initial shipping fee of {fee} KRW is deducted.",
)

# Template placeholders that name a param differently (the params keep the names of §1).
_PARAM_ALIASES = {"interest": "delay_interest_krw"}

_LABELS_KO = {
    "payment_pending": "입금대기", "paid": "결제완료", "preparing": "상품준비중", "shipped": "배송중",
    "delivered": "배송완료", "purchase_confirmed": "구매확정", "cancelled": "취소",
    "change_of_mind": "단순변심", "defective": "상품 불량", "wrong_item": "오배송",
    "damaged_in_transit": "배송 중 파손", "misdescribed": "상품정보 상이", "late_delivery": "배송 지연",
    "other": "기타",
}
_LABELS_EN = {
    "payment_pending": "payment pending", "purchase_confirmed": "purchase confirmed",
    "change_of_mind": "change of mind", "wrong_item": "wrong item", "damaged_in_transit": "damaged in transit",
    "misdescribed": "not as described", "late_delivery": "late delivery",
}
_LABELLED_PARAMS = frozenset({"from", "to", "reason"})


class _Filler(dict):
    def __init__(self, params: Mapping[str, Any], labels: Mapping[str, str]):
        super().__init__()
        self.params = params
        self.labels = labels

    def __missing__(self, key: str) -> str:
        value = self.params.get(_PARAM_ALIASES.get(key, key))
        if isinstance(value, bool) or value is None:
            return "" if value is None else str(value).lower()
        if isinstance(value, int):
            return f"{value:,}"
        if key in _LABELLED_PARAMS:
            return self.labels.get(str(value), str(value))
        return str(value)


def render(code: str, params: Mapping[str, Any]) -> tuple[str, str]:
    """The (Korean, English) messages of ``code`` filled from ``params``."""
    spec = REASONS[code]
    ko, en = spec.message_ko, spec.message_en
    if code == "FREE_SHIPPING_CLAWBACK" and params.get("free_reason") == "unconditional":
        ko, en = _UNCONDITIONAL_CLAWBACK
    return ko.format_map(_Filler(params, _LABELS_KO)), en.format_map(_Filler(params, _LABELS_EN))
