"""Bulk actions on the desk: one change applied to many tickets, all or nothing.

Every ticket is loaded with the access rule first; one the actor may not work refuses
the whole action as *not found* (naming nothing). A canned answer is rendered for each
ticket before anything changes, and a ticket without a value for a placeholder that has
no default refuses the whole action (422 naming the tickets). The changes themselves go
through the ordinary services, so audit events, SLA clocks and notifications are the
same as for one ticket at a time. The caller commits or rolls back the one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain import access
from app.domain.errors import DomainError, Forbidden, NotFound, invalid
from app.models import Ticket, User
from app.services.desk import canned
from app.services.desk.workspace import change_tags, parse_tag_names
from app.services.tickets.core import UNSET, load_ticket_for, update_ticket

MAX_TICKETS = 100


@dataclass
class BulkResult:
    numbers: list[str]
    assigned: bool = False
    status: str | None = None
    priority: str | None = None
    tags: list[str] | None = None
    replied: bool = False

    @property
    def count(self) -> int:
        return len(self.numbers)


def _clean_numbers(numbers) -> list[str]:
    out: list[str] = []
    for raw in numbers or []:
        number = (raw or "").strip()
        if number and number not in out:
            out.append(number)
    return out


def _for_ticket(ticket: Ticket, exc: DomainError) -> DomainError:
    """The same refusal, saying which ticket refused it."""
    if exc.status == 404:
        return exc
    return DomainError(exc.code, f"{ticket.number}: {exc.message_ko}", f"{ticket.number}: {exc.message_en}",
                       status=exc.status, fields=exc.fields)


def bulk_update(actor: User, numbers, *, assignee_id: object = UNSET, status: str | None = None,
                priority: str | None = None, add_tags: str | None = None,
                canned_answer_id: int | None = None, now: datetime) -> BulkResult:
    """Apply the given changes to every ticket in ``numbers`` (at most 100), or to none."""
    if not access.is_staff(actor.actor()):
        raise Forbidden("일괄 작업은 상담원만 할 수 있습니다.", "Only agents can use bulk actions.")
    numbers = _clean_numbers(numbers)
    if not numbers:
        raise invalid({"numbers": "invalid"}, "선택한 문의가 없습니다.", "No tickets were selected.")
    if len(numbers) > MAX_TICKETS:
        raise invalid({"numbers": "invalid"}, f"한 번에 {MAX_TICKETS}건까지 처리할 수 있습니다.",
                      f"At most {MAX_TICKETS} tickets can be changed at once.")
    tag_names = parse_tag_names(add_tags)
    if assignee_id is UNSET and not status and not priority and not tag_names and not canned_answer_id:
        raise invalid({"action": "invalid"}, "적용할 변경을 선택해 주세요.", "Please choose a change to apply.")

    # 1. Access: every ticket, before anything changes.
    tickets: list[Ticket] = []
    for number in numbers:
        ticket = load_ticket_for(actor, number)
        if not access.can_work_ticket(actor.actor(), requester_id=ticket.requester_id,
                                      queue_id=ticket.queue_id):
            raise NotFound("ticket")
        tickets.append(ticket)

    # 2. The canned answer, rendered per ticket: usable everywhere and complete, or refused.
    if canned_answer_id:
        unusable: list[str] = []
        missing: dict[str, list[str]] = {}
        for ticket in tickets:
            locale = canned.reply_locale(ticket)
            try:
                shown = canned.preview(actor, ticket, int(canned_answer_id), locale)
            except NotFound as exc:
                if exc.what == "ticket":
                    raise
                if exc.what == "canned_answer" and canned.load_answer(actor, int(canned_answer_id)):
                    unusable.append(ticket.number)
                    continue
                raise
            if shown.missing:
                missing[ticket.number] = shown.missing
        if unusable:
            listed = ", ".join(unusable)
            raise invalid({"canned_answer_id": "invalid"}, f"이 답변을 쓸 수 없는 문의가 있습니다: {listed}",
                          f"The answer cannot be used on these tickets: {listed}",
                          code="canned_not_usable")
        if missing:
            listed_ko = "; ".join(f"{n} ({', '.join(names)})" for n, names in missing.items())
            raise invalid({"canned_answer_id": "invalid"},
                          f"치환 항목의 값이 없는 문의가 있습니다: {listed_ko}. "
                          "기본값을 지정하거나 해당 문의를 빼 주세요.",
                          f"Some tickets have no value for a placeholder: {listed_ko}. "
                          "Give a default or leave those tickets out.",
                          code="placeholder_missing")

    # 3. The changes, ticket by ticket, through the ordinary services.
    for ticket in tickets:
        try:
            if assignee_id is not UNSET or priority:
                update_ticket(actor, ticket, assignee_id=assignee_id, priority=priority or None, now=now)
            if canned_answer_id:
                # Rendered again by ``use`` with this ticket's values (checked complete above).
                canned.use(actor, ticket, int(canned_answer_id), now=now, locale=canned.reply_locale(ticket))
            if status:
                update_ticket(actor, ticket, status=status, now=now)
            if tag_names:
                change_tags(actor, ticket, add=",".join(tag_names), now=now)
        except DomainError as exc:
            raise _for_ticket(ticket, exc) from None
    return BulkResult(numbers=[t.number for t in tickets], assigned=assignee_id is not UNSET,
                      status=status or None, priority=priority or None, tags=tag_names or None,
                      replied=bool(canned_answer_id))
