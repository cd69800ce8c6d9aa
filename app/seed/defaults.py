"""The default queues and the eight categories of the SPEC, created idempotently."""
from __future__ import annotations

from sqlalchemy import select

from app.domain.vocabulary import SELLER_CENTER, TicketType
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
    (SELLER_CENTER, "판매자센터", "Seller center", TicketType.INQUIRY, False, True, "general"),
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
    ensure_default_sla()


BUSINESS_HOURS = "09:00-12:00, 13:00-18:00"
DEFAULT_CALENDARS = (
    # slug, Korean, English, always open
    ("business", "영업일 (평일 09:00–18:00, 점심 12:00–13:00, 공휴일 휴무)",
     "Business days (Mon–Fri 09:00–18:00, lunch 12:00–13:00, public holidays off)", False),
    ("always", "24시간 연중무휴", "24/7", True),
)
# name, English name, membership, priority, first response, next reply, resolution (business minutes),
# calendar, escalate to. (Migration c3e4a5b6d703 gives databases seeded before name_en these English names.)
DEFAULT_POLICIES = (
    ("위메프플러스 전용 (24시간)", "Plus members (24/7)", "plus", None, 60, 120, 1440, "always", "high"),
    ("긴급", "Urgent", None, "urgent", 60, 120, 480, "business", None),
    ("높음", "High", None, "high", 120, 240, 960, "business", "urgent"),
    ("보통", "Normal", None, "normal", 480, 480, 2400, "business", "high"),
    ("낮음", "Low", None, "low", 960, 960, 4800, "business", None),
)


def ensure_default_sla() -> None:
    """The two calendars and the default SLA policies, if none exist yet."""
    from app.models import SlaPolicy, WorkCalendar

    calendars = {c.slug: c for c in db.session.scalars(select(WorkCalendar))}
    for slug, name_ko, name_en, always in DEFAULT_CALENDARS:
        if slug not in calendars:
            calendars[slug] = WorkCalendar(
                slug=slug, name_ko=name_ko, name_en=name_en, timezone="Asia/Seoul", always_open=always,
                weekly={} if always else {str(d): BUSINESS_HOURS for d in range(5)},
                korean_public_holidays=not always)
            db.session.add(calendars[slug])
    db.session.flush()
    if db.session.scalar(select(SlaPolicy.id).limit(1)) is not None:
        return
    for position, (name, name_en, membership, priority, first, reply, resolution, calendar, escalate) in \
            enumerate(DEFAULT_POLICIES):
        db.session.add(SlaPolicy(name=name, name_en=name_en, position=position, active=True, membership=membership,
                                 priority=priority, first_response_minutes=first, next_reply_minutes=reply,
                                 resolution_minutes=resolution, warn_percent=75,
                                 calendar_id=calendars[calendar].id, escalate_priority=escalate))
    db.session.flush()
