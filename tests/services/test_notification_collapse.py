"""Issue 9, notifications: identical notices to one person about one ticket within a minute are
shown once; the list is in the order things happened; a status change says the new status."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification, OutboxEvent
from app.services import unit_of_work
from app.services.notifications import recent_for
from app.services.sla.sweep import sweep
from app.services.tickets.core import update_ticket
from tests.factories import make_ticket, make_user

KST = ZoneInfo("Asia/Seoul")


def kst(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=KST)


def _notices(user, kind=None) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def test_one_sweep_breaching_two_timers_tells_each_person_which_targets(app, web_app, make_client):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    lead = make_user("lead", queues=["general"])
    ticket = make_ticket(customer, now=kst(11, 2, 10))   # 보통: first response 1, resolution 5 business days
    update_ticket(agent, ticket, assignee_id=agent.id, now=kst(11, 2, 10, 5))
    unit_of_work.commit()
    # Weeks later the sweep finds the first response and the resolution both overdue at once.
    result = sweep(kst(11, 30, 10))
    unit_of_work.commit()
    assert result.breached == 2
    for person in (agent, lead):
        # two different notices, each naming its target — not two copies of "SLA 기한을 넘겼습니다"
        assert sorted(n.data["metric"] for n in _notices(person, "sla_breach")) == ["first_response", "resolution"]
    from tests.factories import sign_in

    browser = make_client()
    sign_in(browser, agent)
    page = browser.get("/notifications").get_data(as_text=True)
    assert "첫 응답 기한을 넘겼습니다" in page and "해결 기한을 넘겼습니다" in page
    # Each email names its metric too.
    emails = db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "email")).all()
    assert sorted(e.payload["data"]["metric"] for e in emails
                  if e.payload["user_id"] == agent.id and e.payload["template"] == "sla_breach") == \
        ["first_response", "resolution"]


def test_the_same_status_twice_within_a_minute_is_one_notice_across_requests(app):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(customer, now=kst(11, 25, 10))
    at = kst(11, 25, 11)
    for offset, status in ((0, "pending"), (20, "open"), (40, "pending")):
        update_ticket(agent, ticket, status=status, now=at + timedelta(seconds=offset))
        unit_of_work.commit()   # three separate transactions, each handed to the notify job
    assert [n.data["status"] for n in _notices(customer, "status_changed")] == ["pending", "open"]
    # A minute later it is news again.
    update_ticket(agent, ticket, status="open", now=at + timedelta(minutes=2))
    unit_of_work.commit()
    assert [n.data["status"] for n in _notices(customer, "status_changed")] == ["pending", "open", "open"]
    # The job stays idempotent: running an event again adds nothing.
    from app.jobs.dispatch import process_event

    before = db.session.scalar(select(func.count(Notification.id)))
    for event in db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "notify")).all():
        process_event(event.id)
    assert db.session.scalar(select(func.count(Notification.id))) == before


def test_notifications_are_listed_newest_change_first(app):
    customer = make_user("customer")
    ticket = make_ticket(customer, now=kst(11, 25, 10))
    # A notice relayed late has a higher id but an older time.
    for hour in (15, 9, 12):
        db.session.add(Notification(user_id=customer.id, ticket_id=ticket.id, kind="agent_replied",
                                    data={"ticket_number": ticket.number, "subject": ticket.subject},
                                    created_at=kst(11, 26, hour)))
    unit_of_work.commit()
    hours = [n.created_at.astimezone(KST).hour for n in recent_for(customer) if n.kind == "agent_replied"]
    assert hours == [15, 12, 9]
