"""직원 관리: an admin adds, edits, deactivates and reactivates staff accounts.

Staff here are the roles of ``MANAGED_ROLES`` (agent, lead, admin, seller). Every
change is an account event (``record_account_event``: who, what, when) and the
rules that protect the desk are ``access.check_staff_change`` (nobody deactivates
or demotes themself, and the last active admin stays).

A deactivated account keeps its history (messages, audit events, past tickets)
but is shut out at once: it cannot sign in, its sessions end (the session version
moves), its API tokens are deleted, and it leaves assignment — its unresolved
tickets return to their queue's unassigned view, each audited. An edit that takes
someone out of a queue (or out of staff) lets go of that queue's tickets the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.domain import access
from app.domain.errors import Conflict, Forbidden, NotFound, invalid
from app.domain.ticket_flow import UNRESOLVED
from app.domain.vocabulary import MANAGED_ROLES, STAFF_ROLES, Role
from app.extensions import db
from app.models import SupportQueue, Ticket, User
from app.services.accounts import password_reset
from app.services.accounts.sessions import end_other_sessions
from app.services.accounts.users import create_user, revoke_tokens
from app.services.audit import record_account_event, record_event

NAME_MAX = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class StaffOutcome:
    """What a change did: the account, the tickets it let go of, the tokens it revoked."""

    user: User
    changed: dict = field(default_factory=dict)
    unassigned: list[str] = field(default_factory=list)
    tokens_revoked: int = 0


def _require_admin(actor: User) -> None:
    if not access.can_manage_staff(actor.actor()):
        raise Forbidden()


def list_staff(actor: User) -> list[User]:
    """The staff page's table: active first, then by role and name (queues loaded with them)."""
    _require_admin(actor)
    rows = db.session.scalars(
        select(User).where(User.role.in_([r.value for r in MANAGED_ROLES]))
        .options(selectinload(User.queues)).order_by(User.active.desc(), User.role, User.name, User.id)
    ).all()
    return list(rows)


def load_staff(actor: User, user_id: int) -> User:
    """A managed account by id; customers and integrations are not found here."""
    _require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None or not access.is_managed_role(user.role):
        raise NotFound("user")
    return user


def open_assigned(user: User) -> list[Ticket]:
    """The unresolved tickets ``user`` is the assignee of (what a deactivation lets go of)."""
    return list(db.session.scalars(
        select(Ticket).where(Ticket.assignee_id == user.id, Ticket.status.in_([s.value for s in UNRESOLVED]))
        .order_by(Ticket.id)
    ))


def _clean_name(name: str | None) -> str:
    name = " ".join(_CONTROL.sub(" ", name or "").split())
    if not name:
        raise invalid({"name": "required"}, "이름을 입력해 주세요.", "Please enter a name.")
    if len(name) > NAME_MAX:
        raise invalid({"name": "too_long"}, f"이름은 {NAME_MAX}자까지 쓸 수 있습니다.",
                      f"The name may be at most {NAME_MAX} characters.")
    return name


def _check_role(role: str) -> Role:
    if not access.is_managed_role(role or ""):
        raise invalid({"role": "invalid"}, "역할을 목록에서 골라 주세요.", "Please choose a role from the list.")
    return Role(role)


def _queues_for(role: str, slugs: list[str]) -> list[SupportQueue]:
    slugs = list(dict.fromkeys(s for s in slugs or [] if s))
    if slugs and not access.can_belong_to_queues(role):
        raise invalid({"queues": "not_staff"}, "판매자 계정은 큐에 속할 수 없습니다. 큐 선택을 비워 주세요.",
                      "A seller account cannot belong to queues; clear the queue choice.")
    queues = list(db.session.scalars(select(SupportQueue).where(SupportQueue.slug.in_(slugs or ["-"]))))
    unknown = sorted(set(slugs) - {q.slug for q in queues})
    if unknown:
        raise invalid({"queues": "unknown"}, f"알 수 없는 큐입니다: {', '.join(unknown)}",
                      f"Unknown queue: {', '.join(unknown)}")
    return sorted(queues, key=lambda q: q.id)


def _other_active_admins(target_id: int) -> int:
    """Active admins besides ``target_id``.

    Every active admin row is locked (PostgreSQL; the target's too, in id order), so two
    admins deactivating each other at once queue up: the second re-reads after the
    first commits, finds itself the last admin, and is refused. Locking only the
    *other* rows would let each lock a different row and both succeed. SQLite has no
    row locks and pysqlite reads outside a transaction until the first write, so there
    the target row is touched first: that takes the database's one write lock and the
    count below is read after any other admin's change has committed.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(User).where(User.id == target_id)
                           .values(session_version=User.session_version)
                           .execution_options(synchronize_session=False))
    ids = db.session.scalars(
        select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))
        .order_by(User.id).with_for_update()
    ).all()
    return len([i for i in ids if i != target_id])


def _release_tickets(user: User, actor: User, now: datetime, via: str) -> list[str]:
    """Unassign the unresolved tickets ``user`` may no longer be the assignee of (audited)."""
    released = []
    for ticket in open_assigned(user):
        if access.can_be_assignee(role=user.role, queue_ids=user.queue_ids, queue_id=ticket.queue_id,
                                  active=user.active):
            continue
        ticket.assignee_id = None
        ticket.assignee = None
        ticket.updated_at = now
        record_event(ticket, actor, "assignee", now, old=user.name, new=None, detail={"via": via})
        released.append(ticket.number)
    return released


def create_staff(actor: User, *, email: str, name: str | None, role: str, password: str,
                 queue_slugs: list[str], now: datetime) -> User:
    """Add a staff (or seller) account with a first password."""
    _require_admin(actor)
    role = _check_role(role)
    queues = _queues_for(role, queue_slugs)
    user = create_user(email, role=role, password=password or "", name=name,
                       queue_slugs=[q.slug for q in queues], now=now)
    record_account_event(user, actor, "staff_created", now,
                         detail={"role": role.value, "queues": [q.slug for q in queues]})
    return user


def update_staff(actor: User, user_id: int, *, name: str, role: str, queue_slugs: list[str],
                 now: datetime) -> StaffOutcome:
    """Change a staff member's name, role and queues; tickets of queues they leave are let go."""
    user = load_staff(actor, user_id)
    name = _clean_name(name)
    new_role = _check_role(role)
    queues = _queues_for(new_role, queue_slugs)
    if new_role != user.role:
        access.check_staff_change(actor_id=actor.id, target_id=user.id, target_role=user.role,
                                  target_active=user.active, new_role=new_role, new_active=user.active,
                                  other_active_admins=_other_active_admins(user.id))
    changed: dict = {}
    if name != user.name:
        changed["name"] = [user.name, name]
    if new_role != user.role:
        changed["role"] = [user.role, new_role.value]
    old_slugs = sorted(q.slug for q in user.queues)
    new_slugs = sorted(q.slug for q in queues)
    if old_slugs != new_slugs:
        changed["queues"] = [old_slugs, new_slugs]
    if not changed:
        return StaffOutcome(user)
    user.name = name
    user.role = new_role
    user.queues = queues
    db.session.flush()
    released = _release_tickets(user, actor, now, via="staff_updated")
    record_account_event(user, actor, "staff_updated", now,
                         detail={**changed, **({"unassigned": released} if released else {})})
    return StaffOutcome(user, changed=changed, unassigned=released)


def deactivate(actor: User, user_id: int, now: datetime) -> StaffOutcome:
    """Shut a leaver out: no sign-in, sessions and tokens end, open tickets back to the queue."""
    user = load_staff(actor, user_id)
    if not user.active:
        raise Conflict("already_inactive", "이미 비활성화된 계정입니다.", "This account is already deactivated.")
    access.check_staff_change(actor_id=actor.id, target_id=user.id, target_role=user.role,
                              target_active=True, new_role=user.role, new_active=False,
                              other_active_admins=_other_active_admins(user.id))
    user.active = False
    user.deactivated_at = now
    user.session_version += 1   # every open session of the account ends on its next request
    end_other_sessions(user)
    tokens = revoke_tokens(user)
    released = _release_tickets(user, actor, now, via="deactivated")
    record_account_event(user, actor, "deactivated", now,
                         detail={"unassigned": released, "tokens_revoked": tokens})
    return StaffOutcome(user, unassigned=released, tokens_revoked=tokens)


def reactivate(actor: User, user_id: int, now: datetime) -> StaffOutcome:
    """Let a deactivated account sign in again (old sessions and tokens stay ended)."""
    user = load_staff(actor, user_id)
    if user.active:
        raise Conflict("already_active", "이미 활성 상태인 계정입니다.", "This account is already active.")
    user.active = True
    user.deactivated_at = None
    record_account_event(user, actor, "reactivated", now)
    return StaffOutcome(user)


def send_password_reset(actor: User, user_id: int, now: datetime) -> User:
    """Email the staff member a password-reset link (the 비밀번호 찾기 flow)."""
    user = load_staff(actor, user_id)
    password_reset.send_reset_link(actor, user, now)
    return user


def active_staff() -> list[User]:
    """Every active agent, lead and admin, by name: whom the desk's bulk form offers to assign."""
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.role.in_([r.value for r in STAFF_ROLES]))
        .order_by(User.name, User.id)))
