"""Canned answers (자주 쓰는 답변): managing them, finding them for a ticket, sending them.

Shared answers (``owner_id`` None) are managed by leads and admins; every agent manages
their own personal ones. Someone else's personal answer does not exist for you (404);
a shared answer you may read but not change is 403. Placeholders are checked when an
answer is saved (app/domain/placeholders.py) and filled with values prepared here, as
plain strings, when it is previewed or sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from app.domain import access, placeholders
from app.domain.errors import Forbidden, NotFound, invalid
from app.domain.hangul import matches
from app.domain.ticket_flow import AGENT_SETTABLE
from app.domain.vocabulary import SEOUL, Priority
from app.extensions import db
from app.models import CannedAnswer, CannedAnswerUse, Category, SupportQueue, Ticket, User
from app.models.refund import Claim, Refund
from app.services.tickets.core import BODY_MAX, add_message, update_ticket

TITLE_MAX = 200
TAG_MAX = 50


# ---------------------------------------------------------------- who may do what

def _require_staff(actor: User) -> None:
    if not access.is_staff(actor.actor()):
        raise Forbidden("자주 쓰는 답변은 상담원만 쓸 수 있습니다.", "Only agents can use canned answers.")


def can_manage_shared(actor: User) -> bool:
    return access.can_manage_shared_canned(actor.actor())


def can_manage(actor: User, answer: CannedAnswer) -> bool:
    """Leads and admins manage shared answers; personal ones only by their owner."""
    return access.can_manage_canned(actor.actor(), owner_id=answer.owner_id)


def _visible(actor: User, answer: CannedAnswer | None) -> bool:
    return answer is not None and (answer.owner_id is None or answer.owner_id == actor.id)


def load_answer(actor: User, answer_id: int) -> CannedAnswer:
    """A shared answer or the actor's own personal one; NotFound for anything else."""
    _require_staff(actor)
    answer = db.session.get(CannedAnswer, answer_id)
    if not _visible(actor, answer):
        raise NotFound("canned_answer")
    return answer


def load_for_edit(actor: User, answer_id: int) -> CannedAnswer:
    answer = load_answer(actor, answer_id)
    if not can_manage(actor, answer):
        raise Forbidden("공용 답변은 팀장과 관리자만 바꿀 수 있습니다.",
                        "Only leads and admins can change shared answers.")
    return answer


# ---------------------------------------------------------------- saving

@dataclass
class AnswerInput:
    title: str
    body_ko: str
    body_en: str | None = None
    shared: bool = False
    category_codes: list[str] | None = None
    queue_slugs: list[str] | None = None
    status: str | None = None
    priority: str | None = None
    tag: str | None = None


def _clean(data: AnswerInput) -> dict:
    title = " ".join((data.title or "").split())
    if not title:
        raise invalid({"title": "required"}, "제목을 입력해 주세요.", "Please enter a title.")
    if len(title) > TITLE_MAX:
        raise invalid({"title": "too_long"}, f"제목은 {TITLE_MAX}자까지 쓸 수 있습니다.",
                      f"The title may be at most {TITLE_MAX} characters.")
    bodies = {}
    for name, value, required in (("body_ko", data.body_ko, True), ("body_en", data.body_en, False)):
        text = (value or "").replace("\r\n", "\n").strip()
        if not text:
            if required:
                raise invalid({name: "required"}, "한국어 본문을 입력해 주세요.", "Please enter the Korean text.")
            bodies[name] = None
            continue
        if len(text) > BODY_MAX:
            raise invalid({name: "too_long"}, f"본문은 {BODY_MAX:,}자까지 쓸 수 있습니다.",
                          f"The text may be at most {BODY_MAX:,} characters.")
        errors = placeholders.validate(text)
        if errors:
            raise placeholders.invalid_error(errors, field=name)
        bodies[name] = text
    codes = sorted({c.strip() for c in (data.category_codes or []) if c and c.strip()})
    if codes:
        known = set(db.session.scalars(select(Category.code).where(Category.code.in_(codes))))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise invalid({"category_codes": "unknown"}, f"알 수 없는 문의 유형입니다: {', '.join(unknown)}",
                          f"Unknown categories: {', '.join(unknown)}")
    slugs = sorted({s.strip() for s in (data.queue_slugs or []) if s and s.strip()})
    if slugs:
        known = set(db.session.scalars(select(SupportQueue.slug).where(SupportQueue.slug.in_(slugs))))
        unknown = [s for s in slugs if s not in known]
        if unknown:
            raise invalid({"queue_slugs": "unknown"}, f"알 수 없는 큐입니다: {', '.join(unknown)}",
                          f"Unknown queues: {', '.join(unknown)}")
    actions: dict[str, str] = {}
    if data.status:
        if data.status not in {s.value for s in AGENT_SETTABLE}:
            raise invalid({"status": "invalid"}, "바꿀 수 없는 상태입니다.", "That status cannot be set.")
        actions["status"] = data.status
    if data.priority:
        if data.priority not in {p.value for p in Priority}:
            raise invalid({"priority": "invalid"}, "알 수 없는 우선순위입니다.", "Unknown priority.")
        actions["priority"] = data.priority
    tag = " ".join((data.tag or "").split())
    if tag:
        if len(tag) > TAG_MAX:
            raise invalid({"tag": "too_long"}, f"태그는 {TAG_MAX}자까지 쓸 수 있습니다.",
                          f"A tag may be at most {TAG_MAX} characters.")
        if "," in tag:
            raise invalid({"tag": "invalid"}, "태그는 하나만 쓸 수 있습니다 (쉼표 없이).",
                          "One tag only (no commas).")
        actions["tag"] = tag
    return {"title": title, **bodies, "category_codes": codes, "queue_slugs": slugs, "actions": actions}


def create(actor: User, data: AnswerInput, *, now: datetime) -> CannedAnswer:
    """A new shared (leads, admins) or personal (any agent) answer."""
    _require_staff(actor)
    if data.shared and not can_manage_shared(actor):
        raise Forbidden("공용 답변은 팀장과 관리자만 만들 수 있습니다.",
                        "Only leads and admins can create shared answers.")
    answer = CannedAnswer(owner_id=None if data.shared else actor.id, created_by_id=actor.id,
                          active=True, created_at=now, updated_at=now, **_clean(data))
    db.session.add(answer)
    db.session.flush()
    return answer


def update(actor: User, answer_id: int, data: AnswerInput, *, now: datetime) -> CannedAnswer:
    """Change an answer the actor manages (whether it is shared stays as it is)."""
    answer = load_for_edit(actor, answer_id)
    for key, value in _clean(data).items():
        setattr(answer, key, value)
    answer.updated_at = now
    return answer


def set_active(actor: User, answer_id: int, active: bool, *, now: datetime) -> CannedAnswer:
    answer = load_for_edit(actor, answer_id)
    answer.active = active
    answer.updated_at = now
    return answer


def deactivate(actor: User, answer_id: int, *, now: datetime) -> CannedAnswer:
    """Stop offering an answer (kept for its usage history)."""
    return set_active(actor, answer_id, False, now=now)


# ---------------------------------------------------------------- finding

def manageable_list(actor: User) -> list[CannedAnswer]:
    """The management page: shared answers (inactive ones only for their managers) and the actor's own."""
    _require_staff(actor)
    stmt = select(CannedAnswer).where(or_(CannedAnswer.owner_id.is_(None), CannedAnswer.owner_id == actor.id))
    if not can_manage_shared(actor):
        stmt = stmt.where(or_(CannedAnswer.active.is_(True), CannedAnswer.owner_id == actor.id))
    return list(db.session.scalars(stmt.order_by(CannedAnswer.owner_id.is_not(None), CannedAnswer.title,
                                                 CannedAnswer.id)))


def _in_scope(answer: CannedAnswer, ticket: Ticket) -> bool:
    codes = answer.category_codes or []
    slugs = answer.queue_slugs or []
    return (not codes or ticket.category.code in codes) and (not slugs or ticket.queue.slug in slugs)


def fit(answer: CannedAnswer, ticket: Ticket) -> int:
    """How well an answer fits a ticket: 0 written for its category (or queue), 1 for any ticket,
    2 written for other tickets."""
    if not _in_scope(answer, ticket):
        return 2
    return 0 if answer.category_codes or answer.queue_slugs else 1


def _active_for(actor: User) -> list[CannedAnswer]:
    _require_staff(actor)
    return list(db.session.scalars(
        select(CannedAnswer).where(CannedAnswer.active.is_(True),
                                   or_(CannedAnswer.owner_id.is_(None), CannedAnswer.owner_id == actor.id))
        .order_by(CannedAnswer.title, CannedAnswer.id)))


def answers_for(actor: User, ticket: Ticket) -> list[CannedAnswer]:
    """Active answers meant for this ticket: shared or own, scoped to its category/queue (or unscoped)."""
    return [a for a in _active_for(actor) if _in_scope(a, ticket)]


def usable_answers(actor: User, ticket: Ticket) -> list[CannedAnswer]:
    """Every active answer the actor may use on this ticket (shared or own), best fitting first:
    those written for its category, then those for any ticket, then the rest (a 배송 ticket
    may still need the 환불 answer)."""
    return sorted(_active_for(actor), key=lambda a: fit(a, ticket))


def search(actor: User, ticket: Ticket, query: str | None) -> list[CannedAnswer]:
    """``usable_answers`` whose title contains ``query`` (case-insensitive, or by 초성: "ㅎㅂ" → 환불…)."""
    return [a for a in usable_answers(actor, ticket) if matches(a.title, query or "")]


def _usable(actor: User, ticket: Ticket, answer_id: int) -> CannedAnswer:
    answer = load_answer(actor, answer_id)
    if not access.can_see_ticket(actor.actor(), requester_id=ticket.requester_id, queue_id=ticket.queue_id):
        raise NotFound("ticket")
    if not answer.active:
        raise NotFound("canned_answer")
    return answer


# ---------------------------------------------------------------- placeholder values

def _seoul(value: datetime | None) -> str | None:
    return value.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M") if value else None


def latest_refund(ticket: Ticket) -> Refund | None:
    """The newest approved refund of this ticket's request or, failing that, of its order."""
    conditions = [Refund.request_id.in_(select(Claim.id).where(Claim.ticket_id == ticket.id))]
    if ticket.order_id is not None:
        conditions.append(Refund.order_id == ticket.order_id)
    return db.session.scalar(select(Refund).where(or_(*conditions)).order_by(Refund.id.desc()).limit(1))


def values_for(ticket: Ticket, agent: User, locale: str = "ko") -> dict[str, str | None]:
    """The placeholder values for this ticket as plain strings (None: no value here)."""
    locale = "en" if (locale or "ko").startswith("en") else "ko"
    order = ticket.order
    refund = latest_refund(ticket)
    return {
        "customer.name": ticket.requester.name if ticket.requester else None,
        "ticket.number": ticket.number,
        "ticket.subject": ticket.subject,
        "ticket.category": ticket.category.display_name(locale) if ticket.category else None,
        "order.number": order.number if order else None,
        "order.status": placeholders.order_status_text(order.status, locale) if order else None,
        "agent.name": agent.name,
        "refund.amount": f"₩{refund.refund_value_total:,}" if refund else None,
        "refund.due_date": refund.due_by.isoformat() if refund and refund.due_by else None,
        "sla.first_response_due": _seoul(ticket.first_response_due_at),
        "sla.next_reply_due": _seoul(ticket.next_reply_due_at),
        "sla.resolution_due": _seoul(ticket.resolution_due_at),
    }


def body_for(answer: CannedAnswer, locale: str) -> str:
    """The English version for English readers when there is one, else the Korean."""
    if (locale or "ko").startswith("en") and answer.body_en:
        return answer.body_en
    return answer.body_ko


def reply_locale(ticket: Ticket) -> str:
    """The language the customer reads."""
    return "en" if (ticket.requester and (ticket.requester.locale or "").startswith("en")) else "ko"


@dataclass
class Preview:
    answer: CannedAnswer
    text: str            # rendered; placeholders without value or default left as written
    missing: list[str]   # those placeholders' names: sending is refused until they are gone


def preview(actor: User, ticket: Ticket, answer_id: int, locale: str = "ko") -> Preview:
    answer = _usable(actor, ticket, answer_id)
    body = body_for(answer, locale)
    values = values_for(ticket, actor, locale)
    return Preview(answer, placeholders.render_partial(body, values), placeholders.missing(body, values))


# ---------------------------------------------------------------- using

def use(actor: User, ticket: Ticket, answer_id: int, *, body_override: str | None = None,
        now: datetime, locale: str = "ko", internal: bool = False, files=()):
    """Send the answer (or the agent's edit of it) from the ticket's reply box, then apply its actions.

    The text is rendered for this ticket; a placeholder with neither value nor default
    refuses the send (422 naming them). Files go with the message as with any reply. As
    an internal note the answer changes nothing else: its status, priority and tag are
    for answering the customer. Either way the use is counted. Returns the message.
    """
    answer = _usable(actor, ticket, answer_id)
    body = body_override if body_override and body_override.strip() else body_for(answer, locale)
    text = placeholders.render(body, values_for(ticket, actor, locale))
    message = add_message(actor, ticket, body=text, internal=internal, files=list(files), now=now)
    actions = {} if internal else (answer.actions or {})
    if actions.get("status") or actions.get("priority"):
        update_ticket(actor, ticket, status=actions.get("status") or None,
                      priority=actions.get("priority") or None, now=now)
    if actions.get("tag"):
        # Tags are the workspace's (app/services/desk/workspace.py): same rules, same audit events.
        from app.services.desk.workspace import change_tags

        change_tags(actor, ticket, add=actions["tag"], now=now)
    db.session.add(CannedAnswerUse(answer_id=answer.id, agent_id=actor.id, ticket_id=ticket.id, used_at=now))
    db.session.flush()
    return message


# ---------------------------------------------------------------- usage

@dataclass
class Usage:
    total: int
    by_agent: list[tuple[str, int]]  # (agent name, uses), most uses first


def usage_counts(answer: CannedAnswer) -> Usage:
    rows = db.session.execute(
        select(User.name, func.count(CannedAnswerUse.id))
        .join(User, User.id == CannedAnswerUse.agent_id)
        .where(CannedAnswerUse.answer_id == answer.id)
        .group_by(User.id, User.name)
        .order_by(func.count(CannedAnswerUse.id).desc(), User.name)).all()
    by_agent = [(name, int(n)) for name, n in rows]
    return Usage(sum(n for _name, n in by_agent), by_agent)


def usage_totals(answer_ids: list[int]) -> dict[int, int]:
    """Uses per answer for a list page (one query)."""
    if not answer_ids:
        return {}
    rows = db.session.execute(
        select(CannedAnswerUse.answer_id, func.count(CannedAnswerUse.id))
        .where(CannedAnswerUse.answer_id.in_(answer_ids)).group_by(CannedAnswerUse.answer_id)).all()
    return {answer_id: int(n) for answer_id, n in rows}


def my_usage(actor: User, answer_ids: list[int]) -> dict[int, int]:
    """The actor's own uses per answer."""
    if not answer_ids:
        return {}
    rows = db.session.execute(
        select(CannedAnswerUse.answer_id, func.count(CannedAnswerUse.id))
        .where(CannedAnswerUse.answer_id.in_(answer_ids), CannedAnswerUse.agent_id == actor.id)
        .group_by(CannedAnswerUse.answer_id)).all()
    return {answer_id: int(n) for answer_id, n in rows}


def active_answers(actor: User) -> list[CannedAnswer]:
    """Every active answer the actor may send (shared or own), by title: the desk's bulk form's choices."""
    return _active_for(actor)
