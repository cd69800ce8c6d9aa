"""Display labels of stored codes (statuses, priorities, order statuses), translated once per request.

Translating the same few words for every row of a 50-row list was a measurable share of
the queue page; the dictionaries are built on first use in a request and reused.
"""
from __future__ import annotations

from flask import g, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

LABELS = {
    "status": {"new": _l("접수"), "open": _l("처리중"), "pending": _l("답변 대기"), "on_hold": _l("보류"),
               "solved": _l("해결됨"), "closed": _l("종료")},
    # What the customer reads: "pending" means we wait for *them*.
    "customer_status": {"new": _l("접수"), "open": _l("처리중"), "pending": _l("고객 확인 요청"),
                        "on_hold": _l("보류"), "solved": _l("해결됨"), "closed": _l("종료")},
    "role": {"customer": _l("고객"), "seller": _l("판매자"), "agent": _l("상담원"), "lead": _l("팀장"),
             "admin": _l("관리자"), "integration": _l("쇼핑몰 연동")},
    "priority": {"low": _l("낮음"), "normal": _l("보통"), "high": _l("높음"), "urgent": _l("긴급")},
    # An account's trail on the staff page (app/services/accounts/staff.py, password_reset.py, users.py).
    "account_action": {"staff_created": _l("계정 생성"), "staff_updated": _l("정보 변경"),
                       "deactivated": _l("비활성화"), "reactivated": _l("재활성화"),
                       "password_reset_sent": _l("비밀번호 재설정 링크 발송"),
                       "password_reset": _l("비밀번호 재설정"), "password_changed": _l("비밀번호 변경")},
    "order_status": {"payment_pending": _l("입금 대기"), "paid": _l("결제 완료"), "preparing": _l("상품 준비중"),
                     "shipped": _l("배송중"), "delivered": _l("배송 완료"),
                     "purchase_confirmed": _l("구매 확정"), "cancelled": _l("취소됨")},
    # Cancellation and refund requests (app/services/claims/refunds.py, app/domain/policy/).
    "claim_kind": {"cancel": _l("주문 취소"), "refund": _l("반품·환불")},
    "claim_reason": {"change_of_mind": _l("단순 변심"), "defective": _l("상품 불량"), "wrong_item": _l("오배송"),
                     "damaged_in_transit": _l("배송 중 파손"), "misdescribed": _l("상품 정보와 다름"),
                     "late_delivery": _l("배송 지연"), "other": _l("기타")},
    "claim_state": {"open": _l("신청 접수"), "awaiting_second_approval": _l("2차 승인 대기"),
                    "approved": _l("승인"), "denied": _l("거절")},
    "attestation": {"packaging_intact": _l("포장 상태 그대로"),
                    "opened_for_inspection_only": _l("내용 확인을 위해서만 개봉"), "unused": _l("사용하지 않음")},
    "answer": {"yes": _l("예"), "no": _l("아니요"), "unknown": _l("모름")},
    "inspection_condition": {"as_new": _l("새 상품 그대로"), "opened": _l("포장만 개봉"), "used": _l("사용 흔적 있음"),
                             "damaged_by_customer": _l("고객 과실로 훼손")},
    # What the customer reads before submitting, and what the agent reads before deciding.
    "outcome_customer": {"eligible": _l("신청하실 수 있습니다."),
                         "needs_review": _l("신청하시면 상담원이 확인한 뒤 결정합니다."),
                         "ineligible": _l("이 신청은 받아들여질 수 없습니다.")},
    "outcome": {"eligible": _l("승인 가능"), "needs_review": _l("상담원 판단 필요"), "ineligible": _l("승인 불가")},
    "refund_channel": {"card_cancel": _l("카드 결제 취소"), "easy_pay_cancel": _l("간편결제 취소"),
                       "mobile_cancel": _l("휴대폰 결제 취소"), "account_refund": _l("계좌 환불"),
                       "points_restore": _l("포인트 복원")},
    # Who recorded a refund's payment (Refund.paid_via).
    "paid_via": {"shop": _l("쇼핑몰 연동"), "desk": _l("상담원 직접 기록")},
    "required_action": {"seller_confirm_not_shipped": _l("판매자 미발송 확인"),
                        "inspect_on_return": _l("반품 상품 검수"),
                        "collect_refund_account": _l("환불 계좌 받기"),
                        "collect_customer_payable": _l("고객 부담금 받기"),
                        "second_approval": _l("팀장 2차 승인"),
                        "arrange_delivery_refusal_or_pickup": _l("수취 거부 또는 회수 안내")},
}


def label(kind: str, value: str | None) -> str:
    """The translated label of ``value`` (the code itself when unknown)."""
    if value is None:
        return ""
    cache = g.setdefault("munui_labels", {}) if has_request_context() else {}
    key = (kind, str(get_locale()))
    table = cache.get(key)
    if table is None:
        table = cache[key] = {code: str(text) for code, text in LABELS[kind].items()}
    return table.get(value, value)
