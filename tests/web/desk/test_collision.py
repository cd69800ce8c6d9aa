"""Collision detection: agents see who else has a ticket open or is typing, and a reply
written while someone else answered asks for confirmation instead of being sent."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import Message, Ticket, TicketPresence
from app.services import unit_of_work
from app.services.desk import presence
from tests.factories import login, make_ticket, make_user

SEEN_RE = re.compile(r'name="seen_message_id" value="(\d+)"')


def _browser(make_client, user):
    browser = make_client()
    login(browser, user)
    return browser


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _ping(browser, number: str, typing: bool = False, *, token: str | None = "page"):
    headers = {}
    if token == "page":
        token = browser.csrf_token()
    if token:
        headers["X-CSRFToken"] = token
    return browser.post(f"/desk/tickets/{number}/presence", json={"typing": typing}, headers=headers)


def _banner(page: str) -> str:
    """The presence banner's text."""
    return page.split('id="presence"', 1)[1].split("</div>", 1)[0]


def _seen(page: str) -> str:
    match = SEEN_RE.search(page)
    assert match, "the reply form carries no seen_message_id"
    return match.group(1)


def _messages(ticket_id: int) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.ticket_id == ticket_id).order_by(Message.id)))


def _setup():
    customer = make_user("customer")
    ticket = make_ticket(customer)
    first = make_user("agent", name="김상담", queues=["general"])
    second = make_user("agent", name="이상담", queues=["general"])
    return customer, ticket, first, second


def test_a_second_agent_sees_the_first_viewing_then_typing(app, make_client):
    _customer, ticket, first, second = _setup()
    a, b = _browser(make_client, first), _browser(make_client, second)

    assert a.get(f"/desk/tickets/{ticket.number}").status_code == 200
    assert _ping(a, ticket.number).status_code == 200  # what presence.js does as the page loads
    page = _page(b.get(f"/desk/tickets/{ticket.number}"))
    assert "이 문의를 김상담 님이 보고 있습니다" in _banner(page)
    assert "이상담" not in _banner(page)  # never yourself
    assert "js/presence.js" in page

    response = _ping(b, ticket.number)
    assert response.status_code == 200
    assert response.get_json()["others"] == [{"name": "김상담", "typing": False}]
    assert response.headers["Cache-Control"] == "private, no-store"

    assert _ping(a, ticket.number, typing=True).status_code == 200
    assert _ping(b, ticket.number).get_json()["others"] == [{"name": "김상담", "typing": True}]
    assert "김상담 님이 답변을 작성하고 있습니다" in _banner(_page(b.get(f"/desk/tickets/{ticket.number}")))
    # and A sees B, who is only viewing
    assert _ping(a, ticket.number, typing=True).get_json()["others"] == [{"name": "이상담", "typing": False}]

    # A stops typing, then leaves the page
    assert _ping(a, ticket.number).status_code == 200
    assert _ping(b, ticket.number).get_json()["others"] == [{"name": "김상담", "typing": False}]
    left = a.post(f"/desk/tickets/{ticket.number}/presence", json={"leave": True},
                  headers={"X-CSRFToken": a.csrf_token()})
    assert left.status_code == 200
    assert _ping(b, ticket.number).get_json()["others"] == []


def test_the_poll_reports_the_newest_message_including_notes(app, make_client):
    _customer, ticket, first, second = _setup()
    a, b = _browser(make_client, first), _browser(make_client, second)
    before = _ping(a, ticket.number).get_json()["last_message_id"]
    assert before == _messages(ticket.id)[-1].id
    b.post_form(f"/desk/tickets/{ticket.number}/messages", {"body": "확인 중입니다.", "internal": "y"})
    assert _ping(a, ticket.number).get_json()["last_message_id"] == _messages(ticket.id)[-1].id > before


def test_presence_older_than_twenty_seconds_is_not_shown(app, make_client):
    _customer, ticket, first, second = _setup()
    a, b = _browser(make_client, first), _browser(make_client, second)
    assert _ping(a, ticket.number, typing=True).status_code == 200
    db.session.execute(update(TicketPresence).where(TicketPresence.user_id == first.id)
                       .values(seen_at=datetime.now(UTC) - timedelta(seconds=21)))
    unit_of_work.commit()

    assert _ping(b, ticket.number).get_json()["others"] == []
    page = _page(b.get(f"/desk/tickets/{ticket.number}"))
    assert "김상담" not in _banner(page)
    assert "presence-line" not in page


def test_presence_service_freshness_and_upsert(app, now):
    _customer, ticket, first, second = _setup()
    presence.touch(first, ticket, typing=False, now=now)
    presence.touch(first, ticket, typing=True, now=now + timedelta(seconds=3))  # updates, no second row
    unit_of_work.commit()
    assert db.session.scalar(select(db.func.count()).select_from(TicketPresence)) == 1
    assert presence.others(second, ticket, now + timedelta(seconds=23)) == [{"name": "김상담", "typing": True}]
    assert presence.others(second, ticket, now + timedelta(seconds=24)) == []
    assert presence.others(first, ticket, now) == []
    presence.leave(first, ticket)
    unit_of_work.commit()
    assert presence.others(second, ticket, now) == []


def test_presence_is_for_staff_of_the_ticket_queue_only(app, make_client):
    customer, ticket, _first, _second = _setup()
    outsider = make_user("agent", queues=["orders"])
    lead = make_user("lead", name="박팀장")

    assert _ping(_browser(make_client, customer), ticket.number).status_code == 403
    assert _ping(_browser(make_client, outsider), ticket.number).status_code == 404
    assert _ping(_browser(make_client, lead), ticket.number).status_code == 200
    assert db.session.scalars(select(TicketPresence.user_id)).all() == [lead.id]


def test_presence_without_the_csrf_header_is_refused(app, make_client):
    _customer, ticket, first, _second = _setup()
    a = _browser(make_client, first)
    assert _ping(a, ticket.number, token=None).status_code == 400
    assert _ping(a, ticket.number, token="not-a-token").status_code == 400
    assert db.session.scalars(select(TicketPresence)).all() == []


def test_presence_needs_a_json_object(app, make_client):
    _customer, ticket, first, _second = _setup()
    a = _browser(make_client, first)
    response = a.post(f"/desk/tickets/{ticket.number}/presence", data="typing",
                      headers={"X-CSRFToken": a.csrf_token()})
    assert response.status_code == 400


def test_a_reply_written_while_someone_else_answered_asks_first(app, make_client):
    _customer, ticket, first, second = _setup()
    a, b = _browser(make_client, first), _browser(make_client, second)
    seen = _seen(_page(a.get(f"/desk/tickets/{ticket.number}")))
    assert _seen(_page(b.get(f"/desk/tickets/{ticket.number}"))) == seen

    sent = b.post_form(f"/desk/tickets/{ticket.number}/messages",
                       {"body": "이상담 답변: 내일 재입고됩니다.", "seen_message_id": seen})
    assert sent.status_code == 302
    count = len(_messages(ticket.id))

    draft = "김상담 초안: 재입고 일정은 <미정>입니다."
    response = a.post_form(f"/desk/tickets/{ticket.number}/messages", {"body": draft, "seen_message_id": seen})
    assert response.status_code == 409
    page = _page(response)
    assert len(_messages(ticket.id)) == count  # nothing sent
    assert "이상담 답변: 내일 재입고됩니다." in page.split('id="reply-conflict"')[1]
    assert "conflict-new" in page
    assert f"{draft}</textarea>" in page  # the draft is kept, in the reply box
    assert 'name="confirm_conflict" value="1"' in page
    assert "그래도 보내기" in page
    newest = _messages(ticket.id)[-1].id
    assert _seen(page) == str(newest)

    confirmed = a.post_form(f"/desk/tickets/{ticket.number}/messages",
                            {"body": draft, "seen_message_id": seen, "confirm_conflict": "1"})
    assert confirmed.status_code == 302
    messages = _messages(ticket.id)
    assert len(messages) == count + 1
    assert messages[-1].body == draft and messages[-1].author_id == first.id


def test_a_note_by_someone_else_also_asks_but_my_own_messages_do_not(app, make_client):
    customer, ticket, first, second = _setup()
    a, b = _browser(make_client, first), _browser(make_client, second)
    seen = _seen(_page(a.get(f"/desk/tickets/{ticket.number}")))

    # my own earlier note does not count as a collision
    assert a.post_form(f"/desk/tickets/{ticket.number}/messages",
                       {"body": "내 메모", "internal": "y", "seen_message_id": seen}).status_code == 302
    assert a.post_form(f"/desk/tickets/{ticket.number}/messages",
                       {"body": "첫 답변", "seen_message_id": seen}).status_code == 302

    b.post_form(f"/desk/tickets/{ticket.number}/messages", {"body": "B의 내부 메모", "internal": "y"})
    response = a.post_form(f"/desk/tickets/{ticket.number}/messages", {"body": "둘째 답변", "seen_message_id": seen})
    assert response.status_code == 409
    assert "B의 내부 메모" in _page(response)
    # sending again from the 409 page (its seen id is the newest now) goes through
    again = a.post_form(f"/desk/tickets/{ticket.number}/messages",
                        {"body": "둘째 답변", "seen_message_id": _seen(_page(response))})
    assert again.status_code == 302
    assert _messages(ticket.id)[-1].body == "둘째 답변"


def test_a_customer_reply_since_opening_counts_too(app, make_client):
    customer, ticket, first, _second = _setup()
    a = _browser(make_client, first)
    seen = _seen(_page(a.get(f"/desk/tickets/{ticket.number}")))
    c = _browser(make_client, customer)
    assert c.post_form(f"/inquiries/{ticket.number}/reply", {"body": "고객 추가 문의"}).status_code in (302, 303)
    response = a.post_form(f"/desk/tickets/{ticket.number}/messages", {"body": "답변", "seen_message_id": seen})
    assert response.status_code == 409
    assert "고객 추가 문의" in _page(response)
    assert db.session.get(Ticket, ticket.id) is not None


def test_names_in_the_banner_are_escaped(app, make_client):
    customer = make_user("customer")
    ticket = make_ticket(customer)
    sneaky = make_user("agent", name="<b>최</b>", queues=["general"])
    other = make_user("agent", queues=["general"])
    _ping(_browser(make_client, sneaky), ticket.number)
    raw = _browser(make_client, other).get(f"/desk/tickets/{ticket.number}").get_data(as_text=True)
    banner = raw.split('id="presence"', 1)[1].split("</div>", 1)[0]
    assert "&lt;b&gt;최&lt;/b&gt;" in banner and "<b>" not in banner
