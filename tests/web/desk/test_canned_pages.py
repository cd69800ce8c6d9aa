"""자주 쓰는 답변 pages: management at /desk/canned, and the picker on the agent's ticket page."""
from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CannedAnswer, CannedAnswerUse, Message
from app.services import unit_of_work
from app.services.desk import canned
from app.services.desk.canned import AnswerInput
from tests.factories import login, make_order, make_ticket, make_user
from tests.journeys.browser import Browser


@pytest.fixture()
def browser(web_app):
    """A person's browser that submits the pages' own forms (tests/journeys/browser.py)."""
    return lambda: Browser(web_app.test_client())


def _shared(title="환불 접수 안내", body="{{ customer.name }}님, 환불을 접수했습니다.", **kw):
    lead = make_user("lead")
    answer = canned.create(lead, AnswerInput(title=title, body_ko=body, shared=True, **kw),
                           now=datetime.now(UTC))
    unit_of_work.commit()
    return answer


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


# ---------------------------------------------------------------- access

def test_customers_get_403_on_canned_pages(app, client):
    answer = _shared()
    login(client, make_user("customer"))
    assert client.get("/desk/canned").status_code == 403
    assert client.get("/desk/canned/new").status_code == 403
    assert client.get(f"/desk/canned/{answer.id}/edit").status_code == 403
    assert client.post_form("/desk/canned/new", {"title": "x", "body_ko": "y"}).status_code == 403


def test_agents_cannot_edit_shared_answers(app, client):
    answer = _shared()
    login(client, make_user("agent", queues=["orders"]))
    page = _text(client.get("/desk/canned"))
    assert "환불 접수 안내" in page and f"/desk/canned/{answer.id}/edit" not in page
    assert client.get(f"/desk/canned/{answer.id}/edit").status_code == 403
    assert client.post_form(f"/desk/canned/{answer.id}/edit", {"title": "바꿈", "body_ko": "x"}).status_code == 403
    assert client.post_form(f"/desk/canned/{answer.id}/active", {"active": "0"}).status_code == 403
    # Asking for a shared one only makes a personal one.
    response = client.post_form("/desk/canned/new", {"title": "내 인사", "body_ko": "안녕하세요", "shared": "y"})
    assert response.status_code == 302
    mine = db.session.scalar(select(CannedAnswer).where(CannedAnswer.title == "내 인사"))
    assert mine.owner_id is not None
    db.session.refresh(answer)
    assert answer.title == "환불 접수 안내" and answer.active


def test_lead_manages_shared_answers(app, client):
    lead = make_user("lead")
    login(client, lead)
    assert client.get("/desk/canned/new").status_code == 200
    response = client.post_form("/desk/canned/new", {
        "title": "배송 지연 안내", "body_ko": "{{ customer.name }}님, 주문 {{ order.number }} 배송이 늦어집니다.",
        "shared": "y", "categories": ["delivery"], "status": "pending", "priority": "high", "tag": "배송지연"})
    assert response.status_code == 302
    answer = db.session.scalar(select(CannedAnswer).where(CannedAnswer.title == "배송 지연 안내"))
    assert answer.owner_id is None and answer.category_codes == ["delivery"]
    assert answer.actions == {"status": "pending", "priority": "high", "tag": "배송지연"}
    edit = _text(client.get(f"/desk/canned/{answer.id}/edit"))
    assert "배송 지연 안내" in edit and "{{ customer.name }}" in edit
    response = client.post_form(f"/desk/canned/{answer.id}/edit", {
        "title": "배송 지연 사과", "body_ko": "죄송합니다.", "categories": ["delivery", "order"]})
    assert response.status_code == 302
    db.session.refresh(answer)
    assert answer.title == "배송 지연 사과" and answer.actions == {} and answer.owner_id is None
    assert client.post_form(f"/desk/canned/{answer.id}/active", {"active": "0"}).status_code == 302
    db.session.refresh(answer)
    assert answer.active is False


def test_unknown_placeholder_is_refused_on_the_form(app, client):
    login(client, make_user("agent", queues=["orders"]))
    response = client.post_form("/desk/canned/new", {"title": "t", "body_ko": "{{ config }} {{ ''.__class__ }}"})
    assert response.status_code == 422
    page = _text(response)
    assert "알 수 없는 치환 항목입니다: config" in page
    assert db.session.scalar(select(func.count(CannedAnswer.id))) == 0


def test_someone_elses_personal_answer_is_404(app, client, make_client):
    owner = make_user("agent", queues=["orders"])
    mine = canned.create(owner, AnswerInput(title="내 비밀 답변", body_ko="x"), now=datetime.now(UTC))
    unit_of_work.commit()
    ticket = make_ticket(make_user("customer"), category="delivery")
    other = make_user("agent", queues=["orders"])
    login(client, other)
    assert "내 비밀 답변" not in _text(client.get("/desk/canned"))
    assert client.get(f"/desk/canned/{mine.id}/edit").status_code == 404
    page = _text(client.get(f"/desk/tickets/{ticket.number}?canned={mine.id}"))
    assert "내 비밀 답변" not in page
    response = client.post_form(f"/desk/tickets/{ticket.number}/canned/{mine.id}/preview")
    assert response.status_code in (404, 405)
    assert client.get(f"/desk/tickets/{ticket.number}/canned/{mine.id}/preview").status_code == 404
    response = client.post_form(f"/desk/tickets/{ticket.number}/messages",
                                {"body": "x", "canned_answer_id": str(mine.id)})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Message.id)).where(Message.ticket_id == ticket.id)) == 1
    owner_client = make_client()
    login(owner_client, owner)
    assert "내 비밀 답변" in _text(owner_client.get(f"/desk/tickets/{ticket.number}"))


# ---------------------------------------------------------------- the picker

def _reply_form(browser, number):
    return browser.get(f"/desk/tickets/{number}").form(action=f"/desk/tickets/{number}/messages")


def test_picker_offers_every_answer_this_tickets_first(app, client):
    _shared(body="환불 접수", category_codes=["refund"])
    _shared(title="반품 안내", body="반품 안내입니다.")
    _shared(title="배송 지연 안내", body="x", category_codes=["delivery"])
    ticket = make_ticket(make_user("customer"), category="refund")
    login(client, make_user("agent", queues=["orders"]))
    page = _text(client.get(f"/desk/tickets/{ticket.number}"))
    assert "자주 쓰는 답변" in page and 'src="/static/js/canned.js"' in page
    # This ticket's category first, then answers for any ticket, then the other categories'.
    fitting, others = page.index("이 문의에 맞는 답변"), page.index("다른 유형의 답변")
    assert fitting < page.index("환불 접수 안내") < page.index("반품 안내") < others < page.index("배송 지연 안내")
    page = _text(client.get(f"/desk/tickets/{ticket.number}?q=ㅎㅂ"))
    assert "환불 접수 안내" in page and "반품 안내" not in page
    # Typing 환불 on a 배송 ticket finds the 환불 answer too.
    delivery = make_ticket(make_user("customer"), category="delivery")
    page = _text(client.get(f"/desk/tickets/{delivery.number}?q=환불"))
    assert "환불 접수 안내" in page and "배송 지연 안내" not in page


def test_picked_answer_fills_the_main_reply_box_and_is_sent_from_it(app, browser):
    refund = _shared(body="{{ customer.name }}님, 주문 {{ order.number }} 환불을 접수했습니다.",
                     status="on_hold", tag="환불")
    customer = make_user("customer", name="홍길동")
    ticket = make_ticket(customer, category="refund", order=make_order(customer, number="20261120-424242"))
    agent = make_user("agent", name="김상담", queues=["orders"])
    person = browser()
    person.sign_in(agent.email, "correct-horse-42")
    page = person.get(f"/desk/tickets/{ticket.number}").click("답변란에 넣기")
    assert f"canned={refund.id}" in page.url
    # No second send form: the answer is in the ticket's own reply box, with files and the note checkbox.
    assert "이 답변으로 보내기" not in page.text and len(page.soup.select("textarea")) == 1
    form = page.form(action=f"/desk/tickets/{ticket.number}/messages")
    assert form.value("body") == "홍길동님, 주문 20261120-424242 환불을 접수했습니다."
    assert form.value("canned_answer_id") == str(refund.id)
    assert "넣은 자주 쓰는 답변: 환불 접수 안내" in page.text
    assert "공개 답변으로 보내면: 상태 → 보류 · 태그 + 환불" in page.text
    # Looking is not using.
    assert db.session.scalar(select(func.count(CannedAnswerUse.id))) == 0
    assert db.session.scalar(select(func.count(Message.id)).where(Message.ticket_id == ticket.id)) == 1
    page = form.fill(body="홍길동님, 환불을 접수했습니다. (수정함)").attach(
        "files", "receipt.txt", "환불 접수증".encode()).submit()
    assert page.status == 200 and "자주 쓰는 답변을 보냈습니다." in page.flashes()
    last = db.session.scalar(select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id.desc()))
    assert last.body == "홍길동님, 환불을 접수했습니다. (수정함)" and not last.internal
    assert [a.filename for a in last.attachments] == ["receipt.txt"]
    db.session.refresh(ticket)
    assert ticket.status == "on_hold" and [t.name for t in ticket.tags] == ["환불"]
    assert db.session.scalar(select(func.count(CannedAnswerUse.id))) == 1
    # The box is empty again: the next reply is an ordinary one.
    assert _reply_form(person, ticket.number).value("canned_answer_id") == ""

    lead = browser()
    lead.sign_in(make_user("lead").email, "correct-horse-42")
    assert 'data-uses="1"' in lead.get("/desk/canned").html
    assert "김상담 · 1" in lead.get(f"/desk/canned/{refund.id}/edit").text


def test_picked_answer_as_an_internal_note_changes_nothing_else(app, browser):
    answer = _shared(title="보류 안내", body="판매자 확인 중입니다.", status="on_hold", tag="확인중")
    ticket = make_ticket(make_user("customer"), category="product")
    person = browser()
    person.sign_in(make_user("agent", queues=["general"]).email, "correct-horse-42")
    page = person.get(f"/desk/tickets/{ticket.number}?canned={answer.id}")
    page = page.form(action=f"/desk/tickets/{ticket.number}/messages").set("internal", "y").submit()
    assert "내부 메모를 남겼습니다." in page.flashes()
    last = db.session.scalar(select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id.desc()))
    assert last.internal and last.body == "판매자 확인 중입니다."
    db.session.refresh(ticket)
    assert ticket.status == "new" and ticket.tags == []
    assert db.session.scalar(select(func.count(CannedAnswerUse.id))) == 1


def test_missing_placeholder_is_shown_and_blocks_sending(app, browser):
    answer = _shared(title="주문 확인", body="주문 {{ order.number }} 확인했습니다.")
    defaulted = _shared(title="주문 확인 기본값", body='주문 {{ order.number | default("주문번호 확인 중") }}')
    ticket = make_ticket(make_user("customer"), category="product")
    person = browser()
    person.sign_in(make_user("agent", queues=["general"]).email, "correct-horse-42")
    page = person.get(f"/desk/tickets/{ticket.number}?canned={answer.id}")
    assert "missing-placeholders" in page.html and "{{ order.number }}" in page.text
    before = db.session.scalar(select(func.count(Message.id)))
    page = page.form(action=f"/desk/tickets/{ticket.number}/messages").submit()
    assert page.status == 422
    assert "order.number" in " ".join(page.errors())
    # The text and the picked answer stay for the agent to fix.
    form = page.form(action=f"/desk/tickets/{ticket.number}/messages")
    assert form.value("body") == "주문 {{ order.number }} 확인했습니다."
    assert form.value("canned_answer_id") == str(answer.id)
    assert db.session.scalar(select(func.count(Message.id))) == before
    assert db.session.scalar(select(func.count(CannedAnswerUse.id))) == 0
    page = person.get(f"/desk/tickets/{ticket.number}?canned={defaulted.id}")
    assert "missing-placeholders" not in page.html and "주문 주문번호 확인 중" in page.text
    page = page.form(action=f"/desk/tickets/{ticket.number}/messages").submit()
    assert "자주 쓰는 답변을 보냈습니다." in page.flashes()


def test_answer_switched_off_after_it_was_picked_keeps_the_text(app, browser):
    answer = _shared(title="곧 꺼질 답변", body="확인했습니다.")
    ticket = make_ticket(make_user("customer"), category="product")
    person = browser()
    person.sign_in(make_user("agent", queues=["general"]).email, "correct-horse-42")
    form = person.get(f"/desk/tickets/{ticket.number}?canned={answer.id}").form(
        action=f"/desk/tickets/{ticket.number}/messages")
    canned.deactivate(make_user("lead"), answer.id, now=datetime.now(UTC))
    unit_of_work.commit()
    page = form.submit()
    assert page.status == 422 and "더 이상 쓸 수 없습니다" in " ".join(page.errors())
    form = page.form(action=f"/desk/tickets/{ticket.number}/messages")
    assert form.value("body") == "확인했습니다." and form.value("canned_answer_id") == ""
    assert "답변을 보냈습니다." in form.submit().flashes()


def test_preview_for_the_script_reads_only(app, client):
    answer = _shared(title="배송 조회 안내", body="{{ customer.name }}님, 배송 중입니다.", status="solved")
    ticket = make_ticket(make_user("customer", name="김민지"), category="product")
    login(client, make_user("agent", queues=["general"]))
    response = client.get(f"/desk/tickets/{ticket.number}/canned/{answer.id}/preview")
    assert response.status_code == 200
    assert response.json == {"id": answer.id, "title": "배송 조회 안내", "text": "김민지님, 배송 중입니다.",
                             "missing": [], "after": "상태 → 해결됨"}
    assert db.session.scalar(select(func.count(CannedAnswerUse.id))) == 0
    assert db.session.scalar(select(func.count(Message.id)).where(Message.ticket_id == ticket.id)) == 1


def test_canned_pages_send_csp_without_inline_script(app, client):
    _shared()
    ticket = make_ticket(make_user("customer"), category="refund")
    login(client, make_user("admin"))
    for url in ("/desk/canned", "/desk/canned/new", f"/desk/tickets/{ticket.number}?q=ㅎㅂ"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>" not in response.get_data(as_text=True)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
