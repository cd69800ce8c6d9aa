"""Bulk actions on /desk and merge / split on the agent's ticket page, through the pages."""
from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, AuditEvent, Message, Ticket
from app.services import unit_of_work
from app.services.desk import canned
from app.services.desk.canned import AnswerInput
from app.services.tickets.core import add_message
from tests.factories import login, make_ticket, make_user, png_bytes, upload

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def _fresh(ticket_id: int) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def _browser(make_client, user):
    browser = make_client()
    login(browser, user)
    return browser


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _state(ticket_id: int) -> tuple:
    t = _fresh(ticket_id)
    events = db.session.scalars(select(AuditEvent.id).where(AuditEvent.ticket_id == ticket_id)).all()
    return t.status, t.priority, t.assignee_id, [x.name for x in t.tags], t.message_count, len(events)


def test_desk_rows_have_checkboxes_and_the_bulk_form(app, make_client):
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(make_user("customer"), now=NOW)
    page = _page(_browser(make_client, agent).get("/desk?view=open"))
    assert 'id="bulk-form"' in page
    assert f'name="numbers" value="{ticket.number}" form="bulk-form"' in page
    assert 'action="/desk/bulk?view=open"' in page


def test_bulk_assign_status_priority_tag_through_the_desk(app, make_client):
    agent = make_user("agent", name="김상담", queues=["general"])
    customer = make_user("customer")
    tickets = [make_ticket(customer, subject=f"문의 {i}", now=NOW) for i in range(3)]
    browser = _browser(make_client, agent)
    response = browser.post_form("/desk/bulk?view=open", {
        "numbers": [t.number for t in tickets[:2]], "assignee_id": str(agent.id), "status": "on_hold",
        "priority": "urgent", "tags": "일괄"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/desk?view=open")
    page = _page(browser.get("/desk?view=open"))
    assert "2건의 문의에 일괄 적용했습니다" in page
    for ticket in tickets[:2]:
        fresh = _fresh(ticket.id)
        assert (fresh.assignee_id, fresh.status, fresh.priority) == (agent.id, "on_hold", "urgent")
        assert [t.name for t in fresh.tags] == ["일괄"]
    untouched = _fresh(tickets[2].id)
    assert untouched.assignee_id is None and untouched.priority == "normal" and not untouched.tags


def test_bulk_with_a_ticket_of_another_queue_is_404_and_changes_nothing(app, make_client):
    agent = make_user("agent", queues=["general"])
    customer = make_user("customer")
    mine = make_ticket(customer, now=NOW)
    foreign = make_ticket(customer, category="delivery", now=NOW)
    before = [_state(mine.id), _state(foreign.id)]
    response = _browser(make_client, agent).post_form("/desk/bulk", {
        "numbers": [mine.number, foreign.number], "assignee_id": str(agent.id), "priority": "high",
        "status": "pending", "tags": "x"})
    assert response.status_code == 404
    assert foreign.number not in response.get_data(as_text=True)
    assert [_state(mine.id), _state(foreign.id)] == before


def test_bulk_error_re_renders_the_desk_with_the_message_and_selection(app, make_client):
    lead = make_user("lead")
    agent = make_user("agent", queues=["general"])
    answer = canned.create(lead, AnswerInput(title="주문 확인", body_ko="주문 {{ order.number }} 확인했습니다.",
                                             shared=True), now=NOW)
    unit_of_work.commit()
    ticket = make_ticket(make_user("customer"), now=NOW)
    before = _state(ticket.id)
    response = _browser(make_client, agent).post_form("/desk/bulk?view=open", {
        "numbers": [ticket.number], "canned_answer_id": str(answer.id)})
    assert response.status_code == 422
    page = _page(response)
    assert 'role="alert"' in page and ticket.number in page and "order.number" in page
    assert f'value="{ticket.number}" form="bulk-form" aria-label="선택 {ticket.number}" checked' in page
    assert _state(ticket.id) == before


def test_bulk_canned_answer_greets_each_customer_by_name(app, make_client):
    lead = make_user("lead")
    agent = make_user("agent", queues=["general"])
    answer = canned.create(lead, AnswerInput(title="안내", body_ko="{{ customer.name }}님 안녕하세요.", shared=True),
                           now=NOW)
    unit_of_work.commit()
    a = make_ticket(make_user("customer", name="홍길동"), now=NOW)
    b = make_ticket(make_user("customer", name="김영희"), now=NOW)
    response = _browser(make_client, agent).post_form("/desk/bulk", {
        "numbers": [a.number, b.number], "canned_answer_id": str(answer.id)})
    assert response.status_code == 302
    for ticket, name in ((a, "홍길동"), (b, "김영희")):
        body = db.session.scalar(select(Message.body).where(Message.ticket_id == ticket.id)
                                 .order_by(Message.id.desc()).limit(1))
        assert body == f"{name}님 안녕하세요."


def test_merge_through_the_page_and_the_customer_sees_the_notice(app, make_client):
    agent = make_user("agent", queues=["general"])
    customer = make_user("customer")
    target = make_ticket(customer, subject="원래 문의", now=NOW)
    source = make_ticket(customer, subject="중복 문의", body="중복으로 보낸 내용",
                         files=[upload(png_bytes(), "dup.png", "image/png")], now=NOW + timedelta(minutes=1))
    browser = _browser(make_client, agent)
    response = browser.post_form(f"/desk/tickets/{source.number}/merge", {"target": target.number})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/desk/tickets/{target.number}")
    page = _page(browser.get(f"/desk/tickets/{target.number}"))
    assert "중복으로 보낸 내용" in page and "dup.png" in page and f"{source.number} 문의가 병합되었습니다" in page
    assert db.session.scalar(select(Attachment.ticket_id).where(Attachment.filename == "dup.png")) == target.id
    src = _fresh(source.id)
    assert src.status == "closed" and src.merged_into_id == target.id
    page = _page(browser.get(f"/desk/tickets/{source.number}"))
    assert "이 문의는 다음 문의로 병합되었습니다" in page and f"/desk/tickets/{target.number}" in page

    mine = _browser(make_client, customer)
    page = _page(mine.get(f"/inquiries/{source.number}"))
    assert f"이 문의는 {target.number} 문의로 병합되었습니다" in page
    page = _page(mine.get(f"/inquiries/{target.number}"))
    assert "중복으로 보낸 내용" in page and "문의가 병합되었습니다" not in page  # the note is internal


def test_merge_refused_for_another_customer_or_a_queue_not_mine(app, make_client):
    agent = make_user("agent", queues=["general"])
    customer = make_user("customer")
    source = make_ticket(customer, now=NOW)
    other = make_ticket(make_user("customer"), now=NOW)
    foreign = make_ticket(customer, category="delivery", now=NOW)
    browser = _browser(make_client, agent)
    refusals = ((other, "같은 고객의 문의끼리만 병합할 수 있습니다"), (foreign, "요청하신 항목을 찾을 수 없습니다"))
    for target, says in refusals:
        response = browser.post_form(f"/desk/tickets/{source.number}/merge", {"target": target.number})
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/desk/tickets/{source.number}")
        assert says in _page(browser.get(f"/desk/tickets/{source.number}"))
    assert browser.post_form(f"/desk/tickets/{foreign.number}/merge", {"target": source.number}).status_code == 404
    assert _fresh(source.id).status == "new" and _fresh(source.id).merged_into_id is None
    assert _fresh(foreign.id).status == "new"


def test_split_button_makes_a_new_ticket(app, make_client):
    agent = make_user("agent", queues=["general"])
    customer = make_user("customer")
    ticket = make_ticket(customer, now=NOW)
    later = add_message(customer, ticket, body="다른 건도 문의드려요", internal=False,
                        files=[upload(png_bytes(), "second.png", "image/png")], now=NOW + timedelta(minutes=1))
    unit_of_work.commit()
    browser = _browser(make_client, agent)
    page = _page(browser.get(f"/desk/tickets/{ticket.number}"))
    assert page.count('class="inline split-form"') == 1
    assert f"/desk/tickets/{ticket.number}/messages/{later.id}/split" in page
    response = browser.post_form(f"/desk/tickets/{ticket.number}/messages/{later.id}/split")
    assert response.status_code == 302
    new_number = response.headers["Location"].rsplit("/", 1)[-1]
    new = db.session.scalar(select(Ticket).where(Ticket.number == new_number))
    assert new is not None and new.id != ticket.id and new.requester_id == customer.id
    assert db.session.get(Message, later.id).ticket_id == new.id
    assert db.session.scalar(select(Attachment.ticket_id).where(Attachment.filename == "second.png")) == new.id
    page = _page(browser.get(f"/desk/tickets/{new_number}"))
    assert "다른 건도 문의드려요" in page and ticket.number in page
