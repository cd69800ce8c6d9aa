"""Tickets: intake, the thread, and the changes agents make, all behind one access rule."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, literal, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.domain import access
from app.domain.errors import Conflict, DomainError, FieldErrors, Forbidden, NotFound, invalid
from app.domain.hangul import with_particle
from app.domain.ticket_flow import (
    UNRESOLVED,
    Status,
    check_status_change,
    closed_error,
    is_reopen,
    status_after_message,
)
from app.domain.vocabulary import STAFF_ROLES, Priority
from app.extensions import db
from app.models import Category, Message, Order, SupportQueue, Tag, Ticket, User, ticket_tags
from app.services import satisfaction
from app.services.attachments import IncomingFile, PreparedUpload, prepare_uploads, store_uploads
from app.services.audit import record_event
from app.services.desk.assignment import assign, auto_assign
from app.services.notifications import notify
from app.services.sla import clock as sla
from app.services.tickets.numbers import next_ticket_number

SUBJECT_MAX = 200
BODY_MAX = 20_000
UNSET = object()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(value: str | None, name: str, limit: int, ko_label: str, en_label: str,
                *, single_line: bool = False, errors: FieldErrors | None = None) -> str:
    """The text cleaned up, or its problem: raised, or added to ``errors`` (then '' is returned)."""
    # Control characters (NUL included) are dropped; a subject is one line, since it
    # ends up in email headers and list rows.
    text = _CONTROL.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n"))
    if single_line:
        text = " ".join(text.split())
    text = text.strip()
    problems = errors if errors is not None else FieldErrors()
    if not text:
        problems.add(name, "required", f"{with_particle(ko_label, '을')} 입력해 주세요.",
                     f"Please enter the {en_label}.")
    elif len(text) > limit:
        problems.add(name, "too_long", f"{with_particle(ko_label, '은')} {limit:,}자까지 쓸 수 있습니다.",
                     f"The {en_label} may be at most {limit:,} characters.")
    else:
        return text
    if errors is None:
        problems.raise_if_any()
    return ""


def _check_uploads(files: list[IncomingFile], errors: FieldErrors) -> list[PreparedUpload]:
    """The checked files, or the first file's problem added to ``errors``."""
    try:
        return prepare_uploads(files)
    except DomainError as exc:
        errors.add_error(exc)
        return []


# ---------------------------------------------------------------- reading

@dataclass
class TicketFilters:
    """Filters of the ticket lists (page views and ``GET /tickets``)."""

    statuses: list[str] = field(default_factory=list)
    category: str | None = None
    queue: str | None = None
    assignee: str | None = None   # "me", "none" or a user id
    type: str | None = None
    q: str | None = None
    order_number: str | None = None
    unresolved: bool = False
    # Only tickets whose SLA clock is running (for "breaching soon").
    sla_running: bool = False
    priority: str | None = None
    tag: str | None = None
    # ok | at_risk | breached | paused, from the stored SLA columns at ``now`` (default: the clock).
    sla_state: str | None = None
    now: datetime | None = None


def scoped_tickets(actor: User) -> Select:
    """SELECT of the tickets ``actor`` may see (the access rule as a query filter)."""
    scope = access.ticket_scope(actor.actor())
    stmt = select(Ticket)
    if scope.kind == access.ScopeKind.ALL:
        return stmt
    if scope.kind == access.ScopeKind.QUEUES:
        return stmt.where(Ticket.queue_id.in_(scope.queue_ids or {-1}))
    if scope.kind == access.ScopeKind.OWN:
        return stmt.where(Ticket.requester_id == scope.user_id)
    return stmt.where(Ticket.id == -1)


def _apply_filters(stmt: Select, actor: User, filters: TicketFilters) -> Select:
    if filters.statuses:
        valid = [s for s in filters.statuses if s in Status.__members__.values()]
        stmt = stmt.where(Ticket.status.in_(valid or ["-"]))
    elif filters.unresolved:
        stmt = stmt.where(Ticket.status.in_([s.value for s in UNRESOLVED]))
    if filters.sla_running:
        stmt = stmt.where(Ticket.sla_due_at.is_not(None), Ticket.sla_paused.is_(False))
    if filters.category:
        stmt = stmt.where(Ticket.category_id.in_(
            select(Category.id).where(Category.code == filters.category)))
    if filters.queue:
        stmt = stmt.where(Ticket.queue_id.in_(
            select(SupportQueue.id).where(SupportQueue.slug == filters.queue)))
    if filters.assignee == "me":
        stmt = stmt.where(Ticket.assignee_id == actor.id)
    elif filters.assignee == "none":
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif filters.assignee:
        try:
            stmt = stmt.where(Ticket.assignee_id == int(filters.assignee))
        except ValueError:
            raise invalid({"assignee": "invalid"}, "담당자 조건이 올바르지 않습니다.",
                          "The assignee filter is invalid.") from None
    if filters.type:
        stmt = stmt.where(Ticket.type == filters.type)
    if filters.priority:
        stmt = stmt.where(Ticket.priority == filters.priority)
    if filters.tag:
        stmt = stmt.where(Ticket.id.in_(
            select(ticket_tags.c.ticket_id).join(Tag, Tag.id == ticket_tags.c.tag_id)
            .where(Tag.name == filters.tag.strip())))
    if filters.sla_state:
        stmt = _sla_state_filter(stmt, filters.sla_state, filters.now or datetime.now(UTC))
    if filters.order_number:
        stmt = stmt.where(Ticket.order_id.in_(
            select(Order.id).where(Order.number == filters.order_number.strip())))
    if filters.q:
        # Plain substring match on the subject until the search index lands.
        pattern = "%" + filters.q.strip().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Ticket.subject.ilike(pattern, escape="\\"),
                              Ticket.number == filters.q.strip()))
    return stmt


SLA_STATES = ("ok", "at_risk", "breached", "paused")


def _sla_state_filter(stmt: Select, state: str, now: datetime) -> Select:
    """The SLA state of lists and badges (``sla.ticket_state``) as a WHERE on the stored columns."""
    stmt = stmt.where(Ticket.sla_policy_id.is_not(None))
    due, warn = Ticket.sla_due_at, Ticket.sla_warn_at
    not_breached = or_(due.is_(None), due > now)
    if state == "breached":
        return stmt.where(due.is_not(None), due <= now)
    if state == "paused":
        return stmt.where(not_breached, Ticket.sla_paused.is_(True))
    if state == "at_risk":
        return stmt.where(due > now, Ticket.sla_paused.is_(False), warn.is_not(None), warn <= now)
    if state == "ok":
        return stmt.where(due > now, Ticket.sla_paused.is_(False), or_(warn.is_(None), warn > now))
    raise invalid({"sla_state": "invalid"}, "SLA 상태 조건이 올바르지 않습니다.",
                  "The SLA state filter is invalid.")


ORDERS = {
    "updated": (Ticket.updated_at.desc(), Ticket.id.desc()),
    # Nearest deadline first: "breaching soon".
    "sla_due": (Ticket.sla_due_at.asc(), Ticket.id.asc()),
}


def list_tickets(actor: User, filters: TicketFilters, *, page: int = 1, per_page: int = 25,
                 order: str = "updated") -> tuple[list[Ticket], int]:
    """One page of the tickets ``actor`` may see (newest activity first by default), and the total."""
    stmt = _apply_filters(scoped_tickets(actor), actor, filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    # Two steps: sort and cut the page on the narrow index columns, then load just those rows
    # with what a list shows (sorting thousands of fully joined rows was most of the time).
    ids = db.session.scalars(
        stmt.with_only_columns(Ticket.id).order_by(*ORDERS[order]).limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return _tickets_for_list(ids), total or 0


# The desk counts a view's tickets up to this many; past it the page says "1000+" instead of
# counting a million rows on every page view.
COUNT_CAP = 1_000
# The sort key of each order, for keyset pages (the row after the last one shown).
ORDER_KEYS = {"updated": (Ticket.updated_at, "desc"), "sla_due": (Ticket.sla_due_at, "asc")}


@dataclass
class TicketPage:
    """One page of a desk view: its rows, the count (capped), and where the next page starts."""

    tickets: list[Ticket]
    total: int                  # exact, or COUNT_CAP when ``more`` is set
    more: bool                  # there are more than COUNT_CAP tickets
    page: int
    per_page: int
    next_after: str | None      # the keyset cursor of the next page; None on the last


def _cursor(ticket: Ticket, order: str) -> str | None:
    value = getattr(ticket, ORDER_KEYS[order][0].key)
    return None if value is None else f"{value.isoformat()}~{ticket.id}"


def _after(cursor: str | None) -> tuple[datetime, int] | None:
    """A cursor from a link; None (start over) for anything that is not one of ours."""
    value, _, ticket_id = (cursor or "").partition("~")
    try:
        moment = datetime.fromisoformat(value)
        return (moment, int(ticket_id)) if moment.tzinfo and ticket_id.isdigit() else None
    except ValueError:
        return None


def page_of_tickets(actor: User, filters: TicketFilters, *, page: int = 1, per_page: int = 50,
                    order: str = "updated", after: str | None = None) -> TicketPage:
    """A desk view's page: read after the previous page's last row (``after``, keyset: as fast
    on page 2,000 as on page 1) or, for a page reached by number, by offset; counted up to
    COUNT_CAP."""
    stmt = _apply_filters(scoped_tickets(actor), actor, filters)
    counted = db.session.scalar(select(func.count()).select_from(
        stmt.with_only_columns(Ticket.id).order_by(None).limit(COUNT_CAP + 1).subquery())) or 0
    column, direction = ORDER_KEYS[order]
    ids_stmt = stmt.with_only_columns(Ticket.id).order_by(*ORDERS[order]).limit(per_page + 1)
    start = _after(after)
    if start is not None:
        key = tuple_(column, Ticket.id)
        # Bound with the column's type, so SQLite compares its stored UTC text with the same text.
        bound = tuple_(literal(start[0], column.type), literal(start[1]))
        ids_stmt = ids_stmt.where(key < bound if direction == "desc" else key > bound)
    else:
        ids_stmt = ids_stmt.offset((page - 1) * per_page)
    ids = db.session.scalars(ids_stmt).all()
    more_rows, ids = len(ids) > per_page, ids[:per_page]
    rows = _tickets_for_list(ids)
    return TicketPage(rows, min(counted, COUNT_CAP), counted > COUNT_CAP, page, per_page,
                      _cursor(rows[-1], order) if more_rows and rows else None)


def _tickets_for_list(ids: list[int]) -> list[Ticket]:
    """The tickets of ``ids`` in that order, with what a list row shows."""
    if not ids:
        return []
    rows = db.session.scalars(
        select(Ticket).where(Ticket.id.in_(ids))
        .options(selectinload(Ticket.order), selectinload(Ticket.sla_policy), selectinload(Ticket.tags))
    ).all()
    position = {ticket_id: i for i, ticket_id in enumerate(ids)}
    return sorted(rows, key=lambda t: position[t.id])


def load_ticket_for(actor: User, number: str) -> Ticket:
    """The ticket by its public number if ``actor`` may see it; NotFound otherwise."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not access.can_see_ticket(
            actor.actor(), requester_id=ticket.requester_id, queue_id=ticket.queue_id):
        raise NotFound("ticket")
    return ticket


def visible_messages(actor: User, ticket: Ticket) -> list[Message]:
    """The thread as ``actor`` may read it: customers never get internal notes."""
    stmt = select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)
    if not access.can_see_internal(actor.actor()):
        stmt = stmt.where(Message.internal.is_(False))
    return list(db.session.scalars(stmt))


def categories_for(actor: User) -> list[Category]:
    """Active categories the actor can file under (sellers: seller center only)."""
    stmt = select(Category).where(Category.active.is_(True)).order_by(Category.position, Category.id)
    rows = list(db.session.scalars(stmt))
    me = actor.actor()
    return [c for c in rows if access.can_see_category(me, for_sellers=c.for_sellers)]


# ---------------------------------------------------------------- writing

def find_submitted(actor: User, submission_key: str | None) -> Ticket | None:
    """The ticket this requester already filed with this submission key, if any."""
    if not submission_key:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.requester_id == actor.id,
                                                  Ticket.submission_key == submission_key[:64]))


@dataclass(frozen=True)
class NewTicket:
    """An inquiry whose every input was checked, not yet written (``check_new_ticket``)."""

    category: Category
    subject: str
    body: str
    order: Order | None
    uploads: list[PreparedUpload]


def check_new_ticket(actor: User, *, category_code: str, subject: str, body: str,
                     order_number: str | None, files: list[IncomingFile]) -> NewTicket:
    """Check a 1:1 inquiry before anything is written.

    An unknown category, an empty subject or message, an order that is not the requester's,
    a bad file — the inquiry is refused once, with a message for each field that has a
    problem (``FieldErrors``).
    """
    if not access.can_file_ticket(actor.actor()):
        raise Forbidden("문의는 고객 또는 판매자 계정으로 작성할 수 있습니다.",
                        "Only customers and sellers can file inquiries.")
    errors = FieldErrors()
    category = next((c for c in categories_for(actor) if c.code == (category_code or "").strip()), None)
    if category is None:
        errors.add("category", "unknown", "문의 유형을 선택해 주세요.", "Please choose a valid category.")
    subject = _clean_text(subject, "subject", SUBJECT_MAX, "제목", "subject", single_line=True, errors=errors)
    body = _clean_text(body, "body", BODY_MAX, "문의 내용", "details", errors=errors)
    order = None
    if order_number and order_number.strip():
        order = db.session.scalar(select(Order).where(Order.number == order_number.strip()))
        if order is None or not access.owns_order(actor.actor(), customer_id=order.customer_id):
            order = None
            errors.add("order_number", "not_found", "선택한 주문을 찾을 수 없습니다.",
                       "The selected order was not found among your orders.")
    elif category is not None and category.requires_order:
        errors.add("order_number", "required",
                   f"'{category.name_ko}' 문의는 주문을 선택해 주세요.",
                   f"A '{category.name_en}' inquiry needs one of your orders.")
    prepared = _check_uploads(files, errors)
    errors.raise_if_any()
    return NewTicket(category, subject, body, order, prepared)


def file_ticket(actor: User, new: NewTicket, *, now: datetime, submission_key: str | None = None,
                attach: Callable[[Ticket], object] | None = None) -> Ticket:
    """Write a checked inquiry: the ticket, its first message and attachments, its SLA and assignee.

    ``attach`` adds what the inquiry brings along (a claim's request, from the claim side)
    once the ticket exists, before its SLA clock starts and it is assigned.
    """
    category, order = new.category, new.order
    ticket = Ticket(
        number=next_ticket_number(now), type=category.ticket_type, category_id=category.id,
        queue_id=category.queue_id, requester_id=actor.id, order_id=order.id if order else None,
        subject=new.subject, status=Status.NEW, priority=Priority.NORMAL,
        created_at=now, updated_at=now, message_count=1,
        submission_key=(submission_key or None) and submission_key[:64],
    )
    try:
        with db.session.begin_nested():
            db.session.add(ticket)
    except IntegrityError:
        # The same submission arrived twice at once; the first one won.
        raise Conflict("duplicate_submission", "이미 접수된 문의입니다.",
                       "This inquiry has already been submitted.") from None
    message = Message(ticket_id=ticket.id, author_id=actor.id, body=new.body, internal=False,
                      created_at=now)
    db.session.add(message)
    db.session.flush()
    store_uploads(new.uploads, message, actor, now)
    record_event(ticket, actor, "created", now, new=Status.NEW,
                 detail={"category": category.code, "files": len(new.uploads)})
    if attach is not None:
        attach(ticket)
    clock = sla.on_created(ticket, now)
    auto_assign(ticket, now)
    due, business, _paused = sla.answer_due(ticket, now, clock)
    notify(actor.id, ticket, "ticket_received", now,
           expected_due_at=due.isoformat() if due else None, business_hours=business)
    return ticket


def create_ticket(actor: User, *, category_code: str, subject: str, body: str,
                  order_number: str | None, files: list[IncomingFile], now: datetime,
                  submission_key: str | None = None) -> Ticket:
    """File a 1:1 inquiry with its first message and attachments, every input checked first.

    (An inquiry carrying a cancellation/refund request is filed by app/services/claims/intake.py.)
    """
    new = check_new_ticket(actor, category_code=category_code, subject=subject, body=body,
                           order_number=order_number, files=files)
    return file_ticket(actor, new, now=now, submission_key=submission_key)


def add_message(actor: User, ticket: Ticket, *, body: str, internal: bool,
                files: list[IncomingFile], now: datetime) -> Message:
    """Add a public reply or (staff only) an internal note, with attachments."""
    me = actor.actor()
    is_staff = access.is_staff(me)
    if internal and not is_staff:
        raise Forbidden("내부 메모는 상담원만 작성할 수 있습니다.", "Only agents can write internal notes.")
    if not access.can_see_ticket(me, requester_id=ticket.requester_id, queue_id=ticket.queue_id):
        raise NotFound("ticket")
    if ticket.status == Status.CLOSED:
        raise closed_error()
    errors = FieldErrors()
    body = _clean_text(body, "body", BODY_MAX, "내용", "message", errors=errors)
    prepared = _check_uploads(files, errors)
    errors.raise_if_any()

    before = ticket.status
    after = status_after_message(before, by_staff=is_staff, internal=internal)
    message = Message(ticket_id=ticket.id, author_id=actor.id, body=body, internal=internal,
                      created_at=now)
    db.session.add(message)
    db.session.flush()
    store_uploads(prepared, message, actor, now)
    ticket.message_count += 1
    ticket.updated_at = now
    record_event(ticket, actor, "note" if internal else "reply", now,
                 detail={"message_id": message.id, "files": len(prepared)})
    if after != before:
        _set_status(ticket, actor, after, now, reason="reply")
    if internal:
        return message
    first_response = is_staff and ticket.first_responded_at is None
    if first_response:
        ticket.first_responded_at = now
    sla.on_public_message(ticket, by_staff=is_staff, first_response=first_response, now=now)
    if is_staff:
        notify(ticket.requester_id, ticket, "agent_replied", now, actor, body=body)
    else:
        notify(ticket.assignee_id, ticket, "customer_replied", now, actor,
               reopened=is_reopen(before, after))
    return message


def answer_with_decision(actor: User, ticket: Ticket, *, body: str, status: Status, now: datetime) -> Message:
    """Tell the customer a claim's decision in the thread and move the ticket on.

    The message is a public reply of the deciding agent (it fulfils first response and an open
    next-reply cycle), the ticket is assigned to them when they may hold it, and it moves to
    ``status`` (solved, or pending while a return is on its way). The caller sends the
    decision's own notification (with the amounts), so no "agent replied" notice goes out too.
    """
    if ticket.status == Status.CLOSED:
        raise closed_error()
    message = Message(ticket_id=ticket.id, author_id=actor.id, body=body, internal=False, created_at=now)
    db.session.add(message)
    db.session.flush()
    ticket.message_count += 1
    ticket.updated_at = now
    record_event(ticket, actor, "reply", now, detail={"message_id": message.id, "files": 0, "via": "decision"})
    opened = status_after_message(ticket.status, by_staff=True, internal=False)
    if opened != ticket.status:
        _set_status(ticket, actor, opened, now, reason="decision")
    first_response = ticket.first_responded_at is None
    if first_response:
        ticket.first_responded_at = now
    sla.on_public_message(ticket, by_staff=True, first_response=first_response, now=now)
    hold(actor, ticket, now)
    _set_status(ticket, actor, status, now, reason="decision")
    return message


def hold(actor: User, ticket: Ticket, now: datetime) -> None:
    """Assign the ticket to ``actor`` when they may hold it (an agent of its queue, a lead …)."""
    if ticket.assignee_id != actor.id and access.can_be_assignee(
            role=actor.role, queue_ids=actor.queue_ids, queue_id=ticket.queue_id, active=actor.active):
        assign(ticket, actor, actor, now)


def _set_status(ticket: Ticket, actor: User, target: Status, now: datetime, *, reason: str) -> None:
    before = ticket.status
    if before == target:
        return
    ticket.status = target
    ticket.updated_at = now
    if target == Status.SOLVED:
        ticket.solved_at = now
    elif before == Status.SOLVED:
        ticket.solved_at = None
    action = "reopened" if is_reopen(before, target) else "status"
    record_event(ticket, actor, action, now, old=before, new=target, detail={"via": reason})
    sla.on_status_change(ticket, before, target, now)
    if target == Status.SOLVED:
        satisfaction.ask_after_solve(ticket, now)  # 만족도: once per solve


def move_to_queue(ticket: Ticket, actor: User | None, queue: SupportQueue, now: datetime, *,
                  via: str = "manual") -> None:
    """Move a ticket to another queue; an assignee who does not work that queue lets go of it."""
    old = ticket.queue.slug
    ticket.queue_id = queue.id
    ticket.queue = queue
    ticket.updated_at = now
    record_event(ticket, actor, "queue", now, old=old, new=queue.slug, detail={"via": via})
    if ticket.assignee is not None and not access.can_be_assignee(
            role=ticket.assignee.role, queue_ids=ticket.assignee.queue_ids, queue_id=queue.id,
            active=ticket.assignee.active):
        assign(ticket, actor, None, now)


def update_ticket(actor: User, ticket: Ticket, *, status: str | None = None,
                  priority: str | None = None, assignee_id: object = UNSET,
                  queue: str | None = None, now: datetime) -> Ticket:
    """Change status, priority, assignee or queue; each change is audited.

    Requesters may only mark their own ticket solved. Agents may work tickets of
    their queues; an assignee must be staff who can see the ticket's queue.
    """
    me = actor.actor()
    if not access.can_see_ticket(me, requester_id=ticket.requester_id, queue_id=ticket.queue_id):
        raise NotFound("ticket")
    staff_fields = priority is not None or assignee_id is not UNSET or queue is not None
    if not access.is_staff(me):
        if staff_fields:
            raise Forbidden("담당자, 우선순위, 큐는 상담원만 바꿀 수 있습니다.",
                            "Only agents can change the assignee, priority or queue.")
    if ticket.status == Status.CLOSED and (status is not None or staff_fields):
        raise closed_error()

    if queue is not None:
        target_queue = db.session.scalar(select(SupportQueue).where(SupportQueue.slug == queue))
        if target_queue is None:
            raise invalid({"queue": "unknown"}, "알 수 없는 큐입니다.", "Unknown queue.")
        if target_queue.id != ticket.queue_id:
            move_to_queue(ticket, actor, target_queue, now)
            sla.reapply(ticket, now, reason="queue")
    if priority is not None:
        try:
            new_priority = Priority(priority)
        except ValueError:
            raise invalid({"priority": "invalid"}, "알 수 없는 우선순위입니다.",
                          "Unknown priority.") from None
        if new_priority != ticket.priority:
            record_event(ticket, actor, "priority", now, old=ticket.priority, new=new_priority)
            ticket.priority = new_priority
            ticket.updated_at = now
            sla.reapply(ticket, now, reason="priority")
    if assignee_id is not UNSET:
        assignee = None
        if assignee_id is not None:
            try:
                assignee = db.session.get(User, int(assignee_id))
            except (TypeError, ValueError):
                assignee = None
            if assignee is None or not access.can_be_assignee(
                    role=assignee.role, queue_ids=assignee.queue_ids, queue_id=ticket.queue_id,
                    active=assignee.active):
                raise invalid({"assignee_id": "not_assignable"},
                              "이 큐의 상담원에게만 배정할 수 있습니다.",
                              "The ticket can only be assigned to an agent of its queue.")
        assign(ticket, actor, assignee, now)
    if status is not None:
        target = check_status_change(ticket.status, status, actor.role)
        if target != ticket.status:
            _set_status(ticket, actor, target, now, reason="manual")
            # The other side hears about it: the customer of an agent's change, the
            # assignee of the customer's "solved".
            other = ticket.assignee_id if actor.id == ticket.requester_id else ticket.requester_id
            notify(other, ticket, "status_changed", now, actor, status=target.value)
    return ticket


def assignable_agents(ticket: Ticket) -> list[User]:
    """Active staff who may take this ticket: its queue's agents and admins, and every lead."""
    rows = db.session.scalars(
        select(User).where(User.active.is_(True), User.role.in_(STAFF_ROLES))
        .order_by(User.role, User.name).options(selectinload(User.queues))   # one query, not one per person
    )
    return [u for u in rows if access.can_be_assignee(role=u.role, queue_ids=u.queue_ids,
                                                      queue_id=ticket.queue_id, active=u.active)]


def close_solved_tickets(now: datetime, *, days: int, limit: int = 1000) -> int:
    """Close tickets solved ``days`` ago or longer (closed is final); audited as the system."""
    cutoff = now - timedelta(days=days)
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.status == Status.SOLVED, Ticket.solved_at <= cutoff)
        .order_by(Ticket.solved_at).limit(limit)
    ).all()
    for ticket in tickets:
        record_event(ticket, None, "status", now, old=ticket.status, new=Status.CLOSED,
                     detail={"via": "auto_close"})
        ticket.status = Status.CLOSED
        ticket.closed_at = now
        ticket.updated_at = now
        sla.on_status_change(ticket, Status.SOLVED, Status.CLOSED, now)
    return len(tickets)


def tickets_about_order(actor: User, order: Order) -> list[Ticket]:
    """The inquiries about ``order`` that ``actor`` may see, newest first (the order page's list)."""
    return list(db.session.scalars(
        scoped_tickets(actor).where(Ticket.order_id == order.id).order_by(Ticket.id.desc())))
