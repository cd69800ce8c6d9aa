"""Collision detection: which other agents have a ticket open, and who is typing a reply.

The ticket page pings every few seconds (``touch``); a row older than ``FRESH`` is
someone who left without saying so and is not shown. Only staff take part, under
the same access rule as the ticket page (another queue's ticket is *not found*).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.domain import access
from app.domain.errors import Forbidden, NotFound
from app.domain.vocabulary import STAFF_ROLES
from app.extensions import db
from app.models import Message, Ticket, TicketPresence, User

FRESH = timedelta(seconds=20)


def _check(actor: User, ticket: Ticket) -> None:
    me = actor.actor()
    if not access.is_staff(me):
        raise Forbidden()
    if not access.can_see_ticket(me, requester_id=ticket.requester_id, queue_id=ticket.queue_id):
        raise NotFound("ticket")


def _mine(actor: User, ticket: Ticket):
    return (TicketPresence.ticket_id == ticket.id) & (TicketPresence.user_id == actor.id)


def touch(actor: User, ticket: Ticket, typing: bool, now: datetime) -> None:
    """Record that ``actor`` has the ticket open now (and whether they are typing a reply).

    A portable upsert: update the row, insert it when there is none, and when a
    concurrent request inserted it first, update that one.
    """
    _check(actor, ticket)
    values = {"typing": bool(typing), "seen_at": now}
    stmt = update(TicketPresence).where(_mine(actor, ticket)).values(**values)
    if db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(TicketPresence).values(ticket_id=ticket.id, user_id=actor.id, **values))
    except IntegrityError:
        db.session.execute(stmt.execution_options(synchronize_session=False))


def others(actor: User, ticket: Ticket, now: datetime, fresh: timedelta = FRESH) -> list[dict]:
    """Other staff seen on this ticket within ``fresh``: [{"name", "typing"}], typing first."""
    _check(actor, ticket)
    rows = db.session.execute(
        select(User.name, TicketPresence.typing)
        .join(User, User.id == TicketPresence.user_id)
        .where(TicketPresence.ticket_id == ticket.id, TicketPresence.user_id != actor.id,
               TicketPresence.seen_at >= now - fresh, User.role.in_(STAFF_ROLES), User.active.is_(True))
        .order_by(TicketPresence.typing.desc(), User.name, User.id))
    return [{"name": name, "typing": bool(typing)} for name, typing in rows]


def leave(actor: User, ticket: Ticket) -> None:
    """``actor`` closed the ticket page."""
    _check(actor, ticket)
    db.session.execute(delete(TicketPresence).where(_mine(actor, ticket))
                       .execution_options(synchronize_session=False))


def latest_message_id(ticket: Ticket) -> int:
    """The id of the newest message on the ticket, public reply or internal note (0 when none)."""
    return db.session.scalar(select(func.max(Message.id)).where(Message.ticket_id == ticket.id)) or 0


def messages_since(actor: User, ticket: Ticket, seen_message_id: int) -> list[Message]:
    """Messages someone other than ``actor`` added after ``seen_message_id`` (staff see notes too)."""
    _check(actor, ticket)
    return list(db.session.scalars(
        select(Message).where(Message.ticket_id == ticket.id, Message.id > seen_message_id,
                              Message.author_id != actor.id).order_by(Message.id)))
