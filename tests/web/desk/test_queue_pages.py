"""Paging through a desk view as an agent does: 다음 and 이전 links, the count, a moving queue.

Pages after the first are read after the previous page's last row (a keyset cursor in the
다음 link), so a ticket that gets new activity while the agent reads page 1 does not push a
row they have seen onto page 2; the count stops at ``COUNT_CAP`` and says so ("10,000+").
"""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from app.services import unit_of_work
from app.services.tickets import core
from app.services.tickets.core import add_message
from tests.factories import login, make_ticket, make_user

START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
NUMBER = re.compile(r'name="numbers" value="(M-\d{8}-\d{4})"')
NEXT = re.compile(r'<a href="([^"]+)">다음 ›</a>')
PREVIOUS = re.compile(r'<a href="([^"]+)">‹ 이전</a>')


def _desk(app, make_client, count: int):
    customer = make_user("customer", name="김민지")
    agent = make_user("agent", name="김상담", queues=["general"])
    # One a minute: the newest activity first is the reverse of filing order.
    numbers = [make_ticket(customer, subject=f"재입고 문의 {i}", now=START + timedelta(minutes=i)).number
               for i in range(count)]
    browser = make_client()
    login(browser, agent)
    return browser, list(reversed(numbers)), agent


def _read(browser, url):
    response = browser.get(url)
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    return page, NUMBER.findall(page)


def test_an_agent_pages_through_a_view_with_the_next_and_previous_links(app, make_client):
    browser, newest_first, _agent = _desk(app, make_client, 120)
    page, rows = _read(browser, "/desk?view=open")
    assert rows == newest_first[:50]
    assert "1 / 3" in page and '<span class="count">120</span>' in page and not PREVIOUS.search(page)
    second, rows = _read(browser, NEXT.search(page).group(1))
    assert "after=" in NEXT.search(page).group(1)
    assert rows == newest_first[50:100] and "2 / 3" in second
    third, rows = _read(browser, NEXT.search(second).group(1))
    assert rows == newest_first[100:] and "3 / 3" in third and not NEXT.search(third)
    back, rows = _read(browser, PREVIOUS.search(third).group(1))
    assert rows == newest_first[50:100]


def test_new_activity_while_reading_does_not_repeat_a_row_on_the_next_page(app, make_client):
    browser, newest_first, agent = _desk(app, make_client, 60)
    page, first_rows = _read(browser, "/desk?view=open")
    # Meanwhile the customer writes again on the oldest ticket: it jumps to the top.
    from app.extensions import db
    from app.models import Ticket

    oldest = db.session.scalar(db.select(Ticket).where(Ticket.number == newest_first[-1]))
    add_message(oldest.requester, oldest, body="아직 답이 없어요", internal=False, files=[],
                now=START + timedelta(hours=5))
    unit_of_work.commit()
    _, rows = _read(browser, NEXT.search(page).group(1))
    # Page 2 starts right after the last row read; an offset would have shown row 50 again.
    assert rows == newest_first[50:-1] and not set(rows) & set(first_rows)


def test_a_bad_cursor_starts_over_and_the_count_stops_at_the_cap(app, make_client, monkeypatch):
    browser, newest_first, _agent = _desk(app, make_client, 12)
    _, rows = _read(browser, "/desk?view=open&page=2&after=%27%3Bdrop%20table")
    assert rows == []       # page 2 by number: past the 12 tickets, nothing, and no error
    _, rows = _read(browser, "/desk?view=open&after=2026-13-99~x")
    assert rows == newest_first
    monkeypatch.setattr(core, "COUNT_CAP", 10)
    page, rows = _read(browser, "/desk?view=open")
    assert '<span class="count">10+</span>' in page and rows == newest_first
