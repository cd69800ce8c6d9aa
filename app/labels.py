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
    "priority": {"low": _l("낮음"), "normal": _l("보통"), "high": _l("높음"), "urgent": _l("긴급")},
    "order_status": {"payment_pending": _l("입금 대기"), "paid": _l("결제 완료"), "preparing": _l("상품 준비중"),
                     "shipped": _l("배송중"), "delivered": _l("배송 완료"),
                     "purchase_confirmed": _l("구매 확정"), "cancelled": _l("취소됨")},
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
