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

from app.domain.errors import DomainError
from app.domain.vocabulary import ALL_TICKETS_ROLES, MANAGED_ROLES, REQUESTER_ROLES, STAFF_ROLES, Role

# The roles the API's decorators and its OpenAPI document name, each group named once here.
# Customers read their own orders, staff every order.
ORDER_READERS = frozenset({Role.CUSTOMER, *STAFF_ROLES})
# The shop's own calls (pushing an order, confirming it paid a refund): its integration, or an admin.
# A tuple, as the document lists them: the shop first.
SHOP_ROLES = (Role.INTEGRATION, Role.ADMIN)
# A refund is read by the shop and by whoever sees its ticket (``can_see_refund`` decides which).
REFUND_READERS = (Role.INTEGRATION, Role.CUSTOMER, Role.SELLER, Role.AGENT, Role.LEAD, Role.ADMIN)
# Approving or denying a cancellation/refund: staff (``can_decide_claim`` adds: who work its ticket).
CLAIM_DECIDERS = STAFF_ROLES
# Leads and admins watch the desk as a whole: second approvals, overdue refunds, shared canned answers.
SUPERVISOR_ROLES = frozenset({Role.LEAD, Role.ADMIN})


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


def can_see_category(actor: Actor, *, for_sellers: bool) -> bool:
    """Sellers file under the seller-center categories, customers under the others; anyone else sees all."""
    if actor.role == Role.SELLER:
        return for_sellers
    if actor.role == Role.CUSTOMER:
        return not for_sellers
    return True


# ---------------------------------------------------------------- orders

def has_orders(actor: Actor) -> bool:
    """Customers buy: they have orders of their own to list, claim and name in an inquiry."""
    return actor.role == Role.CUSTOMER


def owns_order(actor: Actor, *, customer_id: int | None) -> bool:
    """The order is the actor's own: what a claim or an inquiry may be about (staff see orders, own none)."""
    return has_orders(actor) and customer_id == actor.id


def order_scope(actor: Actor) -> ScopeKind:
    """Which orders ``actor`` may see, in a form a query can apply: all (staff), own (customers) or none."""
    if is_staff(actor):
        return ScopeKind.ALL
    if has_orders(actor):
        return ScopeKind.OWN
    return ScopeKind.NONE


def can_see_order(actor: Actor, *, customer_id: int | None) -> bool:
    """Customers see their own orders; staff see every order (they look orders up)."""
    if order_scope(actor) == ScopeKind.ALL:
        return True
    return owns_order(actor, customer_id=customer_id)


def can_push_orders(actor: Actor) -> bool:
    """The shop pushes its orders' snapshots (its integration, or an admin standing in)."""
    return actor.role in SHOP_ROLES


def can_be_assignee(*, role: str, queue_ids: frozenset[int], queue_id: int | None, active: bool) -> bool:
    """An assignee is active staff: leads anywhere; agents and admins only in queues they belong to.

    Admins see every ticket, but an admin who does not work a queue is not offered
    (nor auto-given) its tickets; a deactivated account is never an assignee.
    """
    if not active:
        return False
    if role == Role.LEAD:
        return True
    return role in (Role.AGENT, Role.ADMIN) and queue_id is not None and queue_id in queue_ids


def self_assign_scope(actor: Actor) -> TicketScope:
    """The tickets ``actor`` may take for themself ("take next"): where they can be the assignee."""
    if actor.role == Role.LEAD:
        return TicketScope(ScopeKind.ALL)
    if actor.role in (Role.AGENT, Role.ADMIN):
        return TicketScope(ScopeKind.QUEUES, queue_ids=frozenset(actor.queue_ids))
    return TicketScope(ScopeKind.NONE)


def can_administer(actor: Actor) -> bool:
    """Users, categories, queues and settings are for admins only."""
    return actor.role == Role.ADMIN


def can_manage_shared_canned(actor: Actor) -> bool:
    """Shared canned answers (자주 쓰는 답변) are written and changed by leads and admins."""
    return actor.role in SUPERVISOR_ROLES


def can_manage_canned(actor: Actor, *, owner_id: int | None) -> bool:
    """A shared answer (no owner) by leads and admins; a personal one by its owner only."""
    if owner_id is None:
        return can_manage_shared_canned(actor)
    return owner_id == actor.id


# ---------------------------------------------------------------- accounts

def can_sign_in(*, role: str, active: bool) -> bool:
    """People with an active account sign in; integrations only ever use their token."""
    return active and role != Role.INTEGRATION


def can_reset_password(*, role: str, active: bool) -> bool:
    """A reset email goes only to an account that could sign in with the new password."""
    return can_sign_in(role=role, active=active)


def can_manage_staff(actor: Actor) -> bool:
    """Adding, editing, deactivating staff and sending them a reset link: admins only."""
    return actor.role == Role.ADMIN


def is_managed_role(role: str) -> bool:
    """The roles the staff page shows and may give (agent, lead, admin, seller)."""
    return role in MANAGED_ROLES


def can_belong_to_queues(role: str) -> bool:
    """Only staff work queues; a seller files inquiries instead."""
    return role in STAFF_ROLES


def check_staff_change(*, actor_id: int, target_id: int, target_role: str, target_active: bool,
                       new_role: str, new_active: bool, other_active_admins: int) -> None:
    """Refuse a change that would lock the desk out of its own administration.

    An admin may not deactivate themself or give up their own admin role (they would
    lose the page mid-way), and the last active admin may not be deactivated or demoted.
    """
    if actor_id == target_id and not new_active:
        raise DomainError("cannot_deactivate_self", "자기 계정은 비활성화할 수 없습니다.",
                          "You cannot deactivate your own account.", status=409, fields={"active": "self"})
    if actor_id == target_id and target_role == Role.ADMIN and new_role != Role.ADMIN:
        raise DomainError("cannot_demote_self",
                          "자기 계정의 관리자 역할은 바꿀 수 없습니다. 다른 관리자에게 요청해 주세요.",
                          "You cannot take the admin role from your own account; ask another admin.",
                          status=409, fields={"role": "self"})
    losing_admin = target_role == Role.ADMIN and target_active and (new_role != Role.ADMIN or not new_active)
    if losing_admin and other_active_admins < 1:
        raise DomainError("last_admin", "활성 관리자가 한 명은 있어야 합니다. 다른 관리자를 먼저 지정해 주세요.",
                          "There must be at least one active admin; make someone else an admin first.",
                          status=409, fields={"role" if new_active else "active": "last_admin"})


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


def can_see_payment_details(actor: Actor) -> bool:
    """Who recorded a refund's payment, and the payment note: staff and the shop, not the customer."""
    return is_staff(actor) or actor.role == Role.INTEGRATION


def can_see_overdue_refunds(actor: Actor) -> bool:
    """환불 지연 (approved refunds not paid by their due day): leads and admins, who chase them."""
    return actor.role in SUPERVISOR_ROLES


def can_see_reports(actor: Actor) -> bool:
    """The SLA reports (every queue, every agent): leads and admins."""
    return actor.role in SUPERVISOR_ROLES


def can_see_rating(actor: Actor, *, assignee_id: int | None) -> bool:
    """A customer's satisfaction rating: the agent it is about, and leads and admins."""
    return can_see_reports(actor) or (is_staff(actor) and assignee_id is not None and actor.id == assignee_id)


def can_choose_sla_digest(actor: Actor) -> bool:
    """Leads hear of SLA warnings and breaches in their queues, and may take them as one daily summary."""
    return actor.role == Role.LEAD


def lands_on_reports(actor: Actor) -> bool:
    """A lead's first page after signing in is the report overview (admins land on the desk)."""
    return actor.role == Role.LEAD


# ---------------------------------------------------------------- claims: who approves a refund

def can_decide_claim(actor: Actor, *, requester_id: int, queue_id: int | None) -> bool:
    """Approving or denying a cancellation/refund (a first approval too): staff who work its ticket."""
    return actor.role in CLAIM_DECIDERS and can_work_ticket(actor, requester_id=requester_id, queue_id=queue_id)


def can_second_approve(actor: Actor, *, first_approver_id: int | None) -> bool:
    """The second approval a refund at the four-eyes threshold needs: a lead or an admin, never the
    first approver. (They must also be able to decide the claim: ``can_decide_claim``.)"""
    return actor.role in SUPERVISOR_ROLES and actor.id != first_approver_id
