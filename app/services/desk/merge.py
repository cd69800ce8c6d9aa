"""Merging a duplicate inquiry into another of the same customer, and splitting a message off.

Merge: the source's messages and attachments move to the target (their times kept, so
the thread stays in order), the target gets an internal note, the customer gets a public
message on the source, and the source closes (closed is final) pointing at the target.
Split: a later customer message becomes a new ticket of the same requester, category,
order and queue, with its attachments and a note on both. Both are audited; the caller
commits.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from app.domain import access
from app.domain.errors import Conflict, Forbidden, NotFound, invalid
from app.domain.ticket_flow import Status
from app.extensions import db
from app.models import Attachment, Message, Ticket, User
from app.services.audit import record_event
from app.services.desk.assignment import assign
from app.services.desk.canned import reply_locale
from app.services.sla import clock as sla
from app.services.tickets.core import SUBJECT_MAX, add_message
from app.services.tickets.numbers import next_ticket_number


def _require_work(actor: User, *tickets: Ticket) -> None:
    me = actor.actor()
    if not access.is_staff(me):
        raise Forbidden("병합과 분리는 상담원만 할 수 있습니다.", "Only agents can merge or split inquiries.")
    for ticket in tickets:
        if not access.can_work_ticket(me, requester_id=ticket.requester_id, queue_id=ticket.queue_id):
            raise NotFound("ticket")


def _closed(ticket: Ticket) -> Conflict:
    return Conflict("ticket_closed", f"{ticket.number} 문의는 종료되어 병합하거나 분리할 수 없습니다.",
                    f"{ticket.number} is closed and cannot be merged or split.")


def merge(actor: User, source: Ticket, target: Ticket, now: datetime) -> Ticket:
    """Merge ``source`` (the duplicate) into ``target``; returns the target."""
    _require_work(actor, source, target)
    if source.id == target.id:
        raise invalid({"target": "same_ticket"}, "같은 문의에 병합할 수 없습니다.",
                      "A ticket cannot be merged into itself.", code="same_ticket")
    if source.requester_id != target.requester_id:
        raise invalid({"target": "different_requester"}, "같은 고객의 문의끼리만 병합할 수 있습니다.",
                      "Only inquiries of the same customer can be merged.", code="different_requester")
    for ticket in (source, target):
        if ticket.status == Status.CLOSED:
            raise _closed(ticket)
    if source.claim is not None:
        raise invalid({"target": "has_claim"}, "취소/환불 신청이 있는 문의는 다른 문의에 병합할 수 없습니다.",
                      "An inquiry with a cancellation/refund request cannot be merged into another.", code="has_claim")

    moved = list(db.session.scalars(select(Message).where(Message.ticket_id == source.id)
                                    .order_by(Message.created_at, Message.id)))
    for message in moved:
        message.ticket_id = target.id
    db.session.flush()
    db.session.execute(update(Attachment).where(Attachment.ticket_id == source.id)
                       .values(ticket_id=target.id).execution_options(synchronize_session="fetch"))
    source.message_count = 0
    target.message_count += len(moved)
    record_event(target, actor, "merged_in", now, old=source.number,
                 detail={"from": source.number, "messages": len(moved)})
    add_message(actor, target, body=f"{source.number} 문의가 병합되었습니다.", internal=True, files=[], now=now)

    # The customer is told on the duplicate (add_message notifies them), then it closes.
    if reply_locale(source) == "en":
        notice = (f"This inquiry was merged into {target.number}. "
                  "Its messages and attachments are now there; please continue on that inquiry.")
    else:
        notice = (f"이 문의는 {target.number} 문의로 병합되었습니다. "
                  "문의 내용과 첨부파일은 그 문의로 옮겨졌으니, 이어서 그 문의에서 확인해 주세요.")
    add_message(actor, source, body=notice, internal=False, files=[], now=now)
    before = source.status
    record_event(source, actor, "merged", now, new=target.number, detail={"into": target.number})
    record_event(source, actor, "status", now, old=before, new=Status.CLOSED, detail={"via": "merge"})
    source.status = Status.CLOSED
    source.closed_at = now
    source.updated_at = now
    source.merged_into_id = target.id
    sla.on_status_change(source, before, Status.CLOSED, now)
    target.updated_at = now
    db.session.flush()
    return target


def split(actor: User, ticket: Ticket, message_id: int, now: datetime) -> Ticket:
    """Make a later customer message of ``ticket`` a new ticket of its own; returns the new ticket."""
    _require_work(actor, ticket)
    message = db.session.get(Message, message_id)
    if message is None or message.ticket_id != ticket.id:
        raise NotFound("message")
    if ticket.status == Status.CLOSED:
        raise _closed(ticket)
    if message.internal or message.author_id != ticket.requester_id:
        raise invalid({"message": "not_customer_message"}, "고객이 보낸 메시지만 분리할 수 있습니다.",
                      "Only a message from the customer can be split off.", code="not_customer_message")
    first_id = db.session.scalar(select(func.min(Message.id)).where(Message.ticket_id == ticket.id))
    if message.id == first_id:
        raise invalid({"message": "first_message"}, "첫 문의 내용은 분리할 수 없습니다.",
                      "The first message of an inquiry cannot be split off.", code="first_message")

    subject = f"[분리] {ticket.subject}"[:SUBJECT_MAX]
    new = Ticket(number=next_ticket_number(now), type=ticket.type, category_id=ticket.category_id,
                 queue_id=ticket.queue_id, requester_id=ticket.requester_id, order_id=ticket.order_id,
                 subject=subject, status=Status.NEW, priority=ticket.priority,
                 created_at=now, updated_at=now, message_count=1)
    db.session.add(new)
    db.session.flush()
    message.ticket_id = new.id
    db.session.flush()
    db.session.execute(update(Attachment).where(Attachment.message_id == message.id)
                       .values(ticket_id=new.id).execution_options(synchronize_session="fetch"))
    ticket.message_count = max(0, ticket.message_count - 1)
    ticket.updated_at = now
    record_event(new, actor, "created", now, new=Status.NEW,
                 detail={"split_from": ticket.number, "message_id": message.id})
    record_event(ticket, actor, "split", now, new=new.number, detail={"to": new.number, "message_id": message.id})
    sla.on_created(new, now)
    if ticket.assignee_id is not None:
        assign(new, actor, ticket.assignee, now)
    add_message(actor, ticket, body=f"고객 메시지를 {new.number} 문의로 분리했습니다.", internal=True,
                files=[], now=now)
    add_message(actor, new, body=f"{ticket.number} 문의에서 분리된 문의입니다.", internal=True, files=[], now=now)
    return new


def merged_into(ticket: Ticket) -> Ticket | None:
    """The inquiry a merged (closed) duplicate points at, or None for a ticket never merged."""
    return db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None
