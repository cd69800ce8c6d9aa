"""What people see of the SLA: badges, the breaching-soon view, the customer's expected answer time."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.services import unit_of_work
from app.services.tickets.core import update_ticket
from tests.factories import login, make_ticket, make_user


def test_breaching_soon_lists_running_clocks_nearest_first(app, client):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    now = datetime.now(UTC)
    later = make_ticket(customer, subject="늦게 접수", now=now - timedelta(minutes=5))
    earlier = make_ticket(customer, subject="먼저 접수", now=now - timedelta(days=3))
    waiting = make_ticket(customer, subject="고객 대기", now=now - timedelta(days=5))
    update_ticket(agent, waiting, status="pending", now=now - timedelta(days=4))
    unit_of_work.commit()
    login(client, agent)
    page = client.get("/desk?view=breaching").get_data(as_text=True)
    assert page.index(earlier.number) < page.index(later.number)
    assert waiting.number not in page  # its clock stands still
    assert 'class="sla sla-breached"' in page
    assert 'src="/static/js/sla.js"' in page
    badge = re.search(r'data-sla-due="([^"]+)"', page).group(1)
    assert datetime.fromisoformat(badge).tzinfo is not None


def test_ticket_page_shows_due_times_and_paused_clock(app, client):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(customer)
    login(client, agent)
    page = client.get(f"/desk/tickets/{ticket.number}").get_data(as_text=True)
    assert "SLA · 보통" in page and "첫 응답 기한" in page and "해결 기한" in page
    assert 'class="sla sla-ok"' in page and "남음" in page
    update_ticket(agent, ticket, status="pending", now=datetime.now(UTC))
    unit_of_work.commit()
    page = client.get(f"/desk/tickets/{ticket.number}").get_data(as_text=True)
    # While waiting on the customer the due times are unknown: the clock stands still.
    assert "첫 응답 기한" not in page and "시계가 멈춰 있습니다" in page
    assert 'class="sla sla-paused"' in page and "일시정지" in page


def test_customer_sees_when_to_expect_an_answer(app, client):
    customer = make_user("customer")
    login(client, customer)
    response = client.post_form("/inquiries/new", {"category": "product", "subject": "재입고 문의",
                                                   "body": "언제 들어오나요?"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    expected = r"영업일 기준 \d+월 \d+일\([월화수목금]\) (오전|오후) \d+시( \d+분)?까지 답변드릴 예정입니다"
    assert re.search(expected, page)
    english = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert "We expect to answer by" in english.get_data(as_text=True)
