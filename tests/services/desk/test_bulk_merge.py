"""Bulk actions (app/services/desk/bulk.py) and merge / split (app/services/desk/merge.py) as use cases."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.domain.errors import DomainError, NotFound
from app.extensions import db
from app.models import Attachment, AuditEvent, Message, OutboxEvent, Ticket
from app.services import unit_of_work
from app.services.desk import canned
from app.services.desk.bulk import MAX_TICKETS, bulk_update
from app.services.desk.canned import AnswerInput
from app.services.desk.merge import merge, split
from app.services.tickets.core import add_message
from tests.factories import make_ticket, make_user, png_bytes, upload


@pytest.fixture()
def people(app):
    return {
        "lead": make_user("lead", name="팀장"),
        "agent": make_user("agent", name="김상담", queues=["general"]),
        "helper": make_user("agent", name="이상담", queues=["general"]),
        "outsider": make_user("agent", name="박상담", queues=["orders"]),
        "hong": make_user("customer", name="홍길동"),
        "kim": make_user("customer", name="김영희"),
    }


def _fresh(ticket_id: int) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def _actions(ticket_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.ticket_id == ticket_id)
                                   .order_by(AuditEvent.id)))


def _snapshot(ticket_ids) -> list[tuple]:
    db.session.expire_all()
    out = []
    for ticket_id in ticket_ids:
        t = db.session.get(Ticket, ticket_id)
        out.append((t.status, t.priority, t.assignee_id, sorted(x.name for x in t.tags), t.message_count,
                    len(_actions(ticket_id))))
    return out


# ---------------------------------------------------------------- bulk

def test_bulk_assign_status_priority_and_tag_each_ticket_with_audit(people, now):
    tickets = [make_ticket(people["hong"], subject=f"문의 {i}", now=now) for i in range(3)]
    bulk_update(people["agent"], [t.number for t in tickets], assignee_id=people["helper"].id,
                status="pending", priority="high", add_tags="재입고, VIP", now=now)
    unit_of_work.commit()
    for ticket in tickets:
        fresh = _fresh(ticket.id)
        assert fresh.assignee_id == people["helper"].id
        assert fresh.status == "pending" and fresh.priority == "high"
        assert sorted(t.name for t in fresh.tags) == ["VIP", "재입고"]
        actions = _actions(ticket.id)
        for action in ("assignee", "priority", "status", "tag_added"):
            assert action in actions
    # The new assignee hears about each ticket.
    notes = db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "notify")).all()
    assigned = [n for n in notes if n.payload["kind"] == "assigned" and n.payload["user_id"] == people["helper"].id]
    assert len(assigned) == 3


def test_bulk_including_a_ticket_of_another_queue_is_not_found_and_changes_nothing(people, now):
    mine = [make_ticket(people["hong"], subject=f"문의 {i}", now=now) for i in range(2)]
    foreign = make_ticket(people["kim"], category="delivery", now=now)
    ids = [t.id for t in mine + [foreign]]
    before = _snapshot(ids)
    with pytest.raises(NotFound):
        bulk_update(people["agent"], [mine[0].number, foreign.number, mine[1].number],
                    assignee_id=people["agent"].id, status="pending", priority="urgent", add_tags="x",
                    now=now)
    unit_of_work.rollback()
    assert _snapshot(ids) == before


def test_bulk_refusal_later_in_the_list_rolls_everything_back(people, now):
    open_one = make_ticket(people["hong"], now=now)
    closed = make_ticket(people["kim"], now=now)
    closed.status = "closed"
    unit_of_work.commit()
    before = _snapshot([open_one.id, closed.id])
    with pytest.raises(DomainError) as exc:
        bulk_update(people["agent"], [open_one.number, closed.number], priority="high", now=now)
    unit_of_work.rollback()
    assert exc.value.status == 409 and closed.number in exc.value.message_ko
    assert _snapshot([open_one.id, closed.id]) == before


def test_bulk_limits_and_needs_a_change(people, now):
    ticket = make_ticket(people["hong"], now=now)
    with pytest.raises(DomainError) as exc:
        bulk_update(people["agent"], [f"M-{i}" for i in range(MAX_TICKETS + 1)], priority="high", now=now)
    assert exc.value.status == 422 and "numbers" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        bulk_update(people["agent"], [ticket.number], now=now)
    assert exc.value.status == 422
    with pytest.raises(DomainError):
        bulk_update(people["agent"], [], priority="high", now=now)


def test_bulk_canned_answer_is_rendered_for_each_customer(people, now):
    answer = canned.create(people["lead"], AnswerInput(
        title="재입고 안내", body_ko="{{ customer.name }}님, {{ ticket.number }} 문의에 답변드립니다.", shared=True),
        now=now)
    unit_of_work.commit()
    a = make_ticket(people["hong"], now=now)
    b = make_ticket(people["kim"], now=now)
    bulk_update(people["agent"], [a.number, b.number], canned_answer_id=answer.id, now=now)
    unit_of_work.commit()
    for ticket, name in ((a, "홍길동"), (b, "김영희")):
        last = db.session.scalar(select(Message).where(Message.ticket_id == ticket.id)
                                 .order_by(Message.id.desc()).limit(1))
        assert last.body == f"{name}님, {ticket.number} 문의에 답변드립니다." and not last.internal
        assert _fresh(ticket.id).status == "open"


def test_bulk_canned_answer_missing_a_value_refuses_all_naming_the_tickets(people, now):
    answer = canned.create(people["lead"], AnswerInput(
        title="주문 안내", body_ko="{{ customer.name }}님, 주문 {{ order.number }} 확인했습니다.", shared=True),
        now=now)
    unit_of_work.commit()
    a = make_ticket(people["hong"], now=now)
    b = make_ticket(people["kim"], now=now)
    before = _snapshot([a.id, b.id])
    with pytest.raises(DomainError) as exc:
        bulk_update(people["agent"], [a.number, b.number], canned_answer_id=answer.id, priority="high", now=now)
    unit_of_work.rollback()
    assert exc.value.status == 422 and exc.value.code == "placeholder_missing"
    assert a.number in exc.value.message_ko and b.number in exc.value.message_ko
    assert "order.number" in exc.value.message_en
    assert _snapshot([a.id, b.id]) == before


# ---------------------------------------------------------------- merge

def test_merge_moves_messages_and_attachments_and_closes_the_source(people, now):
    target = make_ticket(people["hong"], subject="원래 문의", now=now)
    source = make_ticket(people["hong"], subject="중복 문의", body="같은 내용 다시 보냅니다",
                         files=[upload(png_bytes(), "photo.png", "image/png")], now=now + timedelta(minutes=5))
    source_messages = set(db.session.scalars(select(Message.id).where(Message.ticket_id == source.id)))
    merge(people["agent"], source, target, now + timedelta(minutes=10))
    unit_of_work.commit()

    src, tgt = _fresh(source.id), _fresh(target.id)
    assert src.status == "closed" and src.merged_into_id == tgt.id and src.closed_at is not None
    moved = db.session.scalars(select(Message).where(Message.ticket_id == tgt.id).order_by(Message.id)).all()
    assert source_messages <= {m.id for m in moved}
    times = [m.created_at for m in moved]
    assert times == sorted(times)
    attachment = db.session.scalar(select(Attachment).where(Attachment.filename == "photo.png"))
    assert attachment.ticket_id == tgt.id
    note = moved[-1]
    assert note.internal and f"{source.number} 문의가 병합되었습니다" in note.body
    left = db.session.scalars(select(Message).where(Message.ticket_id == src.id)).all()
    assert len(left) == 1 and not left[0].internal and target.number in left[0].body
    assert "merged" in _actions(src.id) and "merged_in" in _actions(tgt.id)
    told = db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "email")).all()
    assert any(e.payload["user_id"] == people["hong"].id and e.payload["ticket_id"] == src.id for e in told)
    # Closed is final.
    with pytest.raises(DomainError):
        add_message(people["hong"], src, body="또 질문", internal=False, files=[], now=now + timedelta(hours=1))


def test_merge_refusals(people, now):
    a = make_ticket(people["hong"], now=now)
    b = make_ticket(people["hong"], now=now)
    other_customer = make_ticket(people["kim"], now=now)
    foreign = make_ticket(people["hong"], category="delivery", now=now)
    closed = make_ticket(people["hong"], now=now)
    closed.status = "closed"
    unit_of_work.commit()
    with pytest.raises(DomainError) as exc:
        merge(people["agent"], a, other_customer, now)
    assert exc.value.code == "different_requester"
    with pytest.raises(DomainError) as exc:
        merge(people["agent"], a, a, now)
    assert exc.value.code == "same_ticket"
    with pytest.raises(DomainError) as exc:
        merge(people["agent"], a, closed, now)
    assert exc.value.status == 409
    with pytest.raises(DomainError) as exc:
        merge(people["agent"], closed, b, now)
    assert exc.value.status == 409
    with pytest.raises(NotFound):
        merge(people["agent"], a, foreign, now)
    with pytest.raises(NotFound):
        merge(people["outsider"], a, b, now)
    unit_of_work.rollback()
    assert _fresh(a.id).status == "new" and _fresh(a.id).merged_into_id is None
    # A lead sees every queue and may merge across them.
    merge(people["lead"], foreign, a, now)
    unit_of_work.commit()
    assert _fresh(foreign.id).merged_into_id == a.id


# ---------------------------------------------------------------- split

def test_split_makes_a_new_ticket_with_the_message_and_its_attachments(people, now):
    ticket = make_ticket(people["hong"], subject="배송 문의", now=now)
    add_message(people["agent"], ticket, body="확인해 보겠습니다.", internal=False, files=[], now=now)
    later = add_message(people["hong"], ticket, body="그리고 다른 상품 교환도 문의합니다",
                        internal=False, files=[upload(png_bytes(), "other.png", "image/png")],
                        now=now + timedelta(minutes=1))
    unit_of_work.commit()
    count_before = _fresh(ticket.id).message_count
    new = split(people["agent"], ticket, later.id, now + timedelta(minutes=2))
    unit_of_work.commit()

    new, old = _fresh(new.id), _fresh(ticket.id)
    assert new.number != old.number and new.requester_id == old.requester_id
    assert (new.category_id, new.queue_id, new.order_id) == (old.category_id, old.queue_id, old.order_id)
    assert db.session.get(Message, later.id).ticket_id == new.id
    assert db.session.scalar(select(Attachment.ticket_id).where(Attachment.filename == "other.png")) == new.id
    notes_old = db.session.scalars(select(Message).where(Message.ticket_id == old.id, Message.internal)).all()
    notes_new = db.session.scalars(select(Message).where(Message.ticket_id == new.id, Message.internal)).all()
    assert any(new.number in m.body for m in notes_old) and any(old.number in m.body for m in notes_new)
    assert old.message_count == count_before  # one moved out, one note in
    assert "split" in _actions(old.id) and "created" in _actions(new.id)


def test_split_refuses_the_first_message_notes_and_agent_messages(people, now):
    ticket = make_ticket(people["hong"], now=now)
    first = db.session.scalar(select(func.min(Message.id)).where(Message.ticket_id == ticket.id))
    reply = add_message(people["agent"], ticket, body="답변", internal=False, files=[], now=now)
    note = add_message(people["agent"], ticket, body="메모", internal=True, files=[], now=now)
    unit_of_work.commit()
    for message_id, code in ((first, "first_message"), (reply.id, "not_customer_message"),
                             (note.id, "not_customer_message")):
        with pytest.raises(DomainError) as exc:
            split(people["agent"], ticket, message_id, now)
        assert exc.value.code == code
    other = make_ticket(people["kim"], now=now)
    with pytest.raises(NotFound):
        split(people["agent"], ticket, db.session.scalar(
            select(func.min(Message.id)).where(Message.ticket_id == other.id)), now)
    with pytest.raises(NotFound):
        split(people["outsider"], ticket, first, now)
