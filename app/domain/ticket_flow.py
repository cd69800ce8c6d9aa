"""Ticket statuses and the moves between them.

new → open → pending (waiting on the customer) → solved → closed, with on_hold
(waiting on a seller or courier) beside open. Closed is final. A customer reply
to a solved or pending ticket puts it back to open; an agent's first public reply
opens a new ticket.
"""
from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from app.domain.errors import Conflict, DomainError, Forbidden
from app.domain.sla import Metric
from app.domain.vocabulary import REQUESTER_ROLES, STAFF_ROLES


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


# What an agent may set by hand; `new` is only ever the first status and `closed`
# is reached by the auto-close job.
AGENT_SETTABLE = (Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED)
# What the requester may set by hand: "문제가 해결되었어요".
REQUESTER_SETTABLE = (Status.SOLVED,)
UNRESOLVED = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})


def closed_error() -> Conflict:
    """The refusal every change to a closed ticket gets."""
    return Conflict(
        "ticket_closed",
        "종료된 문의에는 답변하거나 상태를 바꿀 수 없습니다. 새 문의를 작성해 주세요.",
        "This inquiry is closed and can no longer change. Please file a new inquiry.",
    )


def check_status_change(current: str, target: str, actor_role: str) -> Status:
    """Validate a manual status change and return the target status.

    Raises ``DomainError`` (422) for an unknown or unsettable status, ``Forbidden``
    when the role may not set it and ``Conflict`` when the ticket is closed.
    """
    try:
        target_status = Status(target)
    except ValueError:
        raise DomainError(
            "invalid_status",
            "알 수 없는 상태입니다.",
            "Unknown status.",
            fields={"status": "invalid"},
        ) from None
    if Status(current) == Status.CLOSED:
        raise closed_error()
    if actor_role in STAFF_ROLES:
        allowed = AGENT_SETTABLE
    elif actor_role in REQUESTER_ROLES:
        allowed = REQUESTER_SETTABLE
    else:
        allowed = ()
    if target_status not in allowed:
        if actor_role in REQUESTER_ROLES:
            raise Forbidden(
                "문의는 '해결됨'으로만 변경할 수 있습니다.",
                "You can only mark your inquiry as solved.",
            )
        raise DomainError(
            "invalid_status",
            "이 상태로 직접 바꿀 수 없습니다.",
            "This status cannot be set by hand.",
            fields={"status": "not_settable"},
        )
    return target_status


def status_after_message(current: str, *, by_staff: bool, internal: bool) -> Status:
    """The status a ticket moves to when a message is added.

    Internal notes never move it. A requester's reply reopens a solved ticket and
    ends a pending wait; an agent's public reply opens a new ticket. A closed
    ticket accepts nothing.
    """
    status = Status(current)
    if status == Status.CLOSED:
        raise closed_error()
    if internal:
        return status
    if by_staff:
        return Status.OPEN if status == Status.NEW else status
    if status in (Status.SOLVED, Status.PENDING):
        return Status.OPEN
    return status


def is_reopen(before: str, after: str) -> bool:
    """True when a solved ticket went back to work."""
    return Status(before) == Status.SOLVED and Status(after) != Status.SOLVED


class ClockMove(NamedTuple):
    """One SLA event a status change writes: ``paused``/``resumed``/``fulfilled``, for one target
    (``metric``) or, when ``metric`` is None, every running clock."""

    event: str
    metric: Metric | None = None


def clock_moves(before: str, after: str) -> list[ClockMove]:
    """What a status change does to the SLA clocks (the one place this is decided).

    Waiting on the customer (pending) stops every clock and leaving it restarts them; solving
    fulfils the resolution target and reopening a solved ticket (to anything but closed) resumes
    it. Nothing else moves a clock: on_hold (waiting on a seller or courier) keeps them running.
    """
    moves = []
    if after == Status.PENDING and before != Status.PENDING:
        moves.append(ClockMove("paused"))
    elif before == Status.PENDING and after != Status.PENDING:
        moves.append(ClockMove("resumed"))
    if after == Status.SOLVED and before != Status.SOLVED:
        moves.append(ClockMove("fulfilled", Metric.RESOLUTION))
    elif before == Status.SOLVED and after not in (Status.SOLVED, Status.CLOSED):
        moves.append(ClockMove("resumed", Metric.RESOLUTION))
    return moves
