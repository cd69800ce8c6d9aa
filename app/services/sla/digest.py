"""A lead's daily SLA summary: one notice (and email) a day instead of one per warning and breach.

A lead hears of every SLA warning and breach in the queues they belong to (every queue when
no lead belongs to it; ``clock.queue_leads``). With ``User.sla_digest`` on, the sweep leaves
them out (``wants_each_alert``) and this sends one summary at ``DIGEST_HOUR`` Seoul time of
what the sweep recorded since the last one: counts by target and the tickets, newest first.
The day is claimed per lead by a conditional UPDATE of ``sla_digest_sent_on``, so two workers
running it at once send one summary. The assignee of a ticket is still told at once.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select, update

from app.domain import access
from app.domain.errors import Forbidden
from app.domain.vocabulary import SEOUL, Role
from app.extensions import db
from app.models import SlaEvent, SupportQueue, Ticket, User
from app.models.support_queue import queue_members
from app.services.outbox import defer

DIGEST_HOUR = 9          # Seoul time: the summary of the last day arrives with the morning
MAX_DAYS_BACK = 7        # a summary never reaches further back than this (a worker down for weeks)
LISTED = 20              # tickets named in one summary (the counts cover all of them)
ALERT_KINDS = ("warned", "breached")


def set_sla_digest(actor: User, daily: bool) -> User:
    """Choose one summary a day (``daily``) or a notice per warning and breach (leads only)."""
    if not access.can_choose_sla_digest(actor.actor()):
        raise Forbidden("SLA 요약은 팀장만 고를 수 있습니다.", "Only leads can choose the SLA summary.")
    actor.sla_digest = bool(daily)
    return actor


def wants_each_alert(user: User) -> bool:
    """False for a lead who takes the daily summary instead."""
    return not (user.sla_digest and access.can_choose_sla_digest(user.actor()))


def _at_hour(day: date) -> datetime:
    return datetime.combine(day, time(DIGEST_HOUR), tzinfo=SEOUL)


def _queues_of(lead: User) -> list[int]:
    """The queues whose alerts reach ``lead``: theirs, and those no lead belongs to."""
    led = select(queue_members.c.queue_id).join(User, User.id == queue_members.c.user_id).where(
        User.role == Role.LEAD, User.active.is_(True))
    orphan = select(SupportQueue.id).where(SupportQueue.id.not_in(led))
    own = select(queue_members.c.queue_id).where(queue_members.c.user_id == lead.id)
    return sorted(set(db.session.scalars(own)) | set(db.session.scalars(orphan)))


def summary_for(lead: User, since: datetime, until: datetime) -> dict | None:
    """What the sweep recorded in [since, until) on the lead's queues' tickets, or None if nothing."""
    queue_ids = _queues_of(lead)
    if not queue_ids:
        return None
    rows = db.session.execute(
        select(SlaEvent.kind, SlaEvent.metric, SlaEvent.at, Ticket.number, Ticket.subject, SlaEvent.detail)
        .join(Ticket, Ticket.id == SlaEvent.ticket_id)
        .where(SlaEvent.kind.in_(ALERT_KINDS), SlaEvent.at >= since, SlaEvent.at < until,
               Ticket.queue_id.in_(queue_ids))
        .order_by(SlaEvent.at.desc(), SlaEvent.id.desc())).all()
    if not rows:
        return None
    counts: dict[str, dict[str, int]] = {kind: {} for kind in ALERT_KINDS}
    for kind, metric, *_ in rows:
        counts[kind][metric] = counts[kind].get(metric, 0) + 1
    # The drill-down lists breaches by due time: from the earliest target's due day (a sweep that
    # was down records late) to the summary's end.
    dues = [datetime.fromisoformat(d["due_at"]) for *_, d in rows if (d or {}).get("due_at")]
    return {"since": since.isoformat(), "until": until.isoformat(),
            "first_due": min([since, *dues]).isoformat(),
            "breached": sum(counts["breached"].values()), "warned": sum(counts["warned"].values()),
            "counts": counts, "more": max(0, len(rows) - LISTED),
            "tickets": [{"kind": kind, "metric": metric, "at": at.isoformat(), "ticket_number": number,
                         "subject": subject} for kind, metric, at, number, subject, _detail in rows[:LISTED]]}


def send_sla_digests(now: datetime) -> int:
    """Send today's summary to each lead who chose one, once, from ``DIGEST_HOUR`` on; returns how many."""
    today = now.astimezone(SEOUL).date()
    until = _at_hour(today)
    if now < until:
        return 0
    leads = db.session.scalars(
        select(User).where(User.role == Role.LEAD, User.active.is_(True), User.sla_digest.is_(True),
                           or_(User.sla_digest_sent_on.is_(None), User.sla_digest_sent_on < today))
        .order_by(User.id)).all()
    sent = 0
    for lead in leads:
        last = lead.sla_digest_sent_on
        claimed = db.session.execute(
            update(User).where(User.id == lead.id, User.sla_digest.is_(True),
                               or_(User.sla_digest_sent_on.is_(None), User.sla_digest_sent_on < today))
            .values(sla_digest_sent_on=today).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        since = max(_at_hour(last) if last else until - timedelta(days=1), until - timedelta(days=MAX_DAYS_BACK))
        summary = summary_for(lead, since, until)
        if summary is None:
            continue          # a quiet day: no summary to read
        data = {**summary, "day": today.isoformat(), "link_path": "/desk/reports/breaches?" + _range_query(
            datetime.fromisoformat(summary["first_due"]), until)}
        defer("notify", {"user_id": lead.id, "ticket_id": None, "kind": "sla_digest", "data": data}, now)
        defer("email", {"user_id": lead.id, "ticket_id": None, "template": "sla_digest", "data": data}, now,
              queue="email")
        sent += 1
    return sent


def _range_query(since: datetime, until: datetime) -> str:
    first = since.astimezone(SEOUL).date()
    last = (until - timedelta(microseconds=1)).astimezone(SEOUL).date()
    return f"from={first.isoformat()}&to={last.isoformat()}"
