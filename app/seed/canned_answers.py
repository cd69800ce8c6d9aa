"""The shared default canned answers (자주 쓰는 답변) in Korean, loaded by `flask seed demo` and
available to any desk; their placeholders are checked when they are created."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.domain import placeholders
from app.domain.vocabulary import SELLER_CENTER
from app.extensions import db
from app.models import CannedAnswer

# title, categories, status action, tag action, Korean body
DEFAULT_ANSWERS: tuple[tuple[str, tuple[str, ...], str | None, str | None, str], ...] = (
    ("주문 결제 확인 안내", ("order",), "pending", None,
     '안녕하세요, {{ customer.name }} 고객님. 위메프 고객센터입니다.\n\n'
     '문의하신 주문({{ order.number | default("주문번호 확인 중") }})은 현재 '
     '"{{ order.status | default("확인 중") }}" 상태입니다. 결제 내역은 마이페이지 > 주문내역에서 '
     '확인하실 수 있습니다.\n\n추가로 궁금하신 점이 있으시면 이 문의에 답글로 남겨 주세요.\n'
     '{{ agent.name }} 드림'),
    ("배송 지연 안내", ("delivery",), "pending", "배송지연",
     '안녕하세요, {{ customer.name }} 고객님. 위메프 고객센터입니다.\n\n'
     '주문하신 상품(주문번호 {{ order.number | default("확인 중") }})의 배송이 늦어지고 있어 '
     '불편을 드려 죄송합니다. 판매자에게 출고 일정을 확인 요청하였으며, 확인되는 대로 '
     '이 문의({{ ticket.number }})로 다시 안내드리겠습니다.\n\n'
     '배송이 계속 지연될 경우 주문 취소도 도와드릴 수 있습니다.\n{{ agent.name }} 드림'),
    ("배송 조회 안내", ("delivery",), "solved", None,
     '안녕하세요, {{ customer.name }} 고객님.\n\n'
     '주문({{ order.number | default("주문번호 확인 중") }})의 현재 상태는 '
     '"{{ order.status | default("확인 중") }}"입니다. 마이페이지 > 주문내역 > 배송조회에서 '
     '택배사와 송장번호를 확인하실 수 있습니다.\n\n{{ agent.name }} 드림'),
    ("준비중 취소 안내", ("cancellation",), "pending", None,
     '안녕하세요, {{ customer.name }} 고객님. 위메프 고객센터입니다.\n\n'
     '주문({{ order.number | default("주문번호 확인 중") }})은 판매자가 상품을 준비 중인 단계여서 '
     '판매자의 미발송 확인 후 취소가 진행됩니다. 이미 발송된 경우에는 취소 대신 반품으로 '
     '안내드리게 되는 점 양해 부탁드립니다.\n\n확인되는 대로 다시 연락드리겠습니다.\n{{ agent.name }} 드림'),
    ("취소 완료 안내", ("cancellation",), "solved", None,
     '안녕하세요, {{ customer.name }} 고객님.\n\n'
     '주문({{ order.number | default("주문번호 확인 중") }}) 취소가 완료되었습니다. '
     '환불 금액은 {{ refund.amount | default("결제 수단별 취소 금액") }}이며, '
     '{{ refund.due_date | default("영업일 기준 3일 안") }}까지 결제 수단으로 환불됩니다. '
     '카드 결제 취소는 카드사에 따라 반영까지 영업일 기준 3~7일이 더 걸릴 수 있습니다.\n\n{{ agent.name }} 드림'),
    ("환불 접수 안내", ("refund", "cancellation"), "pending", None,
     '안녕하세요, {{ customer.name }} 고객님. 위메프 고객센터입니다.\n\n'
     '주문({{ order.number | default("주문번호 확인 중") }})의 환불 신청이 접수되었습니다. '
     '환불 예정 금액은 {{ refund.amount | default("검토 후 안내") }}이며, '
     '환불 기한은 {{ refund.due_date | default("승인 후 안내") }}입니다.\n\n'
     '카드 결제 취소는 카드사에 따라 반영까지 영업일 기준 3~7일이 더 걸릴 수 있습니다.\n{{ agent.name }} 드림'),
    ("반품 안내", ("refund",), "pending", "반품",
     '안녕하세요, {{ customer.name }} 고객님.\n\n'
     '반품은 상품 수령 후 7일 이내에 마이페이지 > 주문내역 > 반품 신청에서 접수하실 수 있습니다. '
     '상품과 구성품, 포장을 받으신 상태 그대로 보관해 주시면 택배 기사님이 회수 방문합니다.\n'
     '단순 변심 반품은 왕복 배송비가 부과될 수 있습니다.\n\n'
     '주문번호: {{ order.number | default("확인 중") }}\n{{ agent.name }} 드림'),
    ("상품 재입고 문의 안내", ("product",), "solved", None,
     '안녕하세요, {{ customer.name }} 고객님.\n\n'
     '문의하신 상품의 재입고 일정은 판매자에게 확인 중입니다. 상품 페이지의 "재입고 알림 신청"을 '
     '눌러 두시면 입고 즉시 알림을 받으실 수 있습니다.\n\n{{ agent.name }} 드림'),
    ("위메프플러스 혜택 안내", ("membership",), "solved", None,
     '안녕하세요, {{ customer.name }} 고객님. 위메프 고객센터입니다.\n\n'
     '위메프플러스 회원은 무료 배송, 추가 포인트 적립, 전용 쿠폰 혜택과 함께 24시간 우선 상담을 '
     '받으실 수 있습니다. 가입과 해지는 마이페이지 > 위메프플러스에서 언제든 하실 수 있습니다.\n\n'
     '{{ agent.name }} 드림'),
    ("회원 정보 변경 안내", ("membership",), "solved", None,
     '안녕하세요, {{ customer.name }} 고객님.\n\n'
     '이름, 연락처, 배송지 등 회원 정보는 마이페이지 > 회원정보 수정에서 본인 인증 후 바꾸실 수 '
     '있습니다.\n\n{{ agent.name }} 드림'),
    ("판매자센터 상품 등록 오류 안내", (SELLER_CENTER,), "pending", "상품등록오류",
     '안녕하세요, {{ customer.name }} 판매자님. 위메프 판매자센터입니다.\n\n'
     '상품 등록 중 오류가 발생하여 불편을 드려 죄송합니다. 오류 화면 캡처와 상품 코드를 '
     '이 문의({{ ticket.number }})에 첨부해 주시면 담당 부서에 전달하여 확인하겠습니다.\n'
     '필수 항목(카테고리, 고시 정보, 대표 이미지) 누락이 가장 흔한 원인이니 함께 확인 부탁드립니다.\n\n'
     '{{ agent.name }} 드림'),
    ("판매자 정산 일정 안내", (SELLER_CENTER,), "solved", None,
     '안녕하세요, {{ customer.name }} 판매자님.\n\n'
     '정산은 구매 확정일 기준으로 영업일 7일 이내에 등록하신 계좌로 지급됩니다. 정산 내역은 '
     '판매자센터 > 정산 관리에서 확인하실 수 있습니다.\n\n{{ agent.name }} 드림'),
    ("추가 확인 요청", (), "pending", None,
     '안녕하세요, {{ customer.name }} 고객님.\n\n'
     '문의({{ ticket.number }}) 확인을 위해 추가 정보가 필요합니다. 주문번호와 함께 문제 상황을 '
     '보여 주는 사진이나 화면 캡처를 이 문의에 답글로 남겨 주세요.\n\n{{ agent.name }} 드림'),
    ("문의 해결 확인 및 종료 안내", ("other",), "solved", None,
     '안녕하세요, {{ customer.name }} 고객님.\n\n'
     '문의하신 내용이 해결되어 문의를 완료 처리합니다. 추가로 궁금하신 점이 있으시면 이 문의에 '
     '답글을 남기시거나 새 1:1 문의를 남겨 주세요. 이용해 주셔서 감사합니다.\n\n{{ agent.name }} 드림'),
)


def ensure_default_canned_answers(now: datetime | None = None) -> int:
    """Create the shared default answers whose titles do not exist yet; returns how many were added."""
    from datetime import UTC

    now = now or datetime.now(UTC)
    existing = set(db.session.scalars(select(CannedAnswer.title).where(CannedAnswer.owner_id.is_(None))))
    added = 0
    for title, codes, status, tag, body in DEFAULT_ANSWERS:
        if title in existing:
            continue
        assert not placeholders.validate(body), title
        actions = {k: v for k, v in (("status", status), ("tag", tag)) if v}
        db.session.add(CannedAnswer(title=title, body_ko=body, body_en=None, owner_id=None,
                                    category_codes=list(codes), queue_slugs=[], actions=actions,
                                    active=True, created_by_id=None, created_at=now, updated_at=now))
        added += 1
    db.session.flush()
    return added
