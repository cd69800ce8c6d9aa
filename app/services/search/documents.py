"""What the index holds about a ticket, read from the database (the source of truth).

A ``TicketDocument`` is backend-neutral: plain strings and sets, split by who may
search them. Customers' queries only ever touch the public fields; internal notes,
the customer's name and email are fields only staff queries name.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.domain import search_text
from app.extensions import db
from app.models import Message, Ticket


@dataclass
class TicketDocument:
    """The searchable text and the filter facts of one ticket."""

    id: int
    number: str
    subject: str
    body: str            # the first message and every public reply
    files: str           # names of files attached to public messages
    notes: str           # internal notes and the names of their files (staff only)
    customer: str        # the requester's name and email (staff only)
    email: str
    numbers: set[str] = field(default_factory=set)       # ticket number: digits and its tails
    orders: set[str] = field(default_factory=set)        # order number: digits and its tails
    codes: set[str] = field(default_factory=set)         # SKUs, phones, emails in public text
    codes_internal: set[str] = field(default_factory=set)
    status: str = ""
    category: str = ""
    type: str = ""
    queue_id: int = 0
    assignee_id: int | None = None
    priority: str = ""
    requester_id: int = 0
    tags: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    sla_due_at: datetime | None = None


def document_for(ticket: Ticket) -> TicketDocument:
    """Build the document of a loaded ticket (its messages, attachments, tags and order)."""
    public: list[Message] = [m for m in ticket.messages if not m.internal]
    internal: list[Message] = [m for m in ticket.messages if m.internal]
    body = "\n".join(m.body for m in public)
    files = " ".join(a.filename for m in public for a in m.attachments)
    notes = "\n".join([m.body for m in internal] + [a.filename for m in internal for a in m.attachments])
    requester = ticket.requester
    email = (requester.email or "").lower() if requester else ""
    customer = f"{requester.name} {email.split('@')[0]}" if requester else ""
    numbers = search_text.digit_tails(ticket.number) | {ticket.number.lower()}
    orders: set[str] = set()
    if ticket.order is not None:
        orders = search_text.digit_tails(ticket.order.number) | {ticket.order.number.lower()}
    return TicketDocument(
        id=ticket.id, number=ticket.number, subject=ticket.subject, body=body, files=files,
        notes=notes, customer=customer, email=email, numbers=numbers, orders=orders,
        codes=search_text.codes(" ".join([ticket.subject, body, files])),
        codes_internal=search_text.codes(notes),
        status=ticket.status, category=ticket.category.code if ticket.category else "",
        type=ticket.type, queue_id=ticket.queue_id, assignee_id=ticket.assignee_id,
        priority=ticket.priority, requester_id=ticket.requester_id,
        tags=[t.name for t in ticket.tags], created_at=ticket.created_at,
        updated_at=ticket.updated_at, sla_due_at=ticket.sla_due_at,
    )


def load_documents(ticket_ids: Iterable[int]) -> tuple[list[TicketDocument], set[int]]:
    """Documents of the tickets that exist, and the ids that no longer exist (to delete)."""
    wanted = sorted(set(ticket_ids))
    docs: list[TicketDocument] = []
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        rows = db.session.scalars(
            select(Ticket).where(Ticket.id.in_(chunk))
            .options(selectinload(Ticket.messages).selectinload(Message.attachments),
                     selectinload(Ticket.tags), selectinload(Ticket.order))
        ).all()
        docs.extend(document_for(t) for t in rows)
    found = {d.id for d in docs}
    return docs, set(wanted) - found


def all_ticket_ids() -> list[int]:
    """Every ticket id, ascending (for rebuilds and drift checks)."""
    return list(db.session.scalars(select(Ticket.id).order_by(Ticket.id)))


def ticket_versions() -> dict[int, datetime]:
    """Each ticket's last activity time, for the drift check."""
    return {row[0]: row[1] for row in db.session.execute(select(Ticket.id, Ticket.updated_at))}
