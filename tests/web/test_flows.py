"""What customers and agents do all day, through the pages, and what they see."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import Attachment, AuditEvent, Message, Notification, Ticket, User
from app.services import unit_of_work
from app.services.tickets.core import add_message, update_ticket
from tests.factories import english, login, make_order, make_ticket, make_user, multipart, png_bytes, sign_in

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def _status(page: str) -> str:
    """The status shown in the ticket header (the first status badge on the page)."""
    match = re.search(r'<span class="status status-([a-z_]+)">([^<]*)</span>', page)
    assert match, "no status badge"
    return match.group(1), match.group(2)


def _unread(page: str) -> int:
    match = re.search(r'data-unread="(\d+)"', page)
    return int(match.group(1)) if match else 0


def _audit(page: str) -> list[str]:
    block = re.search(r'<ol class="audit small">(.*?)</ol>', page, re.S).group(1)
    items = re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item))).strip() for item in items]


def _text(page: str) -> str:
    return html.unescape(page)


def _ticket() -> Ticket:
    db.session.expire_all()
    return db.session.scalars(db.select(Ticket)).one()


# ------------------------------------------------------------------ customer

def test_customer_files_reads_replies_with_a_file_and_solves(app, make_client):
    customer = make_user("customer", name="김민지")
    order = make_order(customer)
    agent = make_user("agent", name="김상담", queues=["orders"])
    browser = make_client()
    login(browser, customer)

    form = browser.get("/inquiries/new").get_data(as_text=True)
    assert order.number in form and "배송" in form
    response = browser.post_form("/inquiries/new", {
        "category": "delivery", "order_number": order.number, "subject": "배송이 아직 안 왔어요",
        "body": "주문한 지 5일이 지났습니다."})
    assert response.status_code == 302
    ticket = _ticket()
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert f'문의가 접수되었습니다. 문의 번호는 <span class="ticket-number">{ticket.number}</span> 입니다.' in page
    assert _status(page) == ("new", "접수")
    assert order.number in page

    listing = browser.get("/inquiries").get_data(as_text=True)
    assert "배송이 아직 안 왔어요" in listing and ticket.number in listing and "접수" in listing

    add_message(agent, ticket, body="내일 출고 예정입니다.", internal=False, files=[], now=NOW)
    unit_of_work.commit()
    page = browser.get(f"/inquiries/{ticket.number}").get_data(as_text=True)
    assert "내일 출고 예정입니다." in page and "상담원 김상담" in page
    assert _status(page) == ("open", "처리중")

    body, content_type = multipart({"csrf_token": browser.csrf_token(), "body": "송장 사진 첨부합니다."},
                                   [("files", "송장.png", png_bytes(), "image/png")])
    response = browser.post(f"/inquiries/{ticket.number}/reply", data=body, content_type=content_type)
    assert response.status_code == 302
    page = browser.get(f"/inquiries/{ticket.number}").get_data(as_text=True)
    assert "답글을 등록했습니다." in page
    assert "송장 사진 첨부합니다." in page and "송장.png" in page
    attachment = db.session.scalars(db.select(Attachment)).one()
    assert browser.get(f"/attachments/{attachment.id}").data.startswith(b"\x89PNG")

    response = browser.post_form(f"/inquiries/{ticket.number}/solve")
    assert response.status_code == 302
    page = browser.get(f"/inquiries/{ticket.number}").get_data(as_text=True)
    assert "문의를 해결됨으로 표시했습니다." in page
    assert _status(page) == ("solved", "해결됨")
    assert "문제가 해결되었어요" not in page
    assert "해결된 문의입니다. 답글을 남기면 문의가 다시 열립니다." in page


def test_reply_to_a_solved_inquiry_reopens_it(app, client):
    customer = make_user("customer")
    ticket = make_ticket(customer, now=NOW)
    update_ticket(customer, ticket, status="solved", now=NOW)
    unit_of_work.commit()
    login(client, customer)
    assert _status(client.get(f"/inquiries/{ticket.number}").get_data(as_text=True))[0] == "solved"

    assert client.post_form(f"/inquiries/{ticket.number}/reply", {"body": "다시 문제가 생겼어요"}).status_code == 302
    page = client.get(f"/inquiries/{ticket.number}").get_data(as_text=True)
    assert _status(page) == ("open", "처리중")
    assert "다시 문제가 생겼어요" in page
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "reopened")) is not None


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_closed_inquiry_refuses_a_reply_and_offers_a_new_one(app, client, lang):
    customer = make_user("customer")
    order = make_order(customer)
    ticket = make_ticket(customer, category="delivery", order=order, now=NOW)
    ticket.status = "closed"   # what the auto-close job leaves behind
    ticket.closed_at = NOW
    unit_of_work.commit()
    login(client, customer)
    headers = {"Accept-Language": "en"} if lang == "en" else {}

    page = client.get(f"/inquiries/{ticket.number}", headers=headers).get_data(as_text=True)
    assert _status(page)[0] == "closed"
    new_link = f'/inquiries/new?category=delivery&amp;order={order.number}'
    assert new_link in page
    assert 'action="/inquiries/' + ticket.number + '/reply"' not in page

    response = client.post_form(f"/inquiries/{ticket.number}/reply", {"body": "아직 궁금해요"}, headers=headers)
    assert response.status_code == 409
    notice = "종료된 문의입니다. 추가로 궁금한 점이 있으면 새 문의를 남겨 주세요."
    expected = (english(notice) or notice) if lang == "en" else notice
    refused = _text(response.get_data(as_text=True))
    assert re.sub(r"\s+", " ", expected) in re.sub(r"\s+", " ", refused)
    assert new_link in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 1

    solve = client.post_form(f"/inquiries/{ticket.number}/solve", headers=headers)
    assert solve.status_code == 409
    assert _ticket().status == "closed"

    new_form = client.get(html.unescape(new_link)).get_data(as_text=True)
    assert re.search(r'value="delivery"\s+checked', new_form)
    assert re.search(rf'<option selected value="{order.number}"|<option value="{order.number}" selected', new_form)


# ------------------------------------------------------------------ agent

def test_queue_views_show_the_right_tickets(app, make_client):
    customer = make_user("customer")
    agent = make_user("agent", name="김상담", queues=["orders"])
    colleague = make_user("agent", name="이동료", queues=["orders"])

    def ticket(subject, *, category="delivery", status=None, assignee=None):
        t = make_ticket(customer, category=category, subject=subject, now=NOW)
        if assignee:
            update_ticket(assignee, t, assignee_id=assignee.id, now=NOW)
        if status:
            update_ticket(agent if category == "delivery" else make_user("lead"), t, status=status, now=NOW)
        unit_of_work.commit()
        return t

    ticket("QV-MINE-OPEN", status="open", assignee=agent)
    ticket("QV-UNASSIGNED-NEW")
    ticket("QV-MINE-SOLVED", status="solved", assignee=agent)
    ticket("QV-COLLEAGUE-PENDING", status="pending", assignee=colleague)
    ticket("QV-MINE-ONHOLD", status="on_hold", assignee=agent)
    ticket("QV-OTHER-QUEUE", category="product")
    all_subjects = {"QV-MINE-OPEN", "QV-UNASSIGNED-NEW", "QV-MINE-SOLVED", "QV-COLLEAGUE-PENDING",
                    "QV-MINE-ONHOLD", "QV-OTHER-QUEUE"}
    expected = {
        "mine": {"QV-MINE-OPEN", "QV-MINE-ONHOLD"},
        "unassigned": {"QV-UNASSIGNED-NEW"},
        "open": {"QV-MINE-OPEN", "QV-UNASSIGNED-NEW", "QV-COLLEAGUE-PENDING", "QV-MINE-ONHOLD"},
        "status-new": {"QV-UNASSIGNED-NEW"},
        "status-open": {"QV-MINE-OPEN"},
        "status-pending": {"QV-COLLEAGUE-PENDING"},
        "status-on_hold": {"QV-MINE-ONHOLD"},
        "status-solved": {"QV-MINE-SOLVED"},
        "status-closed": set(),
    }
    desk = make_client()
    sign_in(desk, agent)
    for view, subjects in expected.items():
        page = desk.get(f"/desk?view={view}").get_data(as_text=True)
        shown = {s for s in all_subjects if s in page}
        assert shown == subjects, view
        assert f'<span class="count">{len(subjects)}</span>' in page, view
    # The default view is "mine"; search narrows within what the agent may see.
    assert {s for s in all_subjects if s in desk.get("/desk").get_data(as_text=True)} == expected["mine"]
    found = desk.get("/desk?view=open&q=COLLEAGUE").get_data(as_text=True)
    assert "QV-COLLEAGUE-PENDING" in found and "QV-MINE-OPEN" not in found
    assert "QV-OTHER-QUEUE" not in desk.get("/desk?view=open&q=QV-OTHER").get_data(as_text=True)


def test_internal_note_is_never_shown_to_the_customer(app, make_client):
    customer = make_user("customer")
    agent = make_user("agent", name="김상담", queues=["general"])
    ticket = make_ticket(customer, now=NOW)
    browser, desk = make_client(), make_client()
    login(browser, customer)
    login(desk, agent)
    unread_before = _unread(browser.get("/inquiries").get_data(as_text=True))

    response = desk.post_form(f"/desk/tickets/{ticket.number}/messages",
                              {"body": "NOTE-7781 고객이 예민함, 판매자 확인 중", "internal": "y"})
    assert response.status_code == 302
    desk_page = desk.get(f"/desk/tickets/{ticket.number}").get_data(as_text=True)
    assert "내부 메모를 남겼습니다." in desk_page
    assert "NOTE-7781" in desk_page and "tag-internal" in desk_page
    assert _status(desk_page)[0] == "new"   # a note does not answer the customer

    for path in (f"/inquiries/{ticket.number}", "/inquiries", "/notifications"):
        page = browser.get(path).get_data(as_text=True)
        assert "NOTE-7781" not in page, path
        assert _unread(page) == unread_before, path
    assert db.session.scalar(db.select(db.func.count(Notification.id))
                             .where(Notification.user_id == customer.id)) == unread_before


def test_agent_assigns_changes_status_and_priority_with_an_audit_trail(app, make_client):
    customer = make_user("customer", name="김민지")
    agent = make_user("agent", name="김상담", queues=["orders"])
    colleague = make_user("agent", name="이동료", queues=["orders"])
    outsider = make_user("agent", name="박일반", queues=["general"])
    ticket = make_ticket(customer, category="delivery", now=NOW)
    desk = make_client()
    login(desk, agent)

    assert desk.post_form(f"/desk/tickets/{ticket.number}/assign-me").status_code == 302
    page = desk.get(f"/desk/tickets/{ticket.number}").get_data(as_text=True)
    assert "나에게 배정했습니다." in page
    assert _ticket().assignee_id == agent.id
    assert "나에게 배정" not in page.replace("나에게 배정했습니다.", "")

    response = desk.post_form(f"/desk/tickets/{ticket.number}/update", {
        "status": "pending", "priority": "high", "assignee_id": str(colleague.id), "queue": "orders"})
    assert response.status_code == 302
    page = desk.get(f"/desk/tickets/{ticket.number}").get_data(as_text=True)
    assert "문의를 변경했습니다." in page
    assert _status(page) == ("pending", "답변 대기")
    assert 'class="priority priority-high">높음' in page
    trail = _audit(page)
    # who, what, old → new, as sentences with the labels people read
    for pattern in (r"김민지 님이 문의를 접수했습니다\.$", r"김상담 님이 이 문의를 맡았습니다\.$",
                    r"김상담 님이 상태를 ‘접수’에서 ‘답변 대기’로 바꿨습니다\.$",
                    r"김상담 님이 우선순위를 ‘보통’에서 ‘높음’으로 바꿨습니다\.$",
                    r"김상담 님이 담당자를 김상담 님에서 이동료 님으로 바꿨습니다\.$"):
        assert any(re.search(pattern, e) for e in trail), (pattern, trail)
    assert all(re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} ", e) for e in trail), trail

    # An agent outside the ticket's queue cannot be given it.
    refused = desk.post_form(f"/desk/tickets/{ticket.number}/update", {
        "status": "pending", "priority": "high", "assignee_id": str(outsider.id), "queue": "orders"})
    assert refused.status_code == 422
    assert "이 큐의 상담원에게만 배정할 수 있습니다." in refused.get_data(as_text=True)
    assert _ticket().assignee_id == colleague.id

    # The colleague hears about it; the customer hears about the status change.
    colleague_desk = make_client()
    sign_in(colleague_desk, colleague)
    assert _unread(colleague_desk.get("/desk").get_data(as_text=True)) == 1
    assert ticket.number in colleague_desk.get("/desk?view=mine").get_data(as_text=True)
    kinds = set(db.session.scalars(db.select(Notification.kind).where(Notification.user_id == customer.id)))
    assert "status_changed" in kinds


# ------------------------------------------------------------------ bell

def test_bell_counts_and_marking_read(app, make_client):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    browser, desk = make_client(), make_client()
    login(browser, customer)
    login(desk, agent)
    response = browser.post_form("/inquiries/new", {"category": "product", "subject": "색상 문의",
                                                    "body": "빨강 있나요?"})
    ticket = _ticket()
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    base = _unread(page)   # "문의가 접수되었습니다"

    desk.post_form(f"/desk/tickets/{ticket.number}/assign-me")
    assert _unread(desk.get("/desk").get_data(as_text=True)) == 0   # no bell for your own action
    desk.post_form(f"/desk/tickets/{ticket.number}/messages", {"body": "빨강 재고 있습니다."})
    assert _unread(browser.get("/inquiries").get_data(as_text=True)) == base + 1

    browser.post_form(f"/inquiries/{ticket.number}/reply", {"body": "감사합니다, 주문할게요."})
    assert _unread(desk.get("/desk").get_data(as_text=True)) == 1
    desk_bell = desk.get("/notifications").get_data(as_text=True)
    assert "고객이 답글을 남겼습니다" in desk_bell and "색상 문의" in desk_bell

    bell = browser.get("/notifications").get_data(as_text=True)
    assert "상담원이 답변했습니다" in bell
    newest = db.session.scalars(db.select(Notification).where(Notification.user_id == customer.id)
                                .order_by(Notification.id.desc())).first()
    opened = browser.post_form(f"/notifications/{newest.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"] == f"/inquiries/{ticket.number}"
    assert _unread(browser.get("/inquiries").get_data(as_text=True)) == base
    db.session.expire_all()
    assert db.session.get(Notification, newest.id).read_at is not None

    agents_note = db.session.scalars(db.select(Notification.id).where(Notification.user_id == agent.id)).first()
    opened = desk.post_form(f"/notifications/{agents_note}/open")
    assert opened.headers["Location"] == f"/desk/tickets/{ticket.number}"

    browser.post_form("/notifications/read-all")
    page = browser.get("/notifications").get_data(as_text=True)
    assert _unread(page) == 0 and "모두 읽음" not in page


# ------------------------------------------------------------------ language and time

def _assert_english(page: str, *korean: str) -> None:
    assert '<html lang="en">' in page
    for text in korean:
        translated = english(text)
        if translated:
            assert translated in _text(page), text


def test_english_when_the_browser_asks_for_it(app, client):
    customer = make_user("customer")
    make_order(customer)
    login(client, customer)
    en = {"Accept-Language": "en-US,en;q=0.9"}
    page = client.get("/inquiries/new", headers=en).get_data(as_text=True)
    _assert_english(page, "1:1 문의하기", "내 문의 내역")
    assert "Order &amp; payment" in page and "Delivery" in page   # category names in English
    assert "주문/결제" not in page
    korean = client.get("/inquiries/new", headers={"Accept-Language": "ko-KR,ko"}).get_data(as_text=True)
    assert '<html lang="ko">' in korean and "주문/결제" in korean
    assert '<html lang="ko">' in client.get("/inquiries/new").get_data(as_text=True)


def test_language_switch_is_remembered(app, make_client):
    customer = make_user("customer")
    browser = make_client()
    login(browser, customer)
    response = browser.post_form("/language", {"lang": "en", "next": "/inquiries"})
    assert response.status_code == 302 and response.headers["Location"] == "/inquiries"
    _assert_english(browser.get("/inquiries").get_data(as_text=True), "내 문의 내역", "1:1 문의하기")
    db.session.expire_all()
    assert db.session.get(User, customer.id).locale == "en"

    # Saved on the account: another browser signs in and gets English too, even asking for Korean.
    other = make_client()
    login(other, customer)
    page = other.get("/inquiries", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert '<html lang="en">' in page

    browser.post_form("/language", {"lang": "ko"})
    assert '<html lang="ko">' in browser.get("/inquiries").get_data(as_text=True)

    visitor = make_client()
    visitor.post_form("/language", {"lang": "en"})
    _assert_english(visitor.get("/help").get_data(as_text=True), "무엇을 도와드릴까요?")


def test_times_are_shown_in_seoul(app, make_client):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    at = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    ticket = make_ticket(customer, subject="새벽 문의", now=at)
    assert ticket.number.startswith("M-20261127-")   # the day in Seoul
    browser, desk = make_client(), make_client()
    sign_in(browser, customer)
    sign_in(desk, agent)
    pages = [browser.get(f"/inquiries/{ticket.number}"), browser.get("/inquiries"),
             desk.get(f"/desk/tickets/{ticket.number}"), desk.get("/desk?view=open")]
    for response in pages:
        page = response.get_data(as_text=True)
        assert "2026-11-27 01:30" in page, response.request.path
        assert "2026-11-26 16:30" not in page
    assert "KST" in pages[0].get_data(as_text=True)
