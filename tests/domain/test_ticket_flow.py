"""Ticket statuses and the moves between them (app/domain/ticket_flow.py), without an app."""
from __future__ import annotations

import pytest

from app.domain.errors import Conflict, DomainError, Forbidden
from app.domain.sla import Metric
from app.domain.ticket_flow import (
    ClockMove,
    Status,
    check_status_change,
    clock_moves,
    is_reopen,
    status_after_message,
)

STAFF = ("agent", "lead", "admin")
REQUESTERS = ("customer", "seller")
NOT_CLOSED = [s for s in Status if s != Status.CLOSED]
AGENT_TARGETS = (Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED)


# ---------------------------------------------------------------- manual status changes

@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("current", NOT_CLOSED)
@pytest.mark.parametrize("target", AGENT_TARGETS)
def test_staff_may_set_every_working_status_from_every_open_status(role, current, target):
    assert check_status_change(current.value, target.value, role) is target


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("current", NOT_CLOSED)
@pytest.mark.parametrize("target", [Status.NEW, Status.CLOSED])
def test_new_and_closed_cannot_be_set_by_hand(role, current, target):
    # `new` is only the first status; `closed` is reached by the auto-close job.
    with pytest.raises(DomainError) as caught:
        check_status_change(current.value, target.value, role)
    assert caught.value.status == 422
    assert caught.value.code == "invalid_status"
    assert caught.value.fields == {"status": "not_settable"}


@pytest.mark.parametrize("role", STAFF + REQUESTERS)
@pytest.mark.parametrize("target", list(Status))
def test_closed_is_final_for_everyone(role, target):
    with pytest.raises(Conflict) as caught:
        check_status_change("closed", target.value, role)
    assert caught.value.status == 409
    assert caught.value.code == "ticket_closed"
    assert "새 문의" in caught.value.message_ko
    assert "new inquiry" in caught.value.message_en


@pytest.mark.parametrize("role", REQUESTERS)
@pytest.mark.parametrize("current", NOT_CLOSED)
def test_requester_may_mark_their_inquiry_solved(role, current):
    assert check_status_change(current.value, "solved", role) is Status.SOLVED


@pytest.mark.parametrize("role", REQUESTERS)
@pytest.mark.parametrize("target", [s for s in Status if s not in (Status.SOLVED, Status.CLOSED)])
def test_requester_may_set_nothing_but_solved(role, target):
    with pytest.raises(Forbidden) as caught:
        check_status_change("open", target.value, role)
    assert caught.value.status == 403
    assert "해결됨" in caught.value.message_ko


@pytest.mark.parametrize("role", REQUESTERS)
def test_requester_cannot_close_by_hand(role):
    with pytest.raises(DomainError) as caught:
        check_status_change("solved", "closed", role)
    assert caught.value.status == 403


def test_integration_accounts_set_no_status():
    with pytest.raises(DomainError) as caught:
        check_status_change("open", "solved", "integration")
    assert caught.value.status == 422
    assert caught.value.fields == {"status": "not_settable"}


@pytest.mark.parametrize("role", STAFF + REQUESTERS)
@pytest.mark.parametrize("target", ["reopened", "", "SOLVED", "done", " open"])
def test_unknown_status_is_a_field_error(role, target):
    with pytest.raises(DomainError) as caught:
        check_status_change("open", target, role)
    assert caught.value.status == 422
    assert caught.value.code == "invalid_status"
    assert caught.value.fields == {"status": "invalid"}
    assert caught.value.message("en") == "Unknown status."
    assert caught.value.message("ko") == "알 수 없는 상태입니다."


# ---------------------------------------------------------------- statuses after a message

@pytest.mark.parametrize("current", NOT_CLOSED)
@pytest.mark.parametrize("by_staff", [True, False])
def test_internal_notes_never_move_the_status(current, by_staff):
    assert status_after_message(current.value, by_staff=by_staff, internal=True) is current


@pytest.mark.parametrize(("current", "expected"), [
    (Status.NEW, Status.OPEN),          # the first answer opens the inquiry
    (Status.OPEN, Status.OPEN),
    (Status.PENDING, Status.PENDING),   # the agent set pending on purpose
    (Status.ON_HOLD, Status.ON_HOLD),
    (Status.SOLVED, Status.SOLVED),
])
def test_agent_public_reply(current, expected):
    assert status_after_message(current.value, by_staff=True, internal=False) is expected


@pytest.mark.parametrize(("current", "expected"), [
    (Status.NEW, Status.NEW),           # still unanswered
    (Status.OPEN, Status.OPEN),
    (Status.PENDING, Status.OPEN),      # the wait on the customer is over
    (Status.ON_HOLD, Status.ON_HOLD),   # still waiting on seller/courier
    (Status.SOLVED, Status.OPEN),       # a reply reopens a solved inquiry
])
def test_customer_reply(current, expected):
    assert status_after_message(current.value, by_staff=False, internal=False) is expected


@pytest.mark.parametrize("by_staff", [True, False])
@pytest.mark.parametrize("internal", [True, False])
def test_closed_ticket_accepts_no_message(by_staff, internal):
    with pytest.raises(Conflict) as caught:
        status_after_message("closed", by_staff=by_staff, internal=internal)
    assert caught.value.code == "ticket_closed"


@pytest.mark.parametrize(("before", "after", "expected"), [
    ("solved", "open", True),
    ("solved", "pending", True),
    ("solved", "solved", False),
    ("pending", "open", False),
    ("new", "open", False),
    ("open", "solved", False),
])
def test_is_reopen(before, after, expected):
    assert is_reopen(before, after) is expected


# ------------------------------------------------------------------ what a status change does to the clocks



@pytest.mark.parametrize(("before", "after", "moves"), [
    ("open", "pending", [ClockMove("paused")]),
    ("new", "pending", [ClockMove("paused")]),
    ("pending", "open", [ClockMove("resumed")]),
    ("pending", "pending", []),
    # Waiting on a seller or courier is still the desk's time: the clocks keep running.
    ("open", "on_hold", []),
    ("on_hold", "open", []),
    ("open", "solved", [ClockMove("fulfilled", Metric.RESOLUTION)]),
    # Solving while paused restarts the clocks and fulfils resolution.
    ("pending", "solved", [ClockMove("resumed"), ClockMove("fulfilled", Metric.RESOLUTION)]),
    ("solved", "open", [ClockMove("resumed", Metric.RESOLUTION)]),
    ("solved", "pending", [ClockMove("paused"), ClockMove("resumed", Metric.RESOLUTION)]),
    # Closing a solved ticket ends it; nothing resumes.
    ("solved", "closed", []),
])
def test_clock_moves_of_a_status_change(before, after, moves):
    assert clock_moves(before, after) == moves
