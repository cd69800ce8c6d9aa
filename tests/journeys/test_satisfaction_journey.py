"""만족도: a solved inquiry's customer rates the answer from the email's link without signing in,
once per solve; the agent reads their own ratings, the lead everyone's; old, used and forged
links say so."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.extensions import db
from app.models import SatisfactionRating
from app.services import unit_of_work
from app.services.tickets.core import add_message, update_ticket
from tests.factories import PASSWORD, make_ticket, make_user
from tests.journeys.browser import mail_to

LINK = re.compile(r"https?://[^\s\"<>]+/csat/[A-Za-z0-9._-]+")


def solve(agent, ticket, when=None):
    when = when or datetime.now(UTC)
    add_message(agent, ticket, body="확인 후 처리했습니다.", internal=False, files=[], now=when)
    update_ticket(agent, ticket, status="solved", now=when)
    unit_of_work.commit()


def survey_links(mail_dir, address) -> list[str]:
    solved = [m for m in mail_to(mail_dir, address) if "해결되었습니다" in m]
    return [urlsplit(link).path for m in solved for link in LINK.findall(m)]


def answers() -> int:
    return db.session.scalar(select(func.count(SatisfactionRating.id)).where(
        SatisfactionRating.rated_at.is_not(None)))


def test_the_customer_rates_from_the_email_once_and_the_agent_and_lead_read_it(app, browser, mail_dir):
    customer = make_user("customer", name="김민지", email="minji@example.com")
    agent = make_user("agent", name="김상담", email="agent@test.munui.kr", queues=["general"])
    make_user("agent", name="이상담", email="other@test.munui.kr", queues=["general"])
    make_user("lead", name="박팀장", email="lead@test.munui.kr")
    ticket = make_ticket(customer, subject="재입고 문의")
    update_ticket(agent, ticket, assignee_id=agent.id, now=datetime.now(UTC))
    solve(agent, ticket)

    (link,) = survey_links(mail_dir, "minji@example.com")
    stranger = browser()  # the link works without signing in
    page = stranger.get(link)
    assert page.status == 200 and ticket.number in page.text and "매우 만족" in page.text
    missing = page.form(action="/csat/").submit()
    assert missing.status == 422 and "1점부터 5점까지 골라 주세요" in missing.text and answers() == 0
    done = page.form(action="/csat/").fill(rating="5", comment="빠른 답변 감사합니다 <b>굿</b>").submit()
    assert done.status == 200 and "소중한 의견 감사합니다" in done.text and answers() == 1
    again = stranger.get(link)
    assert again.status == 410 and "이미 만족도를 남겨 주셨습니다" in again.text
    assert page.form(action="/csat/").fill(rating="1").submit().status == 410   # the same form, twice
    assert db.session.scalars(select(SatisfactionRating)).one().rating == 5

    desk = browser()
    desk.sign_in("agent@test.munui.kr", PASSWORD)
    mine = desk.get("/desk/ratings")
    assert "5점" in mine.text and "빠른 답변 감사합니다 <b>굿</b>" in mine.text and "<b>굿</b>" not in mine.html
    assert "5점" in desk.get(f"/desk/tickets/{ticket.number}").soup.select_one("#rating").get_text()
    colleague = browser()
    colleague.sign_in("other@test.munui.kr", PASSWORD)
    assert "아직 남겨진 만족도가 없습니다" in colleague.get("/desk/ratings").text
    assert colleague.get(f"/desk/tickets/{ticket.number}").soup.select_one("#rating") is None

    lead = browser()
    lead.sign_in("lead@test.munui.kr", PASSWORD)
    report = lead.get("/desk/reports")
    row = report.soup.select_one(f'.csat-table tr[data-agent="{agent.id}"]')
    assert row is not None and [td.get_text() for td in row.find_all("td")] == ["1", "5.0"]
    assert "빠른 답변 감사합니다" in lead.get("/desk/ratings").text


def test_a_reopened_and_resolved_ticket_asks_again(app, browser, mail_dir):
    customer = make_user("customer", email="minji@example.com")
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(customer)
    solve(agent, ticket)
    me = browser()
    me.sign_in("minji@example.com", PASSWORD)
    page = me.get(f"/inquiries/{ticket.number}")
    assert page.soup.select_one("#rating form") is not None  # the inquiry page asks too
    rated = page.form(action="/csat/").fill(rating="2", comment="").submit()
    assert rated.path == f"/inquiries/{ticket.number}" and "남겨 주신 만족도: 2점" in rated.text

    add_message(customer, ticket, body="다시 문의드립니다", internal=False, files=[], now=datetime.now(UTC))
    unit_of_work.commit()
    assert me.get(f"/inquiries/{ticket.number}").soup.select_one("#rating form") is None  # open again
    solve(agent, ticket)
    links = survey_links(mail_dir, "minji@example.com")
    assert len(links) == 2 and links[0] != links[1]
    assert me.get(links[0]).status == 410                  # the first solve's link was used
    second = me.get(links[1]).form(action="/csat/").fill(rating="4").submit()
    assert "소중한 의견 감사합니다" in second.text
    assert sorted(r.rating for r in db.session.scalars(select(SatisfactionRating))) == [2, 4]


def test_old_and_forged_links_say_so(app, browser, mail_dir):
    customer = make_user("customer", email="minji@example.com")
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(customer, now=datetime.now(UTC) - timedelta(days=20))
    solve(agent, ticket, when=datetime.now(UTC) - timedelta(days=15))  # CSAT_LINK_DAYS is 14
    (link,) = survey_links(mail_dir, "minji@example.com")
    someone = browser()
    old = someone.get(link)
    assert old.status == 410 and "만족도 조사 기간이 지났습니다" in old.text
    forged = someone.get(link[:-3] + ("abc" if not link.endswith("abc") else "xyz"))
    assert forged.status == 404 and "링크가 올바르지 않습니다" in forged.text
    assert someone.get("/csat/not-a-token").status == 404
    assert answers() == 0
