"""Model → JSON shapes of design/api.md. Public numbers, never database ids, for tickets and orders."""
from __future__ import annotations

from datetime import datetime

from flask import url_for

from app.models import Attachment, Category, Message, Order, Ticket, User
from app.web.locale import locale_code


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def person_json(user: User | None, *, with_role: bool = False) -> dict | None:
    if user is None:
        return None
    data = {"id": user.id, "name": user.name}
    if with_role:
        data["role"] = user.role
    return data


def attachment_json(row: Attachment) -> dict:
    return {"id": row.id, "filename": row.filename, "content_type": row.content_type,
            "size": row.size, "url": url_for("api.attachment", attachment_id=row.id)}


def message_json(row: Message) -> dict:
    return {"id": row.id, "author": person_json(row.author, with_role=True), "body": row.body,
            "internal": row.internal, "created_at": iso(row.created_at),
            "attachments": [attachment_json(a) for a in row.attachments]}


def ticket_json(ticket: Ticket, messages: list[Message] | None = None, *, targets: dict | None = None) -> dict:
    """A ticket as the API shows it; ``targets`` (from ``sla.clock.targets_of``) saves a query per row in lists."""
    data = {
        "number": ticket.number, "type": ticket.type, "category": ticket.category.code,
        "subject": ticket.subject, "status": ticket.status, "priority": ticket.priority,
        "queue": ticket.queue.slug, "assignee": person_json(ticket.assignee),
        "requester": person_json(ticket.requester),
        "order_number": ticket.order.number if ticket.order else None,
        "created_at": iso(ticket.created_at), "updated_at": iso(ticket.updated_at),
        "sla": sla_json(ticket, targets),
    }
    if messages is not None:
        data["messages"] = [message_json(m) for m in messages]
    return data


def sla_json(ticket: Ticket, targets: dict | None = None) -> dict:
    from app.domain.sla import Metric, target_state
    from app.services.sla.clock import targets_of, ticket_state
    from app.web.clock import utcnow

    now = utcnow()
    state = ticket_state(ticket, now)
    if targets is None:
        targets = targets_of([ticket.id]).get(ticket.id, {})
    data = {"policy": ticket.sla_policy.name if ticket.sla_policy else None,
            "first_response_due_at": iso(ticket.first_response_due_at),
            "next_reply_due_at": iso(ticket.next_reply_due_at),
            "resolution_due_at": iso(ticket.resolution_due_at),
            "state": state.value if state else None, "paused": ticket.sla_paused}
    for metric in Metric:
        row = targets.get(metric.value)
        if row is None:
            data[metric.value] = None
            continue
        target = target_state(now, due_at=row.due_at, warn_at=row.warn_at, outcome=row.outcome)
        data[metric.value] = {
            "due_at": iso(row.due_at), "state": target.value,
            "met_at": iso(row.fulfilled_at) if target == "met" else None,
            "breached_at": iso(row.due_at) if target == "breached" else None,
        }
    return data


def category_json(row: Category) -> dict:
    return {"code": row.code, "name": row.display_name(locale_code()), "ticket_type": row.ticket_type,
            "requires_order": row.requires_order}


def order_json(row: Order) -> dict:
    snapshot = dict(row.snapshot)
    snapshot.pop("refund_history", None)
    return {"number": row.number, "customer_email": row.customer_email, "status": row.status,
            "total_amount": row.total_amount, "item_summary": row.item_summary,
            "ordered_at": iso(row.ordered_at), "updated_at": iso(row.updated_at), **{
                k: v for k, v in snapshot.items() if k not in {"number", "customer_email", "status"}}}
