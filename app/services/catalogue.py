"""The default queues and the eight categories of the SPEC, created idempotently."""
from __future__ import annotations

from sqlalchemy import select

from app.domain.roles import TicketType
from app.extensions import db
from app.models import Category, SupportQueue

DEFAULT_QUEUES = (
    ("orders", "주문·배송·클레임", "Orders, delivery & claims"),
    ("general", "일반·회원·판매자", "General, members & sellers"),
)

# code, Korean, English, ticket type, requires an order, for sellers, queue
DEFAULT_CATEGORIES = (
    ("order", "주문/결제", "Order & payment", TicketType.INQUIRY, True, False, "orders"),
    ("delivery", "배송", "Delivery", TicketType.INQUIRY, True, False, "orders"),
    ("cancellation", "취소", "Cancellation", TicketType.CANCELLATION, True, False, "orders"),
    ("refund", "환불/반품", "Refund & return", TicketType.REFUND, True, False, "orders"),
    ("product", "상품 정보", "Product information", TicketType.INQUIRY, False, False, "general"),
    ("membership", "회원/위메프플러스", "Account & Plus membership", TicketType.INQUIRY, False, False,
     "general"),
    ("seller", "판매자센터", "Seller center", TicketType.INQUIRY, False, True, "general"),
    ("other", "기타", "Other", TicketType.INQUIRY, False, False, "general"),
)


def ensure_default_catalogue() -> None:
    """Create the default queues and categories that are missing; leave edited ones alone."""
    queues = {q.slug: q for q in db.session.scalars(select(SupportQueue))}
    for slug, name_ko, name_en in DEFAULT_QUEUES:
        if slug not in queues:
            queues[slug] = SupportQueue(slug=slug, name_ko=name_ko, name_en=name_en)
            db.session.add(queues[slug])
    db.session.flush()
    existing = set(db.session.scalars(select(Category.code)))
    for position, (code, name_ko, name_en, ticket_type, needs_order, for_sellers, queue) in \
            enumerate(DEFAULT_CATEGORIES):
        if code not in existing:
            db.session.add(Category(code=code, name_ko=name_ko, name_en=name_en,
                                    ticket_type=ticket_type, requires_order=needs_order,
                                    for_sellers=for_sellers, queue_id=queues[queue].id,
                                    position=position, active=True))
    db.session.flush()
