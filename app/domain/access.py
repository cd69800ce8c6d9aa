"""Who may see and do what. The one place access is decided.

Pages, API, downloads and (later) search all ask these functions, or turn
``ticket_scope`` into a query filter, so a rule cannot differ between routes.
Customers and sellers see only what they filed; agents see tickets of the
queues they belong to; leads and admins see every ticket. Internal notes are
for staff only. Someone else's object is reported as *not found*, never as
forbidden, so its existence does not leak.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from app.domain.roles import ALL_TICKETS_ROLES, REQUESTER_ROLES, STAFF_ROLES, Role


class Actor(Protocol):
    id: int
    role: str
    queue_ids: frozenset[int]


@dataclass(frozen=True)
class ActorView:
    """The facts access needs about the current user."""

    id: int
    role: str
    queue_ids: frozenset[int] = frozenset()


class ScopeKind(StrEnum):
    ALL = "all"
    QUEUES = "queues"
    OWN = "own"
    NONE = "none"


@dataclass(frozen=True)
class TicketScope:
    """Which tickets an actor may see, in a form a query can apply."""

    kind: ScopeKind
    user_id: int | None = None
    queue_ids: frozenset[int] = frozenset()


def is_staff(actor: Actor) -> bool:
    """Agents, leads and admins."""
    return actor.role in STAFF_ROLES


def is_requester(actor: Actor) -> bool:
    """Customers and sellers: people who file inquiries."""
    return actor.role in REQUESTER_ROLES


def ticket_scope(actor: Actor) -> TicketScope:
    """The set of tickets ``actor`` may see."""
    if actor.role in ALL_TICKETS_ROLES:
        return TicketScope(ScopeKind.ALL)
    if actor.role == Role.AGENT:
        return TicketScope(ScopeKind.QUEUES, queue_ids=frozenset(actor.queue_ids))
    if actor.role in REQUESTER_ROLES:
        return TicketScope(ScopeKind.OWN, user_id=actor.id)
    return TicketScope(ScopeKind.NONE)


def can_see_ticket(actor: Actor, *, requester_id: int, queue_id: int | None) -> bool:
    """True when the ticket is in the actor's scope."""
    scope = ticket_scope(actor)
    if scope.kind == ScopeKind.ALL:
        return True
    if scope.kind == ScopeKind.QUEUES:
        return queue_id is not None and queue_id in scope.queue_ids
    if scope.kind == ScopeKind.OWN:
        return requester_id == actor.id
    return False


def can_work_ticket(actor: Actor, *, requester_id: int, queue_id: int | None) -> bool:
    """Staff who see the ticket may note, assign, and change status and priority."""
    return is_staff(actor) and can_see_ticket(actor, requester_id=requester_id, queue_id=queue_id)


def can_see_internal(actor: Actor) -> bool:
    """Internal notes are shown to staff only, everywhere."""
    return is_staff(actor)


def can_see_message(actor: Actor, *, requester_id: int, queue_id: int | None,
                    internal: bool) -> bool:
    """A message is visible when its ticket is, and, if internal, only to staff."""
    if internal and not can_see_internal(actor):
        return False
    return can_see_ticket(actor, requester_id=requester_id, queue_id=queue_id)


def can_file_ticket(actor: Actor) -> bool:
    """Only customers and sellers file inquiries."""
    return is_requester(actor)


def can_see_order(actor: Actor, *, customer_id: int | None) -> bool:
    """Customers see their own orders; staff see every order (they look orders up)."""
    if is_staff(actor):
        return True
    return actor.role == Role.CUSTOMER and customer_id == actor.id


def can_be_assignee(*, role: str, queue_ids: frozenset[int], queue_id: int | None) -> bool:
    """An assignee is staff; an agent must belong to the ticket's queue."""
    if role in ALL_TICKETS_ROLES:
        return True
    return role == Role.AGENT and queue_id is not None and queue_id in queue_ids


def can_administer(actor: Actor) -> bool:
    """Users, categories, queues and settings are for admins only."""
    return actor.role == Role.ADMIN


def can_see_refund(actor: Actor, *, requester_id: int, queue_id: int | None) -> bool:
    """A refund is seen by the shop (integration), and by whoever sees its ticket: agents of
    the ticket's queue, leads, admins, and the customer who filed it."""
    if actor.role == Role.INTEGRATION:
        return True
    return can_see_ticket(actor, requester_id=requester_id, queue_id=queue_id)


def can_record_refund_payment(actor: Actor, *, requester_id: int, queue_id: int | None) -> bool:
    """The shop confirms it paid (integration); by hand, agents of the ticket's queue, leads
    and admins record it. Customers never do."""
    if actor.role == Role.INTEGRATION:
        return True
    return can_work_ticket(actor, requester_id=requester_id, queue_id=queue_id)
