"""Filing an inquiry with the cancellation/refund request it may carry.

The ticket service files inquiries and knows nothing of claims. The claim side checks the
request after the inquiry's own fields and before anything is written, then opens it on
the new ticket: claims call tickets, never the other way round.
"""
from __future__ import annotations

from datetime import datetime

from app.domain.errors import invalid
from app.models import Ticket, User
from app.services.attachments import IncomingFile
from app.services.claims.refunds import ClaimInput, check_claim, open_request
from app.services.tickets import core as tickets


def create_ticket(actor: User, *, category_code: str, subject: str, body: str,
                  order_number: str | None, files: list[IncomingFile], now: datetime,
                  submission_key: str | None = None, claim: ClaimInput | None = None) -> Ticket:
    """File a 1:1 inquiry (``tickets.create_ticket``), with ``claim`` a cancellation or refund request.

    A claim needs an order and must fit the inquiry type and the order; one the policy refuses
    is never filed (``ClaimIneligible``, with the decision). Nothing is written until all of
    that has been checked.
    """
    if claim is None:
        return tickets.create_ticket(actor, category_code=category_code, subject=subject, body=body,
                                     order_number=order_number, files=files, now=now,
                                     submission_key=submission_key)
    new = tickets.check_new_ticket(actor, category_code=category_code, subject=subject, body=body,
                                   order_number=order_number, files=files)
    order = new.order
    if order is None:
        raise invalid({"order_number": "required"}, "취소/환불 신청에는 주문이 필요합니다.",
                      "A cancellation or refund request needs an order.")
    check_claim(new.category.ticket_type, order, claim, now)
    return tickets.file_ticket(actor, new, now=now, submission_key=submission_key,
                               attach=lambda ticket: open_request(ticket, order, claim, now))
