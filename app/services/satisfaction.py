"""만족도 (CSAT): ask when a ticket is solved, take one answer per solve by a signed link.

The link carries only the rating's id, signed with the app's secret (itsdangerous), so it
works without signing in and cannot be forged or pointed at another ticket. It works once,
for ``CSAT_LINK_DAYS`` after the question was asked; a used or expired link says so. The
answer is a conditional UPDATE on "not yet answered", so two submissions of one link record
one answer. Agents read the answers to their own solves; leads and admins everyone's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import func, select, update

from app.domain import access
from app.domain.errors import DomainError, Forbidden, invalid
from app.domain.ticket_flow import Status
from app.extensions import db
from app.models import SatisfactionRating, Ticket, User

SALT = "munui-csat"
SCORES = (1, 2, 3, 4, 5)
COMMENT_MAX = 1000


class RatingLinkInvalid(DomainError):
    """A link that was tampered with, already used, or too old."""

    MESSAGES = {
        "invalid": ("만족도 조사 링크가 올바르지 않습니다.", "This survey link is not valid."),
        "used": ("이미 만족도를 남겨 주셨습니다. 감사합니다.", "You have already rated this answer. Thank you."),
        "expired": ("만족도 조사 기간이 지났습니다.", "This survey link has expired."),
    }

    def __init__(self, reason: str):
        ko, en = self.MESSAGES[reason]
        super().__init__(f"rating_link_{reason}", ko, en, status=410 if reason != "invalid" else 404)
        self.reason = reason


def ask_after_solve(ticket: Ticket, now: datetime) -> SatisfactionRating:
    """The question for this solve of the ticket (its n-th): who solved it, in which queue."""
    asked = db.session.scalar(select(func.count(SatisfactionRating.id))
                              .where(SatisfactionRating.ticket_id == ticket.id)) or 0
    row = SatisfactionRating(ticket_id=ticket.id, solve_number=asked + 1, assignee_id=ticket.assignee_id,
                             queue_id=ticket.queue_id, asked_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def link_token(rating_id: int) -> str:
    """The signed token of a rating's link (``/csat/<token>``)."""
    return _serializer().dumps({"r": rating_id})


def rating_link(rating_id: int) -> str:
    """The full link for emails."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/csat/{link_token(rating_id)}"


def rating_for_token(token: str, now: datetime) -> SatisfactionRating:
    """The question a link names, still open; RatingLinkInvalid when forged, used, or expired."""
    try:
        payload = _serializer().loads(token or "")
        rating_id = int(payload["r"]) if isinstance(payload, dict) else None
    except (BadData, KeyError, TypeError, ValueError):
        rating_id = None
    row = db.session.get(SatisfactionRating, rating_id) if rating_id and 0 < rating_id < 2**31 else None
    if row is None:
        raise RatingLinkInvalid("invalid")
    if row.rated_at is not None:
        raise RatingLinkInvalid("used")
    if now - row.asked_at > timedelta(days=current_app.config["CSAT_LINK_DAYS"]):
        raise RatingLinkInvalid("expired")
    return row


def rate(token: str, score: object, comment: str | None, now: datetime) -> SatisfactionRating:
    """Record the customer's answer (1–5, an optional comment) once."""
    row = rating_for_token(token, now)
    value = int(score) if isinstance(score, int | str) and str(score).strip() in {str(s) for s in SCORES} else None
    text = (comment or "").strip()
    if value is None:
        raise invalid({"rating": "required"}, "1점부터 5점까지 골라 주세요.", "Choose from 1 to 5.")
    if len(text) > COMMENT_MAX:
        raise invalid({"comment": "too_long"}, f"의견은 {COMMENT_MAX}자까지 쓸 수 있습니다.",
                      f"A comment can be at most {COMMENT_MAX} characters.")
    done = db.session.execute(
        update(SatisfactionRating).where(SatisfactionRating.id == row.id, SatisfactionRating.rated_at.is_(None))
        .values(rating=value, comment=text or None, rated_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise RatingLinkInvalid("used")
    db.session.expire(row)
    return row


def latest_question(ticket: Ticket) -> SatisfactionRating | None:
    """The question of the ticket's latest solve while it is unanswered."""
    row = db.session.scalar(select(SatisfactionRating).where(SatisfactionRating.ticket_id == ticket.id)
                            .order_by(SatisfactionRating.solve_number.desc()).limit(1))
    return row if row is not None and row.rated_at is None else None


def open_question(user: User, ticket: Ticket, now: datetime) -> SatisfactionRating | None:
    """What the inquiry page asks its requester: the latest solve's question while the ticket is
    solved (or closed) and the link still works."""
    if user.id != ticket.requester_id or ticket.status not in (Status.SOLVED, Status.CLOSED):
        return None
    row = latest_question(ticket)
    if row is None or now - row.asked_at > timedelta(days=current_app.config["CSAT_LINK_DAYS"]):
        return None
    return row


def answer_for(actor: User, ticket: Ticket) -> SatisfactionRating | None:
    """The ticket's latest answer as the desk shows it: to the agent it is about, and to leads and admins."""
    row = answer_of(ticket)
    if row is None or not access.can_see_rating(actor.actor(), assignee_id=row.assignee_id):
        return None
    return row


def answer_of(ticket: Ticket) -> SatisfactionRating | None:
    """The latest answered rating of a ticket (its requester sees their own answer)."""
    return db.session.scalar(select(SatisfactionRating).where(SatisfactionRating.ticket_id == ticket.id,
                                                               SatisfactionRating.rated_at.is_not(None))
                             .order_by(SatisfactionRating.solve_number.desc()).limit(1))


@dataclass
class RatingSummary:
    """An agent's (or everyone's) answers: how many, the average, and the answers newest first."""

    count: int
    average: float | None
    answers: list[SatisfactionRating]


def ratings_for(actor: User, *, agent_id: int | None = None, limit: int = 100) -> RatingSummary:
    """Agents read the answers to their own solves; leads and admins anyone's (``agent_id``) or all."""
    me = actor.actor()
    if not access.is_staff(me):
        raise Forbidden("만족도는 상담원만 볼 수 있습니다.", "Only staff can see ratings.")
    if not access.can_see_reports(me):
        agent_id = actor.id
    answered = SatisfactionRating.rated_at.is_not(None)
    where = [answered] + ([SatisfactionRating.assignee_id == agent_id] if agent_id is not None else [])
    count, average = db.session.execute(select(func.count(SatisfactionRating.id),
                                               func.avg(SatisfactionRating.rating)).where(*where)).one()
    answers = list(db.session.scalars(select(SatisfactionRating).where(*where)
                                      .order_by(SatisfactionRating.rated_at.desc()).limit(limit)))
    return RatingSummary(int(count or 0), round(float(average), 2) if average is not None else None, answers)


@dataclass
class AgentRatings:
    agent_id: int | None
    name: str
    count: int
    average: float | None


def ratings_by_agent(actor: User, since: datetime, until: datetime) -> list[AgentRatings]:
    """Each agent's answer count and average for answers given in [since, until) (leads and admins)."""
    if not access.can_see_reports(actor.actor()):
        raise Forbidden("보고서는 팀장과 관리자만 볼 수 있습니다.", "Only leads and admins can see reports.")
    rows = db.session.execute(
        select(SatisfactionRating.assignee_id, func.count(SatisfactionRating.id), func.avg(SatisfactionRating.rating))
        .where(SatisfactionRating.rated_at >= since, SatisfactionRating.rated_at < until)
        .group_by(SatisfactionRating.assignee_id)).all()
    names = {u.id: u.name for u in db.session.scalars(
        select(User).where(User.id.in_([r[0] for r in rows if r[0]] or [-1])))}
    out = [AgentRatings(agent, names.get(agent, "") if agent else "", int(n), round(float(avg), 2))
           for agent, n, avg in rows]
    return sorted(out, key=lambda a: (-a.count, a.name))
