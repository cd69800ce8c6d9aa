"""Which tickets a unit of work changed, handed to the ``search`` queue through the outbox.

Session events collect the ids of tickets whose document changed (the ticket's own
searchable or filterable columns, its messages and attachments, its tags, an audit
event on it — which also covers bulk ``UPDATE`` statements such as "take next" — or the
name/email of its requester). Just before the transaction commits, one outbox event
``search.index`` on the ``search`` queue records them, in the same transaction; after
the commit the outbox hands it over (in-process without Redis, to the worker with
it). A rollback forgets the ids. Nothing here writes the index.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

log = logging.getLogger("munui.search")

KIND = "search.index"
_DIRTY = "munui_search_dirty"
_USERS = "munui_search_dirty_users"
# Ticket columns the index holds (text, filters, sorts); others (presence, SLA checks) do not count.
TICKET_ATTRS = ("number", "subject", "status", "priority", "queue_id", "assignee_id", "category_id", "type",
                "order_id", "requester_id", "sla_due_at", "created_at", "updated_at", "merged_into_id",
                "tags")


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names if name in state.attrs)


def _collect(session: Session, _flush_context) -> None:
    """after_flush: note the tickets whose documents this flush changed."""
    from app.models import Attachment, AuditEvent, Message, Ticket, User

    dirty: set[int] = session.info.setdefault(_DIRTY, set())
    # Each of session.new / .dirty / .deleted builds a new set: read them once per flush (a
    # sweep's flush holds thousands of rows).
    new, changed, deleted = session.new, session.dirty, session.deleted
    for obj in [*new, *changed, *deleted]:
        if isinstance(obj, Ticket):
            if obj in new or obj in deleted or _changed(obj, TICKET_ATTRS):
                dirty.add(obj.id)
        elif isinstance(obj, Message | Attachment):
            if obj.ticket_id:
                dirty.add(obj.ticket_id)
        elif isinstance(obj, AuditEvent):
            if obj in new and obj.ticket_id:
                dirty.add(obj.ticket_id)
        elif isinstance(obj, User) and obj in changed and _changed(obj, ("name", "email")):
            session.info.setdefault(_USERS, set()).add(obj.id)
    dirty.discard(None)


def _record(session: Session) -> None:
    """before_commit: one ``search.index`` outbox event for everything this transaction changed."""
    if not _is_app_session(session) or session.in_nested_transaction():
        # A savepoint's commit is not the commit: the outer transaction records the event.
        return
    if not session.info.get(_DIRTY) and not session.info.get(_USERS):
        # Flush first: objects added since the last flush may be tickets too.
        if not (session.new or session.dirty or session.deleted):
            return
    session.flush()
    ticket_ids = session.info.pop(_DIRTY, set())
    user_ids = session.info.pop(_USERS, set())
    if user_ids:
        from sqlalchemy import select

        from app.models import Ticket

        ticket_ids |= set(session.scalars(select(Ticket.id).where(Ticket.requester_id.in_(user_ids))))
    if not ticket_ids:
        return
    from app.services.outbox import defer

    defer(KIND, {"ticket_ids": sorted(ticket_ids)}, datetime.now(UTC), queue="search")
    # defer() flushed the event; that flush collected nothing, so forget its empty set.
    session.info.pop(_DIRTY, None)


def _is_app_session(session: Session) -> bool:
    """Only the app's own session records outbox events (a script's separate session does not)."""
    from flask import has_app_context

    from app.extensions import db

    return has_app_context() and session is db.session()


def _forget(session: Session, previous_transaction=None) -> None:
    if previous_transaction is not None and previous_transaction.nested:
        return  # a savepoint rolled back; extra ids only cost an idempotent re-index
    session.info.pop(_DIRTY, None)
    session.info.pop(_USERS, None)


def install() -> None:
    """Listen on every ORM session (idempotent)."""
    if event.contains(Session, "after_flush", _collect):
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "before_commit", _record)
    event.listen(Session, "after_soft_rollback", _forget)
