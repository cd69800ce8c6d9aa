"""Tickets as a use case (app/services/tickets/core.py): intake, the thread, agents' changes, lists.

Every test runs in the ``app`` fixture's context against the real migrated database, with a
fixed ``now`` so dates, ticket numbers and audit times are predictable.
"""
from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.domain.errors import Conflict, DomainError, Forbidden, NotFound
from app.extensions import db
from app.models import (
    Attachment,
    AuditEvent,
    Category,
    Message,
    Notification,
    Ticket,
    TicketNumberCounter,
    User,
)
from app.services import unit_of_work
from app.services.tickets.core import (
    TicketFilters,
    add_message,
    categories_for,
    create_ticket,
    list_tickets,
    load_ticket_for,
    update_ticket,
    visible_messages,
)
from tests.factories import make_order, make_ticket, make_user, png_bytes, upload

ORDER_CATEGORIES = ("order", "delivery", "cancellation", "refund")
CUSTOMER_CATEGORIES = ["order", "delivery", "cancellation", "refund", "product", "membership", "other"]


# ---------------------------------------------------------------- helpers

def count(model) -> int:
    """Rows of ``model`` as the database (with this session's pending changes) has them."""
    return db.session.scalar(select(func.count()).select_from(model))


def stored_files(app) -> list[str]:
    """Every file under UPLOAD_DIR."""
    found = []
    for folder, _dirs, files in os.walk(app.config["UPLOAD_DIR"]):
        found.extend(os.path.join(folder, f) for f in files)
    return found


def notifications(user) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def kinds(user) -> list[str]:
    return [n.kind for n in notifications(user)]


def events(ticket, action: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.ticket_id == ticket.id).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt))


def file(actor, category="product", *, order=None, subject="재입고 일정이 궁금합니다",
         body="품절 상품 재입고 예정이 있나요?", files=None, now):
    """File through the service and commit, as the intake page does."""
    ticket = create_ticket(actor, category_code=category, subject=subject, body=body,
                           order_number=order.number if order else None, files=files or [], now=now)
    unit_of_work.commit()
    return ticket


def refused(call, *args, **kwargs) -> DomainError:
    """Run a service call that must fail, then roll back as the outer caller would."""
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    unit_of_work.rollback()
    return caught.value


@pytest.fixture()
def people(app):
    """A customer, another customer, agents in/out of the orders queue, a lead."""
    return {
        "customer": make_user("customer", name="김민지"),
        "other": make_user("customer", name="이준호"),
        "agent": make_user("agent", name="김상담", queues=["orders"]),
        "agent2": make_user("agent", name="박상담", queues=["orders"]),
        "general_agent": make_user("agent", name="최일반", queues=["general"]),
        "lead": make_user("lead", name="정팀장"),
    }


@pytest.fixture()
def delivery_ticket(people, now):
    """A 배송 inquiry of the customer in the orders queue, filed at ``now``."""
    order = make_order(people["customer"])
    return file(people["customer"], "delivery", order=order, subject="배송이 아직 안 왔어요", now=now)


# ---------------------------------------------------------------- intake

def test_create_without_order(people, now):
    customer = people["customer"]
    ticket = file(customer, "product", files=[upload(png_bytes(), "screenshot.png")], now=now)

    assert ticket.number == "M-20261126-0001"
    assert (ticket.status, ticket.priority, ticket.type) == ("new", "normal", "inquiry")
    assert ticket.queue.slug == "general"
    assert ticket.order_id is None
    assert ticket.requester_id == customer.id
    assert ticket.created_at == now and ticket.updated_at == now
    (message,) = db.session.scalars(select(Message).where(Message.ticket_id == ticket.id))
    assert message.body == "품절 상품 재입고 예정이 있나요?"
    assert message.internal is False and message.author_id == customer.id
    assert [a.filename for a in message.attachments] == ["screenshot.png"]
    (created,) = events(ticket, "created")
    assert (created.actor_id, created.new_value, created.created_at) == (customer.id, "new", now)
    assert created.detail == {"category": "product", "files": 1}
    # The confirmation the customer gets in-app.
    assert kinds(customer) == ["ticket_received"]
    assert notifications(customer)[0].data["ticket_number"] == ticket.number


@pytest.mark.parametrize(("category", "ticket_type"), [
    ("order", "inquiry"), ("delivery", "inquiry"), ("cancellation", "cancellation"),
    ("refund", "refund"),
])
def test_create_with_own_order(people, now, category, ticket_type):
    order = make_order(people["customer"])
    ticket = file(people["customer"], category, order=order, now=now)
    assert ticket.order_id == order.id
    assert ticket.type == ticket_type
    assert ticket.queue.slug == "orders"


def test_order_is_optional_but_kept_for_other_categories(people, now):
    order = make_order(people["customer"])
    ticket = file(people["customer"], "product", order=order, now=now)
    assert ticket.order_id == order.id


def test_subject_and_body_are_trimmed(people, now):
    ticket = file(people["customer"], subject="  배송 문의  ", body="\r\n 언제 오나요?\r\n두 줄 \n", now=now)
    assert ticket.subject == "배송 문의"
    assert visible_messages(people["customer"], ticket)[0].body == "언제 오나요?\n두 줄"


# Tables the fixtures fill before a test files anything.
SETUP_TABLES = {"users", "support_queues", "queue_members", "categories", "orders",
                "work_calendars", "calendar_days", "sla_policies"}


def _assert_nothing_written(app):
    """No ticket, message, file, number, audit event, notification or queued email/job."""
    for model in (Ticket, Message, Attachment, AuditEvent, Notification, TicketNumberCounter):
        assert count(model) == 0, model.__name__
    written = [t.name for t in db.metadata.sorted_tables
               if t.name not in SETUP_TABLES and db.session.scalar(select(func.count()).select_from(t))]
    assert written == []
    assert stored_files(app) == []


@pytest.mark.parametrize("category", ORDER_CATEGORIES)
def test_requires_order_refused_and_nothing_written(app, people, now, category):
    customer = people["customer"]
    with pytest.raises(DomainError) as caught:
        create_ticket(customer, category_code=category, subject="주문 문의", body="확인 부탁드립니다",
                      order_number="   ", files=[upload(png_bytes(), "screenshot.png")], now=now)
    error = caught.value
    assert error.status == 422
    assert error.fields == {"order_number": "required"}
    name_ko = db.session.scalar(select(Category.name_ko).where(Category.code == category))
    assert name_ko in error.message("ko")
    # Nothing is even pending in the session: no row, no file, no number used up.
    _assert_nothing_written(app)
    unit_of_work.rollback()
    _assert_nothing_written(app)
    # The next good inquiry gets the first number of the day.
    assert file(customer, now=now).number == "M-20261126-0001"


@pytest.mark.parametrize("whose", ["other customer", "unknown"])
def test_order_that_is_not_the_requesters_is_refused(app, people, now, whose):
    number = make_order(people["other"]).number if whose == "other customer" else "20991231-999999"
    error = refused(create_ticket, people["customer"], category_code="delivery", subject="배송 문의",
                    body="어디쯤인가요?", order_number=number,
                    files=[upload(png_bytes(), "a.png")], now=now)
    assert error.status == 422
    assert error.fields == {"order_number": "not_found"}
    _assert_nothing_written(app)


@pytest.mark.parametrize("code", ["nope", "", "  ", "DELIVERY"])
def test_unknown_category_refused(app, people, now, code):
    error = refused(create_ticket, people["customer"], category_code=code, subject="문의",
                    body="내용", order_number=None, files=[], now=now)
    assert error.status == 422
    assert error.fields == {"category": "unknown"}
    _assert_nothing_written(app)


def test_inactive_category_is_refused_and_not_offered(app, people, now):
    category = db.session.scalar(select(Category).where(Category.code == "membership"))
    category.active = False
    unit_of_work.commit()
    assert "membership" not in [c.code for c in categories_for(people["customer"])]
    error = refused(create_ticket, people["customer"], category_code="membership", subject="문의",
                    body="내용", order_number=None, files=[], now=now)
    assert error.fields == {"category": "unknown"}


def test_sellers_see_only_the_seller_category_and_customers_never_do(people):
    seller = make_user("seller")
    assert [c.code for c in categories_for(seller)] == ["seller"]
    assert [c.code for c in categories_for(people["customer"])] == CUSTOMER_CATEGORIES


def test_seller_files_seller_center_inquiry_only(app, people, now):
    seller = make_user("seller")
    ticket = file(seller, "seller", subject="상품 등록 오류", now=now)
    assert ticket.queue.slug == "general"
    error = refused(create_ticket, seller, category_code="product", subject="문의", body="내용",
                    order_number=None, files=[], now=now)
    assert error.fields == {"category": "unknown"}


def test_customer_cannot_file_under_seller_center(app, people, now):
    error = refused(create_ticket, people["customer"], category_code="seller", subject="문의",
                    body="내용", order_number=None, files=[], now=now)
    assert error.fields == {"category": "unknown"}
    _assert_nothing_written(app)


@pytest.mark.parametrize("role", ["agent", "lead", "admin"])
def test_staff_cannot_file_inquiries(app, now, role):
    error = refused(create_ticket, make_user(role), category_code="product", subject="문의",
                    body="내용", order_number=None, files=[], now=now)
    assert isinstance(error, Forbidden)
    _assert_nothing_written(app)


@pytest.mark.parametrize(("subject", "body", "fields"), [
    ("", "내용", {"subject": "required"}),
    ("   ", "내용", {"subject": "required"}),
    ("가" * 201, "내용", {"subject": "too_long"}),
    ("제목", "", {"body": "required"}),
    ("제목", "가" * 20_001, {"body": "too_long"}),
])
def test_subject_and_body_are_validated(app, people, now, subject, body, fields):
    error = refused(create_ticket, people["customer"], category_code="product", subject=subject,
                    body=body, order_number=None, files=[], now=now)
    assert error.fields == fields
    _assert_nothing_written(app)


# ---------------------------------------------------------------- ticket numbers

def test_ticket_number_uses_the_seoul_date(people):
    # 16:00 UTC on 26 November is 01:00 on 27 November in Seoul.
    ticket = file(people["customer"], now=datetime(2026, 11, 26, 16, 0, tzinfo=UTC))
    assert ticket.number == "M-20261127-0001"


def test_ticket_number_just_before_seoul_midnight(people):
    ticket = file(people["customer"], now=datetime(2026, 11, 26, 14, 59, 59, tzinfo=UTC))
    assert ticket.number == "M-20261126-0001"


def test_ticket_numbers_are_sequential_per_seoul_day(people):
    customer = people["customer"]
    times = [
        datetime(2026, 11, 26, 15, 0, tzinfo=UTC),    # 27 Nov 00:00 KST
        datetime(2026, 11, 27, 3, 0, tzinfo=UTC),     # 27 Nov 12:00 KST
        datetime(2026, 11, 26, 14, 0, tzinfo=UTC),    # 26 Nov 23:00 KST
        datetime(2026, 11, 27, 14, 59, tzinfo=UTC),   # 27 Nov 23:59 KST
        datetime(2026, 11, 27, 15, 0, tzinfo=UTC),    # 28 Nov 00:00 KST
    ]
    numbers = [file(customer, now=at).number for at in times]
    assert numbers == ["M-20261127-0001", "M-20261127-0002", "M-20261126-0001",
                       "M-20261127-0003", "M-20261128-0001"]


def test_ticket_numbers_stay_unique_past_9999_a_day(people, now):
    db.session.add(TicketNumberCounter(day=date(2026, 11, 26), last=9999))
    unit_of_work.commit()
    assert file(people["customer"], now=now).number == "M-20261126-10000"


# ---------------------------------------------------------------- the thread

def test_agent_public_reply_opens_and_notifies_the_customer(people, delivery_ticket, now):
    customer, agent = people["customer"], people["agent"]
    later = now + timedelta(hours=1)
    add_message(agent, delivery_ticket, body="내일 출고 예정입니다.", internal=False, files=[], now=later)
    unit_of_work.commit()

    assert delivery_ticket.status == "open"
    assert delivery_ticket.first_responded_at == later
    assert delivery_ticket.updated_at == later
    assert delivery_ticket.message_count == 2
    (status,) = events(delivery_ticket, "status")
    assert (status.actor_id, status.old_value, status.new_value) == (agent.id, "new", "open")
    assert kinds(customer) == ["ticket_received", "agent_replied"]
    assert notifications(customer)[-1].data["actor_name"] == "김상담"
    assert kinds(agent) == []


def test_first_response_time_is_kept_from_the_first_reply(people, delivery_ticket, now):
    agent = people["agent"]
    add_message(agent, delivery_ticket, body="확인 중입니다.", internal=False, files=[],
                now=now + timedelta(hours=1))
    add_message(agent, delivery_ticket, body="출고되었습니다.", internal=False, files=[],
                now=now + timedelta(hours=5))
    unit_of_work.commit()
    assert delivery_ticket.first_responded_at == now + timedelta(hours=1)


def test_internal_note_moves_nothing_and_tells_the_customer_nothing(people, delivery_ticket, now):
    customer, agent = people["customer"], people["agent"]
    add_message(agent, delivery_ticket, body="판매자 통화 완료 — 비공개", internal=True, files=[],
                now=now + timedelta(hours=1))
    unit_of_work.commit()

    assert delivery_ticket.status == "new"
    assert delivery_ticket.first_responded_at is None   # a note is not a response
    assert kinds(customer) == ["ticket_received"]
    assert [m.body for m in visible_messages(customer, delivery_ticket)] == [
        "품절 상품 재입고 예정이 있나요?"]
    assert "판매자 통화 완료 — 비공개" in [m.body for m in visible_messages(agent, delivery_ticket)]
    assert events(delivery_ticket, "note")


def test_customer_reply_reopens_a_solved_ticket_and_tells_the_assignee(people, delivery_ticket, now):
    customer, agent = people["customer"], people["agent"]
    update_ticket(agent, delivery_ticket, assignee_id=agent.id, status="solved", now=now)
    unit_of_work.commit()
    assert delivery_ticket.solved_at == now
    later = now + timedelta(days=1)

    add_message(customer, delivery_ticket, body="아직 못 받았어요.", internal=False, files=[], now=later)
    unit_of_work.commit()

    assert delivery_ticket.status == "open"
    assert delivery_ticket.solved_at is None
    (reopened,) = events(delivery_ticket, "reopened")
    assert (reopened.actor_id, reopened.old_value, reopened.new_value) == (customer.id, "solved", "open")
    assert reopened.created_at == later
    replied = notifications(agent)[-1]
    assert replied.kind == "customer_replied"
    assert replied.data["reopened"] is True
    assert "customer_replied" not in kinds(customer)


def test_customer_reply_ends_a_pending_wait(people, delivery_ticket, now):
    customer, agent = people["customer"], people["agent"]
    update_ticket(agent, delivery_ticket, assignee_id=agent.id, status="pending", now=now)
    unit_of_work.commit()
    add_message(customer, delivery_ticket, body="주소는 맞습니다.", internal=False, files=[],
                now=now + timedelta(hours=2))
    unit_of_work.commit()
    assert delivery_ticket.status == "open"
    assert notifications(agent)[-1].kind == "customer_replied"
    assert notifications(agent)[-1].data["reopened"] is False


def test_customer_reply_to_unassigned_ticket_notifies_nobody(people, delivery_ticket, now):
    before = count(Notification)
    add_message(people["customer"], delivery_ticket, body="추가로 문의드립니다.", internal=False,
                files=[], now=now + timedelta(hours=1))
    unit_of_work.commit()
    assert count(Notification) == before
    assert delivery_ticket.status == "new"


def test_customer_cannot_write_internal_notes(app, people, delivery_ticket, now):
    before = count(Message)
    error = refused(add_message, people["customer"], delivery_ticket, body="몰래 메모", internal=True,
                    files=[], now=now)
    assert isinstance(error, Forbidden) and error.status == 403
    assert count(Message) == before


@pytest.mark.parametrize("who", ["customer", "agent"])
def test_reply_to_closed_ticket_is_a_conflict(app, people, delivery_ticket, now, who):
    delivery_ticket.status = "closed"
    unit_of_work.commit()
    before = count(Message)
    error = refused(add_message, people[who], delivery_ticket, body="다시 문의합니다", internal=False,
                    files=[upload(png_bytes(), "more.png")], now=now)
    assert isinstance(error, Conflict)
    assert error.status == 409 and error.code == "ticket_closed"
    assert count(Message) == before
    assert stored_files(app) == []


@pytest.mark.parametrize("who", ["other", "general_agent"])
def test_strangers_cannot_reply(app, people, delivery_ticket, now, who):
    before = count(Message)
    error = refused(add_message, people[who], delivery_ticket, body="끼어들기", internal=False,
                    files=[], now=now)
    assert isinstance(error, NotFound) and error.status == 404
    assert count(Message) == before


def test_empty_reply_is_refused(app, people, delivery_ticket, now):
    error = refused(add_message, people["customer"], delivery_ticket, body=" \r\n ", internal=False,
                    files=[], now=now)
    assert error.fields == {"body": "required"}


def test_load_ticket_for_hides_other_peoples_tickets(people, delivery_ticket):
    assert load_ticket_for(people["customer"], delivery_ticket.number).id == delivery_ticket.id
    assert load_ticket_for(people["agent"], delivery_ticket.number).id == delivery_ticket.id
    for who in ("other", "general_agent"):
        with pytest.raises(NotFound):
            load_ticket_for(people[who], delivery_ticket.number)
    with pytest.raises(NotFound):
        load_ticket_for(people["lead"], "M-20991231-0001")


# ---------------------------------------------------------------- agents' changes

def test_status_change_is_audited_and_the_customer_told(people, delivery_ticket, now):
    customer, agent = people["customer"], people["agent"]
    later = now + timedelta(minutes=30)
    update_ticket(agent, delivery_ticket, status="pending", now=later)
    unit_of_work.commit()

    (event,) = events(delivery_ticket, "status")
    assert (event.actor_id, event.old_value, event.new_value, event.created_at) == (
        agent.id, "new", "pending", later)
    assert event.detail == {"via": "manual"}
    told = notifications(customer)[-1]
    assert told.kind == "status_changed" and told.data["status"] == "pending"
    assert kinds(agent) == []


def test_same_status_again_is_no_change(people, delivery_ticket, now):
    update_ticket(people["agent"], delivery_ticket, status="open", now=now)
    unit_of_work.commit()
    notes = count(Notification)
    update_ticket(people["agent"], delivery_ticket, status="open", now=now + timedelta(hours=1))
    unit_of_work.commit()
    assert len(events(delivery_ticket, "status")) == 1
    assert count(Notification) == notes


def test_customer_marks_solved_and_the_assignee_is_told(people, delivery_ticket, now):
    customer, agent = people["customer"], people["agent"]
    update_ticket(agent, delivery_ticket, assignee_id=agent.id, now=now)
    unit_of_work.commit()
    update_ticket(customer, delivery_ticket, status="solved", now=now + timedelta(hours=1))
    unit_of_work.commit()
    assert delivery_ticket.status == "solved"
    assert delivery_ticket.solved_at == now + timedelta(hours=1)
    assert notifications(agent)[-1].kind == "status_changed"
    assert notifications(agent)[-1].data["status"] == "solved"
    assert "status_changed" not in kinds(customer)


def test_priority_change_is_audited(people, delivery_ticket, now):
    agent = people["agent"]
    update_ticket(agent, delivery_ticket, priority="urgent", now=now)
    unit_of_work.commit()
    assert delivery_ticket.priority == "urgent"
    (event,) = events(delivery_ticket, "priority")
    assert (event.actor_id, event.old_value, event.new_value) == (agent.id, "normal", "urgent")


def test_assignment_is_audited_and_the_assignee_told(people, delivery_ticket, now):
    lead, agent = people["lead"], people["agent"]
    update_ticket(lead, delivery_ticket, assignee_id=agent.id, now=now)
    unit_of_work.commit()
    assert delivery_ticket.assignee_id == agent.id
    (event,) = events(delivery_ticket, "assignee")
    assert (event.actor_id, event.old_value, event.new_value) == (lead.id, None, "김상담")
    assert kinds(agent) == ["assigned"]
    assert notifications(agent)[0].data["actor_name"] == "정팀장"


def test_claiming_a_ticket_does_not_notify_yourself(people, delivery_ticket, now):
    agent = people["agent"]
    update_ticket(agent, delivery_ticket, assignee_id=str(agent.id), now=now)
    unit_of_work.commit()
    assert delivery_ticket.assignee_id == agent.id
    assert kinds(agent) == []


def test_unassigning_is_audited(people, delivery_ticket, now):
    agent = people["agent"]
    update_ticket(agent, delivery_ticket, assignee_id=agent.id, now=now)
    update_ticket(agent, delivery_ticket, assignee_id=None, now=now + timedelta(minutes=1))
    unit_of_work.commit()
    assert delivery_ticket.assignee_id is None
    assert [(e.old_value, e.new_value) for e in events(delivery_ticket, "assignee")] == [
        (None, "김상담"), ("김상담", None)]


def test_queue_change_is_audited(people, delivery_ticket, now):
    lead = people["lead"]
    update_ticket(lead, delivery_ticket, queue="general", now=now)
    unit_of_work.commit()
    assert delivery_ticket.queue.slug == "general"
    (event,) = events(delivery_ticket, "queue")
    assert (event.actor_id, event.old_value, event.new_value) == (lead.id, "orders", "general")
    # The ticket now belongs to the general queue's agents, not the orders queue's.
    assert load_ticket_for(people["general_agent"], delivery_ticket.number)
    with pytest.raises(NotFound):
        load_ticket_for(people["agent"], delivery_ticket.number)


def test_moving_to_a_queue_the_assignee_is_not_in_unassigns(people, delivery_ticket, now):
    lead, agent = people["lead"], people["agent"]
    update_ticket(lead, delivery_ticket, assignee_id=agent.id, now=now)
    unit_of_work.commit()
    update_ticket(lead, delivery_ticket, queue="general", now=now + timedelta(minutes=5))
    unit_of_work.commit()
    assert delivery_ticket.assignee_id is None
    assert [(e.old_value, e.new_value) for e in events(delivery_ticket, "assignee")] == [
        (None, "김상담"), ("김상담", None)]


def test_moving_keeps_an_assignee_who_may_work_the_new_queue(people, delivery_ticket, now):
    lead = people["lead"]
    both = make_user("agent", name="양쪽상담", queues=["orders", "general"])
    update_ticket(lead, delivery_ticket, assignee_id=both.id, now=now)
    update_ticket(lead, delivery_ticket, queue="general", now=now)
    unit_of_work.commit()
    assert delivery_ticket.assignee_id == both.id
    update_ticket(lead, delivery_ticket, assignee_id=lead.id, now=now)
    update_ticket(lead, delivery_ticket, queue="orders", now=now)
    unit_of_work.commit()
    assert delivery_ticket.assignee_id == lead.id   # leads work every queue


@pytest.mark.parametrize("who", ["general_agent", "customer", "inactive_agent", "missing", "junk"])
def test_assignee_must_be_an_active_agent_of_the_queue(app, people, delivery_ticket, now, who):
    if who == "inactive_agent":
        assignee_id = make_user("agent", queues=["orders"]).id
        db.session.get(User, assignee_id).active = False
        unit_of_work.commit()
    elif who == "missing":
        assignee_id = 987654
    elif who == "junk":
        assignee_id = "kim"
    else:
        assignee_id = people[who].id
    error = refused(update_ticket, people["lead"], delivery_ticket, assignee_id=assignee_id, now=now)
    assert error.status == 422
    assert error.fields == {"assignee_id": "not_assignable"}
    db.session.refresh(delivery_ticket)
    assert delivery_ticket.assignee_id is None
    assert events(delivery_ticket, "assignee") == []


@pytest.mark.parametrize("change", [
    {"priority": "high"}, {"assignee_id": None}, {"queue": "general"}, {"status": "open"},
    {"status": "pending"},
])
def test_customer_may_not_work_their_ticket(app, people, delivery_ticket, now, change):
    error = refused(update_ticket, people["customer"], delivery_ticket, now=now, **change)
    assert isinstance(error, Forbidden) and error.status == 403
    db.session.refresh(delivery_ticket)
    assert (delivery_ticket.status, delivery_ticket.priority) == ("new", "normal")
    assert delivery_ticket.queue.slug == "orders"


def test_other_customer_cannot_even_mark_solved(app, people, delivery_ticket, now):
    error = refused(update_ticket, people["other"], delivery_ticket, status="solved", now=now)
    assert isinstance(error, NotFound)


def test_agent_outside_the_queue_cannot_change_it(app, people, delivery_ticket, now):
    error = refused(update_ticket, people["general_agent"], delivery_ticket, priority="high", now=now)
    assert isinstance(error, NotFound)


@pytest.mark.parametrize(("change", "fields"), [
    ({"priority": "critical"}, {"priority": "invalid"}),
    ({"queue": "nowhere"}, {"queue": "unknown"}),
    ({"status": "reopened"}, {"status": "invalid"}),
    ({"status": "closed"}, {"status": "not_settable"}),
])
def test_bad_values_are_field_errors(app, people, delivery_ticket, now, change, fields):
    error = refused(update_ticket, people["agent"], delivery_ticket, now=now, **change)
    assert error.status == 422 and error.fields == fields


@pytest.mark.parametrize("change", [{"status": "open"}, {"priority": "high"}, {"queue": "general"},
                                    {"assignee_id": None}])
def test_closed_ticket_cannot_change(app, people, delivery_ticket, now, change):
    delivery_ticket.status = "closed"
    unit_of_work.commit()
    error = refused(update_ticket, people["lead"], delivery_ticket, now=now, **change)
    assert isinstance(error, Conflict) and error.status == 409


# ---------------------------------------------------------------- lists

@pytest.fixture()
def board(people, now):
    """Tickets of two customers in both queues, with distinct activity times."""
    customer, other = people["customer"], people["other"]
    t = {}
    t["delivery"] = file(customer, "delivery", order=make_order(customer, number="20261120-000111"),
                         subject="배송 지연 문의", now=now)
    t["product"] = file(customer, "product", subject="100% 면 소재인가요?", now=now + timedelta(minutes=1))
    t["other_refund"] = file(other, "refund", order=make_order(other, number="20261120-000222"),
                             subject="1000원 차액 환불", now=now + timedelta(minutes=2))
    t["other_misc"] = file(other, "other", subject="a_b 쿠폰 문의", now=now + timedelta(minutes=3))
    t["axb"] = file(other, "other", subject="axb 쿠폰 문의", now=now + timedelta(minutes=4))
    return t


def _numbers(actor, **filters) -> list[str]:
    rows, total = list_tickets(actor, TicketFilters(**filters))
    assert total == len(rows)
    return [t.number for t in rows]


def _n(board, *names) -> list[str]:
    return [board[name].number for name in names]


def test_list_scope_customer_sees_only_their_own(people, board):
    assert _numbers(people["customer"]) == _n(board, "product", "delivery")
    assert _numbers(people["other"]) == _n(board, "axb", "other_misc", "other_refund")


def test_list_scope_agent_sees_only_their_queues(people, board):
    assert _numbers(people["agent"]) == _n(board, "other_refund", "delivery")
    assert _numbers(people["general_agent"]) == _n(board, "axb", "other_misc", "product")
    assert _numbers(make_user("agent")) == []


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_list_scope_lead_and_admin_see_all(board, role):
    assert _numbers(make_user(role)) == _n(board, "axb", "other_misc", "other_refund", "product",
                                            "delivery")


def test_list_is_newest_activity_first(people, board, now):
    add_message(people["customer"], board["delivery"], body="아직인가요?", internal=False, files=[],
                now=now + timedelta(hours=2))
    unit_of_work.commit()
    assert _numbers(people["customer"])[0] == board["delivery"].number


def test_list_pages_and_total(people, board):
    lead = people["lead"]
    rows, total = list_tickets(lead, TicketFilters(), page=2, per_page=2)
    assert total == 5
    assert [t.number for t in rows] == _n(board, "other_refund", "product")


def test_filter_by_status(people, board, now):
    lead = people["lead"]
    update_ticket(lead, board["product"], status="pending", now=now)
    update_ticket(lead, board["axb"], status="solved", now=now)
    unit_of_work.commit()
    assert set(_numbers(lead, statuses=["pending"])) == set(_n(board, "product"))
    assert set(_numbers(lead, statuses=["pending", "solved"])) == set(_n(board, "product", "axb"))
    assert set(_numbers(lead, unresolved=True)) == set(_n(board, "delivery", "other_refund",
                                                          "other_misc", "product"))
    assert _numbers(lead, statuses=["bogus"]) == []


def test_filter_by_assignee(people, board, now):
    agent = people["agent"]
    update_ticket(agent, board["delivery"], assignee_id=agent.id, now=now)
    unit_of_work.commit()
    assert _numbers(agent, assignee="me") == _n(board, "delivery")
    assert _numbers(agent, assignee="none") == _n(board, "other_refund")
    assert _numbers(people["lead"], assignee=str(agent.id)) == _n(board, "delivery")
    assert _numbers(people["lead"], assignee="me") == []
    error = refused(list_tickets, people["lead"], TicketFilters(assignee="kim"))
    assert error.fields == {"assignee": "invalid"}


def test_filter_by_category_queue_type_and_order(people, board):
    lead = people["lead"]
    assert _numbers(lead, category="refund") == _n(board, "other_refund")
    assert _numbers(lead, category="other") == _n(board, "axb", "other_misc")
    assert _numbers(lead, queue="orders") == _n(board, "other_refund", "delivery")
    assert _numbers(lead, type="refund") == _n(board, "other_refund")
    assert _numbers(lead, order_number=" 20261120-000111 ") == _n(board, "delivery")
    # Filters never widen the scope: the other customer's order finds nothing for this one.
    assert _numbers(people["customer"], order_number="20261120-000222") == []


def test_q_treats_percent_and_underscore_literally(people, board):
    lead = people["lead"]
    # "100%" must not match "1000원" (as a LIKE wildcard would).
    assert _numbers(lead, q="100%") == _n(board, "product")
    # "a_b" must not match "axb".
    assert _numbers(lead, q="a_b") == _n(board, "other_misc")
    assert _numbers(lead, q="%") == _n(board, "product")
    assert _numbers(lead, q="_") == _n(board, "other_misc")
    assert _numbers(lead, q="쿠폰") == _n(board, "axb", "other_misc")
    assert _numbers(lead, q="\\") == []


def test_q_finds_a_ticket_by_its_number(people, board):
    assert _numbers(people["lead"], q=f"  {board['delivery'].number} ") == _n(board, "delivery")
    # …but only inside the actor's scope.
    assert _numbers(people["customer"], q=board["other_refund"].number) == []


def test_q_ignores_letter_case_on_every_backend(people, now):
    ticket = make_ticket(people["customer"], subject="iPhone 케이스 재입고 문의", now=now)
    assert _numbers(people["lead"], q="IPHONE") == [ticket.number]
    assert _numbers(people["lead"], q="iphone 케이스") == [ticket.number]
