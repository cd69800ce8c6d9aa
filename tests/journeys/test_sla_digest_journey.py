"""A lead who is tired of a notice per SLA breach chooses one summary a day on the notifications
page; the sweep then tells the assignee at once and the lead nothing, and at 09:00 KST the
next morning the lead gets one summary naming each target of each ticket, in-app and by email,
once however often the job runs."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.domain.errors import Forbidden
from app.domain.vocabulary import SEOUL
from app.extensions import db
from app.jobs.periodic import SCHEDULE, sla_digest_job
from app.models import Notification
from app.services import unit_of_work
from app.services.sla.digest import send_sla_digests, set_sla_digest
from app.services.sla.sweep import sweep
from app.services.tickets.core import update_ticket
from tests.factories import PASSWORD, make_ticket, make_user
from tests.journeys.browser import links_in, mail_to


def kst(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SEOUL)


def notices(user, kind=None):
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def test_a_lead_chooses_the_daily_summary_and_reads_it_the_next_morning(app, browser, mail_dir):
    customer = make_user("customer")
    agent = make_user("agent", name="김상담", queues=["general"])
    lead = make_user("lead", name="박팀장", email="lead@test.munui.kr", queues=["general"])
    other_lead = make_user("lead", name="이팀장", queues=["general"])

    me = browser()
    me.sign_in(lead.email, PASSWORD)
    page = me.get("/notifications")
    form = page.form(action="/notifications/sla-digest")
    page = form.fill(sla_digest="daily").submit()
    assert page.path == "/notifications"
    assert any("하루 한 번 요약" in f for f in page.flashes())
    db.session.refresh(lead)
    assert lead.sla_digest is True

    ticket = make_ticket(customer, subject="배송이 안 와요", now=kst(11, 2, 10))   # 보통 on business hours
    update_ticket(agent, ticket, assignee_id=agent.id, now=kst(11, 2, 10, 5))
    unit_of_work.commit()
    # Weeks later one sweep finds the first response and the resolution overdue (Mon 11/30 10:00).
    assert sweep(kst(11, 30, 10)).breached == 2
    unit_of_work.commit()
    assert sorted(n.data["metric"] for n in notices(agent, "sla_breach")) == ["first_response", "resolution"]
    assert sorted(n.data["metric"] for n in notices(other_lead, "sla_breach")) == ["first_response", "resolution"]
    assert notices(lead, "sla_breach") == []          # the lead chose the summary

    # Before 09:00 KST the next day nothing is sent; at 09:00 one summary, once.
    assert send_sla_digests(kst(12, 1, 8, 59)) == 0
    assert ("app.jobs.periodic.sla_digest_job", "default", 900) in SCHEDULE
    assert sla_digest_job(now=kst(12, 1, 9, 0)) == 1
    assert sla_digest_job(now=kst(12, 1, 9, 15)) == 0
    assert sla_digest_job(now=kst(12, 1, 23, 45)) == 0
    [summary] = notices(lead, "sla_digest")
    assert (summary.data["breached"], summary.data["warned"]) == (2, 0)
    assert {(t["ticket_number"], t["metric"]) for t in summary.data["tickets"]} == {
        (ticket.number, "first_response"), (ticket.number, "resolution")}
    assert notices(other_lead, "sla_digest") == []    # who did not choose it gets none

    page = me.get("/notifications")
    assert "SLA 요약: 기한 초과 2건, 곧 기한 초과 0건" in page.text and ticket.number in page.text
    opened = page.form(action=f"/notifications/{summary.id}/open").submit()
    assert opened.path == "/desk/reports/breaches" and ticket.number in opened.text

    [email] = mail_to(mail_dir, "lead@test.munui.kr")
    assert "[Munui SLA] 요약: 기한 초과 2건" in email
    assert f"{ticket.number} · 첫 응답 기한 초과 · 배송이 안 와요" in email
    assert f"{ticket.number} · 해결 기한 초과" in email
    assert any("/desk/reports/breaches?from=2026-11-03&to=2026-12-01" in link for link in links_in(email))

    # A quiet next day sends nothing; switching back to one notice each is on the same form.
    assert sla_digest_job(now=kst(12, 2, 9, 0)) == 0
    page = me.get("/notifications").form(action="/notifications/sla-digest").fill(sla_digest="each").submit()
    assert any("건마다" in f for f in page.flashes())
    db.session.refresh(lead)
    assert lead.sla_digest is False


def test_only_leads_choose_the_summary(app, browser):
    agent = make_user("agent", queues=["general"])
    me = browser()
    me.sign_in(agent.email, PASSWORD)
    page = me.get("/notifications")
    assert not page.has_form(action="/notifications/sla-digest")
    refused = me.client.post("/notifications/sla-digest", data={"sla_digest": "daily"})   # no CSRF token
    assert refused.status_code == 400
    with pytest.raises(Forbidden):
        set_sla_digest(agent, True)
    db.session.rollback()
    db.session.refresh(agent)
    assert agent.sla_digest is False
