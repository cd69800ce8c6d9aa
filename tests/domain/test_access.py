"""Who may see and do what (app/domain/access.py), as a matrix of roles × own/other objects."""
from __future__ import annotations

import pytest

from app.domain import access
from app.domain.access import ActorView, ScopeKind, TicketScope

ORDERS_Q = 10   # the queue the tickets below sit in
OTHER_Q = 20
STRANGER = 999  # a requester who is none of the actors

CUSTOMER = ActorView(id=1, role="customer")
SELLER = ActorView(id=2, role="seller")
AGENT_IN = ActorView(id=3, role="agent", queue_ids=frozenset({ORDERS_Q}))
AGENT_OUT = ActorView(id=4, role="agent", queue_ids=frozenset({OTHER_Q}))
AGENT_NO_QUEUE = ActorView(id=5, role="agent")
LEAD = ActorView(id=6, role="lead")
ADMIN = ActorView(id=7, role="admin")
INTEGRATION = ActorView(id=8, role="integration")

ACTORS = {
    "customer": CUSTOMER, "seller": SELLER, "agent_in_queue": AGENT_IN,
    "agent_other_queue": AGENT_OUT, "agent_no_queue": AGENT_NO_QUEUE, "lead": LEAD,
    "admin": ADMIN, "integration": INTEGRATION,
}

# actor → (sees a ticket they filed, sees someone else's ticket in ORDERS_Q)
TICKET_VISIBILITY = {
    "customer": (True, False),
    "seller": (True, False),
    "agent_in_queue": (True, True),
    "agent_other_queue": (False, False),
    "agent_no_queue": (False, False),
    "lead": (True, True),
    "admin": (True, True),
    "integration": (False, False),
}


@pytest.mark.parametrize(("name", "own", "other"),
                         [(k, *v) for k, v in TICKET_VISIBILITY.items()])
def test_ticket_visibility(name, own, other):
    actor = ACTORS[name]
    assert access.can_see_ticket(actor, requester_id=actor.id, queue_id=ORDERS_Q) is own
    assert access.can_see_ticket(actor, requester_id=STRANGER, queue_id=ORDERS_Q) is other


@pytest.mark.parametrize("name", list(ACTORS))
def test_ticket_without_queue_is_seen_by_requester_and_all_ticket_roles_only(name):
    actor = ACTORS[name]
    expected_own = name in ("customer", "seller", "lead", "admin")
    expected_other = name in ("lead", "admin")
    assert access.can_see_ticket(actor, requester_id=actor.id, queue_id=None) is expected_own
    assert access.can_see_ticket(actor, requester_id=STRANGER, queue_id=None) is expected_other


def test_agent_follows_queue_membership_not_requester():
    # An agent of two queues sees both; removing the membership hides the ticket.
    both = ActorView(id=3, role="agent", queue_ids=frozenset({ORDERS_Q, OTHER_Q}))
    assert access.can_see_ticket(both, requester_id=STRANGER, queue_id=OTHER_Q)
    assert not access.can_see_ticket(AGENT_IN, requester_id=STRANGER, queue_id=OTHER_Q)


@pytest.mark.parametrize(("name", "own", "other"), [
    ("customer", False, False),       # requesters reply, they do not work tickets
    ("seller", False, False),
    ("agent_in_queue", True, True),
    ("agent_other_queue", False, False),
    ("lead", True, True),
    ("admin", True, True),
    ("integration", False, False),
])
def test_who_may_work_a_ticket(name, own, other):
    actor = ACTORS[name]
    assert access.can_work_ticket(actor, requester_id=actor.id, queue_id=ORDERS_Q) is own
    assert access.can_work_ticket(actor, requester_id=STRANGER, queue_id=ORDERS_Q) is other


# ---------------------------------------------------------------- messages and internal notes

@pytest.mark.parametrize(("name", "public_own", "internal_own", "public_other", "internal_other"), [
    ("customer", True, False, False, False),
    ("seller", True, False, False, False),
    ("agent_in_queue", True, True, True, True),
    ("agent_other_queue", False, False, False, False),
    ("lead", True, True, True, True),
    ("admin", True, True, True, True),
    ("integration", False, False, False, False),
])
def test_message_visibility(name, public_own, internal_own, public_other, internal_other):
    actor = ACTORS[name]

    def sees(requester_id, internal):
        return access.can_see_message(actor, requester_id=requester_id, queue_id=ORDERS_Q,
                                      internal=internal)

    assert sees(actor.id, False) is public_own
    assert sees(actor.id, True) is internal_own
    assert sees(STRANGER, False) is public_other
    assert sees(STRANGER, True) is internal_other


@pytest.mark.parametrize(("name", "expected"), [
    ("customer", False), ("seller", False), ("agent_in_queue", True), ("agent_other_queue", True),
    ("lead", True), ("admin", True), ("integration", False),
])
def test_internal_notes_are_for_staff_only(name, expected):
    assert access.can_see_internal(ACTORS[name]) is expected


# ---------------------------------------------------------------- orders

@pytest.mark.parametrize(("name", "own", "other", "unlinked"), [
    ("customer", True, False, False),
    ("seller", False, False, False),     # a seller's account is not the buyer of an order
    ("agent_in_queue", True, True, True),
    ("agent_other_queue", True, True, True),
    ("agent_no_queue", True, True, True),
    ("lead", True, True, True),
    ("admin", True, True, True),
    ("integration", False, False, False),
])
def test_order_visibility(name, own, other, unlinked):
    actor = ACTORS[name]
    assert access.can_see_order(actor, customer_id=actor.id) is own
    assert access.can_see_order(actor, customer_id=STRANGER) is other
    # An order the shop pushed for an email with no desk account yet.
    assert access.can_see_order(actor, customer_id=None) is unlinked


# ---------------------------------------------------------------- assignees

@pytest.mark.parametrize(("role", "queue_ids", "queue_id", "expected"), [
    ("agent", frozenset({ORDERS_Q}), ORDERS_Q, True),
    ("agent", frozenset({ORDERS_Q, OTHER_Q}), OTHER_Q, True),
    ("agent", frozenset({OTHER_Q}), ORDERS_Q, False),
    ("agent", frozenset(), ORDERS_Q, False),
    ("agent", frozenset({ORDERS_Q}), None, False),
    ("lead", frozenset(), ORDERS_Q, True),
    ("lead", frozenset(), None, True),
    # Admins see every ticket but are offered only those of queues they work.
    ("admin", frozenset(), ORDERS_Q, False),
    ("admin", frozenset({OTHER_Q}), ORDERS_Q, False),
    ("admin", frozenset({ORDERS_Q}), ORDERS_Q, True),
    ("customer", frozenset({ORDERS_Q}), ORDERS_Q, False),
    ("seller", frozenset({ORDERS_Q}), ORDERS_Q, False),
    ("integration", frozenset({ORDERS_Q}), ORDERS_Q, False),
])
def test_can_be_assignee(role, queue_ids, queue_id, expected):
    assert access.can_be_assignee(role=role, queue_ids=queue_ids, queue_id=queue_id, active=True) is expected


@pytest.mark.parametrize("role", ["agent", "lead", "admin"])
def test_a_deactivated_account_is_never_an_assignee(role):
    assert not access.can_be_assignee(role=role, queue_ids=frozenset({ORDERS_Q}), queue_id=ORDERS_Q,
                                      active=False)


@pytest.mark.parametrize(("name", "expected"), [
    ("agent_in_queue", TicketScope(ScopeKind.QUEUES, queue_ids=frozenset({ORDERS_Q}))),
    ("lead", TicketScope(ScopeKind.ALL)),
    ("admin", TicketScope(ScopeKind.QUEUES, queue_ids=frozenset())),
    ("customer", TicketScope(ScopeKind.NONE)),
    ("integration", TicketScope(ScopeKind.NONE)),
])
def test_take_next_takes_only_where_one_may_be_assignee(name, expected):
    assert access.self_assign_scope(ACTORS[name]) == expected


# ---------------------------------------------------------------- accounts

@pytest.mark.parametrize(("role", "active", "expected"), [
    ("customer", True, True), ("agent", True, True), ("admin", True, True),
    ("agent", False, False), ("customer", False, False), ("integration", True, False),
])
def test_who_signs_in_and_may_reset_a_password(role, active, expected):
    assert access.can_sign_in(role=role, active=active) is expected
    assert access.can_reset_password(role=role, active=active) is expected


def test_only_admins_manage_staff():
    assert [n for n, a in ACTORS.items() if access.can_manage_staff(a)] == ["admin"]
    assert [r for r in ("customer", "seller", "agent", "lead", "admin", "integration")
            if access.is_managed_role(r)] == ["seller", "agent", "lead", "admin"]
    assert not access.can_belong_to_queues("seller") and access.can_belong_to_queues("agent")


def _change(**overrides):
    values = dict(actor_id=1, target_id=2, target_role="agent", target_active=True, new_role="agent",
                  new_active=False, other_active_admins=0)
    access.check_staff_change(**{**values, **overrides})


def test_staff_changes_that_would_lock_the_desk_out_are_refused():
    from app.domain.errors import DomainError

    _change()  # deactivating an agent is fine, admins or not
    _change(target_role="admin", other_active_admins=1)  # another admin remains
    _change(actor_id=2, target_role="admin", new_role="admin", new_active=True)  # saving oneself unchanged
    refusals = {
        "cannot_deactivate_self": dict(actor_id=2, other_active_admins=3),
        "cannot_demote_self": dict(actor_id=2, target_role="admin", new_role="lead", new_active=True,
                                   other_active_admins=3),
        "last_admin": dict(target_role="admin"),
    }
    for code, overrides in refusals.items():
        with pytest.raises(DomainError) as caught:
            _change(**overrides)
        assert caught.value.code == code
    with pytest.raises(DomainError) as caught:
        _change(target_role="admin", new_role="agent", new_active=True)
    assert caught.value.code == "last_admin" and caught.value.fields == {"role": "last_admin"}


# ---------------------------------------------------------------- scope as a query filter

@pytest.mark.parametrize(("name", "expected"), [
    ("customer", TicketScope(ScopeKind.OWN, user_id=1)),
    ("seller", TicketScope(ScopeKind.OWN, user_id=2)),
    ("agent_in_queue", TicketScope(ScopeKind.QUEUES, queue_ids=frozenset({ORDERS_Q}))),
    ("agent_no_queue", TicketScope(ScopeKind.QUEUES, queue_ids=frozenset())),
    ("lead", TicketScope(ScopeKind.ALL)),
    ("admin", TicketScope(ScopeKind.ALL)),
    ("integration", TicketScope(ScopeKind.NONE)),
])
def test_ticket_scope(name, expected):
    assert access.ticket_scope(ACTORS[name]) == expected


@pytest.mark.parametrize("name", list(ACTORS))
@pytest.mark.parametrize("requester_id", [1, 2, 3, STRANGER])
@pytest.mark.parametrize("queue_id", [ORDERS_Q, OTHER_Q, None])
def test_scope_and_can_see_ticket_agree(name, requester_id, queue_id):
    """The list filter and the single-ticket check are one rule: they never disagree."""
    actor = ACTORS[name]
    scope = access.ticket_scope(actor)
    in_scope = {
        ScopeKind.ALL: True,
        ScopeKind.QUEUES: queue_id in scope.queue_ids,
        ScopeKind.OWN: requester_id == scope.user_id,
        ScopeKind.NONE: False,
    }[scope.kind]
    assert access.can_see_ticket(actor, requester_id=requester_id, queue_id=queue_id) is in_scope


# ---------------------------------------------------------------- other roles' rights

@pytest.mark.parametrize(("name", "files", "administers", "staff"), [
    ("customer", True, False, False),
    ("seller", True, False, False),
    ("agent_in_queue", False, False, True),
    ("lead", False, False, True),
    ("admin", False, True, True),
    ("integration", False, False, False),
])
def test_filing_administering_and_staff(name, files, administers, staff):
    actor = ACTORS[name]
    assert access.can_file_ticket(actor) is files
    assert access.can_administer(actor) is administers
    assert access.is_staff(actor) is staff
    assert access.is_requester(actor) is files


# actor → (sees the refund of a ticket they filed, of someone else's ticket in ORDERS_Q,
#          records payment of someone else's ticket in ORDERS_Q)
REFUND_RULES = {
    "customer": (True, False, False),
    "seller": (True, False, False),
    "agent_in_queue": (True, True, True),
    "agent_other_queue": (False, False, False),
    "agent_no_queue": (False, False, False),
    "lead": (True, True, True),
    "admin": (True, True, True),
    "integration": (True, True, True),
}


@pytest.mark.parametrize("name", sorted(REFUND_RULES))
def test_who_sees_refunds_and_records_their_payment(name):
    actor = ACTORS[name]
    own, others, records = REFUND_RULES[name]
    assert access.can_see_refund(actor, requester_id=actor.id, queue_id=ORDERS_Q) is own
    assert access.can_see_refund(actor, requester_id=STRANGER, queue_id=ORDERS_Q) is others
    assert access.can_record_refund_payment(actor, requester_id=STRANGER, queue_id=ORDERS_Q) is records
    # A customer never records a payment, not even of their own refund.
    if name in ("customer", "seller"):
        assert not access.can_record_refund_payment(actor, requester_id=actor.id, queue_id=ORDERS_Q)


# ---------------------------------------------------------------- orders: owning, scope, the shop

@pytest.mark.parametrize(("name", "has", "owns_own", "scope"), [
    ("customer", True, True, ScopeKind.OWN),
    ("seller", False, False, ScopeKind.NONE),
    ("agent_in_queue", False, False, ScopeKind.ALL),
    ("lead", False, False, ScopeKind.ALL),
    ("admin", False, False, ScopeKind.ALL),
    ("integration", False, False, ScopeKind.NONE),
])
def test_who_owns_orders_and_which_orders_a_query_shows(name, has, owns_own, scope):
    actor = ACTORS[name]
    assert access.has_orders(actor) is has
    # Staff see every order but own none: they neither claim one nor name it in an inquiry.
    assert access.owns_order(actor, customer_id=actor.id) is owns_own
    assert not access.owns_order(actor, customer_id=STRANGER)
    assert not access.owns_order(actor, customer_id=None)
    assert access.order_scope(actor) == scope


@pytest.mark.parametrize("name", list(ACTORS))
@pytest.mark.parametrize("customer_id", [1, 3, STRANGER, None])
def test_order_scope_and_can_see_order_agree(name, customer_id):
    """The orders list filter and the single-order check are one rule, and only ORDER_READERS pass."""
    actor = ACTORS[name]
    in_scope = {ScopeKind.ALL: True, ScopeKind.OWN: customer_id == actor.id,
                ScopeKind.NONE: False}[access.order_scope(actor)]
    assert access.can_see_order(actor, customer_id=customer_id) is in_scope
    if in_scope:
        assert actor.role in access.ORDER_READERS


@pytest.mark.parametrize(("name", "pushes", "payment_details"), [
    ("customer", False, False), ("seller", False, False), ("agent_in_queue", False, True),
    ("lead", False, True), ("admin", True, True), ("integration", True, True),
])
def test_the_shop_pushes_orders_and_sees_payment_details(name, pushes, payment_details):
    actor = ACTORS[name]
    assert access.can_push_orders(actor) is pushes
    assert access.can_see_payment_details(actor) is payment_details


@pytest.mark.parametrize(("name", "seller_center", "other"), [
    ("customer", False, True), ("seller", True, False), ("agent_in_queue", True, True),
    ("lead", True, True), ("admin", True, True), ("integration", True, True),
])
def test_which_categories_one_files_under(name, seller_center, other):
    actor = ACTORS[name]
    assert access.can_see_category(actor, for_sellers=True) is seller_center
    assert access.can_see_category(actor, for_sellers=False) is other


# ---------------------------------------------------------------- claims: who approves a refund

@pytest.mark.parametrize(("name", "decides", "second"), [
    ("customer", False, False),
    ("seller", False, False),
    ("agent_in_queue", True, False),       # decides, and gives a first approval, never the second
    ("agent_other_queue", False, False),
    ("lead", True, True),
    ("admin", True, True),
    ("integration", False, False),
])
def test_who_decides_a_claim_and_gives_the_second_approval(name, decides, second):
    actor = ACTORS[name]
    assert access.can_decide_claim(actor, requester_id=STRANGER, queue_id=ORDERS_Q) is decides
    assert access.can_second_approve(actor, first_approver_id=AGENT_IN.id) is second
    # The first approver never gives the second approval too.
    assert not access.can_second_approve(actor, first_approver_id=actor.id)
    assert (actor.role in access.CLAIM_DECIDERS) is access.is_staff(actor)


@pytest.mark.parametrize(("name", "supervises"), [
    ("customer", False), ("seller", False), ("agent_in_queue", False), ("lead", True), ("admin", True),
    ("integration", False),
])
def test_leads_and_admins_chase_overdue_refunds_and_manage_shared_canned_answers(name, supervises):
    actor = ACTORS[name]
    assert access.can_see_overdue_refunds(actor) is supervises
    assert access.can_manage_shared_canned(actor) is supervises
    assert access.can_manage_canned(actor, owner_id=None) is supervises
    # A personal answer is its owner's alone.
    assert access.can_manage_canned(actor, owner_id=actor.id)
    assert not access.can_manage_canned(actor, owner_id=STRANGER)


def test_the_api_role_groups_are_the_ones_the_rules_use():
    from app.domain.vocabulary import HUMAN_ROLES, Role

    assert HUMAN_ROLES == frozenset(Role) - {Role.INTEGRATION}
    assert set(access.REFUND_READERS) == set(Role) and access.REFUND_READERS[0] == Role.INTEGRATION
    pushers = {r for r in Role if access.can_push_orders(ActorView(id=1, role=r))}
    assert pushers == set(access.SHOP_ROLES) == {Role.ADMIN, Role.INTEGRATION}
