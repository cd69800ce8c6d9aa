"""The agent's workspace: tags on tickets and saved ticket-list views."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.domain import access
from app.domain.errors import DomainError, Forbidden, NotFound, invalid
from app.domain.ticket_flow import Status
from app.domain.vocabulary import Priority
from app.extensions import db
from app.models import SavedView, Tag, Ticket, User, ticket_tags
from app.services.audit import record_event
from app.services.tickets.core import SLA_STATES, TicketFilters

TAG_MAX = 50
VIEW_NAME_MAX = 100
# The /desk filters a saved view keeps (status: one status, or "unresolved").
VIEW_KEYS = ("category", "status", "priority", "assignee", "tag", "sla")


# ----------------------------------------------------------------- tags

def parse_tag_names(text: str | None) -> list[str]:
    """Comma-separated names, trimmed, blanks dropped, duplicates once, each at most 50 characters."""
    names: list[str] = []
    for part in (text or "").split(","):
        name = " ".join(part.split())
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise invalid({"tags": "invalid"}, f"태그는 {TAG_MAX}자까지 쓸 수 있습니다.",
                          f"A tag may be at most {TAG_MAX} characters.")
        if name not in names:
            names.append(name)
    return names


def _tag(name: str) -> Tag:
    """The tag by name, created on first use (a concurrent first use is tolerated)."""
    tag = db.session.scalar(select(Tag).where(Tag.name == name))
    if tag is not None:
        return tag
    try:
        with db.session.begin_nested():
            tag = Tag(name=name)
            db.session.add(tag)
    except IntegrityError:
        tag = db.session.scalar(select(Tag).where(Tag.name == name))
    return tag


def change_tags(actor: User, ticket: Ticket, *, add: str | None = None, remove: str | None = None,
                now: datetime) -> list[str]:
    """Add and remove tags on a ticket the actor works (audited); the ticket's tag names after."""
    me = actor.actor()
    if not access.can_see_ticket(me, requester_id=ticket.requester_id, queue_id=ticket.queue_id):
        raise NotFound("ticket")
    if not access.is_staff(me):
        raise Forbidden("태그는 상담원만 붙일 수 있습니다.", "Only agents can tag tickets.")
    to_add = parse_tag_names(add)
    to_remove = parse_tag_names(remove)
    current = {t.name: t for t in ticket.tags}
    changed = False
    for name in to_remove:
        if name in current:
            ticket.tags.remove(current.pop(name))
            record_event(ticket, actor, "tag_removed", now, old=name)
            changed = True
    for name in to_add:
        if name not in current:
            tag = _tag(name)
            ticket.tags.append(tag)
            current[name] = tag
            record_event(ticket, actor, "tag_added", now, new=name)
            changed = True
    if changed:
        ticket.updated_at = now
    return sorted(current)


def tags_by_ticket(ticket_ids: list[int]) -> dict[int, list[str]]:
    """Tag names of many tickets in one query (for list rows)."""
    out: dict[int, list[str]] = {}
    if not ticket_ids:
        return out
    rows = db.session.execute(
        select(ticket_tags.c.ticket_id, Tag.name).join(Tag, Tag.id == ticket_tags.c.tag_id)
        .where(ticket_tags.c.ticket_id.in_(ticket_ids)).order_by(Tag.name))
    for ticket_id, name in rows:
        out.setdefault(ticket_id, []).append(name)
    return out


def all_tag_names(limit: int = 200) -> list[str]:
    return list(db.session.scalars(select(Tag.name).order_by(Tag.name).limit(limit)))


# ----------------------------------------------------------------- saved views

def clean_view_filters(raw: dict) -> dict:
    """Only the known /desk filters, with valid values; blanks dropped."""
    out: dict[str, str] = {}
    for key in VIEW_KEYS:
        value = raw.get(key)
        if value is None:
            continue
        value = " ".join(str(value).split())
        if not value:
            continue
        if key == "status" and value != "unresolved" and value not in Status.__members__.values():
            raise invalid({"status": "invalid"}, "알 수 없는 상태입니다.", "Unknown status.")
        if key == "priority" and value not in Priority.__members__.values():
            raise invalid({"priority": "invalid"}, "알 수 없는 우선순위입니다.", "Unknown priority.")
        if key == "sla" and value not in SLA_STATES:
            raise invalid({"sla": "invalid"}, "알 수 없는 SLA 상태입니다.", "Unknown SLA state.")
        if key == "assignee" and value not in ("me", "none") and not value.isdigit():
            raise invalid({"assignee": "invalid"}, "담당자 조건이 올바르지 않습니다.",
                          "The assignee filter is invalid.")
        if key == "tag" and len(value) > TAG_MAX:
            raise invalid({"tag": "invalid"}, f"태그는 {TAG_MAX}자까지 쓸 수 있습니다.",
                          f"A tag may be at most {TAG_MAX} characters.")
        if key == "category" and len(value) > 40:
            raise invalid({"category": "invalid"}, "알 수 없는 문의 유형입니다.", "Unknown category.")
        out[key] = value
    return out


def filters_from(values: dict, now: datetime) -> TicketFilters:
    """TicketFilters of a (clean) /desk filter dict."""
    status = values.get("status")
    return TicketFilters(
        statuses=[status] if status and status != "unresolved" else [],
        unresolved=status == "unresolved",
        category=values.get("category") or None, priority=values.get("priority") or None,
        assignee=values.get("assignee") or None, tag=values.get("tag") or None,
        sla_state=values.get("sla") or None, now=now)


def save_view(actor: User, *, name: str, filters: dict, shared: bool, now: datetime) -> SavedView:
    if not access.is_staff(actor.actor()):
        raise Forbidden("상담원만 보기를 저장할 수 있습니다.", "Only agents can save views.")
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("validation_failed", "보기 이름을 입력해 주세요.", "Please name the view.",
                          status=422, fields={"name": "required"})
    if len(name) > VIEW_NAME_MAX:
        raise invalid({"name": "invalid"}, f"보기 이름은 {VIEW_NAME_MAX}자까지 쓸 수 있습니다.",
                      f"A view name may be at most {VIEW_NAME_MAX} characters.")
    view = SavedView(name=name, owner_id=actor.id, shared=bool(shared),
                     filters=clean_view_filters(filters), created_at=now)
    db.session.add(view)
    db.session.flush()
    return view


def views_for(actor: User) -> list[SavedView]:
    """The actor's own views and the team's shared ones (staff only)."""
    if not access.is_staff(actor.actor()):
        return []
    return list(db.session.scalars(
        select(SavedView).where(or_(SavedView.owner_id == actor.id, SavedView.shared.is_(True)))
        .order_by(SavedView.name, SavedView.id)))


def load_view_for(actor: User, view_id: int) -> SavedView:
    """A view its owner may open, or any staff when shared; NotFound otherwise."""
    view = db.session.get(SavedView, view_id)
    if view is None or not access.is_staff(actor.actor()) or (
            view.owner_id != actor.id and not view.shared):
        raise NotFound("saved_view")
    return view


def delete_view(actor: User, view_id: int) -> None:
    """Only the owner deletes a view (anyone else: not found)."""
    view = db.session.get(SavedView, view_id)
    if view is None or view.owner_id != actor.id:
        raise NotFound("saved_view")
    db.session.delete(view)
